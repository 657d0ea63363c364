"""Run one configured crawl in the current process, politely, and hand items to the caller.

The Twisted reactor cannot restart, so a process runs at most one ``crawl`` (the harvest
command runs in its own subprocess per source). Items and errors are passed to the
caller's callbacks from a consumer thread, never from the reactor thread: the callbacks
may use the Django ORM (the reactor runs an asyncio loop, where synchronous ORM calls
are refused). A bounded backlog holds the crawl back when the callbacks fall behind, so
memory stays flat however slow the caller is.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import ConfigError, CsvConfig, PeerConfig, SourceConfig
from .diagnostics import CONSUMER, OTHER, Collector, CrawlError
from .preview import preview  # noqa: F401  (re-exported: runner.preview)

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "CarrefourBot/1.0 (+https://github.com/carrefour-innovations-sociales)"
#: Items waiting for the caller above which the engine pauses, and below which it resumes.
BACKLOG_HIGH = 500
BACKLOG_LOW = 100

ItemCallback = Callable[[dict[str, Any]], Any]
ErrorCallback = Callable[[CrawlError], Any]


def _django_configured() -> bool:
    try:
        from django.conf import settings

        return bool(settings.configured)
    except Exception:  # Django missing or misconfigured: run standalone
        return False


def user_agent() -> str:
    """``settings.HARVEST_USER_AGENT`` when Django is configured, else the fallback."""
    if _django_configured():
        from django.conf import settings

        return getattr(settings, "HARVEST_USER_AGENT", "") or DEFAULT_USER_AGENT
    return DEFAULT_USER_AGENT


def item_budget(config: SourceConfig, limit: int | None) -> int:
    budgets = [n for n in (limit or 0, config.limits.max_items) if n]
    return min(budgets) if budgets else 0


def build_settings(
    config: SourceConfig, *, limit: int | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Scrapy settings for one source: identified, robots.txt-abiding, throttled, bounded."""
    lim = config.limits
    settings = {
        "BOT_NAME": "carrefour",
        "USER_AGENT": user_agent(),
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "fr",
        },
        "ROBOTSTXT_OBEY": lim.obey_robots,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": max(lim.download_delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(lim.concurrency),
        "CONCURRENT_REQUESTS": max(8, lim.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": lim.concurrency,
        "DOWNLOAD_DELAY": lim.download_delay,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "DOWNLOAD_TIMEOUT": lim.download_timeout,
        "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
        "REDIRECT_MAX_TIMES": lim.max_redirects,
        "CLOSESPIDER_ITEMCOUNT": item_budget(config, limit),
        "CLOSESPIDER_PAGECOUNT": lim.max_requests,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19 otherwise opens a code-execution HTTP server and writes a job file
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        # Items hold contacts (e-mails, phone numbers): logs name them by URL and title only.
        "LOG_FORMATTER": "importers.crawl.logformat.PrivateLogFormatter",
        "FEED_EXPORT_ENCODING": "utf-8",
        # Before robots.txt (100): no request, robots.txt included, reaches an internal address.
        "DOWNLOADER_MIDDLEWARES": {"importers.crawl.guard.OutgoingGuardMiddleware": 50},
        # ... and the address each connection is made to, resolved again (DNS rebinding).
        "TWISTED_DNS_RESOLVER": "importers.crawl.guard.GuardedResolver",
    }
    settings.update(overrides or {})
    return settings


@dataclass
class CrawlResult:
    """What a crawl delivered and what went wrong, JSON-serialisable with ``to_dict``."""

    config: SourceConfig
    collector: Collector
    delivered: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    finish_reason: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)  # only without on_item

    @property
    def errors(self) -> list[CrawlError]:
        return self.collector.errors

    @property
    def list_pages(self) -> list[str]:
        return self.collector.list_pages

    def field_names(self) -> list[str]:
        fields = getattr(self.config, "fields", [])
        return [f if isinstance(f, str) else f.name for f in fields]

    def summary(self) -> dict[str, Any]:
        return self.collector.summary(self.field_names())

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "finish_reason": self.finish_reason,
            "stats": self.stats,
            **self.collector.to_dict(self.field_names()),
        }


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class _Delivery:
    """Calls the caller's callbacks in order, counting items against the limit."""

    def __init__(self, result: CrawlResult, limit: int, on_item, on_error):
        self.result = result
        self.limit = limit
        self.on_item = on_item
        self.on_error = on_error

    def item(self, item: dict[str, Any]) -> None:
        if self.limit and self.result.delivered >= self.limit:
            return
        self.result.delivered += 1
        if self.on_item is None:
            self.result.items.append(item)
            return
        try:
            self.on_item(item)
        except Exception as exc:
            logger.exception("on_item failed for %s", item.get("url"))
            err = CrawlError(CONSUMER, item.get("url") or "", f"Traitement impossible : {exc!r}")
            self.result.collector.errors.append(err)
            self.error(err)

    def error(self, err: CrawlError) -> None:
        if self.on_error is None:
            return
        try:
            self.on_error(err)
        except Exception:
            logger.exception("on_error failed for %s", err.url)


def crawl(
    config: SourceConfig,
    *,
    limit: int | None = None,
    on_item: ItemCallback | None = None,
    on_error: ErrorCallback | None = None,
    settings_overrides: dict[str, Any] | None = None,
    collector: Collector | None = None,
    resume: set[str] | frozenset[str] = frozenset(),
) -> CrawlResult:
    """Crawl one source now, in this process (once per process: the reactor cannot restart).

    ``on_item(item)`` and ``on_error(error)`` are called in order from a consumer thread
    (ORM-safe); without ``on_item`` the items are kept in ``result.items``. Pages,
    unmatched selectors and errors are recorded in ``collector`` (a new one by default),
    also available as ``result.collector``. Detail pages in ``resume`` are not fetched (an
    interrupted run wrote them): they come as ``{"resumed": url}`` items.
    """
    problems = config.validate()
    if problems:
        raise ConfigError(problems)
    collector = collector if collector is not None else Collector()
    result = CrawlResult(config=config, collector=collector)
    budget = item_budget(config, limit)
    delivery = _Delivery(result, budget, on_item, on_error)

    if isinstance(config, CsvConfig) and config.path:
        from .csvsource import read_csv_file

        collector.listener = delivery.error
        for item in read_csv_file(config, collector, max_items=budget):
            delivery.item(item)
        result.finish_reason = "finished"
        return result

    if isinstance(config, PeerConfig):
        from .peer import read_peer

        collector.listener = delivery.error
        for item in read_peer(config, collector, max_items=budget):
            delivery.item(item)
        result.finish_reason = "finished"
        return result

    from scrapy.crawler import CrawlerProcess

    from .spiders import get_spider_class

    spider_cls = get_spider_class(config)
    backlog: queue.Queue = queue.Queue()
    done = object()

    class HandOff:
        """Last pipeline: queue the item for the consumer thread, waiting (without blocking
        the loop) while the caller is behind; Scrapy then stops scheduling downloads."""

        async def process_item(self, item):
            if backlog.qsize() >= BACKLOG_HIGH:
                collector.info["backlog_pauses"] = collector.info.get("backlog_pauses", 0) + 1
                while backlog.qsize() > BACKLOG_LOW:
                    await asyncio.sleep(0.02)
            backlog.put(("item", item))
            return item

    settings = build_settings(config, limit=limit, overrides=settings_overrides)
    settings.setdefault("LOG_INSTALL_ROOT_HANDLER", not _django_configured())
    settings["ITEM_PIPELINES"] = {**settings.get("ITEM_PIPELINES", {}), HandOff: 1000}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)

    def consume():
        while True:
            kind, payload = backlog.get()
            if payload is done:
                return
            if kind == "item":
                delivery.item(payload)
            else:
                delivery.error(payload)

    collector.listener = lambda err: backlog.put(("error", err))
    consumer = threading.Thread(target=consume, name="crawl-consumer", daemon=True)
    consumer.start()
    try:
        process.crawl(crawler, config=config, collector=collector, max_items=budget, resume=resume)
        process.start()
    finally:
        backlog.put(("stop", done))
        consumer.join()
        collector.listener = None
    stats = crawler.stats.get_stats() if crawler.stats else {}
    result.stats = _json_safe(stats)
    result.finish_reason = str(stats.get("finish_reason", ""))
    if not result.finish_reason:
        collector.errors.append(
            CrawlError(OTHER, "", "La collecte n'a pas pu démarrer (voir le journal d'erreurs).")
        )
    return result
