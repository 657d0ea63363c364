"""What a page keyword may hold: the one rule every writer of tags goes through.

Every tag form splits on commas: Wagtail's tag field (its script makes one tag per comma) and
taggit's parser behind each form (commas delimit, double quotes quote). A keyword holding a comma
or a double quote is therefore split or garbled by the first save of its page, even unchanged.
The write path never stores one: a list the source joined ("Culture, Sport") becomes its parts,
a phrase that merely holds commas keeps its words with the commas turned into dashes.
Normalisation (`importers.normalise.keywords`) splits first, with what the vocabularies say;
this rule is the catalogue's guard for whatever reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_LENGTH = 100  # taggit's Tag.name
# A comma-separated part of at most this many words reads as an item of a list
# ("Petite enfance, modes de garde"); longer parts make a phrase
# ("Changement climatique, gestion et prévention des risques").
LIST_ITEM_WORDS = 3
_COMMA = re.compile(r"\s*,\s*")


def _capitalised(part: str, like: str) -> str:
    return part[:1].upper() + part[1:] if like[:1].isupper() else part


def _pieces(tag: str) -> list[str]:
    """One source tag, commas and quotes resolved (see the module's docstring)."""
    tag = " ".join(tag.replace('"', " ").split()).strip(" ,-–.")
    if "," not in tag:
        return [tag]
    parts = [p for p in _COMMA.split(tag) if p]
    if "(" not in tag and all(len(p.split()) <= LIST_ITEM_WORDS for p in parts):
        return [_capitalised(p, tag) for p in parts]
    return [" – ".join(parts)]


def keyword_names(tags: Iterable[str]) -> list[str]:
    """Keywords safe for every tag form, de-duplicated case-insensitively, in order.

    Semicolons always separate; commas as decided by `_pieces`. Never holds a comma or a
    double quote, so saving any form unchanged gives the same keywords back.
    """
    names: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        for chunk in (tag or "").split(";"):
            for piece in _pieces(chunk):
                piece = piece[:MAX_LENGTH].strip()
                if piece and piece.casefold() not in seen:
                    seen.add(piece.casefold())
                    names.append(piece)
    return names
