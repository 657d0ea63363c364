"""A renamed record is an update, not a new page.

A record whose key is new to its source (its title was the key and changed, or its page's
address did) is held until the run has seen everything; then, among the source's records this
run did not see, the closest one (same website, e-mail, phone, postal code, a close title or
summary) is taken as its former self: that provenance row takes the new key and the record
updates the page in place, at the same address. Only for whole runs of a source that already
has pages (a run cut short has not seen what is missing).
"""

from __future__ import annotations

from difflib import SequenceMatcher

from catalogue import services
from catalogue.models import ProjectPage, ProjectSource
from importers.normalise.clean import fold

#: Points a look-alike needs to be taken as the same record renamed.
THRESHOLD = 3


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, fold(a or "")[:300], fold(b or "")[:300]).ratio()


def score(record, page: dict) -> int:
    points = 2 * _same(record.website, page["website"])
    points += 2 * _same(record.contact_email, page["contact_email"])
    points += _same(record.contact_phone, page["contact_phone"])
    points += _same(record.postal_code, page["postal_code"])
    title = _ratio(record.title, page["title"])
    points += (title >= 0.5) + (title >= 0.8)
    if record.summary and page["summary"] and _ratio(record.summary, page["summary"]) >= 0.8:
        points += 2
    return points


class Renames:
    def __init__(self, source_key: str, seen_at, enabled: bool):
        self.source_key = source_key
        self.seen_at = seen_at
        self.enabled = enabled and ProjectSource.objects.filter(source_key=source_key).exists()
        self.held: list = []
        self.found: list[dict[str, str]] = []

    def hold_new(self, batch: list) -> list:
        """The outcomes of `batch` to write now; those new to the source are held."""
        if not self.enabled or not batch:
            return batch
        existing = services.find_existing(self.source_key, [o.record for o in batch])
        now = []
        for outcome in batch:
            known = services.record_key(outcome.record) in existing
            (now if known else self.held).append(outcome)
        return now

    def _missing(self) -> tuple[dict[int, dict], dict[int, int]]:
        rows = ProjectSource.objects.filter(source_key=self.source_key, still_listed=True).exclude(
            last_seen__gte=self.seen_at
        )
        by_page = dict(rows.values_list("project_id", "pk"))
        fields = ("pk", "title", "website", "contact_email", "contact_phone", "postal_code")
        pages = ProjectPage.objects.filter(pk__in=by_page).values(*fields, "summary")
        return {p["pk"]: p for p in pages}, by_page

    def release(self) -> list:
        """The held outcomes, those found renamed re-keyed onto their former page."""
        held, self.held = self.held, []
        if not held:
            return []
        pages, provenance = self._missing()
        scored = sorted(
            (
                (score(outcome.record, page), index, page_id)
                for index, outcome in enumerate(held)
                for page_id, page in pages.items()
            ),
            reverse=True,
        )
        taken_pages: set[int] = set()
        taken_records: set[int] = set()
        for points, index, page_id in scored:
            if points < THRESHOLD or index in taken_records or page_id in taken_pages:
                continue
            taken_records.add(index)
            taken_pages.add(page_id)
            record = held[index].record
            ProjectSource.objects.filter(pk=provenance[page_id]).update(
                source_id=record.source_id, source_url=record.source_url
            )
            self.found.append({"before": pages[page_id]["title"], "after": record.title})
        return held
