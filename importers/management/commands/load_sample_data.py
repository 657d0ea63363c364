"""`manage.py load_sample_data`: the real sample data of shared/data/ as a living site."""

from django.core.management.base import BaseCommand, CommandError

from catalogue import services
from catalogue.images import fetch_image
from importers.progress import ProgressBar
from importers.sample_data import data_dir, load_sample_data


class Command(BaseCommand):
    help = (
        "Build the site tree, then create the sample harvest sources of shared/data/ (La France "
        "s'engage, Apriles, PiNG and CGET tiers-lieux) and harvest them, and import the 2018 "
        "OpenScraper configurations as disabled sources. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--images",
            action="store_true",
            help="Download the partners' images (needs network access to their sites).",
        )

    def handle(self, *args, **options):
        if not (data_dir() / "ffe-laureates.csv").exists():
            raise CommandError(
                f"Sample data not found in {data_dir()}: set SHARED_DATA_DIR to the shared/data "
                "folder."
            )

        def progress(total, label):
            return ProgressBar(total, label=f"{label:<20}", stream=self.stderr._out)

        # One change of the catalogue: the open-data dumps are written once, at the end.
        with services.bulk_change():
            report = load_sample_data(
                progress_factory=progress, image_fetcher=fetch_image if options["images"] else None
            )
        self.stdout.write(f"Partners: {report.partners}")
        for source, counts in report.counts.items():
            summary = ", ".join(f"{action} {n}" for action, n in sorted(counts.items()))
            self.stdout.write(f"{source}: {summary}")
        for run in report.runs:
            self.stdout.write(f"  {run.source.name} — {run.get_status_display()} : {run.message}")
            for reason in run.attention_reasons:
                self.stdout.write(f"    ! {reason}")
        disabled = [r for r in report.openscraper if r.source is not None]
        if disabled:
            created = sum(1 for r in disabled if r.action == "created")
            self.stdout.write(
                f"OpenScraper configurations: {len(disabled)} sources ({created} created), "
                "disabled until their sites can be reached"
            )
        for error in report.errors:
            self.stderr.write(f"  ! {error}")
