"""Extraction configurations of a source, one dataclass per kind, JSON round-trippable.

The later ``Source`` model stores ``config.to_dict()`` in a JSON field and rebuilds it with
``config_from_dict``; editors get French messages from ``validate()`` before anything is
fetched, so a wrong configuration is caught when saved, not when a run silently fails.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NamedTuple
from urllib.parse import urlparse

from parsel import Selector

SelectorType = Literal["xpath", "css"]
FieldContext = Literal["list", "detail", "both"]

#: Politeness floor applied when a configuration asks for no delay at all.
MIN_DOWNLOAD_DELAY = 0.5


#: Record attributes whose fields are multi-line text unless their transform says "line".
MULTILINE_ATTRIBUTES = ("description", "summary")
#: Keys of the common part left out of ``to_dict()`` while empty.
OPTIONAL_KEYS = ("transforms", "key", "scope")


class ConfigError(ValueError):
    """A configuration that cannot be built; ``messages`` are French, for editors."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass
class Limits:
    """Politeness and run limits (0 means unlimited)."""

    max_pages: int = 0  # list pages (html), API pages (json) or feeds followed, in total
    max_items: int = 0
    download_delay: float = 1.0
    concurrency: int = 2
    obey_robots: bool = True
    download_timeout: float = 30.0
    max_redirects: int = 5
    max_requests: int = 0  # responses of any kind per run (Scrapy's CLOSESPIDER_PAGECOUNT)


@dataclass
class FieldSelector:
    """One field read from an HTML page: where (``on``) and how (``type``)."""

    name: str
    selector: str
    type: SelectorType = "xpath"
    on: FieldContext = "both"
    is_url: bool = False  # values are links: an absolute variant is added when relative


@dataclass
class SourceConfig:
    """Common part of every kind."""

    kind: ClassVar[str] = ""
    name: str = ""
    #: Name of a registered special spider class; empty means the generic one of the kind.
    spider: str = ""
    limits: Limits = field(default_factory=Limits)
    #: Hosts whose pages may be crawled besides those of the source's own URLs (subdomains
    #: included): the crawler follows no link elsewhere.
    allowed_hosts: list[str] = field(default_factory=list)
    #: Field transforms and text modes, per field (``importers.crawl.transforms``).
    transforms: dict[str, Any] = field(default_factory=dict)
    #: The records' key when they carry no unique id: field names, "@list", "@position"
    #: (``importers.run_keys``).
    key: list[str] = field(default_factory=list)
    #: Which records belong in the catalogue: outside France, a status field (``importers.scope``).
    scope: dict[str, Any] = field(default_factory=dict)

    def entry_urls(self) -> list[str]:
        """The URLs the configuration starts from (their hosts are the source's own)."""
        return []

    def own_hosts(self) -> set[str]:
        hosts = {(urlparse(u).hostname or "").lower() for u in self.entry_urls()}
        hosts |= {h.strip().lower().rstrip(".") for h in self.allowed_hosts if h.strip()}
        return {h for h in hosts if h}

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind
        for key in OPTIONAL_KEYS:  # written only when used: older configurations stay as they are
            if not data.get(key):
                data.pop(key, None)
        return data

    def field_names(self) -> list[str] | None:
        """The configured fields' names (None: every column of a CSV file)."""
        fields = getattr(self, "fields", None)
        if isinstance(fields, dict):
            return list(fields) or (None if self.kind == "csv" else [])
        return [f.name for f in fields or [] if isinstance(f, FieldSelector)]

    def multiline_fields(self) -> set[str]:
        """Fields read as multi-line text (paragraphs and list items kept): those whose
        transform says ``"text": "multiline"``, and by default those feeding a record's
        description, unless they say ``"line"``."""
        from .transforms import text_mode

        try:
            from importers.normalise.items import field_attribute
        except ImportError:  # outside Django: only what the configuration says
            field_attribute = None  # noqa: N806
        names = set(self.field_names() or []) | set(self.transforms or {})
        out = set()
        for name in names:
            mode = text_mode(self.transforms, name)
            if mode == "multiline" or (
                not mode
                and field_attribute is not None
                and field_attribute(name) in MULTILINE_ATTRIBUTES
            ):
                out.add(name)
        return out

    def validate(self) -> list[str]:
        """French messages describing what is wrong; empty when usable."""
        messages = []
        lim = self.limits
        if min(lim.max_pages, lim.max_items, lim.max_requests) < 0:
            messages.append("Les limites de pages et d'éléments doivent être positives.")
        if lim.download_delay < 0:
            messages.append("Le délai entre requêtes doit être positif.")
        if lim.concurrency < 1:
            messages.append("La concurrence doit être d'au moins 1 requête.")
        if lim.download_timeout <= 0:
            messages.append("Le délai d'attente doit être strictement positif.")
        for host in self.allowed_hosts:
            if not isinstance(host, str) or not re.fullmatch(r"[A-Za-z0-9.-]+", host.strip()):
                messages.append(f"Hôte autorisé invalide : « {host} » (un nom, sans schéma).")
            else:
                messages += _url_problems([f"http://{host.strip()}/"], "Hôte autorisé")
        from importers.run_keys import key_problems

        from .transforms import problems as transform_problems

        messages += transform_problems(self.transforms, self.field_names())
        messages += key_problems(self.key, self.field_names())
        from importers.scope import problems as scope_problems

        messages += scope_problems(self.scope, self.field_names())
        return messages


@dataclass
class HtmlConfig(SourceConfig):
    """List pages → (optional) detail page per item → next list page."""

    kind: ClassVar[str] = "html"
    start_urls: list[str] = field(default_factory=list)
    item_selector: str = ""
    item_selector_type: SelectorType = "xpath"
    next_page_selector: str = ""
    next_page_selector_type: SelectorType = "xpath"
    follow_selector: str = ""
    follow_selector_type: SelectorType = "xpath"
    fields: list[FieldSelector] = field(default_factory=list)

    def entry_urls(self) -> list[str]:
        return list(self.start_urls)

    def validate(self) -> list[str]:
        messages = super().validate()
        if not self.start_urls:
            messages.append("Aucune URL de départ.")
        messages += _url_problems(self.start_urls, "URL de départ")
        if not self.item_selector:
            messages.append("Aucun sélecteur d'éléments sur les pages de liste.")
        for label, expr, kind in (
            ("sélecteur d'éléments", self.item_selector, self.item_selector_type),
            ("sélecteur de page suivante", self.next_page_selector, self.next_page_selector_type),
            ("sélecteur de lien vers la fiche", self.follow_selector, self.follow_selector_type),
        ):
            if expr:
                messages += check_selector(expr, kind, label)
        if not self.fields:
            messages.append("Aucun champ à extraire.")
        seen = set()
        for fs in self.fields:
            if fs.name in seen:
                messages.append(f"Le champ « {fs.name} » est défini deux fois.")
            seen.add(fs.name)
            if fs.on not in ("list", "detail", "both"):
                messages.append(f"Champ « {fs.name} » : emplacement inconnu « {fs.on} ».")
            if fs.on == "detail" and not self.follow_selector:
                messages.append(
                    f"Champ « {fs.name} » lu sur la fiche, mais aucun lien vers la fiche "
                    "n'est configuré."
                )
            messages += check_selector(fs.selector, fs.type, f"champ « {fs.name} »")
        return messages


@dataclass
class JsonPagination:
    """``page``: a page-number query parameter; ``next``: a next-link path in the answer."""

    mode: Literal["none", "page", "next"] = "none"
    page_param: str = "page"
    first_page: int = 1
    next_path: str = ""


@dataclass
class JsonConfig(SourceConfig):
    """A JSON API: items found at ``items_path``, one dotted path per field."""

    kind: ClassVar[str] = "json"
    url: str = ""
    items_path: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    url_path: str = ""  # path to the item's own page URL, if the API gives one
    pagination: JsonPagination = field(default_factory=JsonPagination)

    def entry_urls(self) -> list[str]:
        return [self.url] if self.url else []

    def validate(self) -> list[str]:
        messages = super().validate()
        if not self.url:
            messages.append("Aucune URL d'API.")
        messages += _url_problems([self.url] if self.url else [], "URL d'API")
        if not self.fields:
            messages.append("Aucun champ à extraire.")
        if self.pagination.mode not in ("none", "page", "next"):
            messages.append(f"Pagination inconnue « {self.pagination.mode} ».")
        if self.pagination.mode == "next" and not self.pagination.next_path:
            messages.append("Pagination par lien suivant sans chemin vers ce lien.")
        if self.pagination.mode == "page" and not self.pagination.page_param:
            messages.append("Pagination par numéro de page sans nom de paramètre.")
        return messages


@dataclass
class CsvConfig(SourceConfig):
    """A CSV file (URL or local path); delimiter and encoding detected unless given."""

    kind: ClassVar[str] = "csv"
    url: str = ""
    path: str = ""
    # field name → column header, or a list of headers whose values the field holds in order
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    delimiter: str = ""  # empty: detected with csv.Sniffer
    encoding: str = ""  # empty: detected with charset-normalizer

    def entry_urls(self) -> list[str]:
        return [self.url] if self.url else []

    def validate(self) -> list[str]:
        messages = super().validate()
        if not isinstance(self.fields, dict):
            return [*messages, "« fields » : un objet {champ: colonne} attendu."]
        for name, spec in self.fields.items():
            columns = [spec] if isinstance(spec, str) else spec
            if not isinstance(columns, list) or not all(
                isinstance(c, str) and c.strip() for c in columns
            ):
                messages.append(
                    f"Champ « {name} » : une colonne (texte) ou une liste de colonnes attendue."
                )
        if bool(self.url) == bool(self.path):
            messages.append("Indiquer soit une URL, soit un fichier CSV (un seul des deux).")
        elif self.url:
            messages += _url_problems([self.url], "URL du fichier")
        if len(self.delimiter) > 1:
            messages.append("Le séparateur doit être un seul caractère.")
        if self.encoding:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                messages.append(f"Encodage inconnu « {self.encoding} ».")
        return messages


@dataclass
class SitemapConfig(SourceConfig):
    """Pages listed in a sitemap (index files followed), fields read on each page."""

    kind: ClassVar[str] = "sitemap"
    sitemap_urls: list[str] = field(default_factory=list)
    url_pattern: str = ""  # regular expression the page URLs must match
    fields: list[FieldSelector] = field(default_factory=list)

    def entry_urls(self) -> list[str]:
        return list(self.sitemap_urls)

    def validate(self) -> list[str]:
        messages = super().validate()
        if not self.sitemap_urls:
            messages.append("Aucune URL de sitemap.")
        messages += _url_problems(self.sitemap_urls, "URL de sitemap")
        if self.url_pattern:
            try:
                re.compile(self.url_pattern)
            except re.error as exc:
                messages.append(f"Motif d'URL invalide : {exc}.")
        if not self.fields:
            messages.append("Aucun champ à extraire.")
        for fs in self.fields:
            messages += check_selector(fs.selector, fs.type, f"champ « {fs.name} »")
        return messages


@dataclass
class RssConfig(SourceConfig):
    """An RSS or Atom feed: ``on="list"`` fields read on the entry, ``"detail"`` on its page."""

    kind: ClassVar[str] = "rss"
    feed_urls: list[str] = field(default_factory=list)
    fields: list[FieldSelector] = field(default_factory=list)
    follow: bool = False  # fetch each entry's link to read ``detail`` fields

    def entry_urls(self) -> list[str]:
        return list(self.feed_urls)

    def validate(self) -> list[str]:
        messages = super().validate()
        if not self.feed_urls:
            messages.append("Aucune URL de flux.")
        messages += _url_problems(self.feed_urls, "URL de flux")
        if not self.fields:
            messages.append("Aucun champ à extraire.")
        for fs in self.fields:
            if fs.on in ("detail", "both") and not self.follow:
                messages.append(
                    f"Champ « {fs.name} » lu sur la page, mais le lien n'est pas suivi."
                )
            messages += check_selector(fs.selector, fs.type, f"champ « {fs.name} »")
        return messages


@dataclass
class PeerConfig(SourceConfig):
    """Another platform's change feed (Carrefour's `/api/changes`), read incrementally from
    the cursor of the last run, or its JSON-LD export pages (schema.org, as Carrefour's
    project pages carry): `format` "changes" or "jsonld" (`urls`: the pages to read)."""

    kind: ClassVar[str] = "peer"
    url: str = ""
    format: str = "changes"
    urls: list[str] = field(default_factory=list)
    #: Where the previous run stopped (set by the harvest from its last run, never by hand).
    cursor: str = ""

    def entry_urls(self) -> list[str]:
        return [self.url] if self.format == "changes" else list(self.urls)

    def validate(self) -> list[str]:
        messages = super().validate()
        if self.format not in ("changes", "jsonld"):
            messages.append(f"Format inconnu « {self.format} » (changes ou jsonld).")
        elif not self.entry_urls():
            messages.append("Aucune URL de flux ou de page.")
        messages += _url_problems(self.entry_urls(), "URL")
        return messages


CONFIG_CLASSES: dict[str, type[SourceConfig]] = {
    cls.kind: cls
    for cls in (HtmlConfig, JsonConfig, CsvConfig, SitemapConfig, RssConfig, PeerConfig)
}


def config_from_dict(data: dict[str, Any]) -> SourceConfig:
    """Rebuild a configuration from ``to_dict()`` output; unknown keys are errors (typos)."""
    if not isinstance(data, dict):
        raise ConfigError("La configuration doit être un objet (clé : valeur).")
    data = dict(data)
    kind = data.pop("kind", None)
    cls = CONFIG_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ConfigError(f"Type de source inconnu « {kind} ».")
    return _build(cls, data)


def _build(cls, data: dict[str, Any]):
    if not isinstance(data, dict):
        raise ConfigError(f"{cls.__name__} doit être un objet (clé : valeur), pas « {data!r} ».")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(str(key) for key in set(data) - set(known))
    if unknown:
        raise ConfigError(f"Clés inconnues pour {cls.__name__} : {', '.join(unknown)}.")
    kwargs = {}
    for name, value in data.items():
        if name == "limits":
            value = _build(Limits, value or {})
        elif name == "pagination":
            value = _build(JsonPagination, value or {})
        elif name == "fields" and isinstance(value, list):
            value = [_build(FieldSelector, v) if isinstance(v, dict) else v for v in value]
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"Configuration incomplète pour {cls.__name__} : {exc}.") from exc


def check_selector(expr: str, kind: str, label: str) -> list[str]:
    """Compile a selector against an empty document; French message when invalid."""
    if kind not in ("xpath", "css"):
        return [f"{label} : type de sélecteur inconnu « {kind} »."]
    if not expr or not expr.strip():
        return [f"{label} : sélecteur vide."]
    try:
        sel = Selector(text="<html><body></body></html>")
        sel.xpath(expr) if kind == "xpath" else sel.css(expr)
    except Exception as exc:  # parsel raises ValueError, cssselect its own errors
        name = "XPath" if kind == "xpath" else "CSS"
        return [f"{label} : {name} invalide « {expr} » ({exc})."]
    return []


def is_absolute_xpath(expr: str) -> bool:
    """True when an XPath (or one branch of a union) starts at the document root."""
    return any(part.strip().lstrip("(").startswith("/") for part in expr.split("|"))


def _url_problems(urls: list[str], label: str) -> list[str]:
    """Malformed URLs, and those naming an internal address (directly, in any spelling, or
    through a name resolving to one): the outgoing-request guard refuses them."""
    from catalogue.netguard import RefusedAddress, check_url

    problems = []
    for url in urls:
        parsed = urlparse(url or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            problems.append(f"{label} invalide : « {url} ».")
            continue
        try:
            check_url(url, unresolvable_ok=True)
        except RefusedAddress as error:
            problems.append(f"{label} : {error}")
    return problems


# --- OpenScraper import ------------------------------------------------------------------


class Conversion(NamedTuple):
    config: HtmlConfig
    messages: list[str]


_ATTR_RE = re.compile(r"/@[\w*:\-\[\]\"'()= ]+$|::attr\(")


def from_openscraper(
    spider: dict[str, Any], datamodel: list[dict[str, Any]], *, strict: bool = False
) -> Conversion:
    """Turn one entry of ``openscraper-spiders.json`` into an ``HtmlConfig``.

    OpenScraper evaluated every field XPath on the list item and on the detail page and
    merged the results; fields keep that (``on="both"``). An absolute XPath (``//…``) on a
    list item matches the whole list page, so with a detail page it is read there only,
    unless ``strict`` asks for OpenScraper's exact behaviour. ``messages`` (French) list
    what could not be mapped or looks wrong.
    """
    messages: list[str] = []
    infos = spider.get("infos") or {}
    sc = spider.get("scraper_config") or {}
    name = (infos.get("name") or sc.get("spidername") or "").strip()
    start_urls = _os_start_urls(sc, messages)
    item_xpath = (sc.get("item_xpath") or "").strip()
    if not item_xpath:
        messages.append("Pas de XPath d'éléments (item_xpath) : rien ne peut être extrait.")
    follow_xpath = _os_follow(sc, messages)
    next_page = _os_next_page(sc, start_urls, messages)
    _os_unsupported(sc, infos.get("notes") or "", messages)
    fields = _os_fields(spider, datamodel, bool(follow_xpath), strict, messages)
    config = HtmlConfig(
        name=name,
        start_urls=start_urls,
        item_selector=item_xpath,
        next_page_selector=next_page,
        follow_selector=follow_xpath,
        fields=fields,
        limits=_os_limits(spider.get("scraper_settings") or {}, len(start_urls), messages),
    )
    return Conversion(config, messages)


def _os_start_urls(sc: dict, messages: list[str]) -> list[str]:
    start_urls: list[str] = []
    for url in sc.get("start_urls") or []:
        url = (url or "").strip()
        if url and url not in start_urls:
            start_urls.append(url)
    if not start_urls:
        messages.append("Aucune URL de départ.")
    return start_urls


def _os_follow(sc: dict, messages: list[str]) -> str:
    """The detail-page link XPath, "" when detail pages are not followed."""
    follow = bool(sc.get("parse_follow"))
    follow_xpath = (sc.get("follow_xpath") or "").strip()
    if follow and not follow_xpath:
        messages.append("parse_follow est activé mais follow_xpath est vide : fiches non suivies.")
    elif not follow and follow_xpath:
        messages.append("follow_xpath est renseigné mais parse_follow est désactivé : ignoré.")
    return follow_xpath if follow else ""


def _os_next_page(sc: dict, start_urls: list[str], messages: list[str]) -> str:
    next_page = (sc.get("next_page") or "").strip()
    if next_page and not _ATTR_RE.search(next_page):
        messages.append(
            f"La XPath de page suivante « {next_page} » ne sélectionne pas d'attribut href : "
            "le lien sera cherché dans l'élément trouvé. À vérifier."
        )
    if not next_page and len(start_urls) > 1:
        messages.append(
            f"Pas de page suivante : les {len(start_urls)} URL de départ servent de pages de liste."
        )
    return next_page


def _os_unsupported(sc: dict, notes: str, messages: list[str]) -> None:
    item_list_xpath = (sc.get("item_list_xpath") or "").strip()
    if item_list_xpath:
        messages.append(f"item_list_xpath « {item_list_xpath} » n'est pas pris en charge : ignoré.")
    if sc.get("page_needs_splash"):
        messages.append("La source demande Splash (JavaScript) : non pris en charge.")
    elif re.search(r"splash", notes, re.I):
        messages.append(
            "Les notes indiquent que Splash (JavaScript) est nécessaire, ce qui n'est pas "
            "pris en charge : le résultat peut être incomplet."
        )
    if re.search(r"\bAPI\b", notes):
        messages.append(
            "Les notes mentionnent une API : une source de type JSON serait préférable."
        )


def _os_field(
    field_id: str, xpath: str, by_id: dict, follow: bool, strict: bool, messages: list[str]
) -> FieldSelector | None:
    """One OpenScraper field as a selector, or None (reported) when it cannot be used."""
    dm = by_id.get(str(field_id))
    if dm is None:
        messages.append(f"Champ inconnu du modèle de données ({field_id}) : ignoré.")
        return None
    fname = dm.get("field_name", str(field_id))
    if dm.get("field_class") == "core":
        messages.append(f"Champ système « {fname} » ignoré.")
        return None
    problems = check_selector(xpath, "xpath", f"Champ « {fname} »")
    if problems:
        messages += [p + " Champ ignoré." for p in problems]
        return None
    on: FieldContext = "both" if follow else "list"
    if is_absolute_xpath(xpath) and follow and not strict:
        on = "detail"
    elif is_absolute_xpath(xpath) and not follow:
        messages.append(
            f"Champ « {fname} » : XPath absolue sans fiche détaillée, elle correspond "
            "à toute la page de liste pour chaque élément."
        )
    is_url = dm.get("field_type") in ("url", "image")
    return FieldSelector(name=fname, selector=xpath, type="xpath", on=on, is_url=is_url)


def _os_fields(
    spider: dict, datamodel: list[dict], follow: bool, strict: bool, messages: list[str]
) -> list[FieldSelector]:
    by_id = {str(f.get("_id")): f for f in datamodel}
    fields: list[FieldSelector] = []
    xpath_owner: dict[str, str] = {}
    for field_id, xpath in (spider.get("scraper_config_xpaths") or {}).items():
        xpath = (xpath or "").strip()
        fs = _os_field(field_id, xpath, by_id, follow, strict, messages) if xpath else None
        if fs is None:
            continue
        same = xpath.lstrip(".")  # ".//x" and "//x" select the same nodes from a page
        if same in xpath_owner:
            messages.append(
                f"« {xpath_owner[same]} » et « {fs.name} » utilisent la même XPath : "
                "ils recevront les mêmes valeurs."
            )
        else:
            xpath_owner[same] = fs.name
        fields.append(fs)
    if not fields:
        messages.append("Aucun champ renseigné.")
    absolute = [f.name for f in fields if f.on == "detail"]
    if absolute:
        messages.append(
            "XPath absolues (//…) lues seulement sur la fiche détaillée, car sur un élément de "
            f"liste elles correspondraient à toute la page : {', '.join(absolute)}."
        )
    return fields


def _os_limits(settings: dict, start_urls: int, messages: list[str]) -> Limits:
    try:
        limit = int(settings.get("LIMIT") or 0)
    except (TypeError, ValueError):
        limit = 0
        messages.append(f"LIMIT illisible « {settings.get('LIMIT')} » : pas de limite de pages.")
    # OpenScraper crawled every start URL and followed at most LIMIT - 1 next links.
    max_pages = limit + start_urls - 1 if limit > 0 else 0
    try:
        delay = float(settings.get("download_delay") or 0)
    except (TypeError, ValueError):
        delay = 0.0
    if delay < MIN_DOWNLOAD_DELAY:
        messages.append(
            f"Délai entre requêtes {delay:g} s relevé à {MIN_DOWNLOAD_DELAY:g} s par politesse."
        )
        delay = MIN_DOWNLOAD_DELAY
    return Limits(max_pages=max_pages, download_delay=delay)
