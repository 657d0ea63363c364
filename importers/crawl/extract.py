"""Value extraction shared by the spiders (in the reactor) and the preview (in-process).

Pure functions over parsel selectors and decoded JSON, so both paths extract exactly the
same values from the same page.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from .config import FieldSelector

#: Values that carry nothing once whitespace is normalised (OpenScraper's rule).
EMPTY_VALUES = frozenset({"", "-", ","})


def _tidy(value: Any, multiline: bool) -> str:
    """One line with single spaces; multi-line text keeps its line breaks and blank lines."""
    if not multiline:
        return " ".join(str(value).split())
    lines = [" ".join(line.split()) for line in str(value).splitlines()]
    return "\n".join(lines).strip()


def clean_values(raw: Iterable[Any], multiline: bool = False) -> list[str]:
    """Whitespace-normalise (line breaks kept for multi-line fields), drop empty placeholders
    and duplicates, keep first-seen order."""
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        if value is None:
            continue
        text = _tidy(value, multiline)
        if text in EMPTY_VALUES or text in seen:
            continue
        seen.add(text)
        out.append(text)
    return out


def _node_text(sel: Selector, multiline: bool = False) -> str:
    """A text/attribute result as is (HTML whitespace collapsed for multi-line fields: it
    means nothing there); an element as its text content, or for a multi-line field as its
    markup, whose paragraphs and list items the normaliser keeps."""
    if isinstance(sel.root, str):
        return " ".join(sel.root.split()) if multiline else sel.root
    if multiline:
        return " ".join(sel.get().split())
    return " ".join(sel.xpath(".//text()").getall())


def select_nodes(node: Selector | SelectorList, expr: str, kind: str = "xpath") -> SelectorList:
    return node.xpath(expr) if kind == "xpath" else node.css(expr)


def select_values(
    node: Selector, expr: str, kind: str = "xpath", multiline: bool = False
) -> list[str]:
    """Raw string values of a selector evaluated on ``node`` (an item or a whole page)."""
    return [_node_text(s, multiline) for s in select_nodes(node, expr, kind)]


def select_link(node: Selector, expr: str, kind: str = "xpath") -> str | None:
    """First link of a selector; an element selected by mistake yields its (descendant) href."""
    for s in select_nodes(node, expr, kind):
        if isinstance(s.root, str):
            value = s.root.strip()
        else:
            value = (s.xpath("./@href").get() or s.xpath(".//a/@href").get() or "").strip()
        if value:
            return value
    return None


def is_followable(url: str | None) -> bool:
    return bool(url) and not url.lower().startswith(("javascript:", "mailto:", "tel:", "#"))


def extract_fields(
    node: Selector,
    fields: Sequence[FieldSelector],
    context: str,
    multiline: Collection[str] = frozenset(),
) -> dict[str, list[str]]:
    """Values of the fields read in ``context`` ("list" or "detail"); unmatched ones omitted.
    Fields named in `multiline` keep their paragraphs and list items."""
    values: dict[str, list[str]] = {}
    for fs in fields:
        if fs.on not in (context, "both"):
            continue
        many = fs.name in multiline
        found = clean_values(select_values(node, fs.selector, fs.type, many), many)
        if found:
            values[fs.name] = found
    return values


def merge_fields(
    *parts: dict[str, list[str]], multiline: Collection[str] = frozenset()
) -> dict[str, list[str]]:
    """Union of several extractions, per field, without duplicates, first-seen order."""
    merged: dict[str, list[str]] = {}
    for part in parts:
        for name, vals in part.items():
            merged[name] = clean_values([*merged.get(name, []), *vals], name in multiline)
    return merged


def absolute_urls(
    values: dict[str, list[str]],
    fields: Sequence[FieldSelector],
    base_url: str,
) -> dict[str, list[str]]:
    """Absolute variants of URL fields, only for fields that hold a relative link."""
    out: dict[str, list[str]] = {}
    url_fields = {fs.name for fs in fields if fs.is_url}
    for name in url_fields & set(values):
        resolved = [urljoin(base_url, v) for v in values[name]]
        if resolved != values[name]:
            out[name] = resolved
    return out


# --- JSON -------------------------------------------------------------------------------


def resolve_path(data: Any, path: str) -> list[Any]:
    """Values at a dotted path; lists are flattened (``tags.label`` reads every tag's label).

    ``*`` or ``[]`` iterate explicitly, an integer indexes a list, an empty path is ``data``.
    """
    current = [data]
    for segment in [s for s in (path or "").split(".") if s]:
        nxt: list[Any] = []
        for value in current:
            if segment in ("*", "[]"):
                if isinstance(value, list):
                    nxt.extend(value)
                elif isinstance(value, dict):
                    nxt.extend(value.values())
                continue
            if isinstance(value, list):
                if segment.lstrip("-").isdigit():
                    idx = int(segment)
                    if -len(value) <= idx < len(value):
                        nxt.append(value[idx])
                    continue
                nxt.extend(v[segment] for v in value if isinstance(v, dict) and segment in v)
            elif isinstance(value, dict) and segment in value:
                nxt.append(value[segment])
        current = nxt
    flat: list[Any] = []
    for value in current:
        if isinstance(value, list):
            flat.extend(value)
        elif value is not None:
            flat.append(value)
    return flat


def json_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def extract_json_fields(
    record: Any, fields: dict[str, str], multiline: Collection[str] = frozenset()
) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, path in fields.items():
        found = clean_values(
            (json_scalar(v) for v in resolve_path(record, path)), name in multiline
        )
        if found:
            values[name] = found
    return values
