"""The crawling engine (importers.crawl) against a real HTTP server on 127.0.0.1.

Crawls run in subprocesses (the Twisted reactor cannot restart in one process); previews
and local CSV reads run in-process. The Apriles source is configured exactly from its
OpenScraper entry, with only the start URL moved to the local server.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from html import escape

import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from importers.crawl import diagnostics as diag
from importers.crawl.config import (
    ConfigError,
    CsvConfig,
    FieldSelector,
    HtmlConfig,
    JsonConfig,
    JsonPagination,
    Limits,
    RssConfig,
    SitemapConfig,
    config_from_dict,
    from_openscraper,
)
from importers.crawl.csvsource import detect_delimiter, detect_encoding
from importers.crawl.diagnostics import Collector, PageRecord
from importers.crawl.extract import clean_values, resolve_path
from importers.crawl.runner import DEFAULT_USER_AGENT, build_settings, crawl, preview
from importers.crawl.spiders import (
    ConfiguredSpider,
    FeedSpider,
    JsonApiSpider,
    describe_failure,
    get_spider_class,
    register_spider,
)

from .conftest import (
    FAST_SETTINGS,
    REPO,
    SHARED_DATA,
    openscraper_spider,
    run_crawl_subprocess,
)

# --- helpers ----------------------------------------------------------------------------


def as_sets(fields: dict[str, list[str]]) -> dict[str, set[str]]:
    return {name: set(values) for name, values in fields.items()}


@pytest.fixture(scope="module")
def apriles_conversion(openscraper):
    return from_openscraper(openscraper_spider(openscraper, "Apriles"), openscraper["datamodel"])


def local_apriles(conversion, local_site, expected) -> HtmlConfig:
    """The converted config with its one start URL moved to the local mock's first page."""
    config = conversion.config
    first = expected["list_pages"][0]
    assert config.start_urls == [first["source_link_src"]]
    return dataclasses.replace(config, start_urls=[local_site.url(first["url"])])


def check_against_expected(items, local_site, expected):
    """Every EXPECTED item extracted, same value sets per field, nothing more."""
    by_url = {item["url"]: item for item in items}
    assert len(items) == len(by_url) == len(expected["items"]) == 180
    for rel, want in expected["items"].items():
        got = by_url[local_site.url(rel)]
        assert as_sets(got["fields"]) == as_sets(want["fields"]), rel
        assert got["list_url"] == local_site.url(want["list_page"])
        assert got["position"] == want["position"]


class CrawlRuns:
    """The module's subprocess crawls, started together: they are independent, and run
    one after another they would take most of the module's time."""

    def __init__(self, pool: ThreadPoolExecutor, workdir):
        self.pool = pool
        self.workdir = workdir
        self.futures: dict[str, Future] = {}
        self.configs: dict[str, object] = {}

    def submit(self, name: str, config, **kwargs) -> None:
        self.configs[name] = config
        self.futures[name] = self.pool.submit(
            run_crawl_subprocess, config.to_dict(), self.workdir / name, **kwargs
        )

    def submit_call(self, name: str, func, *args) -> None:
        self.futures[name] = self.pool.submit(func, *args)

    def __getitem__(self, name: str):
        return self.futures[name].result()

    def wait(self) -> None:
        for future in self.futures.values():
            future.result()


@pytest.fixture(scope="module")
def crawls(local_site, openscraper, apriles_conversion, apriles_expected, tmp_path_factory):
    """Every crawl of this module, run in subprocesses in parallel (see ``CrawlRuns``)."""
    workdir = tmp_path_factory.mktemp("crawls")
    apriles = local_apriles(apriles_conversion, local_site, apriles_expected)
    spider = openscraper_spider(openscraper, "Apriles")
    strict = from_openscraper(spider, openscraper["datamodel"], strict=True)
    faults = dataclasses.replace(
        apriles_conversion.config,
        start_urls=[local_site.url("faults/list-1.html"), local_site.url("faults/gone.html")],
    )
    rels = list(apriles_expected["items"])
    workers = min(6, 2 * (os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = CrawlRuns(pool, workdir)
        # the mock site is session-wide: count this run's hits from here
        runs.hits_before = {"faults/broken.html": local_site.hits_for("faults/broken.html")}
        runs.submit("faults", faults, settings={"DOWNLOAD_TIMEOUT": 1.5})
        runs.submit("apriles", apriles)
        runs.submit_call("backpressure", run_backpressure_script, apriles, workdir / "bp")
        runs.submit("apriles-strict", local_apriles(strict, local_site, apriles_expected))
        runs.submit("apriles-limit-7", apriles, limit=7)
        runs.submit(
            "apriles-2-pages",
            dataclasses.replace(apriles, limits=dataclasses.replace(apriles.limits, max_pages=2)),
        )
        runs.submit("csv", ffe_csv_config(local_site))
        for mode in ("page", "next"):
            records = api_records(apriles_expected)
            runs.submit(f"json-{mode}", json_api_config(local_site, records, mode))
        runs.submit("sitemap", sitemap_config(local_site, rels[:5]))
        runs.submit("rss", rss_config(local_site, apriles_expected, rels[5:9]))
        yield runs


# --- configuration ------------------------------------------------------------------------


def test_apriles_conversion_keeps_the_real_selectors(apriles_conversion, openscraper):
    config, messages = apriles_conversion
    spider = openscraper_spider(openscraper, "Apriles")
    assert config.name == "Apriles"
    assert config.item_selector == spider["scraper_config"]["item_xpath"]
    assert config.follow_selector == spider["scraper_config"]["follow_xpath"]
    assert config.next_page_selector == '//a[@title="Suivante"]/@href'
    assert {f.name: f.selector for f in config.fields} == spider["xpaths_by_field_name"]
    on = {f.name: f.on for f in config.fields}
    # relative XPaths are read on the list item and on the detail page, absolute ones on the
    # detail page only (on a list item they would match the whole list page)
    assert on["titre du projet"] == on["résumé du projet"] == on["image du projet"] == "both"
    assert on["tags"] == on["fiche contact"] == on["website"] == "detail"
    assert {f.name for f in config.fields if f.is_url} == {"website", "image du projet"}
    assert config.limits.max_pages == 112  # LIMIT, one start URL
    assert config.limits.download_delay == 0.5
    assert config.validate() == []
    assert any("XPath absolues" in m and "tags" in m for m in messages)
    assert any("relevé à 0.5 s" in m for m in messages)


def test_strict_conversion_reads_every_field_everywhere(openscraper):
    spider = openscraper_spider(openscraper, "Apriles")
    config, _ = from_openscraper(spider, openscraper["datamodel"], strict=True)
    assert {f.on for f in config.fields} == {"both"}


def test_every_real_spider_converts_and_reports_what_it_cannot_map(openscraper):
    results = {
        s["infos"]["name"]: from_openscraper(s, openscraper["datamodel"])
        for s in openscraper["spiders"]
    }
    assert len(results) == 19
    avise, avise_messages = results["Avise"]
    assert len(avise.start_urls) == 5 and avise.next_page_selector == ""
    assert avise.limits.max_pages == 5  # every start page, LIMIT 1 → no next link followed
    assert any("5 URL de départ" in m for m in avise_messages)
    assert any("« logo » et « image du projet »" in m for m in avise_messages)
    assert any("même XPath" in m and "titre du projet" in m for m in avise_messages)
    edf, edf_messages = results["Fondation EDF"]
    assert any("item_xpath" in m for m in edf_messages)
    assert any("ne sélectionne pas d'attribut href" in m for m in edf_messages)
    assert "Aucun sélecteur d'éléments sur les pages de liste." in edf.validate()
    assert any("Splash" in m for m in results["Fondation Macif"][1])
    assert any("API" in m for m in results["ATLAAS"][1])
    # every converted config round-trips through JSON (the later Source model stores it)
    for config, _ in results.values():
        again = config_from_dict(json.loads(json.dumps(config.to_dict())))
        assert again == config


def test_conversion_reports_unknown_core_and_invalid_fields(openscraper):
    spider = json.loads(json.dumps(openscraper_spider(openscraper, "Apriles")))
    xpaths = spider["scraper_config_xpaths"]
    xpaths["ffffffffffffffffffffffff"] = "//p/text()"
    xpaths["5a9aadfffc326e73f99fd645"] = "//a/@href"  # link_data, a core field
    xpaths["5aaaf2310a828606a4944b1b"] = "//div[@class='date'"  # date du projet, broken
    spider["scraper_config"]["item_list_xpath"] = "//ul/li"
    config, messages = from_openscraper(spider, openscraper["datamodel"])
    assert any("ffffffffffffffffffffffff" in m for m in messages)
    assert any("Champ système « link_data » ignoré" in m for m in messages)
    assert any("date du projet" in m and "invalide" in m for m in messages)
    assert any("item_list_xpath" in m for m in messages)
    assert "date du projet" not in {f.name for f in config.fields}


def test_validation_gives_french_messages():
    config = HtmlConfig(
        start_urls=["ftp://example.org/"],
        item_selector="//tr[",
        fields=[
            FieldSelector("titre", ".//h2", on="detail"),
            FieldSelector("titre", "h2 >", type="css"),
        ],
        limits=Limits(concurrency=0),
    )
    messages = config.validate()
    assert any("URL de départ invalide" in m for m in messages)
    assert any("sélecteur d'éléments" in m and "XPath invalide" in m for m in messages)
    assert any("défini deux fois" in m for m in messages)
    assert any("aucun lien vers la fiche" in m for m in messages)
    assert any("CSS invalide" in m for m in messages)
    assert any("concurrence" in m for m in messages)
    with pytest.raises(ConfigError, match="Clés inconnues"):
        config_from_dict({"kind": "html", "start_url": "http://x"})
    with pytest.raises(ConfigError, match="Type de source inconnu"):
        config_from_dict({"kind": "ftp"})
    with pytest.raises(ConfigError):
        crawl(config)  # refused before anything is fetched
    assert "Indiquer soit une URL" in " ".join(CsvConfig(url="http://a/x.csv", path="x").validate())
    pagination = JsonPagination(mode="next")
    assert any(
        "lien suivant" in m
        for m in JsonConfig(url="http://a/", fields={"a": "a"}, pagination=pagination).validate()
    )


def test_clean_values_and_json_paths():
    assert clean_values(["  a \n b ", "-", ",", "", None, "a b", "\xa0c\xa0"]) == ["a b", "c"]
    record = {"t": [{"l": "x"}, {"l": "y"}, {"m": 1}], "n": {"k": 3}, "e": None}
    assert resolve_path(record, "t.l") == ["x", "y"]
    assert resolve_path(record, "t.1.l") == ["y"]
    assert resolve_path(record, "t.*.m") == [1]
    assert resolve_path(record, "n.k") == [3]
    assert resolve_path(record, "e") == [] and resolve_path(record, "zz.y") == []


def test_settings_are_polite_and_identified(settings):
    settings.HARVEST_USER_AGENT = "CarrefourBot/9 (+https://carrefour.example/robots)"
    config = HtmlConfig(
        start_urls=["http://a.example/"],
        item_selector="//li",
        fields=[FieldSelector("t", "text()")],
        limits=Limits(concurrency=3, download_delay=2.0, max_items=50, download_timeout=7),
    )
    s = build_settings(config, limit=20)
    assert s["USER_AGENT"] == "CarrefourBot/9 (+https://carrefour.example/robots)"
    assert s["ROBOTSTXT_OBEY"] is True and s["AUTOTHROTTLE_ENABLED"] is True
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3 and s["DOWNLOAD_DELAY"] == 2.0
    assert s["RETRY_TIMES"] == 2 and s["DOWNLOAD_TIMEOUT"] == 7 and s["REDIRECT_MAX_TIMES"] == 5
    assert s["CLOSESPIDER_ITEMCOUNT"] == 20  # the smaller of the run limit and the source's
    assert s["TELNETCONSOLE_ENABLED"] is False and s["REMOTE_CONTROL_ENABLED"] is False
    assert s["LOG_LEVEL"] == "WARNING"
    assert s["FEED_EXPORT_ENCODING"] == "utf-8"
    assert build_settings(config, overrides={"DOWNLOAD_DELAY": 0})["DOWNLOAD_DELAY"] == 0


def test_spider_registry():
    assert get_spider_class(HtmlConfig()) is ConfiguredSpider
    assert get_spider_class(JsonConfig()) is JsonApiSpider
    assert get_spider_class(RssConfig()) is FeedSpider is get_spider_class(SitemapConfig())

    @register_spider("test-special-partner")
    class SpecialSpider(ConfiguredSpider):
        pass

    assert get_spider_class(HtmlConfig(spider="test-special-partner")) is SpecialSpider
    dotted = HtmlConfig(spider="importers.crawl.spiders.JsonApiSpider")
    assert get_spider_class(dotted) is JsonApiSpider
    with pytest.raises(ConfigError, match="Aucun spider"):
        get_spider_class(HtmlConfig(spider="nobody"))
    with pytest.raises(ValueError):
        register_spider("test-special-partner")(ConfiguredSpider)


def test_collector_flags_selectors_that_never_match():
    collector = Collector()
    for n in (1, 2):
        record = PageRecord(f"http://a/{n}", "list", 200, page=n)
        collector.page(record, ["item_selector", "next_page_selector", "field:t"], {"field:t"})
    collector.item({"t": ["x"], "u": []})
    assert collector.pages[0].unmatched == ["item_selector", "next_page_selector"]
    assert collector.never_matched(["t", "u"]) == ["field:u", "item_selector"]


# --- spider callbacks, in-process (no reactor) ----------------------------------------------


def html_response(url: str, body: str, **meta) -> HtmlResponse:
    return HtmlResponse(
        url=url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta)
    )


LIST_ONLY_PAGE = """<html><body><ul>
<li><h2>Jardin partagé</h2><img src="img/jardin.png"><a href="javascript:void(0)">x</a></li>
<li><h2>Repair café</h2><img src="http://cdn.example/repair.png"></li>
<li><h2>Jardin partagé</h2><img src="img/jardin.png"></li>
<li><p>-</p></li>
</ul><div class="pager"><a href="?page=2">2</a></div></body></html>"""


def test_list_only_items_duplicates_and_relative_links():
    config = HtmlConfig(
        name="Liste seule",
        start_urls=["http://partner.example/projets"],
        item_selector="//li",
        next_page_selector='//div[@class="pager"]',  # an element: its link is used
        fields=[
            FieldSelector("titre", "h2::text", type="css", on="list"),
            FieldSelector("image", ".//img/@src", on="list", is_url=True),
        ],
    )
    spider = ConfiguredSpider(config)
    response = html_response(config.start_urls[0], LIST_ONLY_PAGE, page=1)
    out = list(spider.parse_list(response))
    items = [o for o in out if isinstance(o, dict)]
    requests = [o for o in out if isinstance(o, Request)]
    assert [i["fields"].get("titre") for i in items] == [["Jardin partagé"], ["Repair café"], None]
    assert items[0]["fields_abs"] == {"image": ["http://partner.example/img/jardin.png"]}
    assert "fields_abs" not in items[1]  # already absolute
    assert items[2]["fields"] == {} and [i["position"] for i in items] == [1, 2, 4]
    assert [r.url for r in requests] == ["http://partner.example/projets?page=2"]
    kinds = [(e.kind, e.position) for e in spider.errors]
    assert kinds == [(diag.DUPLICATE, 3), (diag.EMPTY_ITEM, 4)]
    assert spider.collector.pages[0].unmatched == []


def test_detail_flow_budget_and_parse_errors():
    config = HtmlConfig(
        start_urls=["http://partner.example/liste"],
        item_selector="//li",
        follow_selector="a/@href",
        fields=[
            FieldSelector("titre", "a/text()", on="list"),
            FieldSelector("région", '//p[@class="region"]/text()', on="detail"),
        ],
    )
    page = "<ul>" + "".join(f'<li><a href="/f/{n}">Fiche {n}</a></li>' for n in range(5)) + "</ul>"
    spider = ConfiguredSpider(config, max_items=2)
    out = list(spider.parse_list(html_response(config.start_urls[0], page, page=1)))
    assert [r.url for r in out] == ["http://partner.example/f/0", "http://partner.example/f/1"]
    detail = out[0]
    response = html_response(
        detail.url, '<p class="region">Bretagne</p><p class="region"> </p>', **detail.meta
    )
    (item,) = spider.parse_detail(response)
    assert item["fields"] == {"titre": ["Fiche 0"], "région": ["Bretagne"]}
    assert (item["url"], item["list_url"], item["position"], item["page"]) == (
        "http://partner.example/f/0",
        "http://partner.example/liste",
        1,
        1,
    )
    spider._on_spider_error(Failure(ValueError("boom")), response, spider)
    assert spider.errors[-1].kind == diag.PARSE and "boom" in spider.errors[-1].reason


def test_request_failures_are_described_in_french():
    request = Request("http://partner.example/x")
    not_found = HtmlResponse(request.url, status=404, body=b"", request=request)
    cases = [
        (HttpError(not_found), diag.HTTP, "HTTP 404 (page introuvable)"),
        (DownloadTimeoutError("took longer than 1.0 seconds"), diag.TIMEOUT, "Délai"),
        (IgnoreRequest("max redirections reached"), diag.REDIRECT_LOOP, "redirections"),
        (IgnoreRequest("Forbidden by robots.txt"), diag.ROBOTS, "robots.txt"),
        (CannotResolveHostError("nowhere.example"), diag.DNS, "introuvable"),
    ]
    for exc, kind, text in cases:
        got_kind, reason, _ = describe_failure(Failure(exc))
        assert got_kind == kind and text in reason


# --- the Apriles mock, end to end ---------------------------------------------------------


def test_apriles_crawl_matches_expected(crawls, local_site, apriles_expected):
    out = crawls["apriles"]
    assert out.returncode == 0, out.stderr
    check_against_expected(out.items, local_site, apriles_expected)
    # the "Suivante" chain, all 37 list pages in order
    expected_pages = [local_site.url(p["url"]) for p in apriles_expected["list_pages"]]
    assert out.result["list_pages"] == expected_pages
    assert [p["page"] for p in out.result["pages"] if p["kind"] == "list"] == list(range(1, 38))
    assert out.errors == [] and out.result["errors"] == []
    summary = out.result["summary"]
    assert summary["items"] == 180 and summary["never_matched"] == []
    assert summary["pages"] == {"list": 37, "detail": 180}
    # each detail page fetched once, robots.txt asked, the crawler said who it is
    assert all(local_site.hits_for(rel) >= 1 for rel in apriles_expected["items"])
    assert local_site.hits_for("robots.txt") >= 1
    assert DEFAULT_USER_AGENT in local_site.user_agents
    # relative image links would get an absolute variant; Apriles images are absolute already
    assert not any("fields_abs" in item for item in out.items)
    assert out.result["finish_reason"] == "finished"


def test_apriles_crawl_with_strict_openscraper_semantics(crawls, local_site, apriles_expected):
    check_against_expected(crawls["apriles-strict"].items, local_site, apriles_expected)


def test_run_limit_stops_at_exactly_n_items(crawls):
    out = crawls["apriles-limit-7"]
    assert len(out.items) == 7
    assert out.result["delivered"] == 7
    assert len(out.result["list_pages"]) <= 3


def test_max_pages_bounds_the_list_pages(crawls, local_site):
    out = crawls["apriles-2-pages"]
    assert out.result["list_pages"] == [
        local_site.url("index.html"),
        local_site.url("limitstart-5.html"),
    ]
    assert len(out.items) == 10


# --- faults ----------------------------------------------------------------------------


def test_faults_are_recorded_and_other_items_still_arrive(crawls, local_site, apriles_expected):
    out = crawls["faults"]
    assert out.returncode == 0, out.stderr
    list_1 = local_site.url("faults/list-1.html")

    def one(kind, path):
        found = [e for e in out.errors if e["kind"] == kind and e["url"] == local_site.url(path)]
        assert len(found) == 1, (kind, path, out.errors)
        return found[0]

    missing = one(diag.HTTP, "faults/missing.html")
    assert missing["status"] == 404 and "HTTP 404" in missing["reason"]
    assert missing["list_url"] == list_1 and missing["position"] == 2
    assert one(diag.HTTP, "faults/gone.html")["status"] == 404  # a start URL that vanished
    broken = one(diag.HTTP, "faults/broken.html")
    assert broken["status"] == 500 and broken["severity"] == "error"
    hits = local_site.hits_for("faults/broken.html") - crawls.hits_before["faults/broken.html"]
    assert hits == 3  # first try + RETRY_TIMES=2
    assert "Délai" in one(diag.TIMEOUT, "faults/slow.html")["reason"]
    assert "redirection" in one(diag.REDIRECT_LOOP, "faults/loop-a.html")["reason"]
    assert one(diag.ROBOTS, "private/secret.html")["position"] == 10
    assert local_site.hits_for("private/secret.html") == 0
    redesign = one(diag.SELECTOR, "faults/list-2.html")
    assert "n'a rien trouvé" in redesign["reason"] and redesign["selector"] == "item_selector"
    assert one(diag.PAGINATION, "faults/list-3.html")["severity"] == "warning"
    duplicate = one(diag.DUPLICATE, "fiches/1637.html")
    assert duplicate["position"] == 9 and duplicate["severity"] == "warning"
    assert one(diag.EMPTY_ITEM, "faults/empty.html")["severity"] == "warning"
    # the result record holds the same errors as the live stream
    assert out.result["errors"] == out.errors

    items = {item["url"]: item for item in out.items}
    assert set(items) == {
        local_site.url(p)
        for p in (
            "fiches/1637.html",
            "faults/malformed.html",
            "faults/cp1252.html",
            "faults/cp1252-meta.html",
            "faults/empty.html",
            "fiches/1634.html",
        )
    }
    real = items[local_site.url("fiches/1637.html")]["fields"]
    want = apriles_expected["items"]["fiches/1637.html"]["fields"]
    assert real["titre du projet"] == ["Fiche réelle"]  # list item of the fault page
    assert set(real["tags"]) == set(want["tags"])
    assert real["structure porteuse"] == want["structure porteuse"]
    malformed = items[local_site.url("faults/malformed.html")]["fields"]
    assert malformed["adresse du projet"] == ["Auvergne"]
    assert malformed["structure porteuse"] == ["Association"]
    assert set(malformed["tags"]) == {"Jeunesse", "Education"}
    cp = items[local_site.url("faults/cp1252.html")]["fields"]
    assert cp["structure porteuse"] == ["Œuvre d’entraide – Bâle"]
    assert cp["adresse du projet"] == ["Franche-Comté"]
    cp_meta = items[local_site.url("faults/cp1252-meta.html")]["fields"]
    assert cp_meta["structure porteuse"] == ["Société coopérative – Évry"]
    assert cp_meta["adresse du projet"] == ["Île-de-France"]
    assert items[local_site.url("faults/empty.html")]["fields"] == {}
    assert items[local_site.url("fiches/1634.html")]["list_url"] == local_site.url(
        "faults/list-3.html"
    )
    pages = {p["url"]: p for p in out.result["pages"]}
    assert pages[local_site.url("faults/list-2.html")]["unmatched"] == ["item_selector"]
    assert pages[list_1]["unmatched"] == []
    assert out.result["list_pages"][:3] == [
        list_1,
        local_site.url("faults/list-2.html"),
        local_site.url("faults/list-3.html"),
    ]


# --- preview (in-process) ---------------------------------------------------------------


def test_preview_of_apriles_first_pages(apriles_conversion, local_site, apriles_expected, crawls):
    crawls.wait()  # background crawls would blur which pages the preview fetched
    config = local_apriles(apriles_conversion, local_site, apriles_expected)
    before = dict(local_site.hits)
    result = preview(config, max_items=10)
    fetched = {path for path, n in local_site.hits.items() if n != before.get(path, 0)}
    assert result.errors == [] and result.status == 200
    first_page = apriles_expected["list_pages"][0]
    assert [item["url"] for item in result.items] == [
        local_site.url(u) for u in first_page["items"]
    ]
    assert result.next_page == local_site.url(first_page["next_page"])
    first = result.items[0]
    want = apriles_expected["items"][first_page["items"][0]]["fields"]
    assert first["detail_fetched"] and as_sets(first["fields"]) == as_sets(want)
    list_fields = {"titre du projet", "résumé du projet", "image du projet"}
    for item, rel in zip(result.items[1:], first_page["items"][1:], strict=True):
        assert not item["detail_fetched"]
        expected_list = {
            k: v for k, v in apriles_expected["items"][rel]["fields"].items() if k in list_fields
        }
        assert as_sets(item["fields"]) == as_sets(expected_list)
    sel = result.selectors
    assert sel["item_selector"]["list"] and sel["follow_selector"]["list"]
    assert sel["next_page_selector"]["list"]
    assert sel["field:titre du projet"]["list"] is True
    assert sel["field:titre du projet"]["detail"] is False
    assert sel["field:tags"]["list"] is None and sel["field:tags"]["detail"] is True
    # what the first detail page lacks is reported as matching nothing
    absent = {f.name for f in config.fields} - set(want)
    assert set(result.unmatched) == {f"field:{n}" for n in absent}
    json.dumps(result.to_dict())  # the admin can store or send it as is
    # only the first list page and the first detail page (and robots.txt) were fetched
    assert fetched <= {"/index.html", "/" + first_page["items"][0], "/robots.txt"}
    assert {"/index.html", "/" + first_page["items"][0]} <= fetched


def test_preview_reports_a_list_selector_that_matches_nothing(apriles_conversion, local_site):
    config = dataclasses.replace(
        apriles_conversion.config, start_urls=[local_site.url("faults/list-2.html")]
    )
    result = preview(config)
    assert result.items == []
    assert result.selectors["item_selector"] == {
        "selector": config.item_selector,
        "list": False,
    }
    assert "item_selector" in result.unmatched
    assert [e.kind for e in result.errors] == [diag.SELECTOR]


def test_preview_errors_and_robots(apriles_conversion, local_site):
    gone = dataclasses.replace(
        apriles_conversion.config, start_urls=[local_site.url("faults/missing.html")]
    )
    result = preview(gone)
    assert result.status == 404 and result.errors[0].status == 404
    private = dataclasses.replace(gone, start_urls=[local_site.url("private/secret.html")])
    assert preview(private).errors[0].kind == diag.ROBOTS
    loop = dataclasses.replace(gone, start_urls=[local_site.url("faults/loop-a.html")])
    assert preview(loop).errors[0].kind == diag.REDIRECT_LOOP
    invalid = dataclasses.replace(gone, item_selector="//tr[")
    assert "XPath invalide" in preview(invalid).errors[0].reason


def test_preview_decodes_windows_1252(local_site):
    fields = [
        FieldSelector(
            "porteur", '//span[@id="sobi2Details_field_porteur_action"]/text()', on="list"
        ),
        FieldSelector("région", "#sobi2Details_field_region::text", type="css", on="list"),
    ]
    for path, porteur, region in (
        ("faults/cp1252.html", "Œuvre d’entraide – Bâle", "Franche-Comté"),
        ("faults/cp1252-meta.html", "Société coopérative – Évry", "Île-de-France"),
    ):
        config = HtmlConfig(
            start_urls=[local_site.url(path)], item_selector="//body", fields=fields
        )
        result = preview(config)
        assert result.items[0]["fields"] == {"porteur": [porteur], "région": [region]}


# --- JSON API ---------------------------------------------------------------------------


def api_records(expected, count=12):
    records = []
    for rel, entry in list(expected["items"].items())[:count]:
        f = entry["fields"]
        records.append(
            {
                "id": int(entry["source"]["sobi2Id"]),
                "title": f["titre du projet"][0],
                "summary": (f.get("résumé du projet") or [None])[0],
                "tags": [{"label": t} for t in f.get("tags", [])],
                "links": {"page": "/" + rel, "website": f.get("website", [])},
                "region": {"name": (f.get("adresse du projet") or [None])[0]},
            }
        )
    return records


JSON_FIELDS = {
    "titre": "title",
    "résumé": "summary",
    "tags": "tags.label",
    "website": "links.website",
    "région": "region.name",
}


def check_api_items(items, records, local_site):
    assert len(items) == len(records)
    for item, record in zip(items, records, strict=True):
        assert item["url"] == local_site.url(record["links"]["page"])
        assert item["fields"]["titre"] == [record["title"]]
        assert set(item["fields"].get("tags", [])) == {t["label"] for t in record["tags"]}
        assert item["fields"].get("website", []) == record["links"]["website"]


def json_api_config(local_site, records, mode) -> JsonConfig:
    """Serve ``records`` 5 per page (then an empty page) and configure the source."""
    pages = [records[i : i + 5] for i in range(0, len(records), 5)] + [[]]
    base = f"api/{mode}/projects"
    for n, chunk in enumerate(pages, start=1):
        if mode == "page":
            path, body = f"{base}?page={n}", {"data": {"projects": chunk}}
        else:
            path = base if n == 1 else f"{base}?after={(n - 1) * 5}"
            nxt = f"/{base}?after={n * 5}" if n < len(pages) - 1 else None
            body = {"data": {"projects": chunk}, "meta": {"next": nxt}}
        local_site.route(path, json.dumps(body), content_type="application/json")
    return JsonConfig(
        name="API test",
        url=local_site.url(base),
        items_path="data.projects",
        fields=JSON_FIELDS,
        url_path="links.page",
        pagination=JsonPagination(mode=mode, next_path="meta.next"),
    )


@pytest.mark.parametrize("mode", ["page", "next"])
def test_json_api_source(mode, local_site, apriles_expected, crawls):
    records = api_records(apriles_expected)
    out = crawls[f"json-{mode}"]
    config = crawls.configs[f"json-{mode}"]
    assert out.returncode == 0, out.stderr
    check_api_items(out.items, records, local_site)
    assert [i["position"] for i in out.items] == [1, 2, 3, 4, 5] * 2 + [1, 2]
    expected_pages = 4 if mode == "page" else 3  # the empty page ends page-number pagination
    assert len(out.result["list_pages"]) == expected_pages
    assert out.errors == []
    preview_result = preview(config, max_items=3)
    assert [i["fields"]["titre"] for i in preview_result.items] == [
        [r["title"]] for r in records[:3]
    ]
    assert preview_result.next_page is not None
    assert preview_result.selectors["field:titre"]["list"] is True


# --- CSV --------------------------------------------------------------------------------

FFE_FIELDS = {
    "sourceur": "Sourceur",
    "nom": "Nom du projet",
    "structure": "Structure porteuse",
    "description": "Description",
    "adresse": "Adresse",
    "code postal": "Code Postal",  # header "Code postal ": case and spaces do not matter
    "thème 2": "Tag CIS - Niveau - 1 - Thématiques 2 CODE",  # header has triple spaces
}


def ffe_oracle():
    """The FFE file read by Python's csv module directly: the reference for the crawl."""
    with open(SHARED_DATA / "ffe-laureates.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = [" ".join(h.split()).casefold() for h in rows[0]]
    index = {name: header.index(column.casefold()) for name, column in FFE_FIELDS.items()}
    # "description" feeds a record's description: multi-line text, its line breaks kept
    return rows, [
        {n: clean_values([r[i]], n == "description") for n, i in index.items()} for r in rows[1:]
    ]


def ffe_cp1252_bytes() -> bytes:
    """The FFE data re-encoded as Windows-1252 with semicolons (a typical spreadsheet export)."""
    rows, _ = ffe_oracle()
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("cp1252")


def ffe_csv_config(local_site) -> CsvConfig:
    raw = (SHARED_DATA / "ffe-laureates.csv").read_bytes()
    url = local_site.route("data/ffe.csv", raw, content_type="text/csv")
    return CsvConfig(name="FFE", url=url, fields=FFE_FIELDS)


def check_ffe_items(items, oracle):
    assert len(items) == 303
    for item, want in zip(items, oracle, strict=True):
        assert item["fields"] == {k: v for k, v in want.items() if v}
    # data row 244 holds a quoted bare line feed, kept in one value (a multi-line field)
    assert "\n- La collecte" in items[243]["fields"]["description"][0]


def test_csv_source_over_http(crawls):
    _, oracle = ffe_oracle()
    out = crawls["csv"]
    assert out.returncode == 0, out.stderr
    check_ffe_items(out.items, oracle)
    assert out.errors == []
    assert out.result["info"]["csv"] == {"encoding": "utf-8", "delimiter": ","}


def test_csv_encoding_and_delimiter_detected(tmp_path):
    path = tmp_path / "ffe-cp1252.csv"
    path.write_bytes(ffe_cp1252_bytes())
    result = crawl(CsvConfig(name="FFE cp1252", path=str(path), fields=FFE_FIELDS))
    _, oracle = ffe_oracle()
    check_ffe_items(result.items, oracle)
    assert result.errors == []
    assert result.collector.info["csv"] == {"encoding": "cp1252", "delimiter": ";"}


def test_csv_detection_helpers():
    text = (SHARED_DATA / "apriles-export.csv").read_text(encoding="utf-8")
    assert detect_delimiter(text[:65536]) == "|"
    assert detect_encoding("Société – Œuvre".encode("cp1252")) in ("cp1252", "windows-1252")
    assert detect_encoding("Société".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfa;b") == "utf-8-sig"


def test_ragged_apriles_export_read_without_reactor(apriles_expected):
    config = CsvConfig(
        name="Apriles export",
        path=str(SHARED_DATA / "apriles-export.csv"),
        fields={"spider": "spider_name", "list": "link_src", "page": "link_data"},
    )
    seen, collector = [], Collector()
    result = crawl(config, on_item=seen.append, collector=collector)  # no reactor needed
    assert len(seen) == 180 and result.delivered == 180 and result.collector is collector
    by_record = sorted(
        apriles_expected["items"].values(), key=lambda e: e["source"]["export_record"]
    )
    for item, entry in zip(seen, by_record, strict=True):
        assert item["fields"]["spider"] == ["Apriles"]
        assert item["fields"]["list"] == [entry["source"]["link_src"]]
        assert item["fields"]["page"] == [entry["source"]["link_data"]]
        assert item["ragged"]["expected"] == 20 and len(item["raw"]) == item["ragged"]["got"]
    lengths = {}
    for item in seen:
        lengths[item["ragged"]["got"]] = lengths.get(item["ragged"]["got"], 0) + 1
    assert lengths == {13: 31, 12: 133, 11: 10, 10: 4, 9: 2}  # as the data README counts them
    warnings = [e for e in result.errors if e.kind == diag.FORMAT]
    assert len(warnings) == 1 and "180 lignes" in warnings[0].reason
    assert result.collector.info["csv"] == {"encoding": "utf-8", "delimiter": "|"}
    assert len(list(crawl(config, limit=5).items)) == 5


def test_csv_preview_reports_missing_columns(local_site):
    url = local_site.url("data/ffe-preview.csv")
    local_site.route(
        "data/ffe-preview.csv",
        (SHARED_DATA / "ffe-laureates.csv").read_bytes(),
        content_type="text/csv; charset=utf-8",
    )
    config = CsvConfig(url=url, fields={"nom": "Nom du projet ", "siret": "SIRET"})
    result = preview(config, max_items=4)
    assert len(result.items) == 4 and all("nom" in item["fields"] for item in result.items)
    assert result.selectors["field:siret"]["list"] is False
    assert result.unmatched == ["field:siret"]
    assert any("« SIRET »" in e.reason for e in result.errors)


# --- sitemap and RSS --------------------------------------------------------------------

DETAIL_FIELDS = [
    FieldSelector("porteur", '//span[@id="sobi2Details_field_porteur_action"]/text()', on="detail"),
    FieldSelector("région", '//span[@id="sobi2Details_field_region"]/text()', on="detail"),
    FieldSelector("tags", '//ul[@class="sobi2Listing_field_type_action"]/li/text()', on="detail"),
]


def expected_detail(expected, rel):
    f = expected["items"][rel]["fields"]
    wanted = {
        "porteur": f.get("structure porteuse"),
        "région": f.get("adresse du projet"),
        "tags": f.get("tags"),
    }
    return {k: set(v) for k, v in wanted.items() if v}


def sitemap_config(local_site, rels) -> SitemapConfig:
    locs = "".join(f"<url><loc>{local_site.url(r)}</loc></url>" for r in rels)
    locs += f"<url><loc>{local_site.url('agence.html')}</loc></url>"  # filtered out
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    local_site.route(
        "sitemaps/pages.xml",
        f'<?xml version="1.0"?><urlset {ns}>{locs}</urlset>',
        content_type="application/xml",
    )
    index = (
        f'<?xml version="1.0"?><sitemapindex {ns}><sitemap><loc>/sitemaps/pages.xml</loc>'
        "</sitemap></sitemapindex>"
    )
    local_site.route("sitemaps/index.xml", index, content_type="application/xml")
    return SitemapConfig(
        name="Sitemap",
        sitemap_urls=[local_site.url("sitemaps/index.xml")],
        url_pattern=r"/fiches/\d+\.html$",
        fields=DETAIL_FIELDS,
    )


def test_sitemap_source(local_site, apriles_expected, crawls):
    rels = list(apriles_expected["items"])[:5]
    out, config = crawls["sitemap"], crawls.configs["sitemap"]
    assert out.returncode == 0, out.stderr
    assert {i["url"] for i in out.items} == {local_site.url(r) for r in rels}
    for item in out.items:
        rel = item["url"].removeprefix(local_site.base)
        assert as_sets(item["fields"]) == expected_detail(apriles_expected, rel)
    result = preview(config, max_items=3)
    assert len(result.items) == 3 and result.items[0]["detail_fetched"]
    assert as_sets(result.items[0]["fields"]) == expected_detail(apriles_expected, rels[0])


def rss_feed(local_site, expected, rels):
    entries = []
    for rel in rels:
        f = expected["items"][rel]["fields"]
        cats = "".join(f"<category>{escape(t)}</category>" for t in f.get("tags", []))
        entries.append(
            f"<item><title>{escape(f['titre du projet'][0])}</title>"
            f"<link>{local_site.url(rel)}</link>"
            f"<description>{escape((f.get('résumé du projet') or [''])[0])}</description>"
            f"{cats}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Apriles'
        f"</title>{''.join(entries)}</channel></rss>"
    )


def rss_config(local_site, expected, rels) -> RssConfig:
    url = local_site.route(
        "feeds/apriles.rss",
        rss_feed(local_site, expected, rels),
        content_type="application/rss+xml",
    )
    return RssConfig(
        name="RSS",
        feed_urls=[url],
        follow=True,
        fields=[
            FieldSelector("titre", "title/text()", on="list"),
            FieldSelector("catégories", "category/text()", on="list"),
            *DETAIL_FIELDS,
        ],
    )


def test_rss_source_with_detail_pages(local_site, apriles_expected, crawls):
    rels = list(apriles_expected["items"])[5:9]
    out, url = crawls["rss"], crawls.configs["rss"].feed_urls[0]
    assert out.returncode == 0, out.stderr
    assert sorted(i["url"] for i in out.items) == sorted(local_site.url(r) for r in rels)
    for item in out.items:
        rel = item["url"].removeprefix(local_site.base)
        f = apriles_expected["items"][rel]["fields"]
        assert item["fields"]["titre"] == f["titre du projet"]
        assert set(item["fields"].get("catégories", [])) == set(f.get("tags", []))
        detail = {
            k: set(v) for k, v in item["fields"].items() if k in ("porteur", "région", "tags")
        }
        assert detail == expected_detail(apriles_expected, rel)
        assert item["list_url"] == url


def test_atom_preview(local_site):
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        '<entry><title>Relais &amp; solidarité</title><link rel="alternate" href="/fiches/1637.html"/>'
        "<summary>Un projet</summary></entry></feed>"
    )
    url = local_site.route("feeds/atom.xml", atom, content_type="application/atom+xml")
    config = RssConfig(feed_urls=[url], fields=[FieldSelector("titre", "title/text()", on="list")])
    result = preview(config)
    assert result.items == [
        {
            "position": 1,
            "list_url": url,
            "url": local_site.url("fiches/1637.html"),
            "fields": {"titre": ["Relais & solidarité"]},
            "detail_fetched": False,
        }
    ]


# --- the caller's side: callbacks off the reactor thread, backpressure ---------------------


BACKPRESSURE_SCRIPT = """
import json, sys, threading, time
from django.utils.asyncio import async_unsafe
from importers.crawl import runner
from importers.crawl.config import config_from_dict

runner.BACKLOG_HIGH, runner.BACKLOG_LOW = 2, 1  # force the hold-back path
seen, threads = [], set()

@async_unsafe  # what every Django ORM call checks: raises inside an event loop
def orm_like(item):
    time.sleep(0.01)
    seen.append(item["url"])
    threads.add(threading.current_thread().name)

config = config_from_dict(json.load(open(sys.argv[1])))
result = runner.crawl(config, limit=60, on_item=orm_like,
                      settings_overrides=json.loads(sys.argv[2]))
print(json.dumps({"seen": seen, "threads": sorted(threads),
                  "errors": [e.to_dict() for e in result.errors],
                  "pauses": result.collector.info.get("backlog_pauses", 0)}))
"""


def run_backpressure_script(config: HtmlConfig, workdir) -> subprocess.CompletedProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.json").write_text(json.dumps(config.to_dict()), encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            BACKPRESSURE_SCRIPT,
            str(workdir / "config.json"),
            json.dumps(FAST_SETTINGS),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_callbacks_run_off_the_event_loop_with_backpressure(crawls):
    """on_item may use the ORM: it runs in a thread without an event loop, in order."""
    proc = crawls["backpressure"]
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    assert len(report["seen"]) == len(set(report["seen"])) == 60
    assert report["threads"] == ["crawl-consumer"]
    assert report["pauses"] > 0


def test_a_failing_callback_is_recorded_and_the_run_goes_on():
    config = CsvConfig(path=str(SHARED_DATA / "apriles-export.csv"), fields={"id": "link_data"})
    kept, reported = [], []

    def on_item(item):
        if item["position"] == 3:
            raise RuntimeError("base indisponible")
        kept.append(item["position"])

    result = crawl(config, limit=5, on_item=on_item, on_error=reported.append)
    assert kept == [1, 2, 4, 5]
    consumer_errors = [e for e in reported if e.kind == diag.CONSUMER]
    assert len(consumer_errors) == 1 and "base indisponible" in consumer_errors[0].reason
    assert consumer_errors[0] in result.errors
