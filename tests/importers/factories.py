"""Factories for harvest sources."""

from __future__ import annotations

import dataclasses

from importers.crawl.config import from_openscraper
from importers.models import Source

from .conftest import openscraper_spider


def apriles_source(openscraper, start_urls: list[str], *, name: str = "Apriles", **changes):
    """The real Apriles partner's OpenScraper configuration as an HTML source, crawling
    `start_urls` (a local copy of the site); `changes` replace configuration fields."""
    config = from_openscraper(
        openscraper_spider(openscraper, "Apriles"), openscraper["datamodel"]
    ).config
    stored = dataclasses.replace(config, start_urls=start_urls, **changes).to_dict()
    for key in ("kind", "name", "limits", "spider"):
        stored.pop(key)
    return Source.objects.create(name=name, kind="html", normaliser="apriles", config=stored)
