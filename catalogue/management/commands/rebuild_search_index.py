"""Rebuild the catalogue's search index (entries, facet values, full text) from the pages."""

import sys
import time

from django.core.management.base import BaseCommand

from catalogue.search import indexer


class Command(BaseCommand):
    help = "Recreate the search index from every live, public project page (bulk inserts)."

    def handle(self, *args, **options):
        started = time.monotonic()
        stream = sys.stderr
        tty = stream.isatty() and options["verbosity"] > 0
        last = {"decile": -1}

        def progress(done, total):
            if options["verbosity"] == 0 or not total:
                return
            elapsed = max(time.monotonic() - started, 1e-6)
            rate = done / elapsed
            if tty:
                width = 30
                filled = int(width * done / total)
                bar = "#" * filled + "-" * (width - filled)
                eta = (total - done) / rate if rate else 0
                stream.write(f"\r[{bar}] {done}/{total} {rate:,.0f}/s ETA {eta:,.0f}s")
                stream.flush()
            else:
                decile = int(10 * done / total)
                if decile != last["decile"]:
                    last["decile"] = decile
                    stream.write(f"{done}/{total} ({rate:,.0f}/s)\n")

        count = indexer.rebuild(progress=progress)
        if tty:
            stream.write("\n")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"{count} projets indexés en {elapsed:.1f} s."))
