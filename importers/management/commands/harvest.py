"""`manage.py harvest NAME… [--limit N] [--dry-run]`: run sources now, with a progress bar.

One source runs in this process; several run one after the other, each in its own subprocess
(the crawling reactor cannot restart within a process), so one failing source never stops
the others.
"""

import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from importers.harvest import HarvestBusy, run_source
from importers.models import HarvestRun, Source
from importers.normalise.clean import fold
from importers.progress import ProgressBar

MANAGE = settings.BASE_DIR / "manage.py"


class Command(BaseCommand):
    help = "Harvest the named sources now (names as in openscraper-spiders.json) and print counts."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="NAME")
        parser.add_argument("--all", action="store_true", help="Every enabled source.")
        parser.add_argument("--limit", type=int, default=None, help="At most N records.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Crawl and normalise, write no page."
        )
        parser.add_argument(
            "--trigger", default="command", choices=[c for c, _ in HarvestRun.Trigger.choices]
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--batch-size", type=int, default=200)

    def _sources(self, names, all_enabled):
        if all_enabled:
            return list(Source.objects.filter(enabled=True))
        if not names:
            raise CommandError("Indiquer au moins une source (ou --all).")
        by_key = {fold(s.name): s for s in Source.objects.all()}
        missing = [n for n in names if fold(n) not in by_key]
        if missing:
            known = ", ".join(sorted(s.name for s in by_key.values())) or "aucune"
            raise CommandError(f"Source(s) inconnue(s) : {', '.join(missing)}. Connues : {known}.")
        return [by_key[fold(n)] for n in names]

    def handle(self, *args, **options):
        sources = self._sources(options["names"], options["all"])
        if len(sources) > 1:
            return self._each_in_subprocess(sources, options)
        source = sources[0]
        progress = None
        if not options["no_progress"]:
            progress = ProgressBar(None, label=f"{source.name:<20}", stream=self.stderr._out)
        try:
            run = run_source(
                source,
                limit=options["limit"],
                dry_run=options["dry_run"],
                trigger=options["trigger"],
                progress=progress,
                batch_size=options["batch_size"],
            )
        except HarvestBusy as error:
            raise CommandError(str(error)) from error
        finally:
            if progress is not None:
                progress.close()
        self.report(run)
        if run.status == HarvestRun.Status.FAILED:
            sys.exit(1)
        if (run.diagnostics or {}).get("unreachable"):
            # The partner's server stopped mid-run: schedulers and operators must see it.
            sys.exit(3)

    def report(self, run):
        self.stdout.write(
            f"{run.source.name} : {run.get_status_display()} en {run.duration_display}"
        )
        self.stdout.write(
            f"  vues {run.seen}, créées {run.created}, mises à jour {run.updated}, "
            f"inchangées {run.unchanged}, invalides {run.invalid}, en échec {run.failed}, "
            f"plus référencées {run.unlisted}"
        )
        if run.merged or run.queued:
            self.stdout.write(
                f"  rattachées à une fiche d'une autre source {run.merged}, "
                f"doublons à examiner {run.queued}"
            )
        if run.dry_run:
            self.stdout.write("  essai à blanc : rien n'a été écrit")
        for reason in run.attention_reasons:
            self.stdout.write(f"  ! à vérifier : {reason}")
        errors = run.errors.filter(severity="error")
        total = errors.count()
        for error in errors[:10]:
            self.stdout.write(f"  - {error.kind} {error.url} : {error.reason}")
        if total > 10:
            self.stdout.write(f"  … et {total - 10} autre(s) erreur(s) (voir l'administration)")

    def _each_in_subprocess(self, sources, options):
        failed = []
        for source in sources:
            cmd = [
                sys.executable,
                sys.argv[0],
                "harvest",
                source.name,
                "--trigger",
                options["trigger"],
            ]
            if options["limit"]:
                cmd += ["--limit", str(options["limit"])]
            if options["dry_run"]:
                cmd.append("--dry-run")
            if options["no_progress"]:
                cmd.append("--no-progress")
            proc = subprocess.run(cmd, check=False)
            if proc.returncode != 0:
                failed.append(source.name)
        if failed:
            raise CommandError(f"Collecte(s) en échec : {', '.join(failed)}")
