"""`manage.py evaluate_code_suggestions`: how well code suggestions do on sources they never saw.

Two held-out measures, per source and in total (see `importers.suggest_data`):
- each of the 30 sources of the mapping tables left out in turn, its tags predicted from the
  other 29 and the nomenclature's labels (tags with a right code among the suggestions);
- the four real sample sources (PiNG, CGET, Apriles, La France s'engage), their own rules left
  out: the share of their coded records whose suggestions hold a right code.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from importers.suggest_data import evaluate_samples, leave_one_source_out, total


class Command(BaseCommand):
    help = "Print per-source figures of the held-out evaluation of code suggestions."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(settings.SHARED_DATA_DIR))

    def _table(self, title, unit, figures):
        self.stdout.write(f"\n{title}")
        self.stdout.write(f"{'source':45} {unit:>8} {'right':>7} {'precision':>10} {'silent':>7}")
        for f in [*figures, total(figures)]:
            self.stdout.write(
                f"{f.source[:45]:45} {f.tags:8} {f.coverage:7.1%} {f.precision:10.1%} {f.silent:7}"
            )

    def handle(self, *args, **options):
        self._table("Mapping tables, one source left out (tags)", "tags", leave_one_source_out())
        self._table(
            "Real sample sources, own rules left out (coded records)",
            "records",
            evaluate_samples(Path(options["data_dir"])),
        )
