"""Descriptions are stored as Wagtail's editor stores them: a fixed point of its round trip."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.richtext import DESCRIPTION_FEATURES, editor_html
from catalogue.widgets import DescriptionEditor

SAMPLES = [
    "<p>Un<br>deux</p><p>trois</p>",  # HTML5 <br>: Wagtail's parser failed on it (500)
    '<p><strong>gras</strong> <em>penché</em> <a href="https://x.example/" rel="nofollow">lien</a></p>',
    "<h3>Titre</h3><ul><li>un</li><li>deux</li></ul><ol><li>trois</li></ol>",
    "<p>l'apostrophe &amp; &lt;chevrons&gt;</p>",
    "<h2>Trop grand</h2><div>bloc<p>imbriqué</p></div>",
]


def _through_editor(html):
    """What Wagtail's editor stores when a page holding `html` is opened and saved unchanged."""
    widget = DescriptionEditor(features=list(DESCRIPTION_FEATURES))
    return widget.value_from_datadict({"d": widget.format_value(html)}, {}, "d")


@pytest.mark.parametrize("html", SAMPLES)
def test_stored_html_is_what_the_editor_saves_back(html):
    stored = editor_html(html)
    assert stored == editor_html(html)  # stable block keys: same text, same HTML
    assert _through_editor(stored) == stored
    assert editor_html(stored) == stored


def test_editor_html_keeps_features_and_words():
    html = editor_html(SAMPLES[1] + SAMPLES[2] + SAMPLES[4])
    for tag in ("<b>gras</b>", "<i>penché</i>", '<a href="https://x.example/">lien</a>', "<h3 "):
        assert tag in html
    assert "<h2" not in html and "Trop grand" in html and "imbriqué" in html
    assert "<br/>" in editor_html(SAMPLES[0])
    # Unbalanced markup the editor's parser refuses keeps its words.
    assert "texte" in editor_html("<p><b>texte</p></b>")


def test_empty_descriptions_store_nothing():
    assert editor_html("") == editor_html("<p> </p>") == ""
    assert _through_editor("") == ""
    widget = DescriptionEditor(features=list(DESCRIPTION_FEATURES))
    assert widget.value_from_datadict({"d": "null"}, {}, "d") == ""
    assert json.loads(widget.format_value(""))["blocks"]


def test_blocks_unchanged_keep_the_keys_of_the_text_they_replace():
    wagtail_keys = '<p data-block-key="aaaaa">un</p><p data-block-key="bbbbb">deux</p>'
    # What a sanitiser gives back from that text (keys lost), plus a new paragraph.
    edited = editor_html("<p>un</p><p>deux</p><p>trois</p>", like=wagtail_keys)
    assert edited.startswith(wagtail_keys)
    assert editor_html("<p>un</p><p>deux</p>", like=wagtail_keys) == wagtail_keys


def _real_texts() -> list[str]:
    """Every text value of the real partner files (descriptions, summaries, addresses…)."""
    import csv

    from django.conf import settings

    texts = []
    for name, delimiter in (
        ("apriles-export.csv", "|"),
        ("ffe-laureates.csv", ","),
        ("ping-tiers-lieux-pdl.csv", ","),
        ("cget-tiers-lieux-2019.csv", ","),
    ):
        with open(settings.SHARED_DATA_DIR / name, encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter):
                texts.extend(value for value in row if len(value) > 20)
    return texts


def test_text_made_editor_html_is_what_the_html_round_trip_makes():
    """The harvest builds a description's editor HTML from its text's blocks directly
    (`editor_html_of_text`): exactly what `editor_html(text_to_rich_text(text))` makes, on
    every text of the real partner files and on texts made to be awkward."""
    from catalogue.richtext import editor_html_of_text
    from catalogue.sanitise import text_to_rich_text

    awkward = [
        "",
        "   \n\n \t ",
        "Un  deux\t\ttrois\r\nquatre \f cinq\u00a0\u00a0six\u2028sept",
        "- un\n- deux\n\n- trois\n1. quatre\n2) cinq\n\n1. six\nsuite de six",
        "<p>balises</p> & &amp; &eacute; <script>x</script> \"guillemets\" 'simples'",
        'data-block-key="abcde" puis un paragraphe\n\ndata-block-key="0a1b2"',
        "\x00\x01 contrôle\x0b\x0c\u200b\ufeff fin",
        "même texte\n\nmême texte\n\nmême texte",
        "• puce\n– tiret\n· point\n* étoile",
    ]
    texts = awkward + _real_texts()
    assert len(texts) > 2000
    different = [
        text for text in texts if editor_html_of_text(text) != editor_html(text_to_rich_text(text))
    ]
    assert not different, different[:3]


_PIECES = ["- ", "1. ", "• ", "\n", "\n\n", " ", "\t", "\r", "\u00a0", "&", "<b>", "é", "œ", "x"]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_text_made_editor_html_matches_on_any_text(text):
    from catalogue.richtext import editor_html_of_text
    from catalogue.sanitise import text_to_rich_text

    assert editor_html_of_text(text) == editor_html(text_to_rich_text(text))
