"""Running one source: a `HarvestRun` record, the crawl, the pipeline, the verdict.

`run_source` crawls in the current process (once per process: the Twisted reactor cannot
restart); `manage.py harvest NAME` calls it, and the django-q2 task spawns that command in a
subprocess. After a complete run, records absent from the source count a miss (several
consecutive misses: "no longer listed", labelled or unpublished, never deleted). A run that
suddenly extracts far fewer items than usual, or whose selectors stop matching, flags the
source "needs attention": a partner's redesign never fails silently.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
from datetime import timedelta

from django.utils import timezone

from catalogue import services
from catalogue.models import ProjectSource
from importers.crawl import diagnostics as diag
from importers.crawl.config import ConfigError
from importers.gc_tuning import heap_frozen
from importers.models import HarvestError, HarvestRun, Source
from importers.pipeline import Pipeline
from importers.resume import pages_to_skip

logger = logging.getLogger(__name__)

#: A run extracting less than this share of the usual count needs a look.
DROP_RATIO = 0.5
STALE_AFTER = timedelta(hours=6)
QUIET_LOGGERS = (
    "scrapy.statscollectors",
    "scrapy.core.engine",
    "scrapy.middleware",
    "scrapy.extensions.logstats",
    "scrapy.extensions.telnet",
    "scrapy.crawler",
    "scrapy.utils.log",
    "scrapy.addons",
    "scrapy.core.scraper",
    "scrapy.downloadermiddlewares.robotstxt",
)


class HarvestBusy(Exception):
    """Another run of the same source is still going."""


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_stale_runs(source: Source) -> int:
    """Runs left "running" by a killed process become "interrupted" (their pages are whole)."""
    closed = 0
    now = timezone.now()
    for run in source.runs.filter(status=HarvestRun.Status.RUNNING):
        last = run.heartbeat or run.started_at
        if run.pid == os.getpid():
            continue
        if _alive(run.pid) and now - last < STALE_AFTER:
            raise HarvestBusy(
                f"Une collecte de « {source.name} » est déjà en cours (pid {run.pid})."
            )
        run.status = HarvestRun.Status.INTERRUPTED
        run.finished_at = last
        run.message = (
            "Collecte interrompue (processus arrêté) : les fiches déjà écrites sont complètes, "
            "la collecte suivante reprend."
        )
        run.save(update_fields=["status", "finished_at", "message"])
        closed += 1
    return closed


def usual_count(source: Source, exclude: HarvestRun | None = None) -> float | None:
    """Median number of items of the last complete runs (None without history)."""
    runs = source.runs.filter(complete=True, dry_run=False)
    if exclude is not None:
        runs = runs.exclude(pk=exclude.pk)
    counts = list(runs.order_by("-started_at").values_list("seen", flat=True)[:5])
    return statistics.median(counts) if counts else None


def run_source(
    source: Source,
    *,
    limit: int | None = None,
    dry_run: bool = False,
    trigger: str = HarvestRun.Trigger.COMMAND,
    progress=None,
    settings_overrides: dict | None = None,
    batch_size: int = 200,
    image_fetcher=None,
) -> HarvestRun:
    close_stale_runs(source)
    run = HarvestRun.objects.create(
        source=source,
        pid=os.getpid(),
        trigger=trigger,
        dry_run=dry_run,
        item_limit=limit or None,
        heartbeat=timezone.now(),
    )
    try:
        config = source.build_config()
    except ConfigError as error:
        return _finish_failed(source, run, "Configuration invalide : " + " ; ".join(error.messages))
    if config.kind == "peer" and not limit:
        config.cursor = peer_cursor(source)  # incremental: from where the last run stopped

    resume = pages_to_skip(source, config, run)  # what an interrupted run already wrote
    pipeline = Pipeline(
        source,
        run,
        dry_run=dry_run,
        batch_size=batch_size,
        progress=progress,
        image_fetcher=image_fetcher,
        resume=resume,
    )
    # Development and tests may relax politeness against their own local servers.
    overrides = json.loads(os.environ.get("HARVEST_SCRAPY_OVERRIDES") or "{}")
    overrides.update(settings_overrides or {})
    # Scrapy sets its loggers to DEBUG when it starts; its children keep an explicit level.
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # One change for the whole run: the open-data dumps are rewritten once, when it ends (or
    # stops), not after every batch (a rewrite reads the whole catalogue: at 10k new records,
    # one per batch made the harvest quadratic, bench/RESULTS.md).
    with services.bulk_change(), heap_frozen():
        return _crawl(source, run, config, pipeline, limit, overrides, resume)


def _crawl(source, run, config, pipeline, limit, overrides, resume) -> HarvestRun:
    from importers.crawl.runner import crawl

    try:
        result = crawl(
            config,
            limit=limit,
            on_item=pipeline.on_item,
            on_error=pipeline.on_error,
            settings_overrides=overrides,
            resume=set(resume),
        )
        pipeline.close()
    except Exception as error:  # noqa: BLE001 - the run record says what happened
        logger.exception("Harvest of %s crashed", source.name)
        try:
            pipeline.flush()
        except Exception:  # noqa: BLE001
            logger.exception("Could not save the last batch of %s", source.name)
        return _finish_failed(source, run, f"Erreur inattendue : {error!r}", pipeline)
    return finish(source, run, pipeline, result, limit=limit)


def peer_cursor(source: Source) -> str:
    """Where the last run of a peer source that went to the end of the feed stopped."""
    runs = source.runs.filter(
        dry_run=False, status__in=[HarvestRun.Status.SUCCESS, HarvestRun.Status.PARTIAL]
    ).order_by("-started_at")
    for diagnostics in runs.values_list("diagnostics", flat=True)[:20]:
        cursor = ((diagnostics or {}).get("info") or {}).get("peer_cursor")
        if cursor is not None:
            return str(cursor)
    return ""


def _withdraw(source: Source, run: HarvestRun, info: dict) -> int:
    """A peer's feed said these records are gone: unlist them here (unpublished if asked)."""
    withdrawn = [str(pk) for pk in info.get("withdrawn") or []]
    if not withdrawn or run.dry_run:
        return 0
    return services.withdraw_listings(source.name, withdrawn, unpublish=source.unpublish_unlisted)


def _finish_failed(source, run, message, pipeline=None) -> HarvestRun:
    if pipeline is not None:
        for name, value in pipeline.run_counts().items():
            setattr(run, name, value)
    run.status = HarvestRun.Status.FAILED
    run.finished_at = timezone.now()
    run.message = message
    run.needs_attention = True
    run.attention_reasons = [message]
    run.save()
    HarvestError.objects.create(run=run, kind="run", reason=message)
    Source.objects.filter(pk=source.pk).update(needs_attention=True, attention_reason=message)
    return run


def finish(source: Source, run: HarvestRun, pipeline: Pipeline, result, *, limit=None):
    collector = result.collector
    field_names = result.field_names()
    never = collector.never_matched(field_names)
    # A list page (or API page, feed, file) that could not be read: absences mean nothing.
    list_failures = [
        e
        for e in collector.errors
        if e.severity == "error" and (e.kind == diag.SELECTOR or e.position is None)
    ]
    lim = result.config.limits
    cut_short = bool(
        limit
        or (lim.max_items and result.delivered >= lim.max_items)
        or (lim.max_pages and len(collector.list_pages) >= lim.max_pages)
    )
    complete = (
        not run.dry_run
        and not cut_short
        and result.finish_reason == "finished"
        and not list_failures
        and not [n for n in never if not n.startswith("field:")]
        and pipeline.counts["seen"] > 0
        # A peer's feed read from a cursor holds only the changes: absences mean nothing.
        and not collector.info.get("incremental")
    )
    for name, value in pipeline.run_counts().items():
        setattr(run, name, value)

    reasons: list[str] = []
    selector_errors = [
        e for e in collector.errors if e.kind == diag.SELECTOR and e.severity == "error"
    ]
    if selector_errors:
        pages = sorted({e.url for e in selector_errors if e.url})
        reasons.append(
            f"Sélecteurs sans résultat sur {len(pages) or len(selector_errors)} page(s) : "
            + "; ".join(f"{e.reason} ({e.url})" for e in selector_errors[:3])
        )
    # The partner's server stopped answering (refused, timed out, name gone) part-way: the
    # run is partial and the source is flagged, never a quiet "partial" (issue 10).
    unreachable = [
        e
        for e in collector.errors
        if e.kind in (diag.CONNECTION, diag.TIMEOUT, diag.DNS) and e.severity == "error"
    ]
    if unreachable:
        reasons.append(
            f"Le site du partenaire a cessé de répondre en cours de collecte : "
            f"{len(unreachable)} page(s) non téléchargée(s) ({unreachable[0].url} : "
            f"{unreachable[0].reason})."
        )
    # A field missing from a handful of records says nothing; from a whole source it does.
    # Columns of a CSV read whole (no column mapping) may well be empty in every row.
    all_columns = result.config.kind == "csv" and not result.config.fields
    telling = [n for n in never if not ((cut_short or all_columns) and n.startswith("field:"))]
    if telling:
        reasons.append(
            "Sélecteurs qui n'ont rien trouvé de toute la collecte : " + ", ".join(telling)
        )
    usual = usual_count(source, exclude=run)
    incremental = bool(collector.info.get("incremental"))
    if (
        usual
        and not limit
        and not run.dry_run
        and not incremental
        and pipeline.counts["seen"] < DROP_RATIO * usual
    ):
        reasons.append(
            f"Beaucoup moins de fiches que d'habitude : {pipeline.counts['seen']} au lieu "
            f"d'environ {usual:g}."
        )
    if pipeline.counts["seen"] == 0 and not incremental:
        reasons.append("Aucune fiche extraite.")

    if complete:
        seen = set(
            ProjectSource.objects.filter(
                source_key=source.name, last_seen__gte=run.started_at
            ).values_list("pk", flat=True)
        )
        run.unlisted = services.mark_unlisted(
            source.name,
            seen,
            threshold=source.unlisted_after,
            unpublish=source.unpublish_unlisted,
        )
    run.unlisted = (run.unlisted or 0) + _withdraw(source, run, collector.info)
    run.complete = complete
    run.needs_attention = bool(reasons)
    run.attention_reasons = reasons
    # Records placed in no commune or against their coordinates, values set aside: reported
    # (warnings, counted in ``notices``) without making the run partial.
    errors = pipeline.error_count - pipeline.counts["notices"]
    if pipeline.counts["seen"] == 0 and (errors or reasons):
        run.status = HarvestRun.Status.FAILED
    elif errors or reasons:
        run.status = HarvestRun.Status.PARTIAL
    else:
        run.status = HarvestRun.Status.SUCCESS
    run.diagnostics = {
        "finish_reason": result.finish_reason,
        "delivered": result.delivered,
        "summary": _json(collector.summary(field_names)),
        "list_pages": len(collector.list_pages),
        "info": _json(collector.info),
        "geocoder": {
            "ban_queries": pipeline.geocoder.ban_queries,
            "cache_hits": pipeline.geocoder.cache_hits,
        },
        "unknown_tags": len(pipeline.recoder.unknown),
        "renamed": pipeline.renames.found[:100],
        "keys": {
            "conflicts": pipeline.counts["conflicts"],
            "duplicates": pipeline.counts["duplicates"],
        },
        "unreachable": len(unreachable),
        # Detail pages an interrupted run had written, not fetched again (importers.resume).
        "resumed": pipeline.resumed.count,
        "placement": {
            "unplaced": pipeline.counts["unplaced"],
            "relocated": pipeline.counts["relocated"],
            "contradictions": pipeline.counts["contradictions"],
        },
        "links_set_aside": pipeline.counts["links_set_aside"],
        "out_of_scope": {
            "refused": pipeline.counts["out_of_scope_refused"],
            "flagged": pipeline.counts["out_of_scope_flagged"],
        },
    }
    run.message = _message(run, errors)
    run.finished_at = timezone.now()
    run.heartbeat = run.finished_at
    run.save()
    if not run.dry_run:
        Source.objects.filter(pk=source.pk).update(
            needs_attention=bool(reasons), attention_reason="\n".join(reasons)
        )
    return run


def _json(value):
    from importers.crawl.runner import _json_safe

    return _json_safe(value)


def _message(run: HarvestRun, errors: int) -> str:
    parts = [run.counts_line()]
    if errors:
        parts.append(f"{errors} erreur(s) ou avertissement(s)")
    unplaced = run.diagnostics["placement"]["unplaced"]
    if unplaced:
        parts.append(f"{unplaced} fiche(s) placée(s) dans aucune commune")
    renamed = len(run.diagnostics.get("renamed") or [])
    if renamed:
        parts.append(f"{renamed} fiche(s) renommée(s) mise(s) à jour à la même adresse")
    conflicts = (run.diagnostics.get("keys") or {}).get("conflicts")
    if conflicts:
        parts.append(f"{conflicts} conflit(s) de clé : fiches gardées à part, voir le rapport")
    resumed = run.diagnostics.get("resumed")
    if resumed:
        parts.append(
            f"reprise de la collecte interrompue : {resumed} fiche(s) déjà lue(s) non relue(s)"
        )
    if run.dry_run:
        parts.append("essai à blanc : rien n'a été écrit")
    elif not run.complete:
        parts.append("collecte partielle : les absences ne comptent pas")
    return " ; ".join(parts)
