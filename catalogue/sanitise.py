"""The one sanitiser: whatever comes from outside becomes what a page may hold.

Partner pages, CSV cells, JSON APIs, holders' forms and editors' imports all pass through here
at the write path (`catalogue.services`), and rich text passes again where it is rendered (the
``safe_richtext`` filter). Three kinds of value:

- `plain_text`: text taken out of any markup. Tags are parsed by a real HTML parser (nh3 /
  html5ever) and dropped, with the content of script and style; entities are decoded exactly
  once and the result is *text* from then on: ``&amp;lt;img&amp;gt;`` gives the text
  ``&lt;img&gt;``, never an element. Control characters are removed.
- `rich_text`: an allow-list of what a project's rich text field holds (``p``, ``h3``,
  ``ul``/``ol``/``li``, ``b``, ``i``, ``a`` with an http(s) or mailto ``href``, ``br``), written
  the way Wagtail stores rich text (``b``/``i``, one heading level, top-level blocks) so that its
  editor opens it unchanged. Everything else is dropped, keeping the text.
- `text_to_rich_text`: plain text (blank-line paragraphs, line breaks, "- " lists) as rich text.
- `member_html`: the HTML of members' text (comments, discussions, spaces, claims), a subset of
  rich text's allow-list derived from it (``MEMBER_TAGS``: ``p``, ``br``, ``a`` with an http(s)
  ``href``, links marked ``rel="nofollow ugc noopener"``). `community.rendering` escapes what
  members type and links their addresses, then cleans through it.

`safe_url` keeps an http(s) address and refuses any other scheme (``javascript:``, ``data:``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

__all__ = [
    "RICH_TEXT_TAGS",
    "MEMBER_TAGS",
    "clean_control",
    "member_html",
    "one_line",
    "plain_text",
    "rich_text",
    "safe_url",
    "text_to_rich_text",
    "to_rich_text",
]

#: The elements rich text may hold once sanitised (and nothing else).
RICH_TEXT_TAGS = frozenset({"p", "h3", "ul", "ol", "li", "b", "i", "a", "br"})
LINK_REL = "noopener nofollow"
#: Members' text: paragraphs, line breaks and links only, a subset of the rich text tags.
MEMBER_TAGS = RICH_TEXT_TAGS - {"h3", "ul", "ol", "li", "b", "i"}
MEMBER_LINK_REL = "nofollow ugc noopener"

# C0 controls except tab and newline, DEL, C1 controls, lone surrogates, non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")

# Input tags understood for their structure; any other tag is dropped (its text kept).
_BLOCKS = {
    "p", "div", "section", "article", "aside", "header", "footer", "main", "nav", "blockquote",
    "pre", "address", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "td",
    "th", "caption", "dl", "dt", "dd", "hr", "center",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "a": "a"}
_LISTS = {"ul", "ol"}
_AUTO_LIST = "ul "  # a list the writer opened for a stray item (closed with it)
_CLEAN_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "svg", "math"}
_STRUCTURE = _BLOCKS | _HEADINGS | set(_INLINE) | _LISTS | {"li", "br"}
_TAG = re.compile(r"<[^>]*>")


def clean_control(text: str) -> str:
    """`text` without control characters (CR/LF become LF; tabs and newlines kept)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _scheme_ok(url: str, schemes: tuple[str, ...], relative: bool) -> bool:
    if relative and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in schemes:
        return False
    return parts.scheme.lower() == "mailto" or bool(parts.hostname)


def safe_url(value, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """`value` when it is an absolute URL of an allowed scheme, else "" (never javascript:)."""
    url = clean_control(str(value or "")).strip()
    url = "".join(url.split())  # browsers ignore whitespace inside a scheme: "java\tscript:"
    return url if url and _scheme_ok(url, schemes, relative=False) else ""


def _href_filter(relative: bool, schemes: tuple[str, ...] = ("http", "https", "mailto")):
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            url = "".join(clean_control(value).split())
            return url if _scheme_ok(url, schemes, relative) else None
        return value if attribute == "rel" else None  # the cleaner's own link_rel

    return keep


_STRUCTURE_CLEANERS = {
    relative: nh3.Cleaner(
        tags=_STRUCTURE,
        clean_content_tags=_CLEAN_CONTENT,
        attributes={"a": {"href"}},
        attribute_filter=_href_filter(relative),
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )
    for relative in (False, True)
}
_MEMBER_CLEANER = nh3.Cleaner(
    tags=MEMBER_TAGS,
    clean_content_tags=_CLEAN_CONTENT,
    attributes={"a": {"href"}},
    attribute_filter=_href_filter(False, ("http", "https")),
    url_schemes={"http", "https"},
    link_rel=MEMBER_LINK_REL,
    strip_comments=True,
)
_TEXT_CLEANER = nh3.Cleaner(
    tags=_BLOCKS | _HEADINGS | _LISTS | {"li", "br"},
    clean_content_tags=_CLEAN_CONTENT,
    attributes={},
    link_rel=None,
    strip_comments=True,
)


def plain_text(value) -> str:
    """Text from any markup: tags dropped (block ends become line breaks), entities decoded
    once, control characters removed, NFC. The result is text: escape it to show it."""
    if value is None:
        return ""
    text = clean_control(str(value))
    if "<" in text or "&" in text:
        # The parser's own output is well formed: every "<" left starts one of its tags.
        cleaned = _TEXT_CLEANER.clean(text)
        # Only block tags are left: each one ends a line.
        text = clean_control(html.unescape(_TAG.sub("\n", cleaned)))
    return unicodedata.normalize("NFC", text)


def member_html(fragment) -> str:
    """HTML of members' text → only `MEMBER_TAGS` (see the module docstring)."""
    return _MEMBER_CLEANER.clean(clean_control(str(fragment or "")))


def one_line(value) -> str:
    """`plain_text` on one line, single spaces (titles, names, addresses, e-mail subjects)."""
    return " ".join(plain_text(value).split())


class _RichTextWriter(HTMLParser):
    """Rewrites nh3's well-formed output into Wagtail's rich text shape: top-level blocks,
    ``b``/``i``, ``h3`` headings, lists holding only ``li`` with inline content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []  # open output elements
        self.pending = "p"  # the block to open before the next text

    # --- output helpers ----------------------------------------------------------------
    def _close_to(self, keep: set[str]) -> None:
        """Close open elements until the top is one of `keep` (or nothing is open)."""
        while self.stack and self.stack[-1] not in keep:
            self._pop()

    def _pop(self) -> str:
        top = self.stack.pop()
        if top:
            self.out.append(f"</{top.strip()}>")
        return top

    def _ensure_block(self) -> None:
        if not self.stack:
            self.out.append(f"<{self.pending}>")
            self.stack.append(self.pending)
        elif self.stack[-1].strip() in _LISTS:
            self.out.append("<li>")
            self.stack.append("li")

    def _end_block(self, pending: str = "p") -> None:
        self._close_to({"li", "ul", "ol"})
        self.pending = pending

    # --- parser callbacks --------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        if tag in _INLINE:
            self._ensure_block()
            name = _INLINE[tag]
            if name == "a":
                href = dict(attrs).get("href") or ""
                if not href or "a" in self.stack:
                    self.stack.append("")  # a link without address (or nested): text only
                    return
                rel = "" if href.startswith("/") else f' rel="{LINK_REL}"'
                self.out.append(f'<a href="{html.escape(href, quote=True)}"{rel}>')
            else:
                self.out.append(f"<{name}>")
            self.stack.append(name)
        elif tag == "br":
            if self.stack and self.stack[-1].strip() not in _LISTS:
                self.out.append("<br/>")
        elif tag in _LISTS:
            self._close_to({"li"} if "li" in self.stack else set())
            self.out.append(f"<{tag}>")
            self.stack.append(tag)
        elif tag == "li":
            if any(t in _LISTS | {_AUTO_LIST} for t in self.stack):
                self._close_to(_LISTS | {_AUTO_LIST})
            else:  # an item outside any list: a list of its own, closed with the item
                self._close_to(set())
                self.out.append("<ul>")
                self.stack.append(_AUTO_LIST)
            self.out.append("<li>")
            self.stack.append("li")
        elif "li" not in self.stack:
            self._end_block("h3" if tag in _HEADINGS else "p")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        name = _INLINE.get(tag)
        if name:
            target = name if name in self.stack else ("" if "" in self.stack else None)
            if target is not None:
                while self.stack and self._pop() != target:
                    pass
        elif tag in _LISTS or tag == "li":
            wanted = _LISTS if tag in _LISTS else {"li"}
            if any(t in wanted for t in self.stack):
                while self.stack and self._pop() not in wanted:
                    pass
            if self.stack and self.stack[-1] == _AUTO_LIST:
                self._pop()
            if not any(t.strip() in _LISTS for t in self.stack):
                self.pending = "p"
        elif "li" not in self.stack and tag in _BLOCKS | _HEADINGS:
            self._end_block()

    def handle_data(self, data):
        data = clean_control(data)
        if not data.strip() and (not self.stack or self.stack[-1].strip() in _LISTS):
            return
        if not self.stack:
            data = data.lstrip()
        self._ensure_block()
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self._close_to(set())
        text = "".join(self.out)
        # Empty blocks (a stripped image, a spacer paragraph) say nothing.
        return _EMPTY_BLOCK.sub("", text).strip()


_EMPTY_BLOCK = re.compile(
    r"<(p|h3|li)>(?:\s|<br/>)*</\1>|<(ul|ol)>\s*</\2>|<a href=\"[^\"]*\"(?: rel=\"[^\"]*\")?></a>"
)


def rich_text(value, *, relative_links: bool = False) -> str:
    """Any HTML → the rich text a project page may hold (see module docstring).

    Links keep only http(s) and mailto addresses and get ``rel="noopener nofollow"``;
    `relative_links` also keeps site paths (``/projets/…``): the rendering of rich text already
    expanded by Wagtail (internal page links), never what comes from outside."""
    if value is None:
        return ""
    text = clean_control(str(value))
    if not text.strip():
        return ""
    structured = _STRUCTURE_CLEANERS[relative_links].clean(text)
    writer = _RichTextWriter()
    writer.feed(structured)
    writer.close()
    result = writer.result().replace("</ul><ul>", "")  # stray items side by side: one list
    while True:  # an empty list item inside a list leaves an empty list behind
        again = _EMPTY_BLOCK.sub("", result)
        if again == result:
            return result
        result = again


def rich_text_as_text(value) -> str:
    """Rich text → plain text that keeps its shape: paragraphs (and headings, lists) separated
    by a blank line, list items on their own lines after "- ", line breaks kept."""
    # Whitespace in HTML is one space; the structure's tags make the lines.
    marked = rich_text(value).replace("\n", " ").replace("<li>", "<li>- ")
    blocks = []
    for chunk in re.split(r"</(?:p|h3|ul|ol)>", marked):
        lines = (" ".join(line.split()) for line in plain_text(chunk).split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)


_BULLET = re.compile(r"^\s*(?:[-*•–·]|\d{1,3}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+")


def text_blocks(value) -> list[tuple[str, list[list[str]]]]:
    """Plain text → its blocks: ("p", [lines]) for a paragraph, ("ul" or "ol", [lines of each
    item, …]) for a list. Blank lines separate paragraphs; lines starting with "- ", "• " or
    "1. " are list items."""
    text = clean_control(str(value or "")).strip()
    if not text:
        return []
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        items, intro = [], []
        for line in lines:
            if _BULLET.match(line):
                items.append(line)
            elif items:
                items[-1] += "\n" + line
            else:
                intro.append(line)
        if intro:
            blocks.append(("p", [intro]))
        if items:
            tag = "ol" if all(_NUMBERED.match(i) for i in items) else "ul"
            blocks.append(
                (tag, [[x.strip() for x in _BULLET.sub("", i).split("\n")] for i in items])
            )
    return blocks


def text_to_rich_text(value) -> str:
    """Plain text → rich text (see `text_blocks`). Any markup in the text is shown as text."""
    html_blocks = []
    for tag, items in text_blocks(value):
        inner = ["<br/>".join(html.escape(x, quote=False) for x in lines) for lines in items]
        if tag == "p":
            html_blocks.append(f"<p>{inner[0]}</p>")
        else:
            html_blocks.append(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in inner) + f"</{tag}>")
    return "".join(html_blocks)


_LOOKS_LIKE_HTML = re.compile(r"^\s*<(?:[a-zA-Z][a-zA-Z0-9]*|!--)[\s/>]")


def to_rich_text(value) -> str:
    """A person's input that may be either: HTML when it starts with a tag (sanitised by
    `rich_text`), plain text otherwise (`text_to_rich_text`). Both results are safe."""
    text = str(value or "")
    return rich_text(text) if _LOOKS_LIKE_HTML.match(text) else text_to_rich_text(text)
