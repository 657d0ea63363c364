"""Preview of a source configuration, in-process and without the reactor.

Fetches the first list page (and the first detail page) with ``requests`` and extracts
with the same functions as the spiders, so the admin can show editors, before any run,
what each field gets and which selector matches nothing.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlparse

import requests
from parsel import Selector
from protego import Protego
from w3lib.encoding import html_to_unicode
from w3lib.url import add_or_replace_parameter

from catalogue.netguard import GuardedSession, RefusedAddress

from . import diagnostics as diag
from .config import CsvConfig, HtmlConfig, JsonConfig, RssConfig, SitemapConfig, SourceConfig
from .csvsource import iter_csv_items
from .diagnostics import Collector, CrawlError
from .extract import (
    absolute_urls,
    extract_fields,
    extract_json_fields,
    is_followable,
    merge_fields,
    resolve_path,
    select_link,
    select_nodes,
)

PREVIEW_TIMEOUT = 15.0


@dataclass
class PreviewResult:
    kind: str
    url: str = ""
    status: int | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    #: selector name → {"selector", "list": matched?, "detail": matched?} (None: not tried)
    selectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_page: str | None = None
    errors: list[CrawlError] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    multiline: list[str] = field(default_factory=list)  # fields read as multi-line text

    @property
    def unmatched(self) -> list[str]:
        """Selectors that were tried and matched nothing anywhere."""
        out = []
        for name, report in self.selectors.items():
            tried = [report.get(k) for k in ("list", "detail") if report.get(k) is not None]
            if tried and not any(tried):
                out.append(name)
        return out

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["unmatched"] = self.unmatched
        return data


class _Fetcher:
    """requests with the crawl's identity, timeout, redirect cap and robots.txt rules."""

    def __init__(self, config: SourceConfig, timeout: float | None, session=None):
        from .runner import user_agent

        self.limits = config.limits
        self.hosts = config.own_hosts()
        self.timeout = timeout or min(config.limits.download_timeout, PREVIEW_TIMEOUT)
        self.session = session or GuardedSession()
        self.session.headers["User-Agent"] = self.user_agent = user_agent()
        self.session.headers["Accept-Language"] = "fr"
        self.session.max_redirects = config.limits.max_redirects
        self._robots: dict[str, Protego | None] = {}

    def allowed(self, url: str) -> bool:
        parsed = urlparse(url)
        base = f"{parsed.scheme}://{parsed.netloc}"
        if base not in self._robots:
            try:
                resp = self.session.get(base + "/robots.txt", timeout=self.timeout)
                body = resp.text if resp.status_code == 200 else ""
                self._robots[base] = Protego.parse(body) if body else None
            except requests.RequestException:
                self._robots[base] = None
        rules = self._robots[base]
        return rules is None or rules.can_fetch(url, self.user_agent)

    def get(self, url: str) -> tuple[requests.Response | None, CrawlError | None]:
        from .guard import host_allowed

        if self.hosts and not host_allowed(urlparse(url).hostname, self.hosts):
            reason = "Lien vers un autre site que celui de la source : non suivi"
            return None, CrawlError(diag.REFUSED, url, reason)
        if self.limits.obey_robots and not self.allowed(url):
            return None, CrawlError(diag.ROBOTS, url, "Page interdite aux robots par robots.txt")
        try:
            resp = self.session.get(url, timeout=self.timeout)
        except requests.Timeout as exc:
            return None, CrawlError(diag.TIMEOUT, url, f"Délai d'attente dépassé ({exc})")
        except RefusedAddress as exc:
            return None, CrawlError(diag.REFUSED, url, str(exc))
        except requests.TooManyRedirects:
            reason = "Trop de redirections (boucle de redirection)"
            return None, CrawlError(diag.REDIRECT_LOOP, url, reason)
        except requests.RequestException as exc:
            return None, CrawlError(diag.CONNECTION, url, f"Connexion impossible ({exc})")
        if resp.status_code >= 400:
            label = "page introuvable" if resp.status_code == 404 else "erreur"
            reason = f"HTTP {resp.status_code} ({label})"
            return resp, CrawlError(diag.HTTP, url, reason, status=resp.status_code)
        return resp, None

    @staticmethod
    def text(resp: requests.Response) -> str:
        """Decoded like Scrapy does: header charset, BOM, meta tag, then detection."""
        _, text = html_to_unicode(resp.headers.get("Content-Type"), resp.content)
        return text


def preview(
    config: SourceConfig, max_items: int = 10, *, timeout: float | None = None, session=None
) -> PreviewResult:
    """What the first page(s) of a source give, per item and per selector; saves nothing."""
    result = PreviewResult(kind=config.kind, multiline=sorted(config.multiline_fields()))
    problems = config.validate()
    if problems:
        result.errors = [CrawlError(diag.SELECTOR, "", p) for p in problems]
        return result
    fetcher = _Fetcher(config, timeout, session)
    handler = {
        HtmlConfig: _preview_html,
        JsonConfig: _preview_json,
        CsvConfig: _preview_csv,
        SitemapConfig: _preview_sitemap,
        RssConfig: _preview_rss,
    }[type(config)]
    handler(config, fetcher, result, max_items)
    return result


def _fetch_page(fetcher: _Fetcher, result: PreviewResult, url: str) -> Selector | None:
    resp, error = fetcher.get(url)
    if not result.url:
        result.url, result.status = url, resp.status_code if resp is not None else None
    if error:
        result.errors.append(error)
        return None
    return Selector(text=fetcher.text(resp), base_url=resp.url)


def _field_reports(fields, result: PreviewResult) -> None:
    for fs in fields:
        result.selectors[f"field:{fs.name}"] = {
            "selector": fs.selector,
            "type": fs.type,
            "on": fs.on,
            "list": None,
            "detail": None,
        }


def _preview_detail(fetcher, result, fields, item: dict[str, Any]) -> None:
    page = _fetch_page(fetcher, result, item["url"])
    if page is None:
        return
    multiline = result.multiline
    detail = extract_fields(page, fields, "detail", multiline)
    item["fields_detail"] = detail
    item["fields"] = merge_fields(item["fields"], detail, multiline=multiline)
    abs_values = absolute_urls(detail, fields, item["url"])
    if abs_values or item.get("fields_abs"):
        item["fields_abs"] = merge_fields(item.get("fields_abs") or {}, abs_values)
    item["detail_fetched"] = True
    for fs in fields:
        if fs.on in ("detail", "both"):
            result.selectors[f"field:{fs.name}"]["detail"] = fs.name in detail


def _preview_html(config: HtmlConfig, fetcher, result: PreviewResult, max_items: int) -> None:
    _field_reports(config.fields, result)
    url = config.start_urls[0]
    page = _fetch_page(fetcher, result, url)
    if page is None:
        return
    nodes = select_nodes(page, config.item_selector, config.item_selector_type)
    result.selectors["item_selector"] = {"selector": config.item_selector, "list": bool(nodes)}
    result.info["items_on_page"] = len(nodes)
    if not nodes:
        result.errors.append(
            CrawlError(
                diag.SELECTOR,
                url,
                f"Le sélecteur d'éléments « {config.item_selector} » n'a rien trouvé.",
                selector="item_selector",
            )
        )
    links_found = False
    list_matched: set[str] = set()
    for position, node in enumerate(nodes[:max_items], start=1):
        values = extract_fields(node, config.fields, "list", result.multiline)
        list_matched.update(values)
        item = {
            "position": position,
            "list_url": url,
            "url": url,
            "fields": dict(values),
            "fields_list": values,
            "fields_detail": None,
            "detail_fetched": False,
        }
        abs_values = absolute_urls(values, config.fields, url)
        if abs_values:
            item["fields_abs"] = abs_values
        if config.follow_selector:
            link = select_link(node, config.follow_selector, config.follow_selector_type)
            links_found = links_found or bool(link)
            if is_followable(link):
                item["url"] = urljoin(url, link)
        result.items.append(item)
    for fs in config.fields:
        if fs.on in ("list", "both") and nodes:
            result.selectors[f"field:{fs.name}"]["list"] = fs.name in list_matched
    if config.follow_selector:
        result.selectors["follow_selector"] = {
            "selector": config.follow_selector,
            "list": links_found if nodes else None,
        }
        first = next((it for it in result.items if it["url"] != url), None)
        if first is not None:
            _preview_detail(fetcher, result, config.fields, first)
    if config.next_page_selector:
        link = select_link(page, config.next_page_selector, config.next_page_selector_type)
        result.selectors["next_page_selector"] = {
            "selector": config.next_page_selector,
            "list": bool(link),
        }
        result.next_page = urljoin(url, link) if is_followable(link) else None


def _preview_json(config: JsonConfig, fetcher, result: PreviewResult, max_items: int) -> None:
    url = config.url
    if config.pagination.mode == "page":
        url = add_or_replace_parameter(
            url, config.pagination.page_param, str(config.pagination.first_page)
        )
    resp, error = fetcher.get(url)
    result.url, result.status = url, resp.status_code if resp is not None else None
    if error:
        result.errors.append(error)
        return
    try:
        data = json.loads(fetcher.text(resp))
    except ValueError as exc:
        result.errors.append(CrawlError(diag.FORMAT, url, f"Réponse JSON illisible ({exc})."))
        return
    records = resolve_path(data, config.items_path) if config.items_path else data
    if isinstance(records, dict):
        records = [records]
    result.selectors["items_path"] = {"selector": config.items_path, "list": bool(records)}
    result.info["items_on_page"] = len(records)
    matched: set[str] = set()
    for position, record in enumerate(records[:max_items], start=1):
        values = extract_json_fields(record, config.fields, result.multiline)
        matched.update(values)
        links = resolve_path(record, config.url_path) if config.url_path else []
        item_url = urljoin(url, str(links[0])) if links else url
        result.items.append(
            {"position": position, "list_url": url, "url": item_url, "fields": values}
        )
    for name, path in config.fields.items():
        result.selectors[f"field:{name}"] = {
            "selector": path,
            "list": (name in matched) if records else None,
        }
    if config.pagination.mode == "next":
        links = [v for v in resolve_path(data, config.pagination.next_path) if v]
        result.selectors["next_path"] = {
            "selector": config.pagination.next_path,
            "list": bool(links),
        }
        result.next_page = urljoin(url, str(links[0])) if links else None
    elif config.pagination.mode == "page" and records:
        result.next_page = add_or_replace_parameter(
            url, config.pagination.page_param, str(config.pagination.first_page + 1)
        )


def _preview_csv(config: CsvConfig, fetcher, result: PreviewResult, max_items: int) -> None:
    collector = Collector()
    if config.path:
        result.url = config.path
        try:
            with open(config.path, "rb") as handle:
                items = list(
                    _first(iter_csv_items(handle, config, config.path, collector), max_items)
                )
        except OSError as exc:
            result.errors.append(CrawlError(diag.OTHER, config.path, f"Fichier illisible ({exc})."))
            return
    else:
        resp, error = fetcher.get(config.url)
        result.url, result.status = config.url, resp.status_code if resp is not None else None
        if error:
            result.errors.append(error)
            return
        content_type = resp.headers.get("Content-Type", "")
        items = list(
            _first(
                iter_csv_items(resp.content, config, config.url, collector, content_type), max_items
            )
        )
    result.items = items
    result.errors += collector.errors
    result.info.update(collector.info.get("csv", {}))
    missing = {e.selector for e in collector.errors if e.selector}
    for name, column in config.fields.items():
        present = any(name in it["fields"] for it in items)
        result.selectors[f"field:{name}"] = {
            "selector": column,
            "list": False if f"field:{name}" in missing else present,
        }


def _first(iterable, n: int):
    for index, value in enumerate(iterable):
        if index >= n:
            return
        yield value


def _preview_sitemap(config: SitemapConfig, fetcher, result: PreviewResult, max_items: int) -> None:
    _field_reports(config.fields, result)
    url = config.sitemap_urls[0]
    pattern = re.compile(config.url_pattern) if config.url_pattern else None
    for _depth in range(3):  # follow an index to its first child sitemap
        resp, error = fetcher.get(url)
        if not result.url:
            result.url, result.status = url, resp.status_code if resp is not None else None
        if error:
            result.errors.append(error)
            return
        body = resp.content
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        doc = Selector(text=body.decode("utf-8", "replace"), type="xml")
        doc.remove_namespaces()
        locs = [s.strip() for s in doc.xpath("//loc/text()").getall()]
        if doc.xpath("/sitemapindex") and locs:
            url = urljoin(url, locs[0])
            continue
        break
    urls = [urljoin(url, loc) for loc in locs if not pattern or pattern.search(urljoin(url, loc))]
    result.info["urls_in_sitemap"] = len(urls)
    if not urls:
        result.errors.append(CrawlError(diag.SELECTOR, url, "Aucune URL retenue dans le sitemap."))
        return
    for position, page_url in enumerate(urls[:max_items], start=1):
        result.items.append(
            {
                "position": position,
                "list_url": url,
                "url": page_url,
                "fields": {},
                "detail_fetched": False,
            }
        )
    _preview_detail(fetcher, result, config.fields, result.items[0])


def _preview_rss(config: RssConfig, fetcher, result: PreviewResult, max_items: int) -> None:
    _field_reports(config.fields, result)
    url = config.feed_urls[0]
    resp, error = fetcher.get(url)
    result.url, result.status = url, resp.status_code if resp is not None else None
    if error:
        result.errors.append(error)
        return
    feed = Selector(text=fetcher.text(resp), type="xml")
    feed.remove_namespaces()
    entries = feed.xpath("//item | //entry")
    result.info["items_on_page"] = len(entries)
    if not entries:
        result.errors.append(CrawlError(diag.SELECTOR, url, "Aucune entrée dans le flux."))
    matched: set[str] = set()
    for position, entry in enumerate(entries[:max_items], start=1):
        values = extract_fields(entry, config.fields, "list", result.multiline)
        matched.update(values)
        link = (
            entry.xpath("link[@rel='alternate']/@href").get()
            or entry.xpath("link/@href").get()
            or entry.xpath("normalize-space(link)").get()
        )
        result.items.append(
            {
                "position": position,
                "list_url": url,
                "url": urljoin(url, link) if link else url,
                "fields": values,
                "detail_fetched": False,
            }
        )
    for fs in config.fields:
        if fs.on in ("list", "both") and entries:
            result.selectors[f"field:{fs.name}"]["list"] = fs.name in matched
    if config.follow and result.items and result.items[0]["url"] != url:
        _preview_detail(fetcher, result, config.fields, result.items[0])
