"""The per-item pipeline of a harvest: validate → clean → recode → geocode → deduplicate →
upsert (through `catalogue.services`) → record.

Items arrive from the crawl's consumer thread (never the reactor's), are normalised one by one
and written in batches through `services.upsert_projects_bulk`: new pages in bulk, unchanged
ones with one UPDATE, the others one by one with their own transaction. A batch is flushed
when full or every few seconds, so a run killed mid-way loses at most one unwritten batch and
leaves every page consistent; the next run finds what was written by its key and goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalogue import geography, services
from catalogue.models import ProjectSource
from importers import scope
from importers.crawl import diagnostics as diag
from importers.crawl.transforms import transform_item
from importers.dedup import DedupIndex, Match
from importers.dedup_decisions import apart, decisions_for, key_text, same_page
from importers.geocode import Geocoder
from importers.models import DuplicateCandidate, HarvestError, HarvestRun, ItemFingerprint
from importers.normalise import links
from importers.normalise.items import Outcome, field_values, get_normaliser
from importers.recoding import Recoder
from importers.renames import Renames
from importers.resume import Resumed, page_of, provenance_of
from importers.run_keys import RunKeys, where
from importers.suggest_run import RunSuggestions

logger = logging.getLogger(__name__)

#: Crawl errors that cost an item (the page of one record could not be read).
ITEM_FAILURES = {
    diag.HTTP,
    diag.TIMEOUT,
    diag.DNS,
    diag.CONNECTION,
    diag.REDIRECT_LOOP,
    diag.PARSE,
    diag.FORMAT,
    diag.ROBOTS,
    diag.REFUSED,
    diag.CONSUMER,
}
MAX_ERRORS = 5000  # per run: beyond, only counted
#: Bump when a normaliser changes what it makes of the same item: every item is then redone.
NORMALISER_VERSION = 1


class Pipeline:
    def __init__(
        self,
        source,
        run: HarvestRun | None = None,
        *,
        dry_run: bool = False,
        batch_size: int = 200,
        flush_seconds: float = 5.0,
        progress=None,
        geocoder: Geocoder | None = None,
        image_fetcher=None,
        resume: dict[str, str] | None = None,
    ):
        self.source = source
        self.image_fetcher = image_fetcher  # downloads record images into the library
        self.run = run
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.progress = progress
        self.source_key = source.name
        self.partner = source.partner
        self.seen_at = run.started_at if run is not None else timezone.now()
        self.normaliser = get_normaliser(source.normaliser, source.name)
        self.scope = (source.config or {}).get("scope") or {}
        self.transforms = (source.config or {}).get("transforms") or {}
        self.keys = RunKeys((source.config or {}).get("key"))
        # New keys wait for the end of a whole run: one may be a known record renamed. A peer's
        # change feed names each record by the peer's own id (a rename there is an update) and
        # reads only what changed since its cursor, so it never guesses renames.
        whole = run is not None and not dry_run and not run.item_limit and source.kind != "peer"
        self.renames = Renames(source.name, self.seen_at, whole)
        self.recoder = Recoder(source)
        self.suggestions = RunSuggestions(source.name)
        self.geocoder = geocoder or Geocoder()
        self.dedup = DedupIndex(source.name)
        self.decisions = decisions_for(source.name)  # editors' past decisions on pairs
        # One bulk stream for the whole run (its batches share slug and index statistics).
        self.bulk = services.bulk_stream()
        self.pending: list[Outcome] = []
        self.errors: list[HarvestError] = []
        self.error_count = 0
        self.counts: Counter = Counter()
        self.flushed: Counter = Counter()
        self.doubtful: dict[tuple[str, str], Match] = {}
        self.candidates: list[DuplicateCandidate] = []
        self.item_errors: Counter = Counter()
        self.last_flush = time.monotonic()
        self.claimed: set[int] = set()
        # Unchanged items are recognised raw, before normalisation (not in dry runs: they
        # write nothing, fingerprints included).
        self.fast = not dry_run and run is not None
        self.raw_pending: list[tuple[dict, str, str]] = []
        self.version = self.rules_version()
        # Detail pages an interrupted run already wrote (not fetched again by this one).
        self.resumed = Resumed(source, self.seen_at, resume or {})

    # -- input ------------------------------------------------------------------------------
    def on_item(self, item: dict) -> None:
        if item.get("resumed"):
            self.resumed.add(item["resumed"])
            self.counts["seen"] += 1
            self.counts["unchanged"] += 1
            self._advance(1)
            self._maybe_flush()
            return
        item = self.keys.composite(transform_item(item, self.transforms))
        key = self.normaliser.key_of(item)
        if key:
            item = self.claim_raw(item, key)
            if item is None:
                return
            key = self.normaliser.key_of(item)
        if self.fast:
            if key:
                self.raw_pending.append((item, key, self.raw_hash(item)))
                if len(self.raw_pending) >= self.batch_size:
                    self.triage()
                self._maybe_flush()
                return
        self._normalise(item)
        self._maybe_flush()

    def _normalise(self, item: dict) -> None:
        for outcome in self.normaliser.feed(item):
            self.accept(outcome)

    def _maybe_flush(self) -> None:
        waiting = self.pending or self.raw_pending or self.resumed.waiting
        if len(self.pending) >= self.batch_size or (
            waiting and time.monotonic() - self.last_flush >= self.flush_seconds
        ):
            self.flush()

    # -- unchanged items, recognised raw ---------------------------------------------------
    def rules_version(self) -> str:
        """Everything besides the item that shapes its record: a change re-normalises all."""
        payload = json.dumps(
            [
                NORMALISER_VERSION,
                self.source.normaliser,
                sorted((k, sorted(v)) for k, v in self.recoder.rules.items()),
                self.geocoder.ban_enabled,
                self.scope,
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def raw_hash(self, item: dict) -> str:
        payload = json.dumps(
            [
                self.version,
                item.get("url"),
                item.get("fields"),
                item.get("fields_abs"),
                item.get("raw"),
            ],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def triage(self) -> None:
        """Items whose raw content is what was last written, and whose page is still live and
        listed, are unchanged: their provenance is touched in one query, nothing else runs."""
        batch, self.raw_pending = self.raw_pending, []
        if not batch:
            return
        keys = {key for _item, key, _hash in batch}
        known = {
            key: (raw, url)
            for key, raw, url in ItemFingerprint.objects.filter(
                source=self.source, key__in=keys
            ).values_list("key", "raw_hash", "url")
        }
        same = {key for _item, key, raw in batch if known.get(key, ("",))[0] == raw}
        # Fingerprints written before pages were kept learn their page (resumption reads it).
        pages = {key: page_of(item) for item, key, _raw in batch if key in same}
        self.remember_pages({k: p for k, p in pages.items() if p and p != known[k][1]})
        fresh = self.listed(same)
        touched = {}
        for item, key, _raw in batch:
            if key in fresh:
                touched[key] = fresh.pop(key)
                self.counts["seen"] += 1
                self.counts["unchanged"] += 1
                self._advance(1)
            else:
                self._normalise(item)
        if touched:
            ProjectSource.objects.filter(pk__in=touched.values()).update(
                last_seen=self.seen_at, still_listed=True, missed_runs=0
            )
            ItemFingerprint.objects.filter(source=self.source, key__in=touched).update(
                seen_at=self.seen_at
            )
            # Seen unchanged: confirmed by this source (freshness; the index follows in bulk).
            seen = ProjectSource.objects.filter(pk__in=touched.values()).values_list(
                "project_id", flat=True
            )
            services.seen_by_sources(list(seen), self.seen_at)

    def listed(self, keys) -> dict[str, int]:
        """Key → provenance row, for the keys whose page is live and still listed."""
        if not keys:
            return {}
        rows = (
            provenance_of(self.source_key, keys)
            .filter(still_listed=True, project__live=True)
            .values_list("pk", "source_id", "source_url")
        )
        return {"id:" + sid if sid else "url:" + url: pk for pk, sid, url in rows}

    def remember_pages(self, pages: dict[str, str]) -> None:
        if pages:
            rows = ItemFingerprint.objects.filter(source=self.source, key__in=pages)
            for row in rows:
                row.url = pages[row.key]
            ItemFingerprint.objects.bulk_update(rows, ["url"], batch_size=500)

    def remember(self, outcomes: list[Outcome]) -> None:
        """Fingerprints of the items just written (the next run recognises them raw)."""
        rows = {}
        for outcome in outcomes:
            key = self.normaliser.key_of(outcome.raw) if outcome.raw else None
            if key:
                rows[key] = ItemFingerprint(
                    source=self.source,
                    key=key[:1100],
                    raw_hash=self.raw_hash(outcome.raw),
                    seen_at=self.seen_at,
                    url=page_of(outcome.raw),
                )
        if rows:
            ItemFingerprint.objects.bulk_create(
                list(rows.values()),
                batch_size=500,
                update_conflicts=True,
                unique_fields=["source", "key"],
                update_fields=["raw_hash", "seen_at", "url"],
            )

    def on_error(self, error) -> None:
        """A crawl error (CrawlError): recorded; one that cost a record counts as failed."""
        if error.severity == "error" and error.kind in ITEM_FAILURES:
            self.counts["failed"] += 1
        self.item_errors[error.kind] += 1
        self.add_error(
            kind=error.kind,
            severity=error.severity,
            url=error.url or "",
            list_url=error.list_url or "",
            position=error.position,
            reason=error.reason,
        )

    # -- keys seen twice in one run ----------------------------------------------------------
    def claim_raw(self, item: dict, key: str) -> dict | None:
        """The item, renamed when its key is a conflict; None when it repeats an item of this
        run word for word (counted once)."""
        claim = self.keys.claim(key, self.raw_hash({**item, "url": None}), where(item))
        if claim.verdict == "new":
            return {**item, "claimed": True}
        claim.key = claim.key.split(":", 1)[1]  # "id:…" / "url:…": the key itself
        title = " ".join(next(iter((item.get("fields") or {}).values()), []))[:200]
        self.report_key(claim, key.split(":", 1)[1], item, title)
        if claim.verdict == "same":
            return None
        return {**item, "key": claim.key, "claimed": True}

    def claim_record(self, outcome: Outcome) -> bool:
        """Record-level check for items keyed only once normalised (by their title)."""
        record = outcome.record
        key = record.source_id or record.source_url
        claim = self.keys.claim(key, record.content_hash(), where(outcome.raw))
        if claim.verdict == "new":
            return True
        self.report_key(claim, key, outcome.raw, record.title)
        record.source_id = claim.key
        return claim.verdict == "conflict"

    def report_key(self, claim, key: str, item: dict, title: str) -> None:
        kind = "conflict" if claim.verdict == "conflict" else "duplicate"
        self.counts[kind + "s"] += 1
        if kind == "conflict":
            reason = (
                f"Clé « {key} » déjà vue dans cette collecte ({claim.first}) avec un autre "
                f"contenu : les deux fiches sont gardées, celle-ci sous « {claim.key} ». "
                "Une clé composée (« key » dans la configuration) les distinguerait."
            )
        else:
            self.counts["seen"] += 1
            reason = f"Identique à la fiche « {claim.key} » ({claim.first}) : comptée une fois."
        self.add_error(
            kind=kind,
            severity="warning",
            url=item.get("url") or "",
            list_url=item.get("list_url") or "",
            position=item.get("position"),
            title=title,
            reason=reason,
        )

    def accept(self, outcome: Outcome) -> None:
        if outcome.record is not None and not outcome.raw.get("claimed"):
            if not self.claim_record(outcome):
                self._advance(1)
                return
        self.counts["seen"] += 1
        if outcome.record is None:
            self.counts["invalid"] += 1
            self.add_error(
                kind="invalid",
                url=outcome.url,
                list_url=outcome.list_url,
                position=outcome.position,
                title=outcome.title,
                reason=_with_source_id(outcome),
            )
            self._advance(1)
            return
        self.prepare(outcome)
        if self.out_of_scope(outcome):
            self._advance(1)
            return
        self.pending.append(outcome)

    def out_of_scope(self, outcome: Outcome) -> bool:
        """The source's scope rule (`importers.scope`): a record out of it is reported with
        its id and title, and refused (True) or only flagged."""
        reason = scope.verdict(self.scope, outcome.raw, outcome.record)
        if not reason:
            return False
        refused = scope.action(self.scope) == "refuse"
        record = outcome.record
        self.counts["out_of_scope_refused" if refused else "out_of_scope_flagged"] += 1
        self.counts["notices"] += 1
        self.add_error(
            kind="scope",
            severity="warning",
            url=outcome.url,
            list_url=outcome.list_url,
            position=outcome.position,
            title=f"{record.source_id} — {record.title}" if record.source_id else record.title,
            reason=("Fiche refusée" if refused else "Fiche publiée mais signalée")
            + f", hors du périmètre de la source : {reason}.",
        )
        return refused

    def prepare(self, outcome: Outcome) -> None:
        """Recode the source's tags with the editable rules, then geolocate."""
        record = outcome.record
        unknown: list[str] = []
        # The rows of one file share its URL: a page counts by its own key.
        kind, ident = services.record_key(record)
        url, key = record.source_url or outcome.url, f"{kind}:{ident}" if ident else ""
        if record.raw_tags and self.recoder.rules:
            record.codes, unknown = self.recoder.recode(record.raw_tags, url, key)
        elif record.raw_tags and not record.codes:
            # All unknown: listed for editors. A record its normaliser already coded (La France
            # s'engage's own code table) is not waiting for rules.
            _codes, unknown = self.recoder.recode(record.raw_tags, url, key)
        if not self.dry_run:
            self.suggestions.prepare(record, unknown)
        given = (record.latitude, record.longitude)
        self.geocoder.geocode(record)
        self.check_placement(outcome, given)
        self.check_links(outcome)

    def check_links(self, outcome: Outcome) -> None:
        """Website and social values the record did not keep (invalid, or no room): listed in
        the run's report, never dropped silently."""
        if not (outcome.raw or {}).get("fields"):
            return
        record = outcome.record
        for line in links.set_aside(field_values(outcome.raw), record):
            self.counts["links_set_aside"] += 1
            self.counts["notices"] += 1
            self.add_error(
                kind="website",
                severity="warning",
                url=outcome.url,
                list_url=outcome.list_url,
                position=outcome.position,
                title=f"{record.source_id} — {record.title}" if record.source_id else record.title,
                reason=f"Lien écarté, {line}",
            )

    def check_placement(self, outcome: Outcome, given=(None, None)) -> None:
        """A record in no commune (or placed against its source's data) is reported in the
        run, with its id and title, so an editor can place it."""
        record = outcome.record
        if record.insee_code:
            if record.location_note:
                self.counts["relocated"] += 1
            if record.location_note in geography.CONTRADICTION_NOTES:
                self.report_contradiction(outcome, given)
            return
        self.counts["unplaced"] += 1
        self.counts["notices"] += 1
        given = ", ".join(v for v in (record.address, record.postal_code, record.city) if v)
        self.add_error(
            kind="unplaced",
            severity="warning",
            url=outcome.url,
            list_url=outcome.list_url,
            position=outcome.position,
            title=f"{record.source_id} — {record.title}" if record.source_id else record.title,
            reason="Fiche placée dans aucune commune"
            + (f" (données de la source : {given})" if given else " (aucune adresse)")
            + (f" : {record.location_note}" if record.location_note else "."),
        )

    def report_contradiction(self, outcome: Outcome, given) -> None:
        """Coordinates that contradicted the address: the address won (see
        `catalogue.geography.placement`), the run says so."""
        record = outcome.record
        self.counts["contradictions"] += 1
        self.counts["notices"] += 1
        point = f" ({given[0]}, {given[1]})" if given[0] is not None else ""
        self.add_error(
            kind="location",
            severity="warning",
            url=outcome.url,
            list_url=outcome.list_url,
            position=outcome.position,
            title=f"{record.source_id} — {record.title}" if record.source_id else record.title,
            reason=f"Coordonnées de la source{point} incohérentes avec l'adresse "
            f"({record.postal_code} {record.city}, INSEE {record.insee_code}) : "
            "l'adresse l'emporte, la fiche est placée au centre de la commune.",
        )

    def add_error(
        self, *, kind, reason, url="", list_url="", position=None, title="", severity="error"
    ):
        self.error_count += 1
        if len(self.errors) + self.flushed["errors"] >= MAX_ERRORS:
            return
        self.errors.append(
            HarvestError(
                run=self.run,
                kind=kind[:20],
                severity=severity,
                url=(url or "")[:1000],
                list_url=(list_url or "")[:1000],
                position=position,
                title=(title or "")[:255],
                reason=reason,
            )
        )

    # -- output -----------------------------------------------------------------------------
    def resolve_new(self, record) -> int | None:
        decided = self.decisions.get(key_text(services.record_key(record)), {})
        same = same_page(decided, self.claimed)
        if same is not None:  # an editor said so in an earlier run
            self.claimed.add(same)
            return same
        match = self.dedup.match(record, exclude=self.claimed, never=apart(decided))
        if match is None:
            return None
        if match.sure:
            # One page lists one record per source: a second look-alike is only doubtful.
            self.claimed.add(match.page_id)
            return match.page_id
        self.doubtful[services.record_key(record)] = match
        return None

    def flush(self) -> None:
        if self.raw_pending:
            self.triage()
        self.resumed.flush()
        batch, self.pending = self.pending, []
        self.last_flush = time.monotonic()
        if not self.dry_run:
            batch = self.renames.hold_new(batch)
        if batch:
            if self.dry_run:
                self._classify(batch)
            else:
                self._write(batch)
        self._save_progress()

    def _write(self, batch: list[Outcome]) -> None:
        records = [o.record for o in batch]
        outcomes = list(
            services.upsert_projects_bulk(
                records,
                source_key=self.source_key,
                partner=self.partner,
                seen_at=self.seen_at,
                batch_size=len(records),
                resolve_new=self.resolve_new,
                stream=self.bulk,
                image_fetcher=self.image_fetcher,
            )
        )
        written = []
        for result in outcomes:
            item = batch[result.index]
            action = result.action
            if action in ("created", "updated", "unchanged", "attached"):
                written.append(item)
            if action == "attached":
                self.counts["merged"] += 1
                self.counts["updated"] += 1
            elif action in ("created", "updated", "unchanged"):
                self.counts[action] += 1
            else:
                self.counts[action] += 1
                self.add_error(
                    kind=action,
                    url=item.url,
                    list_url=item.list_url,
                    position=item.position,
                    title=item.record.title,
                    reason=result.error,
                )
            if action == "created":
                match = self.doubtful.pop(services.record_key(item.record), None)
                if match is not None:
                    self.candidates.append(
                        DuplicateCandidate(
                            project_id=result.page_id,
                            existing_id=match.page_id,
                            source=self.source,
                            score=match.score,
                            reasons=match.reasons[:255],
                        )
                    )
        if self.fast:
            self.remember(written)
        self.suggestions.write([(r.page_id, r.record) for r in outcomes if r.action != "failed"])
        self._advance(len(batch))

    def _classify(self, batch: list[Outcome]) -> None:
        """Dry run: what a real run would do, nothing written."""
        records = [o.record for o in batch]
        existing = services.find_existing(self.source_key, records)
        for record in records:
            known = existing.get(services.record_key(record))
            if known is None:
                match = self.dedup.match(record)
                self.counts["merged" if match and match.sure else "created"] += 1
                if match and not match.sure:
                    self.counts["queued"] += 1
            elif known.content_hash == record.content_hash() and known.live and known.still_listed:
                self.counts["unchanged"] += 1
            else:
                self.counts["updated"] += 1
        self._advance(len(batch))

    def _advance(self, n: int) -> None:
        if self.progress is not None:
            self.progress.advance(n)

    def _save_progress(self) -> None:
        """Errors, duplicate candidates and counters so far (visible while the run goes on)."""
        if self.run is None:
            return
        with transaction.atomic():
            if self.errors:
                HarvestError.objects.bulk_create(self.errors, batch_size=500)
                self.flushed["errors"] += len(self.errors)
                self.errors = []
            if self.candidates and not self.dry_run:
                DuplicateCandidate.objects.bulk_create(
                    self.candidates, batch_size=500, ignore_conflicts=True
                )
                self.counts["queued"] += len(self.candidates)
                self.candidates = []
            HarvestRun.objects.filter(pk=self.run.pk).update(
                heartbeat=timezone.now(), **self.run_counts()
            )

    def run_counts(self) -> dict[str, int]:
        names = ("seen", "created", "updated", "unchanged", "invalid", "failed", "merged", "queued")
        return {name: self.counts[name] for name in names}

    def close(self) -> None:
        for outcome in self.normaliser.close():
            self.accept(outcome)
        self.flush()
        held = self.renames.release()
        if held:
            self._write(held)
            self._save_progress()
        self.counts["renamed"] = len(self.renames.found)
        if not self.dry_run:
            self.bulk.finish()
            self.recoder.save_unknown()


def _with_source_id(outcome) -> str:
    """The refusal's reason, naming the record's own id in its source when it has one."""
    if not outcome.source_id:
        return outcome.reason
    return f"{outcome.reason} (identifiant dans la source : {outcome.source_id[:200]})"


def bump(run: HarvestRun, **counts) -> None:
    HarvestRun.objects.filter(pk=run.pk).update(**{k: F(k) + v for k, v in counts.items()})
