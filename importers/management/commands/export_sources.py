"""`manage.py export_sources [FILE] [--source NAME]…`: sources as definitions that
`import_sources` reads back unchanged."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importers.sources_io import SourcesFileError, dumps, export_definitions


class Command(BaseCommand):
    help = (
        "Write harvest sources as a JSON list of source definitions (every kind), to FILE or "
        "the standard output; import_sources FILE recreates them as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="output file (default: standard output)")
        parser.add_argument("--source", action="append", default=[], help="only this source")

    def handle(self, *args, **options):
        try:
            text = dumps(export_definitions(options["source"]))
        except SourcesFileError as error:
            raise CommandError("\n".join(error.messages)) from error
        if options["file"]:
            Path(options["file"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
