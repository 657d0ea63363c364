"""Harvest another platform the way it asks to be read: its change feed, or its JSON-LD pages.

`changes`: a Carrefour-style `/api/changes` feed, read from the cursor of the previous run to
its end, page by page (`next`). Each created or updated record becomes an item with the
generic normaliser's field names; each unpublished, archived or merged one is gathered in
`collector.info["withdrawn"]` (their ids at the peer), for the harvest to unlist. The cursor
reached is left in `collector.info["peer_cursor"]`: the run's diagnostics keep it, the next
run starts there (`collector.info["incremental"]` then says the run saw only changes).

`jsonld`: each page of `urls` is fetched and its schema.org JSON-LD read (a `WebPage` whose
`mainEntity` is the project, or the project itself).

Every request goes through `catalogue.netguard` (no internal address, redirects included);
every value read is untrusted text that the normaliser and the catalogue's sanitiser clean.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import diagnostics as diag
from .config import PeerConfig
from .diagnostics import Collector

#: Pages of one feed read per run at most (a runaway `next` chain stops there).
MAX_FEED_PAGES = 10_000
MAX_BYTES = 20 * 1024 * 1024


def _get(url: str, config: PeerConfig, collector: Collector, accept: str):
    from catalogue.netguard import RefusedAddress, guarded_get

    from .runner import user_agent

    try:
        response = guarded_get(
            url,
            timeout=config.limits.download_timeout,
            headers={"User-Agent": user_agent(), "Accept": accept},
        )
    except RefusedAddress as error:
        collector.error(diag.REFUSED, url, f"Adresse refusée : {error}")
        return None
    except Exception as error:  # noqa: BLE001 - requests' errors, reported per URL
        collector.error(diag.CONNECTION, url, f"Téléchargement impossible : {error}")
        return None
    if response.status_code != 200:
        collector.error(
            diag.HTTP, url, f"Réponse HTTP {response.status_code}.", status=response.status_code
        )
        return None
    if len(response.content) > MAX_BYTES:
        collector.error(diag.FORMAT, url, "Réponse trop volumineuse.")
        return None
    return response


def _with_cursor(url: str, cursor: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    if cursor:
        query.append(("cursor", cursor))
    return urlunsplit(parts._replace(query=urlencode(query)))


def record_item(record: dict, list_url: str) -> dict[str, Any]:
    """A peer's open-data record as an item of the generic normaliser."""

    def text(value) -> str:
        return "" if value is None else str(value)

    tags = [text(t) for t in (record.get("tags") or []) if t]
    fields = {
        "source_id": [text(record.get("id"))],
        "source_url": [text(record.get("url"))],
        "title": [text(record.get("title"))],
        "summary": [text(record.get("summary"))],
        "structure_name": [text(record.get("structure"))],
        "website": [text(record.get("website"))],
        "address": [text(record.get("address"))],
        "postal_code": [text(record.get("postal_code"))],
        "city": [text(record.get("city"))],
        "latitude": [text(record.get("lat"))],
        "longitude": [text(record.get("lng"))],
        "start_year": [text(record.get("start_year"))],
        "tags": tags,
    }
    fields = {name: [v for v in values if v] for name, values in fields.items()}
    return {"url": text(record.get("url")) or list_url, "list_url": list_url, "fields": fields}


def read_changes(config: PeerConfig, collector: Collector, max_items: int = 0) -> Iterator[dict]:
    cursor = config.cursor
    collector.info["incremental"] = bool(cursor)
    withdrawn: list[str] = []
    url = _with_cursor(config.url, cursor)
    pages = 0
    while url and pages < MAX_FEED_PAGES:
        response = _get(url, config, collector, "application/json")
        if response is None:
            break
        pages += 1
        try:
            data = response.json()
            results = data["results"]
            next_url = data.get("next")
            page_cursor = str(data.get("cursor") or "")
        except (ValueError, KeyError, TypeError):
            collector.error(diag.FORMAT, url, "Flux de changements illisible (JSON attendu).")
            break
        for change in results if isinstance(results, list) else []:
            if not isinstance(change, dict):
                continue
            record = change.get("record")
            if isinstance(record, dict) and record.get("title"):
                item = record_item(record, url)
                collector.item(item["fields"])
                yield item
            elif change.get("project") is not None:
                withdrawn.append(str(change["project"]))
            if max_items and collector.items >= max_items:
                collector.info["peer_cursor"] = cursor
                return
        cursor = page_cursor or cursor
        url = next_url if isinstance(next_url, str) else None
        if url and config.limits.download_delay:
            time.sleep(min(config.limits.download_delay, 5))
    collector.info["peer_cursor"] = cursor
    collector.info["withdrawn"] = withdrawn


def _project_node(document) -> dict | None:
    """The project of a schema.org document: a WebPage's mainEntity, or a Project itself."""
    nodes = document if isinstance(document, list) else [document]
    for node in nodes:
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("@graph"), list):
            found = _project_node(node["@graph"])
            if found:
                return found
        types = node.get("@type")
        types = types if isinstance(types, list) else [types]
        if isinstance(node.get("mainEntity"), dict):
            entity = dict(node["mainEntity"])
            entity.setdefault("_page", node.get("url") or node.get("@id"))
            return entity
        if {"Project", "Organization", "NGO"} & set(filter(None, types)):
            return node
    return None


def jsonld_item(node: dict, url: str) -> dict[str, Any]:
    def text(value) -> str:
        if isinstance(value, dict):
            return text(value.get("name") or value.get("@value"))
        return "" if value is None or isinstance(value, (list, dict)) else str(value)

    place = node.get("location") if isinstance(node.get("location"), dict) else {}
    address = place.get("address") if isinstance(place.get("address"), dict) else {}
    geo = place.get("geo") if isinstance(place.get("geo"), dict) else {}
    keywords = node.get("keywords") or []
    keywords = keywords.split(",") if isinstance(keywords, str) else keywords
    fields = {
        "source_id": [text(node.get("identifier"))],
        "source_url": [text(node.get("_page")) or url],
        "title": [text(node.get("name"))],
        "summary": [text(node.get("description"))],
        "structure_name": [text(node.get("parentOrganization"))],
        "website": [text(node.get("url"))],
        "address": [text(address.get("streetAddress"))],
        "postal_code": [text(address.get("postalCode"))],
        "city": [text(address.get("addressLocality"))],
        "latitude": [text(geo.get("latitude"))],
        "longitude": [text(geo.get("longitude"))],
        "start_year": [text(node.get("foundingDate"))[:4]],
        "tags": [text(k).strip() for k in keywords if text(k).strip()],
    }
    fields = {name: [v for v in values if v] for name, values in fields.items()}
    return {"url": url, "list_url": url, "fields": fields}


def read_jsonld(config: PeerConfig, collector: Collector, max_items: int = 0) -> Iterator[dict]:
    from catalogue.jsonld import extract

    for url in config.urls:
        response = _get(url, config, collector, "text/html,application/ld+json")
        if response is None:
            continue
        if "json" in response.headers.get("Content-Type", ""):
            try:
                documents = [json.loads(response.text)]
            except ValueError:
                documents = []
        else:
            documents = extract(response.text)
        node = next((n for n in map(_project_node, documents) if n), None)
        if node is None or not node.get("name"):
            collector.error(diag.FORMAT, url, "Pas de projet schema.org (JSON-LD) sur la page.")
            continue
        item = jsonld_item(node, url)
        collector.item(item["fields"])
        yield item
        if max_items and collector.items >= max_items:
            return
        if config.limits.download_delay:
            time.sleep(min(config.limits.download_delay, 5))


def read_peer(config: PeerConfig, collector: Collector, max_items: int = 0) -> Iterator[dict]:
    if config.format == "jsonld":
        yield from read_jsonld(config, collector, max_items)
    else:
        yield from read_changes(config, collector, max_items)
