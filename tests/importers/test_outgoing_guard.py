"""The outgoing-request guard (`catalogue.netguard`) and where it applies: source forms, the
crawler (Scrapy middleware: addresses, redirects, other sites), previews, image downloads and
the BAN geocoder.

Refusals of non-loopback internal addresses are tested through the guard's resolution logic:
no test sends a packet anywhere but 127.0.0.1 (connections are recorded to prove it)."""

from __future__ import annotations

import socket

import pytest
import urllib3.util.connection
from django.core.exceptions import ValidationError
from django.test import override_settings

from catalogue import netguard
from catalogue.images import fetch_image
from catalogue.netguard import GuardedSession, RefusedAddress, check_url
from catalogue.records import ProjectRecord
from importers.crawl import diagnostics as diag
from importers.crawl.config import FieldSelector, HtmlConfig, Limits
from importers.crawl.runner import preview
from importers.geocode import Geocoder
from importers.models import Source

INTERNAL = [
    "http://127.0.0.1/",
    "http://10.0.0.1/",
    "http://10.255.255.254:8080/x",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://0x7f.1/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",
    "http://localhost/",
]


@pytest.fixture
def connections(monkeypatch):
    """Every address a request connects to (proves refused ones were never contacted)."""
    seen = []
    real = urllib3.util.connection.create_connection

    def recording(address, *args, **kwargs):
        seen.append(address[0])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", recording)
    monkeypatch.setattr("urllib3.connection.connection.create_connection", recording)
    return seen


@pytest.fixture
def resolver(monkeypatch):
    """Names resolving to chosen addresses (a partner's name pointing inside)."""
    names = {}
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return names


@override_settings(OUTGOING_ALLOW_LOOPBACK=False)
@pytest.mark.parametrize("url", INTERNAL)
def test_every_internal_address_form_is_refused(url):
    with pytest.raises(RefusedAddress):
        check_url(url)


def test_names_resolving_inside_are_refused_and_loopback_follows_the_setting(resolver):
    resolver["intranet.partner.example"] = "10.1.2.3"
    resolver["metadata.partner.example"] = "169.254.169.254"
    resolver["www.partner.example"] = "93.184.215.14"
    for name in ("intranet", "metadata"):
        with pytest.raises(RefusedAddress, match="adresse interne"):
            check_url(f"https://{name}.partner.example/projets")
    assert check_url("https://www.partner.example/projets")
    with pytest.raises(RefusedAddress):
        check_url("ftp://www.partner.example/")
    with override_settings(OUTGOING_ALLOW_LOOPBACK=True):
        assert check_url("http://127.0.0.1:8000/") and check_url("http://0x7f.1/")
        with pytest.raises(RefusedAddress):
            check_url("http://10.0.0.1/")  # loopback only, never the private network
    with override_settings(OUTGOING_ALLOW_LOOPBACK=False), pytest.raises(RefusedAddress):
        check_url("http://localhost:8000/")
    # A form accepts an unknown name (offline); the request is checked again when made.
    assert check_url("https://nowhere.invalid/", unresolvable_ok=True)
    with pytest.raises(netguard.Unresolvable):
        check_url("https://nowhere.invalid/")


@pytest.mark.django_db
def test_source_forms_refuse_internal_urls(resolver):
    resolver["intranet.partner.example"] = "192.168.0.10"
    for kind, config in (
        ("html", {"start_urls": ["http://169.254.169.254/latest/"], "item_selector": "//li"}),
        ("json", {"url": "http://2130706433/api", "fields": {"titre": "name"}}),
        ("csv", {"url": "http://[::1]/export.csv"}),
        ("sitemap", {"sitemap_urls": ["http://intranet.partner.example/sitemap.xml"]}),
        ("rss", {"feed_urls": ["http://0x7f.1/feed"]}),
        ("html", {"start_urls": ["https://ok.example/"], "allowed_hosts": ["10.0.0.1"]}),
    ):
        source = Source(name=f"Interne {kind}", kind=kind, config=config)
        with (
            override_settings(OUTGOING_ALLOW_LOOPBACK=False),
            pytest.raises(ValidationError) as info,
        ):
            source.full_clean()
        assert "adresse interne" in str(info.value), (kind, info.value)


@pytest.mark.django_db
def test_redirect_to_an_internal_address_is_refused_for_images(local_site, connections):
    """An allowed host (the mock on 127.0.0.1) redirects to the metadata service and to the
    private network: the guard refuses the hop before any connection."""
    for path, target in (
        ("guard/img-meta.png", "http://169.254.169.254/latest/meta-data/iam"),
        ("guard/img-lan.png", "http://10.0.0.1/admin.png"),
        ("guard/img-v6.png", "http://[::ffff:192.168.1.1]/x.png"),
    ):
        url = local_site.redirect(path, target)
        with GuardedSession() as session, pytest.raises(RefusedAddress):
            session.get(url, timeout=5)
        assert fetch_image(url) is None
    assert set(connections) == {"127.0.0.1"}


@pytest.mark.django_db
def test_geocoder_never_queries_an_internal_ban_domain(connections):
    record = ProjectRecord(title="x", address="1 rue de la Paix", postal_code="75002")
    with override_settings(
        GEOCODER_BAN_DOMAIN="169.254.169.254", GEOCODER_BAN_SCHEME="http", GEOCODER_BAN_TIMEOUT=2
    ):
        geocoder = Geocoder(ban_enabled=True)
        assert geocoder.ban(record) is None
    assert connections == []


GUARD_LIST = """<html><body><ul>
<li><a href="/guard/own.html">Chez la source</a></li>
<li><a href="{other}">Autre site</a></li>
<li><a href="/guard/to-lan.html">Redirigée vers le réseau interne</a></li>
</ul></body></html>"""


def _guard_site(local_site):
    other = local_site.url("guard/other.html").replace("127.0.0.1", "localhost")
    local_site.route("guard/list.html", GUARD_LIST.format(other=other))
    for path in ("guard/own.html", "guard/other.html"):
        local_site.route(path, f"<html><body><h1>{path}</h1></body></html>")
    local_site.redirect("guard/to-lan.html", "http://10.0.0.1/intranet.html")
    return HtmlConfig(
        name="Garde",
        start_urls=[local_site.url("guard/list.html")],
        item_selector="//li",
        follow_selector="./a/@href",
        fields=[FieldSelector("titre", "//h1/text()", on="detail")],
        limits=Limits(obey_robots=False, download_delay=0),
    )


def test_crawler_stays_on_the_source_hosts_and_refuses_internal_redirects(local_site, run_crawl):
    config = _guard_site(local_site)
    data = config.to_dict()
    out = run_crawl(data)
    assert out.returncode == 0, out.stderr
    assert [i["fields"]["titre"] for i in out.items] == [["guard/own.html"]]
    refused = out.errors_of(diag.REFUSED)
    reasons = sorted(e["reason"] for e in refused)
    assert len(refused) == 2, out.errors
    assert "autre site" in reasons[1] and "localhost" in reasons[1]
    assert "10.0.0.1" in reasons[0] and "adresse interne" in reasons[0]
    assert local_site.hits_for("guard/other.html") == 0

    # Naming another host in the configuration lets the crawler follow it.
    data["allowed_hosts"] = ["localhost"]
    out = run_crawl(data)
    assert sorted(i["fields"]["titre"][0] for i in out.items) == [
        "guard/other.html",
        "guard/own.html",
    ]
    assert len(out.errors_of(diag.REFUSED)) == 1


def test_preview_applies_the_same_guard(local_site, connections):
    import dataclasses

    config = _guard_site(local_site)
    redirected = dataclasses.replace(config, start_urls=[local_site.url("guard/to-lan.html")])
    (error,) = preview(redirected).errors
    assert error.kind == diag.REFUSED and "10.0.0.1" in error.reason
    other = local_site.url("guard/other.html").replace("127.0.0.1", "localhost")
    local_site.route(
        "guard/list-other.html",
        GUARD_LIST.format(other=other).replace(
            '<li><a href="/guard/own.html">Chez la source</a></li>', ""
        ),
    )
    elsewhere = dataclasses.replace(config, start_urls=[local_site.url("guard/list-other.html")])
    (error,) = preview(elsewhere).errors
    assert error.kind == diag.REFUSED and "autre site" in error.reason
    assert set(connections) == {"127.0.0.1"}


def test_guard_and_image_messages_follow_the_language():
    from django.utils import translation

    from catalogue.images import ImageRejected, reencode

    with translation.override("en"):
        with pytest.raises(RefusedAddress, match="is an internal address"):
            check_url("http://10.0.0.1/")
        with pytest.raises(RefusedAddress, match="http or https expected"):
            check_url("ftp://example.org/")
        with pytest.raises(ImageRejected, match="not a readable image"):
            reencode(b"<html></html>")
    with pytest.raises(RefusedAddress, match="désigne une adresse interne"):
        check_url("http://10.0.0.1/")


#: A name answering a public address to every check made before the request (the source's
#: validation, the middleware: getaddrinfo) and the mock's loopback address to the lookup of
#: the connection itself (Twisted: gethostbyname), in the crawl's own interpreter: DNS
#: rebinding, a short-lived answer that changes between the check and the connection.
REBIND = """
import socket
_real_getaddrinfo, _real_gethostbyname = socket.getaddrinfo, socket.gethostbyname

def getaddrinfo(host, port=None, *args, **kwargs):
    if host == "rebind.test":
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 80))]
    return _real_getaddrinfo(host, port, *args, **kwargs)

def gethostbyname(host):
    return "127.0.0.1" if host == "rebind.test" else _real_gethostbyname(host)

socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
"""


@pytest.mark.parametrize("loopback", ["0", "1"])
def test_crawler_checks_the_address_it_connects_to_not_only_the_first_answer(
    local_site, run_crawl, loopback
):
    """The middleware's lookup says public, the connection's says 127.0.0.1: the crawl refuses
    the connection (nothing reaches the server) unless loopback is allowed (tests, mocks)."""
    local_site.route("guard/rebind.html", "<html><body><ul><li>Fiche</li></ul></body></html>")
    port = local_site.server.server_address[1]
    config = HtmlConfig(
        name="Rebind",
        start_urls=[f"http://rebind.test:{port}/guard/rebind.html"],
        item_selector="//li",
        fields=[FieldSelector("titre", "./text()")],
        limits=Limits(obey_robots=False, download_delay=0),
    )
    out = run_crawl(
        config,
        prelude=REBIND,
        settings={"RETRY_ENABLED": False},
        env={"OUTGOING_ALLOW_LOOPBACK": loopback, "DJANGO_SETTINGS_MODULE": None},
    )
    assert out.returncode == 0, out.stderr
    if loopback == "1":
        assert [i["fields"]["titre"] for i in out.items] == [["Fiche"]]
        assert local_site.hits_for("guard/rebind.html") == 1
        return
    assert out.items == [] and local_site.hits_for("guard/rebind.html") == 0
    refused = out.errors_of(diag.REFUSED)
    assert len(refused) == 1, out.errors
    assert "adresse interne" in refused[0]["reason"] and "127.0.0.1" in refused[0]["reason"]


@pytest.mark.django_db
@pytest.mark.parametrize("allowed", [False, True])
def test_image_downloads_check_the_address_they_connect_to(local_site, monkeypatch, allowed):
    """The guard's lookup of a name says public, the connection's own says 127.0.0.1: the
    connection is closed before the request is sent (the server sees nothing) unless loopback
    is allowed."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding(host, port=None, *args, **kwargs):
        if host == "rebind.test":
            address = next(answers, "127.0.0.1")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    local_site.route("guard/rebind.png", b"\x89PNG\r\n", content_type="image/png")
    port = local_site.server.server_address[1]
    url = f"http://rebind.test:{port}/guard/rebind.png"
    with override_settings(OUTGOING_ALLOW_LOOPBACK=allowed), GuardedSession() as session:
        if allowed:
            assert session.get(url, timeout=5).status_code == 200
        else:
            with pytest.raises(RefusedAddress, match="127.0.0.1"):
                session.get(url, timeout=5)
    assert local_site.hits_for("guard/rebind.png") == (1 if allowed else 0)
