"""schema.org JSON-LD of a project page, embedded in the page as a data block.

The page is a `WebPage` whose `mainEntity` is the `Project` (a schema.org `Organization`): its
holding structure (`parentOrganization`), its place (`location`: a `Place` with its
`PostalAddress` and `GeoCoordinates`), its themes (`keywords`: the nomenclature's groups and
codes, then the free tags). The page is `isBasedOn` the partners' listings it was harvested
from (each a `WebPage` published by the partner). `embed()` serialises it for a
`<script type="application/ld+json">` block: a data block, never executed (the
Content-Security-Policy forbids inline scripts anyway), escaped so that no harvested text can
close the element (`</script>`) or open a comment.
"""

from __future__ import annotations

import json

from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from .api.serializers import LICENCE_URL

CONTEXT = "https://schema.org"

# What may not appear raw inside a <script> element: "<" ("</script>", "<!--"), ">" and "&".
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
# JSON allows U+2028/2029 raw, older JavaScript parsers do not: escape them too.
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def _clean(data):
    """Drop empty values (schema.org has no use for "" or [])."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            value = _clean(value)
            if value in ("", None, [], {}):
                continue
            out[key] = value
        return out if set(out) - {"@type"} else {}
    if isinstance(data, list):
        return [item for item in (_clean(v) for v in data) if item not in ("", None, [], {})]
    return data


def _iso(value) -> str:
    return value.isoformat() if value else ""


def keywords(page) -> list[str]:
    """The page's themes: its groups (Domaines, Publics, Méthodes), codes, then free tags."""
    words: list[str] = []
    for word in (
        [group.name for group in page.taxonomy_groups]
        + [code.name for code in page.codes_in_order]
        + [tag.name for tag in page.tags.all()]
    ):
        if word and word not in words:
            words.append(word)
    return words


def place(page) -> dict:
    address = {
        "@type": "PostalAddress",
        "streetAddress": page.address,
        "postalCode": page.postal_code,
        "addressLocality": page.city,
        "addressRegion": page.region_name,
        "addressCountry": "FR",
    }
    geo = {}
    if page.latitude is not None and page.longitude is not None:
        geo = {"@type": "GeoCoordinates", "latitude": page.latitude, "longitude": page.longitude}
    located = page.city or page.postal_code or page.address or geo
    if not located:
        return {}
    return {
        "@type": "Place",
        "name": ", ".join(p for p in (page.city, page.department_name) if p),
        "address": address,
        "geo": geo,
    }


def sources(page) -> list[dict]:
    out = []
    for source in page.provenance:
        out.append(
            {
                "@type": "WebPage",
                "url": source.source_url,
                "name": source.partner_name,
                "publisher": {"@type": "Organization", "name": source.partner_name},
                "dateModified": _iso(source.last_seen),
            }
        )
    return out


def project(page, url: str) -> dict:
    description = page.summary or strip_tags(page.description or "").strip()
    return {
        "@type": "Project",
        "@id": url + "#projet",
        "name": page.title,
        "description": description,
        "url": page.website,
        "identifier": str(page.pk),
        "email": page.contact_email,
        "telephone": page.contact_phone,
        "foundingDate": str(page.start_year) if page.start_year else "",
        "sameAs": [link for _label, link in page.social_links],
        "keywords": keywords(page),
        "parentOrganization": {"@type": "Organization", "name": page.structure_name},
        "location": place(page),
    }


def project_page(page, url: str) -> dict:
    """The JSON-LD document of a project page at `url` (absolute)."""
    return _clean(
        {
            "@context": CONTEXT,
            "@type": "WebPage",
            "@id": url,
            "url": url,
            "name": page.title,
            "inLanguage": "fr",
            "datePublished": _iso(page.first_published_at),
            "dateModified": _iso(page.last_published_at),
            "license": LICENCE_URL,
            "isBasedOn": sources(page),
            "mainEntity": project(page, url),
        }
    )


def dumps(data) -> str:
    """JSON text safe inside a <script> element (see the module's docstring)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)


def embed(data) -> SafeString:
    return mark_safe(f'<script type="application/ld+json">{dumps(data)}</script>')  # noqa: S308


def extract(html: str) -> list:
    """The JSON-LD documents of an HTML page (the reverse of `embed`, for readers)."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return []
    found = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            found.append(json.loads(script.text or ""))
        except ValueError:
            continue
    return found
