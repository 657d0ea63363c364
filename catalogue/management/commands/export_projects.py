"""Write the published, public project records (the open-data API's fields and names)."""

from django.core.management.base import BaseCommand, CommandError

from catalogue import opendata


class Command(BaseCommand):
    help = (
        "Exporte les fiches publiées et publiques (mêmes champs et noms que l'API ouverte) "
        "en JSON, CSV ou GeoJSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=opendata.FORMATS, required=True)
        parser.add_argument("--source", help="Seulement les fiches de cette source (nom).")
        parser.add_argument("--output", help="Fichier de sortie (par défaut : sortie standard).")
        parser.add_argument(
            "--bom", action="store_true", help="CSV : commencer par un BOM UTF-8 (tableurs)."
        )

    def handle(self, *args, format, source=None, output=None, bom=False, **options):
        if output:
            try:
                with open(output, "w", encoding="utf-8", newline="") as stream:
                    count = opendata.write(format, stream, source=source, bom=bom)
            except OSError as error:
                raise CommandError(f"Impossible d'écrire {output} : {error}") from error
            self.stderr.write(f"{count} fiche(s) exportée(s) dans {output}")
        else:
            count = opendata.write(format, _Raw(self.stdout), source=source, bom=bom)
            self.stderr.write(f"{count} fiche(s) exportée(s)")


class _Raw:
    """Django's OutputWrapper adds a newline to every write unless told otherwise."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")
