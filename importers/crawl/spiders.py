"""Scrapy spiders driven by a source configuration, and the registry of spider classes.

Every spider yields plain dict items::

    {"fields": {name: [values…]}, "url": detail or list URL, "list_url": …,
     "position": rank on the list page (1-based), "page": list page number (1-based),
     "fields_abs": {name: [absolute URLs…]}  # only for URL fields holding relative links}

A detail page that led elsewhere adds ``"link"``: the address the list gave. A run resuming an
interrupted one is given the detail pages that run already wrote (``resume``): they are not
fetched again, and stand as ``{"resumed": url, …}`` in the item stream (counted, unread).

and reports pages, unmatched selectors and errors to the ``Collector`` it is given. No
Django code runs here: the spiders run inside the reactor (an asyncio loop).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from typing import Any

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.internet import error as twisted_errors
from w3lib.url import add_or_replace_parameter

from . import diagnostics as diag
from .config import (
    ConfigError,
    CsvConfig,
    FieldSelector,
    HtmlConfig,
    JsonConfig,
    RssConfig,
    SitemapConfig,
    SourceConfig,
)
from .csvsource import iter_csv_items
from .diagnostics import Collector, PageRecord
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
from .guard import OutgoingRefused

_REGISTRY: dict[str, type[scrapy.Spider]] = {}


def register_spider(name: str) -> Callable[[type[scrapy.Spider]], type[scrapy.Spider]]:
    """Register a spider class under ``name``; a source selects it with ``config.spider``."""

    def decorator(cls: type[scrapy.Spider]) -> type[scrapy.Spider]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"A spider is already registered as {name!r}.")
        _REGISTRY[name] = cls
        return cls

    return decorator


def get_spider_class(config: SourceConfig) -> type[scrapy.Spider]:
    """The special spider named by the configuration, else the generic one of its kind."""
    name = config.spider or config.kind
    if name in _REGISTRY:
        return _REGISTRY[name]
    if "." in name:  # a dotted path imports the module, which registers or defines the class
        from importlib import import_module

        module_name, _, attr = name.rpartition(".")
        try:
            return getattr(import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"Classe de spider introuvable « {name} » ({exc}).") from exc
    raise ConfigError(f"Aucun spider enregistré sous le nom « {name} ».")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-") or "source"


def describe_failure(failure) -> tuple[str, str, int | None]:
    """(kind, French reason, HTTP status) of a request failure."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        labels = {404: "page introuvable", 403: "accès refusé", 410: "page supprimée"}
        label = labels.get(status) or ("erreur du serveur" if status >= 500 else "refusée")
        return diag.HTTP, f"HTTP {status} ({label})", status
    if isinstance(exc, DownloadTimeoutError | twisted_errors.TimeoutError):
        return diag.TIMEOUT, f"Délai d'attente dépassé ({exc})", None
    if isinstance(exc, CannotResolveHostError | twisted_errors.DNSLookupError):
        return diag.DNS, f"Nom de domaine introuvable ({exc})", None
    if isinstance(exc, OutgoingRefused):
        return diag.REFUSED, str(exc), None
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "redirect" in message:
            return diag.REDIRECT_LOOP, "Trop de redirections (boucle de redirection)", None
        if "robots.txt" in message:
            return diag.ROBOTS, "Page interdite aux robots par robots.txt", None
        return diag.OTHER, f"Requête ignorée ({message})", None
    if isinstance(
        exc,
        DownloadConnectionRefusedError
        | DownloadFailedError
        | ResponseDataLossError
        | twisted_errors.ConnectError
        | twisted_errors.ConnectionLost,
    ):
        return diag.CONNECTION, f"Connexion impossible ou interrompue ({exc})", None
    return diag.OTHER, f"{type(exc).__name__}: {exc}", None


class ConfiguredSpider(scrapy.Spider):
    """Generic HTML spider: list page → items → (detail page) → next list page."""

    name = "configured"
    config_class: type[SourceConfig] = HtmlConfig

    def __init__(
        self,
        config: SourceConfig,
        collector: Collector | None = None,
        max_items: int = 0,
        resume: set[str] | frozenset[str] = frozenset(),
        **kwargs: Any,
    ):
        super().__init__(name=_slug(config.name), **kwargs)
        if not isinstance(config, self.config_class):
            raise ConfigError(
                f"{type(self).__name__} attend une configuration {self.config_class.kind}."
            )
        self.config = config
        self.multiline = config.multiline_fields()
        self.collector = collector if collector is not None else Collector()
        self.errors = self.collector.errors
        budgets = [n for n in (max_items, config.limits.max_items) if n]
        self.max_items = min(budgets) if budgets else 0
        self.items_out = 0
        self.pending = 0  # detail requests scheduled and not answered yet
        self.pages_scheduled = 0
        self._seen_lists: set[str] = set()
        self._seen_items: set[str] = set()
        self.resume = resume

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        return spider

    # -- shared plumbing --------------------------------------------------------------------

    @property
    def fields(self) -> list[FieldSelector]:
        return getattr(self.config, "fields", [])

    def budget_left(self) -> bool:
        return not self.max_items or self.items_out + self.pending < self.max_items

    def pages_left(self) -> bool:
        max_pages = self.config.limits.max_pages
        return not max_pages or self.pages_scheduled < max_pages

    def emit(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """Count an item against the budget; None once the budget is spent."""
        if self.max_items and self.items_out >= self.max_items:
            return None
        self.items_out += 1
        self.collector.item(item["fields"])
        if not item["fields"]:
            self.collector.warning(
                diag.EMPTY_ITEM,
                item["url"],
                "Aucun champ extrait pour cet élément.",
                list_url=item.get("list_url"),
                position=item.get("position"),
            )
        return item

    @staticmethod
    def make_item(fields, url, list_url, position, page, fields_abs=None) -> dict[str, Any]:
        item = {
            "fields": fields,
            "url": url,
            "list_url": list_url,
            "position": position,
            "page": page,
        }
        if fields_abs:
            item["fields_abs"] = fields_abs
        return item

    def on_error(self, failure):
        """Errback: one clear record per failed request; the crawl goes on."""
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        if meta.get("is_detail"):
            self.pending -= 1
        kind, reason, status = describe_failure(failure)
        url = request.url if request is not None else ""
        redirects = meta.get("redirect_urls") or []
        if redirects:  # report the URL the page linked to, and where it led
            url = redirects[0]
            reason += f" ; redirigée vers {request.url}"
        self.collector.error(
            kind,
            url,
            reason,
            status=status,
            list_url=meta.get("list_url"),
            position=meta.get("position"),
        )

    def _on_spider_error(self, failure, response, spider=None, **kwargs):
        if spider is not None and spider is not self:
            return
        self.collector.error(
            diag.PARSE,
            response.url if response is not None else "",
            f"Erreur pendant l'analyse de la page : {failure.getErrorMessage()}",
            list_url=response.meta.get("list_url") if response is not None else None,
        )

    def text_or_error(self, response: Response, kind: str) -> bool:
        if isinstance(response, TextResponse):
            return True
        self.collector.error(
            diag.FORMAT,
            response.url,
            f"Réponse non textuelle ({response.headers.get('Content-Type', b'').decode()}).",
            list_url=response.meta.get("list_url"),
            position=response.meta.get("position"),
        )
        self.collector.page(PageRecord(response.url, kind, response.status), [], set())
        return False

    def list_request(self, url: str, callback=None, **meta: Any) -> scrapy.Request:
        self.pages_scheduled += 1
        self._seen_lists.add(url)
        return scrapy.Request(
            url,
            callback=callback or self.parse_list,
            errback=self.on_error,
            meta={"page": self.pages_scheduled, **meta},
            dont_filter=True,
        )

    def detail_request(self, url: str, list_values, list_abs, list_url, position, page):
        """The request for a detail page, or the mark of one the interrupted run wrote."""
        if url in self.resume:
            self.items_out += 1
            return {
                "resumed": url,
                "url": url,
                "list_url": list_url,
                "position": position,
                "page": page,
                "fields": {},
            }
        self.pending += 1
        return scrapy.Request(
            url,
            callback=self.parse_detail,
            errback=self.on_error,
            priority=1,  # finish the items of a page before reading further list pages
            # duplicates are caught by seen_item(); Scrapy's filter would also silently drop
            # a redirect back to an already-seen URL instead of reporting the loop
            dont_filter=True,
            meta={
                "is_detail": True,
                "list_values": list_values,
                "list_abs": list_abs,
                "list_url": list_url,
                "position": position,
                "page": page,
            },
        )

    def seen_item(self, key: str, url: str, list_url: str, position: int) -> bool:
        if key in self._seen_items:
            self.collector.warning(
                diag.DUPLICATE,
                url,
                "Élément en double sur le site : déjà extrait, ignoré.",
                list_url=list_url,
                position=position,
            )
            return True
        self._seen_items.add(key)
        return False

    # -- html ---------------------------------------------------------------------------

    async def start(self):
        for url in self.config.start_urls:
            if self.pages_left():
                yield self.list_request(url)

    def parse_list(self, response: Response):
        if not self.text_or_error(response, "list"):
            return
        cfg: HtmlConfig = self.config
        page_no = response.meta["page"]
        evaluated = ["item_selector"]
        matched: set[str] = set()
        nodes = self._list_nodes(response, matched)
        if cfg.follow_selector and nodes:
            evaluated.append("follow_selector")
        if not cfg.follow_selector:
            evaluated += [f"field:{f.name}" for f in self.fields if f.on in ("list", "both")]
        for position, node in enumerate(nodes, start=1):
            yield from self._list_entry(response, node, position, page_no, matched)
        if cfg.next_page_selector:
            evaluated.append("next_page_selector")
            yield from self._next_list_page(response, matched)
        self.collector.page(
            PageRecord(response.url, "list", response.status, page=page_no, items=len(nodes)),
            evaluated,
            matched,
        )

    def _list_nodes(self, response: Response, matched: set[str]):
        cfg: HtmlConfig = self.config
        nodes = select_nodes(response, cfg.item_selector, cfg.item_selector_type)
        if nodes:
            matched.add("item_selector")
            return nodes
        self.collector.error(
            diag.SELECTOR,
            response.url,
            f"Le sélecteur d'éléments « {cfg.item_selector} » n'a rien trouvé sur cette "
            "page de liste (le site a peut-être changé).",
            selector="item_selector",
            status=response.status,
        )
        return nodes

    def _emit_list_item(self, values, abs_values, response, position, page_no):
        item = self.emit(
            self.make_item(values, response.url, response.url, position, page_no, abs_values)
        )
        if item is not None:
            yield item

    def _list_entry(self, response: Response, node, position: int, page_no: int, matched):
        """One item of a list page: the item itself, or the request for its detail page."""
        cfg: HtmlConfig = self.config
        values = extract_fields(node, self.fields, "list", self.multiline)
        abs_values = absolute_urls(values, self.fields, response.url)
        if not cfg.follow_selector:
            matched.update(f"field:{name}" for name in values)
            key = json.dumps(values, sort_keys=True, ensure_ascii=False)
            if not self.seen_item(key, response.url, response.url, position):
                yield from self._emit_list_item(values, abs_values, response, position, page_no)
            return
        link = select_link(node, cfg.follow_selector, cfg.follow_selector_type)
        if link:
            matched.add("follow_selector")
        if not is_followable(link):
            self.collector.warning(
                diag.SELECTOR,
                response.url,
                f"Pas de lien vers la fiche pour l'élément {position} "
                f"(« {cfg.follow_selector} ») : seules les valeurs de la liste sont gardées.",
                selector="follow_selector",
                list_url=response.url,
                position=position,
            )
            yield from self._emit_list_item(values, abs_values, response, position, page_no)
            return
        url = response.urljoin(link)
        if self.seen_item(url, url, response.url, position) or not self.budget_left():
            return
        yield self.detail_request(url, values, abs_values, response.url, position, page_no)

    def _next_list_page(self, response: Response, matched: set[str]):
        cfg: HtmlConfig = self.config
        link = select_link(response, cfg.next_page_selector, cfg.next_page_selector_type)
        if link:
            matched.add("next_page_selector")
        if not is_followable(link):
            return
        url = response.urljoin(link)
        if url in self._seen_lists or url == response.url:
            self.collector.warning(
                diag.PAGINATION,
                response.url,
                f"La page suivante renvoie à une page de liste déjà lue ({url}) : arrêt.",
                selector="next_page_selector",
            )
        elif self.pages_left() and self.budget_left():
            yield self.list_request(url)

    def parse_detail(self, response: Response):
        self.pending -= 1
        meta = response.meta
        if not self.text_or_error(response, "detail"):
            return
        detail_values = extract_fields(response, self.fields, "detail", self.multiline)
        values = merge_fields(
            meta.get("list_values") or {}, detail_values, multiline=self.multiline
        )
        abs_values = merge_fields(
            meta.get("list_abs") or {}, absolute_urls(detail_values, self.fields, response.url)
        )
        evaluated = [f"field:{f.name}" for f in self.fields if f.on in ("detail", "both")]
        self.collector.page(
            PageRecord(response.url, "detail", response.status, page=meta.get("page"), items=1),
            evaluated,
            set(f"field:{name}" for name in values),
        )
        item = self.make_item(
            values,
            response.url,
            meta.get("list_url"),
            meta.get("position"),
            meta.get("page"),
            abs_values,
        )
        link = (meta.get("redirect_urls") or [response.url])[0]
        if link != response.url:
            item["link"] = link
        item = self.emit(item)
        if item is not None:
            yield item


register_spider("html")(ConfiguredSpider)


@register_spider("json")
class JsonApiSpider(ConfiguredSpider):
    """A paginated JSON API: items at ``items_path``, fields by dotted paths."""

    name = "json-api"
    config_class = JsonConfig

    async def start(self):
        cfg: JsonConfig = self.config
        url = cfg.url
        if cfg.pagination.mode == "page":
            url = add_or_replace_parameter(
                url, cfg.pagination.page_param, str(cfg.pagination.first_page)
            )
        yield self.list_request(url, callback=self.parse_api, page_value=cfg.pagination.first_page)

    def parse_api(self, response: Response):
        if not self.text_or_error(response, "api"):
            return
        cfg: JsonConfig = self.config
        page_no = response.meta["page"]
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.collector.error(
                diag.FORMAT,
                response.url,
                f"Réponse JSON illisible ({exc}).",
                status=response.status,
            )
            self.collector.page(
                PageRecord(response.url, "list", response.status, page_no), [], set()
            )
            return
        records = resolve_path(data, cfg.items_path) if cfg.items_path else data
        if isinstance(records, dict):
            records = [records]
        evaluated = ["items_path", *(f"field:{n}" for n in cfg.fields)]
        matched: set[str] = set()
        if records:
            matched.add("items_path")
        elif cfg.pagination.mode != "page" or page_no == 1:
            # an empty page ends a page-number pagination; anywhere else it is suspicious
            self.collector.error(
                diag.SELECTOR,
                response.url,
                f"Aucun élément au chemin « {cfg.items_path} » de la réponse JSON.",
                selector="items_path",
            )
        for position, record in enumerate(records, start=1):
            values = extract_json_fields(record, cfg.fields, self.multiline)
            matched.update(f"field:{n}" for n in values)
            links = resolve_path(record, cfg.url_path) if cfg.url_path else []
            url = response.urljoin(str(links[0])) if links else response.url
            if cfg.url_path and self.seen_item(url, url, response.url, position):
                continue
            item = self.emit(self.make_item(values, url, response.url, position, page_no))
            if item is not None:
                yield item
        yield from self._next_api_page(response, data, bool(records), evaluated, matched)
        record = PageRecord(response.url, "list", response.status, page=page_no, items=len(records))
        self.collector.page(record, evaluated, matched)

    def _next_api_page(self, response: Response, data, any_records: bool, evaluated, matched):
        cfg: JsonConfig = self.config
        next_url = None
        if cfg.pagination.mode == "page" and any_records:
            value = response.meta["page_value"] + 1
            next_url = add_or_replace_parameter(response.url, cfg.pagination.page_param, str(value))
        elif cfg.pagination.mode == "next":
            evaluated.append("next_path")
            links = [v for v in resolve_path(data, cfg.pagination.next_path) if v]
            if links:
                matched.add("next_path")
                next_url = response.urljoin(str(links[0]))
        if not next_url:
            return
        if next_url in self._seen_lists:
            self.collector.warning(
                diag.PAGINATION,
                response.url,
                f"La page suivante renvoie à une page déjà lue ({next_url}) : arrêt.",
            )
        elif self.pages_left() and self.budget_left():
            meta = {"page_value": response.meta.get("page_value", 0) + 1}
            yield self.list_request(next_url, callback=self.parse_api, **meta)


@register_spider("csv")
class CsvSpider(ConfiguredSpider):
    """A CSV file fetched over HTTP (politely, like any page), parsed as it streams out."""

    name = "csv"
    config_class = CsvConfig

    async def start(self):
        yield self.list_request(self.config.url, callback=self.parse_csv)

    def parse_csv(self, response: Response):
        header = response.headers.get("Content-Type", b"").decode("latin-1")
        for item in iter_csv_items(
            response.body, self.config, response.url, self.collector, header
        ):
            item = self.emit(item)
            if item is None:
                break
            yield item


class FeedSpider(ConfiguredSpider):
    """Sitemaps (index files followed) and RSS/Atom feeds, pages read like detail pages."""

    name = "feed"
    config_class = SourceConfig

    async def start(self):
        cfg = self.config
        if isinstance(cfg, SitemapConfig):
            for url in cfg.sitemap_urls:
                yield self.list_request(url, callback=self.parse_sitemap)
        elif isinstance(cfg, RssConfig):
            for url in cfg.feed_urls:
                yield self.list_request(url, callback=self.parse_feed)
        else:
            raise ConfigError("FeedSpider attend une configuration sitemap ou rss.")

    def parse_sitemap(self, response: Response):
        cfg: SitemapConfig = self.config
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)
            except OSError as exc:
                self.collector.error(diag.FORMAT, response.url, f"Sitemap gzip illisible ({exc}).")
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises on empty or non-XML documents
            self.collector.error(diag.FORMAT, response.url, f"Sitemap illisible ({exc}).")
            return
        pattern = re.compile(cfg.url_pattern) if cfg.url_pattern else None
        urls = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if not urls:
            self.collector.error(diag.SELECTOR, response.url, "Aucune URL dans le sitemap.")
        position = 0
        for loc in urls:
            url = response.urljoin(loc.strip())
            if sitemap.type == "sitemapindex":
                if url not in self._seen_lists and self.pages_left():
                    yield self.list_request(url, callback=self.parse_sitemap)
                continue
            if pattern and not pattern.search(url):
                continue
            position += 1
            if self.seen_item(url, url, response.url, position) or not self.budget_left():
                continue
            yield self.detail_request(url, {}, {}, response.url, position, response.meta["page"])
        record = PageRecord(
            response.url, "sitemap", response.status, page=response.meta["page"], items=len(urls)
        )
        self.collector.page(record, [], set())

    def parse_feed(self, response: Response):
        if not self.text_or_error(response, "feed"):
            return
        cfg: RssConfig = self.config
        page_no = response.meta["page"]
        try:
            feed = Selector(text=response.text, type="xml")
            feed.remove_namespaces()
        except Exception as exc:
            self.collector.error(diag.FORMAT, response.url, f"Flux illisible ({exc}).")
            return
        entries = feed.xpath("//item | //entry")
        if not entries:
            self.collector.error(diag.SELECTOR, response.url, "Aucune entrée dans le flux.")
        evaluated = [f"field:{f.name}" for f in self.fields if f.on in ("list", "both")]
        matched: set[str] = set()
        for position, entry in enumerate(entries, start=1):
            values = extract_fields(entry, self.fields, "list", self.multiline)
            matched.update(f"field:{n}" for n in values)
            link = (
                entry.xpath("link[@rel='alternate']/@href").get()
                or entry.xpath("link/@href").get()
                or entry.xpath("normalize-space(link)").get()
                or entry.xpath("normalize-space(guid)").get()
            )
            url = response.urljoin(link.strip()) if link else response.url
            key = url if link else json.dumps(values, sort_keys=True)
            if self.seen_item(key, url, response.url, position):
                continue
            if cfg.follow and link and is_followable(url):
                if self.budget_left():
                    yield self.detail_request(url, values, {}, response.url, position, page_no)
                continue
            item = self.emit(self.make_item(values, url, response.url, position, page_no))
            if item is not None:
                yield item
        record = PageRecord(response.url, "feed", response.status, page=page_no, items=len(entries))
        self.collector.page(record, evaluated, matched)


register_spider("sitemap")(FeedSpider)
register_spider("rss")(FeedSpider)
