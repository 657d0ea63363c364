"""`manage.py import_sources FILE`: sources from a file of source definitions (every kind, the
format `export_sources` writes) or from OpenScraper spider configurations."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importers.sources_import import import_sources
from importers.sources_io import (
    SourcesFileError,
    entries_of,
    import_definitions,
    is_definitions,
    read_file,
)

LABELS = {
    "created": "créée",
    "updated": "mise à jour",
    "unchanged": "inchangée",
    "skipped": "ignorée",
}


class Command(BaseCommand):
    help = (
        "Create or update harvest sources (matched by name) from a JSON list of source "
        "definitions (html, json, csv, sitemap, rss: the format export_sources writes; all or "
        "nothing) or from a file in the format of openscraper-spiders.json; reports what could "
        "not be mapped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            data = read_file(path)
            if is_definitions(data):
                reports = import_definitions(entries_of(data), base_dir=Path(path).parent)
            else:
                reports = import_sources(path)
        except SourcesFileError as error:
            raise CommandError(
                f"{path} : rien n'a été importé.\n" + "\n".join(f"  - {m}" for m in error.messages)
            ) from error
        except (OSError, ValueError) as error:
            raise CommandError(f"Lecture impossible de {path} : {error}") from error
        for report in reports:
            self.stdout.write(f"{report.name} : {LABELS.get(report.action, report.action)}")
            for message in report.messages:
                self.stdout.write(f"  - {message}")
        counts = {a: sum(1 for r in reports if r.action == a) for a in LABELS}
        self.stdout.write(
            ", ".join(f"{n} {LABELS[a]}(s)" for a, n in counts.items() if n) or "Aucune source."
        )
        if not reports or all(r.action == "skipped" for r in reports):
            raise CommandError(f"{path} : aucune source importée.")
