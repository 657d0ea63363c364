"""`manage.py import_sources FILE`: sources from OpenScraper spider configurations."""

from django.core.management.base import BaseCommand, CommandError

from importers.sources_import import import_sources

LABELS = {
    "created": "créée",
    "updated": "mise à jour",
    "unchanged": "inchangée",
    "skipped": "ignorée",
}


class Command(BaseCommand):
    help = (
        "Create or update harvest sources (matched by name) from a file in the format of "
        "openscraper-spiders.json (one or many configurations); reports what could not be mapped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            reports = import_sources(options["file"])
        except (OSError, ValueError) as error:
            raise CommandError(f"Lecture impossible de {options['file']} : {error}") from error
        for report in reports:
            self.stdout.write(f"{report.name} : {LABELS.get(report.action, report.action)}")
            for message in report.messages:
                self.stdout.write(f"  - {message}")
        counts = {a: sum(1 for r in reports if r.action == a) for a in LABELS}
        self.stdout.write(
            ", ".join(f"{n} {LABELS[a]}(s)" for a, n in counts.items() if n) or "Aucune source."
        )
