"""A hostile partner: every source kind the harvester reads (HTML, JSON, CSV, sitemap, RSS)
served on 127.0.0.1 with script tags, event handlers, javascript: and data: links, SVG,
double- and triple-escaped markup and broken tags in every field. After real harvests, no
channel shows active markup (`tests.hostile.active_markup`, an HTML parser's verdict): the
project pages, results, the partner page, the Atom feed, notification e-mails, the API and
its CSV/JSON/GeoJSON exports, and the Wagtail admin's edit view."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from html import escape

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from catalogue import services
from catalogue.models import ProjectPage
from importers.models import HarvestRun, Source
from tests.hostile import ALL_PAYLOADS, MARK, PAYLOADS, active_markup, bad_url

from .harvesting import manage

EVIL_LINK = f"javascript:alert('{MARK}')"
EVIL_IMAGE = f"data:image/svg+xml,<svg onload=alert('{MARK}')>"
KINDS = ("html", "json", "csv", "sitemap", "rss")


def _values(kind: str) -> dict[str, str]:
    """The record a hostile partner sends, one value per field: all payloads everywhere."""
    return {
        "titre": f"Projet hostile {kind} {PAYLOADS[0]}{PAYLOADS[7]}",
        "résumé": ALL_PAYLOADS,
        "description": ALL_PAYLOADS,
        "site web": EVIL_LINK,
        "image": EVIL_IMAGE,
        "structure porteuse": ALL_PAYLOADS,
        "adresse": ALL_PAYLOADS,
        "ville": PAYLOADS[1] + PAYLOADS[8],
        "email": f"x@example.org{PAYLOADS[2]}",
        "telephone": PAYLOADS[3],
        "tags": PAYLOADS[4] + "|" + PAYLOADS[9],
        "facebook": EVIL_LINK,
    }


def _html_block(values: dict[str, str]) -> str:
    """Partner HTML: markup as is (a hostile page), links in attributes."""
    cells = "".join(
        f'<div class="f" data-name="{name}">{value}</div>'
        for name, value in values.items()
        if name not in ("site web", "image", "facebook")
    )
    return (
        f'<div class="projet">{cells}<a class="site" href="{escape(values["site web"])}">site</a>'
        f'<img class="image" src="{escape(values["image"])}">'
        f'<a class="fb" href="{escape(values["facebook"])}">fb</a></div>'
    )


def _html_fields(on: str) -> list[dict]:
    fields = [
        {"name": name, "selector": f'.//div[@data-name="{name}"]', "on": on}
        for name in _values("x")
        if name not in ("site web", "image", "facebook")
    ]
    fields += [
        {"name": "site web", "selector": './/a[@class="site"]/@href', "on": on, "is_url": True},
        {"name": "image", "selector": './/img[@class="image"]/@src', "on": on, "is_url": True},
        {"name": "facebook", "selector": './/a[@class="fb"]/@href', "on": on, "is_url": True},
    ]
    return fields


def serve_hostile_partner(site) -> dict[str, dict]:
    """Routes for the five source kinds; returns each kind's source configuration."""
    page = "<html><head><title>x</title></head><body>{}</body></html>"
    list_url = site.route("hostile/list.html", page.format(_html_block(_values("html"))))
    detail = site.route("hostile/page.html", page.format(_html_block(_values("sitemap"))))
    sitemap = site.route(
        "hostile/sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9"><url><loc>{detail}</loc></url></urlset>',
        content_type="application/xml",
    )
    rss_values = _values("rss")
    item = "".join(f"<{tag}>{escape(rss_values[name])}</{tag}>" for tag, name in (
        ("title", "titre"), ("description", "description"), ("summary", "résumé"),
        ("city", "ville"), ("category", "tags"),
    ))  # fmt: skip
    feed = site.route(
        "hostile/feed.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item>{item}<link>{site.url('hostile/rss-entry.html')}</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    json_values = {"id": "j1", **_values("json")}
    api = site.route(
        "hostile/api.json",
        json.dumps({"results": [json_values]}, ensure_ascii=False),
        content_type="application/json",
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", *_values("csv")])
    writer.writeheader()
    writer.writerow({"id": "c1", **_values("csv")})
    csv_url = site.route("hostile/export.csv", out.getvalue(), content_type="text/csv")
    names = {name: name for name in _values("x")}
    return {
        "html": {"start_urls": [list_url], "item_selector": '//div[@class="projet"]',
                 "fields": _html_fields("list")},
        "sitemap": {"sitemap_urls": [sitemap], "fields": _html_fields("detail")},
        "rss": {"feed_urls": [feed], "fields": [
            {"name": "titre", "selector": "title/text()", "on": "list"},
            {"name": "description", "selector": "description/text()", "on": "list"},
            {"name": "résumé", "selector": "summary/text()", "on": "list"},
            {"name": "ville", "selector": "city/text()", "on": "list"},
            {"name": "tags", "selector": "category/text()", "on": "list"},
        ]},
        "json": {"url": api, "items_path": "results", "fields": {"id": "id", **names}},
        "csv": {"url": csv_url, "fields": {"id": "id", **names}},
    }  # fmt: skip


def check_exports(client):
    """The API and its exports are data: plain-text fields are text (the documentation says
    so, and a consumer escapes them), served under a data content type browsers never render
    as a page (nosniff); rich-text fields, if any, hold only the allow-list; no control
    character anywhere."""
    strings = []
    for url, content_type in (
        ("/api/projects?q=hostile", "application/json"),
        ("/api/projects.geojson?q=hostile", "application/geo+json"),
        ("/api/projects.csv?q=hostile", "text/csv"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(content_type), response["Content-Type"]
        assert response["X-Content-Type-Options"] == "nosniff"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        if content_type == "text/csv":
            rows = list(csv.DictReader(io.StringIO(text)))
            assert any(MARK in value for row in rows for value in row.values())
            strings += [(k, v) for row in rows for k, v in row.items()]
        else:
            strings += list(_json_strings(json.loads(text)))
    assert strings
    for key, value in strings:
        assert not any(ord(c) < 32 and c not in "\t\n" for c in value or ""), (key, value)
        # HTML fields (description_html): no active markup. Text fields (description,
        # summary) carry the partner's markup as text, which every reader must escape.
        if key and "html" in key:
            assert_no_active_markup(f"export field {key}", value, fragment=True)
        if key and (key.endswith("url") or key in ("website", "image")):
            assert not bad_url(value), (key, value)


def _json_strings(data, key=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _json_strings(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from _json_strings(v, key)
    elif isinstance(data, str):
        yield key, data


def assert_no_active_markup(label, html, **kwargs):
    found = active_markup(html, **kwargs)
    assert found == [], f"{label}: {found[:5]}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hostile_partner_reaches_no_channel_as_markup(local_site, client):
    services.ensure_site_tree()
    partner = services.upsert_partner("Partenaire hostile", description=ALL_PAYLOADS)
    member = get_user_model().objects.create_user("veille", "veille@example.org", "pw")
    from community.models import SavedSearch

    SavedSearch.objects.create(
        user=member, name="Tout", last_checked_at=timezone.now() - timedelta(hours=1)
    )
    limits = {"obey_robots": False, "download_delay": 0}
    for kind, config in serve_hostile_partner(local_site).items():
        Source.objects.create(
            name=f"Hostile {kind}", kind=kind, partner=partner, config={**config, "limits": limits}
        )
        proc = manage("harvest", f"Hostile {kind}", "--no-progress")
        run = HarvestRun.objects.filter(source__name=f"Hostile {kind}").latest("pk")
        assert run.created == 1, (kind, run.counts(), proc.stderr[-2000:])

    pages = list(ProjectPage.objects.live().filter(title__startswith="Projet hostile"))
    assert sorted(p.title.split()[2] for p in pages) == sorted(KINDS)
    for page in pages:
        assert_no_active_markup(f"stored description ({page.title[:30]})", page.description,
                                fragment=True)  # fmt: skip
        for name in ("website", "facebook_url"):
            assert not bad_url(getattr(page, name)), (name, getattr(page, name))
        html = client.get(page.url).content.decode()
        assert MARK in html  # the payloads are shown as text, not dropped silently
        assert_no_active_markup(f"project page {page.title[:30]}", html)
    for label, url in {
        "results": "/projets/?q=hostile",
        "partner page": partner.url,
        "feed": "/projets/flux.atom",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        assert_no_active_markup(label, response.content.decode())
    check_exports(client)
    # The admin's edit view of a harvested page (editors open it in Wagtail).
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(admin)
    edit = client.get(f"/admin/pages/{pages[0].pk}/edit/")
    assert edit.status_code == 200
    assert_no_active_markup("admin edit view", edit.content.decode())
    # Notification e-mails: the saved search's alert lists the new projects.
    from community import tasks

    mail.outbox.clear()
    tasks.check_saved_searches()
    tasks.deliver(member)
    assert mail.outbox, "no alert e-mail"
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        for html, _type in message.alternatives:
            assert_no_active_markup("e-mail", html)
