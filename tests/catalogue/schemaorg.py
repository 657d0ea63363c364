"""A checker of JSON-LD against schema.org's vocabulary (the part Carrefour's pages use).

The machines have no internet: schema.org's context and vocabulary cannot be fetched. The
context is replaced by its essence (`@vocab` https://schema.org/, served by a local document
loader to pyld), and the vocabulary by this table, written from schema.org's definitions
(https://schema.org/<Term>): each class's parent, and each property's `domainIncludes` and
`rangeIncludes`. A term, a property on a class outside its domains or a value outside its
ranges is reported; a term missing here makes the test fail until it is looked up and added.
"""

from __future__ import annotations

import re

from pyld import jsonld

SCHEMA = "https://schema.org/"

# class -> parent class
CLASSES = {
    "Thing": None,
    "CreativeWork": "Thing",
    "WebPage": "CreativeWork",
    "Organization": "Thing",
    "Project": "Organization",
    "Place": "Thing",
    "Intangible": "Thing",
    "StructuredValue": "Intangible",
    "GeoCoordinates": "StructuredValue",
    "ContactPoint": "StructuredValue",
    "PostalAddress": "ContactPoint",
}
# Data types (literal ranges) and what a literal of each looks like.
DATE = r"\d{4}(-\d{2}(-\d{2})?)?"
LITERALS = {
    "Text": lambda v: isinstance(v, str),
    "URL": lambda v: isinstance(v, str) and bool(re.match(r"https?://", v)),
    "Number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "Date": lambda v: isinstance(v, str) and bool(re.fullmatch(DATE, v)),
    "DateTime": lambda v: isinstance(v, str) and bool(re.match(DATE + r"T\d{2}:\d{2}", v)),
}
# property -> (domainIncludes, rangeIncludes)
PROPERTIES = {
    "name": ({"Thing"}, {"Text"}),
    "description": ({"Thing"}, {"Text"}),
    "url": ({"Thing"}, {"URL"}),
    "identifier": ({"Thing"}, {"Text", "URL"}),
    "sameAs": ({"Thing"}, {"URL"}),
    "email": ({"ContactPoint", "Organization", "Person"}, {"Text"}),
    "telephone": ({"ContactPoint", "Organization", "Person", "Place"}, {"Text"}),
    "foundingDate": ({"Organization"}, {"Date"}),
    "keywords": ({"CreativeWork", "Event", "Organization", "Place", "Product"}, {"Text", "URL"}),
    "parentOrganization": ({"Organization"}, {"Organization"}),
    "location": (
        {"Action", "Event", "InteractionCounter", "Organization"},
        {"Place", "PostalAddress", "Text"},
    ),
    "address": (
        {"GeoCoordinates", "GeoShape", "Organization", "Person", "Place"},
        {"PostalAddress", "Text"},
    ),
    "geo": ({"Place"}, {"GeoCoordinates", "GeoShape"}),
    "latitude": ({"GeoCoordinates", "Place"}, {"Number", "Text"}),
    "longitude": ({"GeoCoordinates", "Place"}, {"Number", "Text"}),
    "streetAddress": ({"PostalAddress"}, {"Text"}),
    "postalCode": ({"DefinedRegion", "GeoCoordinates", "GeoShape", "PostalAddress"}, {"Text"}),
    "addressLocality": ({"PostalAddress"}, {"Text"}),
    "addressRegion": ({"PostalAddress"}, {"Text"}),
    "addressCountry": (
        {"DefinedRegion", "GeoCoordinates", "GeoShape", "PostalAddress"},
        {"Country", "Text"},
    ),
    "inLanguage": ({"CreativeWork", "Event"}, {"Language", "Text"}),
    "datePublished": ({"CreativeWork"}, {"Date", "DateTime"}),
    "dateModified": ({"CreativeWork", "DataFeedItem"}, {"Date", "DateTime"}),
    "license": ({"CreativeWork"}, {"CreativeWork", "URL"}),
    "isBasedOn": ({"CreativeWork"}, {"CreativeWork", "Product", "URL"}),
    "mainEntity": ({"CreativeWork"}, {"Thing"}),
    "publisher": ({"CreativeWork", "PublicationEvent"}, {"Organization", "Person"}),
}


def _ancestors(name: str) -> set[str]:
    out = set()
    while name:
        out.add(name)
        name = CLASSES.get(name)
    return out


def _loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": {"@vocab": SCHEMA}},
        }
    raise jsonld.JsonLdError(
        "No network", "loading document failed", code="loading document failed"
    )


def expand(document) -> list:
    return jsonld.expand(document, {"documentLoader": _loader})


def _term(iri: str) -> str:
    assert iri.startswith(SCHEMA), f"not a schema.org term: {iri}"
    return iri[len(SCHEMA) :]


def _check_value(prop: str, ranges: set[str], value, problems: list[str], types_seen: list):
    if "@value" in value:
        literal = value["@value"]
        if not any(LITERALS[r](literal) for r in ranges if r in LITERALS):
            problems.append(f"{prop}: {literal!r} is none of {sorted(ranges)}")
        return
    if "@id" in value and len(value) == 1:
        if "URL" not in ranges:
            problems.append(f"{prop}: a bare reference where {sorted(ranges)} is expected")
        return
    node_types = {_term(t) for t in value.get("@type", [])}
    if not any(_ancestors(t) & ranges for t in node_types):
        problems.append(f"{prop}: {sorted(node_types)} is none of {sorted(ranges)}")
    _check_node(value, problems, types_seen)


def _check_node(node: dict, problems: list[str], types_seen: list) -> None:
    types = [_term(t) for t in node.get("@type", [])]
    if not types:
        problems.append(f"untyped node {node.get('@id', '')}")
    for name in types:
        if name not in CLASSES:
            problems.append(f"unknown class {name}")
    types_seen.extend(types)
    lineage = set().union(*(_ancestors(t) for t in types)) if types else set()
    for key, values in node.items():
        if key.startswith("@"):
            continue
        prop = _term(key)
        if prop not in PROPERTIES:
            problems.append(f"unknown property {prop}")
            continue
        domains, ranges = PROPERTIES[prop]
        if not lineage & domains:
            problems.append(f"{prop} is not a property of {types}")
        for value in values:
            _check_value(prop, ranges, value, problems, types_seen)


def validate(document) -> tuple[list[str], list[str]]:
    """(problems, types met) of a compact JSON-LD document, after pyld expansion."""
    problems: list[str] = []
    types_seen: list[str] = []
    for node in expand(document):
        _check_node(node, problems, types_seen)
    return problems, types_seen
