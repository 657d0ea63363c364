"""Keys of the records of one run: a configured composite key, and conflicts.

A source whose records carry no unique id names its key in the configuration (``"key"``: field
names, and ``"@list"`` / ``"@position"`` for the row's list and its rank). ``@list`` numbers the
lists a file concatenates: a new list starts when the other parts of the key repeat one of the
current list's (a column numbered from 1 again). Within one run, a key seen a second time with
other content is a conflict, not an update: both records are kept (the second under
``key#2``, stable as long as the source keeps its order) and the run reports it; the same
content twice is one record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TOKENS = ("@list", "@position")


def key_problems(spec: Any, fields: list[str] | None) -> list[str]:
    """French messages for an unusable ``key`` (empty when usable)."""
    if not isinstance(spec, list) or not all(isinstance(p, str) and p for p in spec):
        return ["« key » : une liste de champs (et « @list », « @position ») attendue."]
    messages = []
    if spec and all(p in TOKENS for p in spec) and "@position" not in spec:
        messages.append("« key » : « @list » seul ne distingue pas les fiches d'une liste.")
    known = set(fields) if fields is not None else None
    for part in spec:
        if part.startswith("@") and part not in TOKENS:
            messages.append(f"« key » : « {part} » inconnu (possibles : {', '.join(TOKENS)}).")
        elif known is not None and not part.startswith("@") and part not in known:
            messages.append(f"« key » : le champ « {part} » n'est pas configuré.")
    return messages


@dataclass
class Claim:
    verdict: str  # "new", "same" (identical content already seen), "conflict"
    key: str  # the key to use (renamed on a conflict)
    first: str = ""  # where the key was first seen


class RunKeys:
    def __init__(self, spec: list[str] | None):
        self.spec = list(spec or [])
        # base key -> content digest -> (the key it was given, where first seen)
        self.seen: dict[str, dict[str, tuple[str, str]]] = {}
        self.taken: set[str] = set()
        self.list_number = 1
        self.in_list: dict[tuple[str, ...], str] = {}

    def composite(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item with its configured key (``item["key"]``); unchanged without one or when
        the key's fields are all empty."""
        if not self.spec:
            return item
        fields = item.get("fields") or {}
        values = {p: " ".join(fields.get(p, [])).strip() for p in self.spec if p not in TOKENS}
        if values and not any(values.values()):
            return item
        position = str(item.get("position") or "")
        others = (*values.values(), *([position] if "@position" in self.spec else []))
        if "@list" in self.spec:
            content = json.dumps(fields, sort_keys=True, ensure_ascii=False)
            if self.in_list.get(others, content) != content:  # numbered again: a new list
                self.list_number += 1
                self.in_list = {}
            self.in_list[others] = content
        tokens = {"@list": str(self.list_number), "@position": position}
        key = "|".join(tokens[p] if p in TOKENS else values[p] for p in self.spec)
        return {**item, "key": key}

    def claim(self, key: str, digest: str, where: str) -> Claim:
        versions = self.seen.setdefault(key, {})
        if digest in versions:
            given, first = versions[digest]
            return Claim("same", given, first)
        if not versions:
            versions[digest] = (key, where)
            self.taken.add(key)
            return Claim("new", key)
        first = next(iter(versions.values()))[1]
        number = len(versions) + 1
        while f"{key}#{number}" in self.taken:
            number += 1
        renamed = f"{key}#{number}"
        versions[digest] = (renamed, where)
        self.taken.add(renamed)
        return Claim("conflict", renamed, first)


def where(item: dict[str, Any]) -> str:
    """Where an item sits in its source, in words (a file's line, a list's rank)."""
    if item.get("line"):
        return f"ligne {item['line']}"
    if item.get("url") and item.get("url") != item.get("list_url"):
        return item["url"]
    page = f"page {item['page']}, " if item.get("page") and item["page"] != 1 else ""
    return f"{page}n° {item.get('position')}" if item.get("position") else "?"
