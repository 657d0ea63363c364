"""Scrapy's log lines without the scraped content.

Scrapy prints whole items when it logs them (scraped at DEBUG, dropped at WARNING, pipeline
errors at ERROR): partners' pages hold contact e-mail addresses and phone numbers, which then
land in production logs. Here an item is named by its URL and title only.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.logformatter import LogFormatter

TITLE_FIELDS = ("title", "titre", "name", "nom")


def item_label(item) -> str:
    """`<url> « title »`: enough to find the item again, nothing personal."""
    try:
        adapter = ItemAdapter(item)
        url = adapter.get("url") or adapter.get("source_id") or ""
        fields = adapter.get("fields") or {}
        title = next((fields[k] for k in TITLE_FIELDS if fields.get(k)), None)
        if title is None:
            title = next((adapter[k] for k in TITLE_FIELDS if adapter.get(k)), "")
    except (TypeError, KeyError, AttributeError):
        return f"<{type(item).__name__}>"
    if isinstance(title, (list, tuple)):
        title = title[0] if title else ""
    return f"{url} « {str(title)[:120]} »"


class PrivateLogFormatter(LogFormatter):
    def _private(self, entry: dict, item) -> dict:
        entry["args"] = {**entry["args"], "item": item_label(item)}
        return entry

    def scraped(self, item, response, spider):
        return self._private(super().scraped(item, response, spider), item)

    def dropped(self, item, exception, response, spider):
        return self._private(super().dropped(item, exception, response, spider), item)

    def item_error(self, item, exception, response, spider):
        return self._private(super().item_error(item, exception, response, spider), item)
