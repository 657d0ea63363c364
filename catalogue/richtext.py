"""Rich text stored exactly as Wagtail's editor would store it.

Wagtail's editor (Draftail) reads a page's HTML into its content model and writes it back on save.
HTML it did not write itself changes on that first save (``<strong>`` becomes ``<b>``, every
block gets a ``data-block-key``), and HTML its parser cannot read (``<br>`` without the slash, as
any HTML5 serialiser writes it) makes the edit view fail. Every description reaching a page goes
through `editor_html` at the write path: the stored text is then a fixed point of the editor, so
opening a page and saving it unchanged changes nothing.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from functools import lru_cache

from django.utils.html import escape, strip_tags

# What a project description may hold (the field's editor and the holder's editor alike):
# paragraphs, bold, italic, lists, links and h3 subheadings.
DESCRIPTION_FEATURES = ("h3", "bold", "italic", "ol", "ul", "link")

_VOID = re.compile(r"<(br|hr|img|wbr)\b([^>]*?)\s*/?>", re.IGNORECASE)
_BLOCK_KEY = re.compile(r'data-block-key="([^"]*)"')


@lru_cache(maxsize=8)
def _converter(features: tuple[str, ...]):
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    return ContentstateConverter(list(features))


def _stable_keys(state: dict, kept: set[str]) -> None:
    """Blocks the input gave no key get one derived from their place and text (Draftail would
    draw random ones), so the same text always stores the same HTML."""
    used = set(kept)
    for index, block in enumerate(state.get("blocks", [])):
        if block.get("key") in kept:
            continue
        seed = f"{index}:{block.get('text', '')}"
        key = hashlib.sha1(seed.encode("utf-8")).hexdigest()[:5]  # noqa: S324 - not security
        while key in used:
            key = hashlib.sha1(key.encode("utf-8")).hexdigest()[:5]  # noqa: S324
        block["key"] = key
        used.add(key)


def is_empty(state: dict) -> bool:
    blocks = state.get("blocks", [])
    return all(not b.get("text", "").strip() and b.get("type") == "unstyled" for b in blocks)


def _state(html: str, converter) -> dict:
    try:
        return json.loads(converter.from_database_format(html))
    except AssertionError:  # unbalanced tags: keep the words, as paragraphs
        text = html_lib.unescape(strip_tags(html))
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        return json.loads(converter.from_database_format(html))


def _keys_of(html: str, converter) -> dict[tuple[str, str], str]:
    """(block type, text) → key of the blocks of `html` that carry one."""
    if 'data-block-key="' not in (html or ""):
        return {}
    blocks = _state(_VOID.sub(lambda m: f"<{m.group(1).lower()}{m.group(2)}/>", html), converter)
    return {(b["type"], b["text"]): b["key"] for b in blocks.get("blocks", [])}


def editor_html(
    html: str, features: tuple[str, ...] = DESCRIPTION_FEATURES, *, like: str = ""
) -> str:
    """Sanitised HTML → the HTML Wagtail's editor stores for it ("" when there is no text).

    The input must already be sanitised (the editor keeps only its features but is not a
    sanitiser). HTML the editor's parser refuses is kept as its text, never lost. Blocks
    equal to a block of `like` (the text being replaced) keep its key, as in Wagtail's editor:
    a form that lost the keys on the way (a sanitiser) still saves an unchanged text unchanged.
    """
    html = (html or "").strip()
    if not html:
        return ""
    converter = _converter(tuple(features))
    html = _VOID.sub(lambda m: f"<{m.group(1).lower()}{m.group(2)}/>", html)
    state = _state(html, converter)
    if is_empty(state):
        return ""
    kept = set(_BLOCK_KEY.findall(html))
    previous = _keys_of(like, converter)
    for block in state.get("blocks", []):
        key = previous.get((block["type"], block["text"]))
        if block.get("key") not in kept and key and key not in kept:
            block["key"] = key
            kept.add(key)
    _stable_keys(state, kept)
    return converter.to_database_format(json.dumps(state))


#: Whitespace the editor's parser collapses into one space (ASCII only, as in HTML).
_HTML_WHITESPACE = re.compile(r"[ \t\n\f\r]+")
_BLOCK_TYPES = {"p": "unstyled", "ul": "unordered-list-item", "ol": "ordered-list-item"}


def editor_html_of_text(text: str) -> str:
    """Plain text → what `editor_html(text_to_rich_text(text))` stores, without writing the
    HTML and parsing it back: the editor's blocks are made from the text's blocks directly
    (the harvest's path: parsing was a third of building a page). The editor's own exporter
    still writes the HTML."""
    from .sanitise import text_blocks

    blocks = [
        {
            "key": None,
            "type": _BLOCK_TYPES[tag],
            "depth": 0,
            "text": "\n".join(_HTML_WHITESPACE.sub(" ", line) for line in lines),
            "inlineStyleRanges": [],
            "entityRanges": [],
        }
        for tag, items in text_blocks(text)
        for lines in items
    ]
    state = {"blocks": blocks, "entityMap": {}}
    if is_empty(state):
        return ""
    # Keys the text itself spells out are avoided, as `editor_html` avoids those of its input.
    kept = set()
    if 'data-block-key="' in (text or ""):
        from .sanitise import text_to_rich_text

        kept = set(_BLOCK_KEY.findall(text_to_rich_text(text)))
    _stable_keys(state, kept)
    return _converter(DESCRIPTION_FEATURES).to_database_format(json.dumps(state))
