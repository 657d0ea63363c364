"""Descriptions are stored as Wagtail's editor stores them: a fixed point of its round trip."""

import json

import pytest

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
