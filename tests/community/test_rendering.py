"""Member text → HTML: hostile markup never survives, links are tamed."""

import re

import pytest

from community.rendering import find_links, render_text

# Classic XSS payloads (OWASP filter-evasion cheat sheet and friends).
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">clic</a>',
    "javascript:alert(1)",
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    '<iframe src="https://evil.example/"></iframe>',
    "<body onload=alert('XSS')>",
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(document.cookie)</script>',
    "'\"><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<details open ontoggle=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>@import 'http://evil.example/xss.css';</style>",
    "<!--<img src=x onerror=alert(1)>-->",
    "data:text/html,<script>alert(1)</script>",
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
    "www.example.org/'onclick='alert(1)",
    "\u202e<script>alert(1)</script>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    '<base href="javascript:alert(1)//">',
]

TAG_RE = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)")
ATTR_RE = re.compile(r"<[a-zA-Z][^>]*>")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_renders_inert(payload):
    html = render_text(payload)
    tags = {t.lower() for t in TAG_RE.findall(html)}
    assert tags <= {"p", "br", "a"}, html
    for tag in ATTR_RE.findall(html):
        attrs = re.findall(r"\s([a-zA-Z-]+)=", tag)
        assert set(attrs) <= {"href", "rel"}, html
        assert not re.search(r"\son\w+\s*=", tag, re.IGNORECASE), html
        for href in re.findall(r'href="([^"]*)"', tag):
            assert href.startswith(("http://", "https://")), html
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered
    assert "javascript:" not in re.sub(r">[^<]*<", "><", lowered), html  # never inside a tag


def test_markup_is_shown_as_text():
    assert render_text("<b>gras</b>") == "<p>&lt;b&gt;gras&lt;/b&gt;</p>"


def test_paragraphs_and_line_breaks():
    html = render_text("Bonjour,\nvoici une idée.\n\nDeuxième paragraphe.")
    assert html == "<p>Bonjour,<br>voici une idée.</p><p>Deuxième paragraphe.</p>"


def test_links_are_autolinked_with_ugc_rel():
    html = render_text("Voir https://www.apriles.net/projets?a=1&b=2, ou www.avise.org.")
    assert (
        '<a href="https://www.apriles.net/projets?a=1&amp;b=2" rel="nofollow ugc noopener">'
        "https://www.apriles.net/projets?a=1&amp;b=2</a>," in html
    )
    assert '<a href="https://www.avise.org" rel="nofollow ugc noopener">www.avise.org</a>.' in html


def test_find_links_counts_web_addresses_only():
    text = "https://a.fr et www.b.fr, mais pas javascript:alert(1) ni mailto:x@y.fr"
    assert find_links(text) == ["https://a.fr", "www.b.fr"]


def test_empty_text():
    assert render_text("  \n ") == ""


def test_member_text_is_cleaned_by_the_one_sanitiser():
    """One allow-list: members' tags are a subset of rich text's, declared in catalogue.sanitise
    (community keeps no allow-list of its own)."""
    import community.rendering as rendering
    from catalogue import sanitise

    assert sanitise.MEMBER_TAGS == {"p", "br", "a"} <= sanitise.RICH_TEXT_TAGS
    assert not hasattr(rendering, "ALLOWED_TAGS") and not hasattr(rendering, "nh3")
    hostile = (
        '<p onclick="x()">a<b>b</b><a href="javascript:alert(1)">d</a>'
        '<a href="mailto:x@y.example">e</a><a href="https://ok.example/" rel="me">f</a>'
        "<script>alert(1)</script><!-- c --></p>"
    )
    assert (
        rendering.clean_html(hostile)
        == sanitise.member_html(hostile)
        == (
            '<p>ab<a rel="nofollow ugc noopener">d</a><a rel="nofollow ugc noopener">e</a>'
            '<a href="https://ok.example/" rel="nofollow ugc noopener">f</a></p>'
        )
    )
