"""What a crawl saw besides items: fetched pages, unmatched selectors and errors.

A ``Collector`` is filled by the spiders (in the reactor thread) and read by the caller;
it holds plain data only, so it can be serialised to JSON and stored with a run. A
``listener`` (set by the runner) is told of each error as it happens.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Error kinds, stable identifiers for the run's records.
HTTP = "http"
TIMEOUT = "timeout"
DNS = "dns"
CONNECTION = "connection"
REDIRECT_LOOP = "redirect_loop"
ROBOTS = "robots"
REFUSED = "refused"  # the outgoing-request guard: internal address, or another site
PARSE = "parse"
SELECTOR = "selector"
DUPLICATE = "duplicate"
EMPTY_ITEM = "empty_item"
PAGINATION = "pagination"
FORMAT = "format"
CONSUMER = "consumer"
OTHER = "other"


@dataclass
class CrawlError:
    """One problem, with the page it happened on and a French reason for editors."""

    kind: str
    url: str
    reason: str
    severity: str = "error"  # "error": data was lost; "warning": worth a look
    status: int | None = None
    list_url: str | None = None
    position: int | None = None
    selector: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class PageRecord:
    url: str
    kind: str  # list, detail, api, csv, sitemap, feed
    status: int
    page: int | None = None  # list page number, 1-based, in crawl order
    items: int = 0
    unmatched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Collector:
    errors: list[CrawlError] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    #: selector name → pages where it was evaluated / where it matched something
    selector_evaluated: Counter = field(default_factory=Counter)
    selector_matched: Counter = field(default_factory=Counter)
    #: field name → items that ended with at least one value
    field_items: Counter = field(default_factory=Counter)
    items: int = 0
    #: facts about the source worth keeping (e.g. detected CSV encoding and delimiter)
    info: dict[str, Any] = field(default_factory=dict)
    listener: Callable[[CrawlError], None] | None = field(default=None, repr=False)

    def error(self, kind: str, url: str, reason: str, **extra: Any) -> CrawlError:
        err = CrawlError(kind=kind, url=url, reason=reason, **extra)
        self.errors.append(err)
        if self.listener is not None:
            self.listener(err)
        return err

    def warning(self, kind: str, url: str, reason: str, **extra: Any) -> CrawlError:
        return self.error(kind, url, reason, severity="warning", **extra)

    def page(self, record: PageRecord, evaluated: list[str], matched: set[str]) -> None:
        """Record a parsed page and which of its ``evaluated`` selectors matched."""
        record.unmatched = [name for name in evaluated if name not in matched]
        self.pages.append(record)
        self.selector_evaluated.update(evaluated)
        self.selector_matched.update(name for name in evaluated if name in matched)

    def item(self, fields: dict[str, list[str]]) -> None:
        self.items += 1
        self.field_items.update(name for name, vals in fields.items() if vals)

    @property
    def list_pages(self) -> list[str]:
        """List pages in the order they were parsed."""
        return [p.url for p in self.pages if p.kind == "list"]

    def never_matched(self, field_names: list[str] = ()) -> list[str]:
        """Selectors that matched on no page, and fields no item got a value for.

        The signal of a partner redesign: a run where these appear must be flagged.
        """
        out = [
            name
            for name, count in self.selector_evaluated.items()
            if count and not self.selector_matched[name] and not name.startswith("next_page")
        ]
        if self.items:
            out += [f"field:{n}" for n in field_names if not self.field_items[n]]
        return sorted(set(out))

    def summary(self, field_names: list[str] = ()) -> dict[str, Any]:
        by_kind = Counter(e.kind for e in self.errors if e.severity == "error")
        return {
            "items": self.items,
            "pages": Counter(p.kind for p in self.pages),
            "errors": dict(by_kind),
            "warnings": sum(1 for e in self.errors if e.severity == "warning"),
            "never_matched": self.never_matched(list(field_names)),
            "field_items": dict(self.field_items),
        }

    def to_dict(self, field_names: list[str] = ()) -> dict[str, Any]:
        return {
            "errors": [e.to_dict() for e in self.errors],
            "pages": [p.to_dict() for p in self.pages],
            "list_pages": self.list_pages,
            "selector_evaluated": dict(self.selector_evaluated),
            "selector_matched": dict(self.selector_matched),
            "summary": self.summary(field_names),
            "info": self.info,
        }
