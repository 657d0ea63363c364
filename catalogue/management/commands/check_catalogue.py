"""`manage.py check_catalogue [--repair]`: derived data (map, search index, dumps) in step?

Exits non-zero, saying what is out of step, when anything is (run by `make run` and the tests of
the delivered site); `--repair` recomputes what is wrong, then checks again.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from catalogue import consistency


class Command(BaseCommand):
    help = (
        "Check that the map clusters, the search index and the open-data dumps are in step "
        "with the project pages; --repair recomputes those that are not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Recompute the derived data found out of step."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        checks = consistency.run_checks()
        if options["repair"]:
            broken = [check for check in checks if not check.ok]
            for check in broken:
                self.stdout.write(f"Réparation : {check.name}…")
                check.repair()
            if broken:
                checks = consistency.run_checks()
        for check in checks:
            mark = "ok" if check.ok else "À RÉPARER"
            line = f"{check.name:<20} {mark:<12} {check.summary}"
            self.stdout.write(self.style.SUCCESS(line) if check.ok else self.style.ERROR(line))
            for problem in check.problems:
                self.stdout.write(self.style.ERROR(f"    - {problem}"))
        broken = [check.name for check in checks if not check.ok]
        if broken:
            raise CommandError(
                "Données dérivées désynchronisées ("
                + ", ".join(broken)
                + ") : elles ne suivent pas "
                "les pages des projets. `manage.py check_catalogue --repair` les recalcule ; "
                "signalez ce cas, une écriture a contourné catalogue.services."
            )
        if options["verbosity"] > 1:
            self.stdout.write(f"Vérifié en {time.monotonic() - started:.2f} s.")
