"""Rebuild catalogue/territories/data/territories.json.gz from @etalab/decoupage-administratif."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalogue.territories import convert


class Command(BaseCommand):
    help = (
        "Convert the npm package @etalab/decoupage-administratif (communes, EPCI, departments, "
        "regions, populations) into the territories' compact data file."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            default=str(convert.DEFAULT_SOURCE),
            help=f"folder of the installed package (default: node_modules/{convert.PACKAGE})",
        )
        parser.add_argument("--output", default=str(convert.DATA_FILE))

    def handle(self, *args, source, output, **options):
        source_dir = Path(source)
        if not (source_dir / "data" / "communes.json").is_file():
            raise CommandError(f"{source_dir}: not the package {convert.PACKAGE} (npm ci first)")
        data = convert.convert(source_dir)
        size = convert.write(data, Path(output))
        self.stdout.write(
            f"{output}: {len(data['regions'])} regions, {len(data['departments'])} departments, "
            f"{len(data['epci'])} EPCI, {len(data['communes'])} communes, "
            f"{len(data['aliases'])} aliases ({size} bytes, {convert.PACKAGE} "
            f"{data['source']['version']})"
        )
