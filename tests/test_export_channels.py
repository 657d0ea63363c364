"""Every channel the catalogue leaves by, fed a hostile record (tests/hostile.py payloads in
every text field, spreadsheet formulas at the start of cells): no active markup where the
channel's readers render HTML, no formula a spreadsheet would run, no control character.

The channels: the API's CSV, JSON and GeoJSON, the open-data dumps (three files), a territory's
CSV and JSON, the change feed and its ActivityStreams form, the Atom feed, the JSON-LD of the
project page, the sitemap, and a saved search's alert e-mail (text and HTML)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from catalogue import opendata, services
from catalogue.api.csvexport import FORMULA_PREFIXES
from tests.catalogue.factories import ffe_record
from tests.hostile import ALL_PAYLOADS, MARK, active_markup, bad_url

pytestmark = pytest.mark.django_db

#: What a spreadsheet runs when a cell starts with it (OWASP "CSV injection").
FORMULAS = [
    f'=HYPERLINK("https://evil.example/{MARK}","clic")',
    f"+cmd|' /C calc'!A0 {MARK}",
    f"-2+3+cmd|'/C calc'!A0 {MARK}",
    f"@SUM(1+1)*cmd|'/C calc'!A0 {MARK}",
    f"\t=1+1 {MARK}",
    f"\r=1+1 {MARK}",
]
ATOM = "{http://www.w3.org/2005/Atom}"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def hostile(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # committed: the change feed lists it
        return _hostile_page()


def _hostile_page():
    services.ensure_site_tree()
    record = ffe_record(
        title=f"{FORMULAS[0]} Projet hostile",
        source_id="hostile-1",
        summary=f"{FORMULAS[2]} {ALL_PAYLOADS}",
        description=ALL_PAYLOADS,
        structure_name=FORMULAS[3],
        address=FORMULAS[1],
        website=f"javascript:alert('{MARK}')",
    )
    partner = services.upsert_partner(FORMULAS[0], description=ALL_PAYLOADS)
    return services.upsert_project(record, source_key="hostile", partner=partner).page


def _strings(data, key=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v, key)
    elif isinstance(data, str):
        yield key, data


def assert_safe_json(label: str, data, *, html_keys=("description_html", "content")) -> None:
    strings = list(_strings(data))
    assert any(MARK in value for _key, value in strings), f"{label}: the record is missing"
    for key, value in strings:
        assert not any(ord(c) < 32 and c not in "\t\n" for c in value), (label, key, value)
        if key in html_keys or key.endswith("_html"):
            assert active_markup(value, fragment=True) == [], (label, key, value)
        if key in ("url", "website", "image", "href") or key.endswith("_url"):
            assert not bad_url(value), (label, key, value)


def assert_safe_csv(label: str, text: str) -> None:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert any(MARK in cell for cell in cells), f"{label}: the record is missing"
    for cell in cells:
        assert not cell.startswith(FORMULA_PREFIXES), (label, cell)
        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in cell), (label, cell)


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8")


def test_api_csv(hostile, client):
    response = client.get("/api/projects.csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_safe_csv("api csv", _body(response))


@pytest.mark.parametrize("url", ["/api/projects", "/api/projects.geojson"])
def test_api_json(hostile, client, url):
    assert_safe_json(url, json.loads(_body(client.get(url))))


@pytest.mark.parametrize("fmt", opendata.FORMATS)
def test_open_data_dumps(hostile, tmp_path, fmt):
    written = opendata.write_dumps(tmp_path)
    text = written[fmt].read_text(encoding="utf-8")
    if fmt == "csv":
        assert_safe_csv("dump csv", text)
    else:
        assert_safe_json(f"dump {fmt}", json.loads(text))


def test_territory_csv_and_json(hostile, client):
    """A territory's figures name the partners of its projects (the hostile partner's name is
    a formula)."""
    assert_safe_csv("territory csv", _body(client.get("/territoires/departement/75/donnees.csv")))
    data = json.loads(_body(client.get("/api/territories/departement/75")))
    assert_safe_json("territory json", data)


def test_change_feed(hostile, client):
    assert_safe_json("changes", json.loads(_body(client.get("/api/changes"))))


def test_activity_streams(hostile, client):
    """ActivityStreams 2.0 reads ``summary`` and ``content`` as HTML: plain text goes there
    escaped, so a reader shows it as typed and runs nothing."""
    data = json.loads(_body(client.get("/api/changes/activities?cursor=")))
    assert data["orderedItems"]
    assert_safe_json("activities", data)
    for activity in data["orderedItems"]:
        # The properties of ActivityStreams itself (the record under "carrefour:record" is
        # the API's own, plain text as documented).
        vocabulary = {k: v for k, v in activity["object"].items() if ":" not in k}
        assert_safe_json("activity", vocabulary, html_keys=("summary", "content"))
        summary = vocabulary["summary"]
        assert "&lt;" in summary and "<" not in summary, summary


def test_atom_feed(hostile, client):
    root = ElementTree.fromstring(_body(client.get("/projets/flux.atom")).encode())
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for element in entry.iter():
            kind = element.get("type", "text")
            if kind in ("html", "xhtml"):
                assert active_markup(element.text or "", fragment=True) == [], element.text
        link = entry.find(f"{ATOM}link").get("href")
        assert not bad_url(link), link
    assert MARK in ElementTree.tostring(root, encoding="unicode")


def test_project_page_json_ld(hostile):
    html = Client().get(hostile.url).content.decode()
    assert active_markup(html) == []
    (block,) = LD_JSON.findall(html)
    assert "<" not in block and ">" not in block
    assert_safe_json("json-ld", json.loads(block))


def test_sitemap(hostile, client):
    index = ElementTree.fromstring(_body(client.get("/sitemap.xml")).encode())
    sections = [loc.text for loc in index.iter() if loc.tag.endswith("loc")]
    assert sections
    locations = []
    for section in sections:
        path = section.split("://", 1)[1].split("/", 1)[1]
        root = ElementTree.fromstring(_body(client.get("/" + path)).encode())
        locations += [loc.text for loc in root.iter() if loc.tag.endswith("loc")]
    assert hostile.full_url in locations
    for url in locations:
        assert url.startswith(("http://", "https://")) and not re.search(r"[<>\"'\s]", url)


def test_alert_e_mail(hostile):
    from community import tasks
    from community.models import SavedSearch

    member = get_user_model().objects.create_user("veille", "veille@example.org", "pw")
    SavedSearch.objects.create(
        user=member, name=FORMULAS[0], last_checked_at=timezone.now() - timedelta(hours=1)
    )
    hostile.first_published_at = timezone.now()
    hostile.save(update_fields=["first_published_at"])
    mail.outbox.clear()
    tasks.check_saved_searches()
    tasks.deliver(member)
    assert mail.outbox, "no alert e-mail"
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert MARK in message.body
        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in message.body)
        assert "javascript:" not in message.body.lower()
        for html, _type in message.alternatives:
            assert active_markup(html) == [], html
