"""Member text → safe HTML: paragraphs, line breaks and auto-linked web addresses, nothing else.

The text is escaped first (members write plain text, so any markup they type is shown as text),
then web addresses become links, then the site's one sanitiser cleans the result as a second
line of defence (`catalogue.sanitise.member_html`, the members' subset of its allow-list: only
<p>, <br> and <a href> with http(s) URLs survive, links carry rel="nofollow ugc noopener").
"""

import html
import re

from catalogue.sanitise import member_html

# http(s) URLs, or www. addresses; stops at whitespace and at characters that end prose.
URL_RE = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»"


def find_links(text):
    """The web addresses in `text` (what the link limit counts)."""
    return [_strip_trailing(m.group(0))[0] for m in URL_RE.finditer(text or "")]


def _strip_trailing(url):
    tail = ""
    while url and url[-1] in _TRAILING:
        # Keep a closing parenthesis that balances one inside the URL (Wikipedia-style links).
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def _linkify(raw):
    """Escape `raw` and turn its web addresses into links (built from the raw text, escaped)."""
    out, position = [], 0
    for match in URL_RE.finditer(raw):
        url, tail = _strip_trailing(match.group(0))
        href = url if url.lower().startswith(("http://", "https://")) else f"https://{url}"
        out.append(html.escape(raw[position : match.start()], quote=True))
        out.append(
            f'<a href="{html.escape(href, quote=True)}">{html.escape(url, quote=True)}</a>'
            + html.escape(tail, quote=True)
        )
        position = match.end()
    out.append(html.escape(raw[position:], quote=True))
    return "".join(out)


def render_text(text):
    """Plain text written by a member → sanitised HTML."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        parts.append("<p>" + _linkify(paragraph).replace("\n", "<br>") + "</p>")
    return clean_html("".join(parts))


def clean_html(fragment):
    """The allow-list sanitiser (also usable on HTML that did not come from `render_text`)."""
    return member_html(fragment)
