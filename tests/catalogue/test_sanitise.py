"""The one sanitiser (`catalogue.sanitise`) and the write path that applies it."""

from __future__ import annotations

import json

import pytest
from django.template import Context, Template

from catalogue import services
from catalogue.models import ProjectPage
from catalogue.records import Distinction, ProjectRecord
from catalogue.sanitise import (
    one_line,
    plain_text,
    rich_text,
    safe_url,
    text_to_rich_text,
    to_rich_text,
)
from tests.hostile import ALL_PAYLOADS, MARK, PAYLOADS, active_markup


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rich_text_keeps_nothing_active(payload):
    for wrapped in (payload, f"<p>avant {payload} après</p>", f"<ul><li>{payload}</li></ul>"):
        cleaned = rich_text(wrapped)
        assert active_markup(cleaned, fragment=True) == [], cleaned
        # Idempotent: what is stored passes the render filter unchanged.
        assert rich_text(cleaned) == cleaned


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_text_is_text_and_its_rich_text_shows_it(payload):
    text = plain_text(payload)
    assert "\x01" not in text and "\x1b" not in text
    shown = text_to_rich_text(text)
    assert active_markup(shown, fragment=True) == [], shown


def test_entities_are_decoded_once_and_stay_text():
    assert plain_text("&amp;lt;img src=x onerror=alert(1)&amp;gt;") == (
        "&lt;img src=x onerror=alert(1)&gt;"
    )
    assert plain_text("caf&eacute; R&D a < b <3") == "café R&D a < b <3"
    assert plain_text("<p>Un</p><p>deux<br>trois</p><script>x</script>").split() == [
        "Un",
        "deux",
        "trois",
    ]
    # Decoded text is escaped again when it becomes rich text: shown, never parsed.
    assert text_to_rich_text("&lt;img&gt; <b>") == "<p>&amp;lt;img&amp;gt; &lt;b&gt;</p>"
    assert one_line("  Titre\r\nsur\tdeux\x00 lignes ") == "Titre sur deux lignes"


def test_rich_text_is_wagtail_shaped():
    html = (
        "<h1>Titre</h1>Texte <strong>gras</strong> <em>penché</em><br>ligne"
        '<div>bloc <a href="https://ex.fr/?a=1&amp;b=2" target="_blank">lien</a></div>'
        "<ul><li>un</li><li></li><li>deux<ul><li>sous</li></ul></li></ul><p></p><table><tr>"
        "<td>cellule</td></tr></table><b>non fermé"
    )
    assert rich_text(html) == (
        "<h3>Titre</h3><p>Texte <b>gras</b> <i>penché</i><br/>ligne</p>"
        '<p>bloc <a href="https://ex.fr/?a=1&amp;b=2" rel="noopener nofollow">lien</a></p>'
        "<ul><li>un</li><li>deux<ul><li>sous</li></ul></li></ul><p>cellule</p>"
        "<p><b>non fermé</b></p>"
    )
    # Relative links (a partner's own paths) mean nothing here; site paths only when rendering.
    assert rich_text('<a href="/fiche/1">x</a>') == "<p>x</p>"
    assert rich_text('<a href="/fiche/1">x</a>', relative_links=True) == (
        '<p><a href="/fiche/1">x</a></p>'
    )
    assert rich_text('<a href="mailto:a@b.fr">écrire</a>') == (
        '<p><a href="mailto:a@b.fr" rel="noopener nofollow">écrire</a></p>'
    )


def test_wagtail_editor_reads_sanitised_rich_text():
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    converter = ContentstateConverter(features=["h3", "bold", "italic", "ol", "ul", "link"])
    stored = rich_text("<h2>Titre</h2><p>Un <strong>mot</strong></p><ul><li>point</li></ul>")
    state = converter.from_database_format(stored)
    again = converter.to_database_format(state)
    assert "<h3" in again and "<b>mot</b>" in again and "<li" in again


def test_text_to_rich_text_lists_and_to_rich_text():
    assert text_to_rich_text("Intro\n\n- un\n- deux\nsuite\n\n1. a\n2) b") == (
        "<p>Intro</p><ul><li>un</li><li>deux<br/>suite</li></ul><ol><li>a</li><li>b</li></ol>"
    )
    assert to_rich_text("<3 les vélos") == "<p>&lt;3 les vélos</p>"
    assert to_rich_text("<p>ok <script>x</script></p>") == "<p>ok </p>"


def test_safe_url_refuses_other_schemes():
    assert safe_url(" https://ex.fr/a ") == "https://ex.fr/a"
    for bad in ("javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,x", "//ex.fr"):
        assert safe_url(bad) == ""
    assert safe_url("http:/no-host") == ""


@pytest.mark.django_db
def test_render_filter_sanitises_what_bypassed_the_write_path():
    rendered = Template("{% load catalogue_text %}{{ value|safe_richtext }}").render(
        Context({"value": ALL_PAYLOADS + '<a linktype="page" id="999999">page</a>'})
    )
    assert MARK in rendered  # the text stays
    assert active_markup(rendered, fragment=True) == [], rendered


@pytest.mark.django_db
def test_write_path_sanitises_every_field_of_a_record(site_tree):
    record = ProjectRecord(
        title=f"Titre\r\n{PAYLOADS[0]}",
        source_id="hostile-1",
        summary=ALL_PAYLOADS,
        description=ALL_PAYLOADS,
        website="javascript:alert(1)",
        social_links={"facebook": "data:text/html,x", "twitter": "https://x.com/ok"},
        structure_name=ALL_PAYLOADS,
        address=ALL_PAYLOADS,
        city=PAYLOADS[1],
        tags=[PAYLOADS[2]],
        distinctions=[Distinction(PAYLOADS[3], 2020, "javascript:alert(1)")],
    )
    page = services.upsert_project(record, source_key="hostile").page
    page = ProjectPage.objects.get(pk=page.pk)
    assert "\r" not in page.title and "\n" not in page.title
    assert active_markup(page.description, fragment=True) == []
    assert page.website == "" and page.facebook_url == ""
    assert page.twitter_url == "https://x.com/ok"
    assert page.distinctions.get().url == ""
    for value in (page.summary, page.structure_name, page.address, page.city):
        assert "\x01" not in value and "<script" not in value.lower()


def test_the_detector_sees_every_raw_payload():
    """The test's own instrument: each markup payload, unsanitised, is reported (the escaped
    ones are text and are not), in a fragment and inside a page's prose block."""
    escaped = {7, 8, 9}
    for index, payload in enumerate(PAYLOADS):
        found = active_markup(payload, fragment=True)
        assert bool(found) is (index not in escaped), (index, payload, found)
        page = f'<html><body><h1>x</h1><div class="prose">{payload}</div></body></html>'
        assert bool(active_markup(page)) is (index not in escaped), (index, payload)
    # What the old cleaner made of a double-escaped payload (decoding twice) is caught.
    assert active_markup("<p><img src=x onerror=alert(1)></p>", fragment=True)


def test_the_detector_reads_json_scripts_as_data_unless_broken_out_of():
    """A JSON-LD block quoting a payload is data; one a payload closed early is not."""
    whole = json.dumps({"name": f"<script>alert('{MARK}')</script>"}).replace("<", "\\u003c")
    assert active_markup(f'<script type="application/ld+json">{whole}</script>') == []
    broken = f'{{"name": "</script><script>alert(\'{MARK}\')</script>"}}'
    assert active_markup(f'<script type="application/ld+json">{broken}</script>')
