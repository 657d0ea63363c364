"""Hostile payloads and a strict detector of active markup, shared by the sanitiser's tests.

Every payload carries `MARK`, so a finding names what came through. "Active markup" is decided
by parsing the output with an HTML parser (never by searching strings):

- any ``on*`` attribute, anywhere;
- any URL attribute (``href``, ``src``, ``action``…) whose scheme is ``javascript:``,
  ``vbscript:`` or ``data:`` (after the whitespace and control characters browsers ignore);
- an executable or embedding element (script, style, iframe, svg, img, form…) whose text or
  URL attributes carry the mark; an inline script carrying it (JSON data excepted); a meta
  refresh to a javascript:/data: URL;
- inside rich text (a fragment, or a page's ``.prose`` blocks): any element or attribute
  outside the sanitiser's allow-list.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

MARK = "XSSMARK"

#: What partners, CSV cells and JSON APIs may send; each carries MARK.
PAYLOADS = [
    f"<script>alert('{MARK}')</script>",
    f"<img src=x onerror=\"alert('{MARK}')\">",
    f"<svg onload=alert('{MARK}')><script>alert('{MARK}')</script></svg>",
    f"<a href=\"javascript:alert('{MARK}')\">lien {MARK}</a>",
    f"<a href=\" java\tscript:alert('{MARK}')\">lien2</a>",
    f'<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=={MARK}">data</a>',
    f'<iframe src="https://evil.example/{MARK}"></iframe>',
    f"&lt;img src=x onerror=alert('{MARK}')&gt;",
    f"&amp;lt;img src=x onerror=alert('{MARK}')&amp;gt;",
    f"&amp;amp;lt;script&amp;amp;gt;alert('{MARK}')&amp;amp;lt;/script&amp;amp;gt;",
    f"<b>non fermé <i>{MARK} <p onclick=alert(1)>",
    f"<<script>script>alert('{MARK}')<</script>/script>",
    f'"><script>alert("{MARK}")</script>',
    f"<style>body{{background:url('javascript:{MARK}')}}</style>",
    f"<math><mi xlink:href=\"javascript:alert('{MARK}')\">x</mi></math>",
    f"<!--><img src=x onerror=alert('{MARK}')>-->",
    f"\x01\x1b<form action=javascript:alert('{MARK}')><input type=submit></form>",
]

#: One string holding all of them (what a hostile partner puts in every field).
ALL_PAYLOADS = " ".join(PAYLOADS)

_URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "srcset", "cite", "longdesc", "manifest", "codebase", "content",
}  # fmt: skip
_DANGEROUS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "img", "image", "video", "audio", "source", "track", "form", "input", "button",
    "base", "link", "template", "marquee", "isindex",
}  # fmt: skip
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.IGNORECASE)
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")
_VOID = {"br", "img", "input", "meta", "link", "hr", "source", "track", "base", "embed", "wbr"}

_ABRUPT_COMMENT = re.compile(r"<!--->|<!-->")
RICH_TEXT_TAGS = {"p", "h3", "ul", "ol", "li", "b", "i", "a", "br"}
# Blocks keep the key Wagtail's editor stores them with (catalogue.richtext): inert data.
RICH_TEXT_ATTRIBUTES = {
    "a": {"href", "rel"},
    **{block: {"data-block-key"} for block in ("p", "h3", "ul", "ol", "li")},
}


def bad_url(value: str) -> bool:
    return bool(_BAD_SCHEME.match(_IGNORED_IN_URL.sub("", value or "")))


class _Detector(HTMLParser):
    def __init__(self, fragment: bool, prose_class: str):
        super().__init__(convert_charrefs=True)
        self.fragment = fragment
        self.prose_class = prose_class
        self.findings: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, inside rich text)
        self.script: list[str] | None = None
        self.script_is_data = False

    def _in_prose(self) -> bool:
        return self.fragment or any(prose for _tag, prose in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        prose = self._in_prose()
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES and name != "content" and bad_url(value):
                self.findings.append(f"<{tag} {name}={value!r}>")
            refresh = tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh"
            if refresh and name == "content" and bad_url(value.split("=", 1)[-1]):
                self.findings.append(f"<{tag} {name}={value!r}>")
            if prose and name not in RICH_TEXT_ATTRIBUTES.get(tag, ()):
                self.findings.append(f"rich text attribute <{tag} {name}>")
        loads = [v for n, v in attrs if n in _URL_ATTRIBUTES and n != "content"]
        if tag in _DANGEROUS and any(MARK in (v or "") for v in loads):
            self.findings.append(f"<{tag} {attrs!r}>")
        if prose and tag not in RICH_TEXT_TAGS:
            self.findings.append(f"rich text element <{tag}>")
        if tag == "script" and not values.get("src"):
            kind = (values.get("type") or "").lower()
            self.script = []
            self.script_is_data = kind in ("application/json", "application/ld+json")
        if tag not in _VOID:
            starts_prose = self.prose_class in (values.get("class") or "").split()
            self.stack.append((tag, starts_prose))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            text = "".join(self.script)
            if self.script_is_data:
                # Data, not code, as long as it is whole: a payload that closed the element
                # early leaves JSON that does not parse (and markup after it).
                try:
                    json.loads(text)
                except ValueError:
                    self.findings.append(f"broken JSON script: {text[:80]!r}")
            elif MARK in text:
                self.findings.append(f"inline script: {text[:80]!r}")
            self.script = None
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)
        elif self.stack and self.stack[-1][0] in _DANGEROUS and MARK in data:
            self.findings.append(f"text of <{self.stack[-1][0]}>: {data[:80]!r}")


def active_markup(html: str, *, fragment: bool = False, prose_class: str = "prose") -> list[str]:
    """What in `html` a browser would run or load from a payload (empty when nothing).

    `fragment=True`: `html` is rich text, held to the allow-list as a whole; otherwise a
    page, held to it inside its ``prose_class`` blocks."""
    detector = _Detector(fragment, prose_class)
    # html.parser is not an HTML5 tokenizer: "<!-->" and "<!--->" end a comment in browsers.
    detector.feed(_ABRUPT_COMMENT.sub("<!---->", html or ""))
    detector.close()
    return detector.findings
