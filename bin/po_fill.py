#!/usr/bin/env python3
"""Fill a gettext catalogue's msgstr from a hand-written dictionary (no polib needed).

Usage (from the repository root, after `manage.py makemessages -l en ...`)::

    .venv/bin/python bin/po_fill.py locale/en/LC_MESSAGES/django.po locale/en/dictionary.py
    .venv/bin/python bin/po_fill.py --identity locale/fr/LC_MESSAGES/django.po locale/fr/dictionary.py
    .venv/bin/python bin/po_fill.py --missing locale/en/LC_MESSAGES/django.po locale/en/dictionary.py

The dictionary module defines `TRANSLATIONS`: keys are the French msgid, or `(context, msgid)`
for a `msgctxt`; values are the English text, or `(singular, plural)` for a plural entry.
Every entry of the catalogue is rewritten from the dictionary (so the dictionary is the source
of truth), the `fuzzy` flag that msgmerge adds to guessed entries is dropped, and the script
refuses translations whose `%(name)s` (or JavaScript `{name}`) placeholders differ from the
msgid's: a missing or extra placeholder would raise KeyError or lose text at render time. `--missing` prints, as dictionary
lines to complete, the entries the dictionary lacks; the run exits non-zero while any is missing.

`--identity` (the French catalogue: msgids are French) copies each msgid into its msgstr, except
for the dictionary's overrides. An identity catalogue is not idle: without it, a msgid such as
"Note" or "active" would take the French of a library whose English msgid is spelled the same
(allauth's "Remarque", Django's "actif").
"""

from __future__ import annotations

import argparse
import datetime
import re
import runpy
import sys
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
BRACED = re.compile(r"\{\w+\}")  # placeholders of strings handed to JavaScript


@dataclass
class Entry:
    """One catalogue entry: its comment lines kept verbatim, its strings unescaped."""

    comments: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    obsolete: bool = False

    @property
    def key(self):
        return (self.msgctxt, self.msgid) if self.msgctxt is not None else self.msgid

    @property
    def flags(self) -> list[str]:
        found = []
        for line in self.comments:
            if line.startswith("#,"):
                found += [flag.strip() for flag in line[2:].split(",") if flag.strip()]
        return found

    def set_flags(self, flags: list[str]) -> None:
        # "#|" lines hold the previous msgid of a fuzzy match: meaningless once settled.
        others = [line for line in self.comments if not line.startswith(("#,", "#|"))]
        if flags:
            others.append("#, " + ", ".join(flags))
        self.comments = others


def unescape(text: str) -> str:
    mapping = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: mapping.get(m.group(1), "\\" + m.group(1)), text)


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    ).replace("\n", "\\n")


def parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current = Entry()
    target = None  # (attribute, index) the next continuation string belongs to
    started = False

    def flush():
        nonlocal current, started
        if started:
            entries.append(current)
        current, started = Entry(), False

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            current.obsolete = True
        if not line:
            flush()
            target = None
            continue
        if line.startswith("#") and not obsolete:
            current.comments.append(raw)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$', line)
        if match:
            started = True
            keyword, index, value = match.group(1), match.group(2), unescape(match.group(3))
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", None)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", None)
            else:
                position = int(index or 0)
                while len(current.msgstr) <= position:
                    current.msgstr.append("")
                current.msgstr[position] = value
                target = ("msgstr", position)
            continue
        if line.startswith('"') and target is not None:
            value = unescape(line[1:-1])
            name, position = target
            if name == "msgstr":
                current.msgstr[position] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise ValueError(f"cannot parse line: {raw!r}")
    flush()
    return entries


def format_string(keyword: str, value: str, prefix: str = "") -> list[str]:
    if "\n" in value.rstrip("\n") or len(value) > 70:
        parts = re.findall(r"[^\n]*\n|[^\n]+", value)
        lines = [f'{prefix}{keyword} ""']
        for part in parts:
            # Wrap long parts at spaces like msgmerge does (76 columns).
            chunk = ""
            for word in re.findall(r"\S*\s*", part):
                if chunk and len(escape(chunk + word)) > 76:
                    lines.append(f'{prefix}"{escape(chunk)}"')
                    chunk = ""
                chunk += word
            if chunk:
                lines.append(f'{prefix}"{escape(chunk)}"')
        return lines
    return [f'{prefix}{keyword} "{escape(value)}"']


def render(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        prefix = "#~ " if entry.obsolete else ""
        lines = [c for c in entry.comments if not (entry.obsolete and c.startswith("#~"))]
        if entry.msgctxt is not None:
            lines += format_string("msgctxt", entry.msgctxt, prefix)
        lines += format_string("msgid", entry.msgid, prefix)
        if entry.msgid_plural is not None:
            lines += format_string("msgid_plural", entry.msgid_plural, prefix)
            for index, value in enumerate(entry.msgstr):
                lines += format_string(f"msgstr[{index}]", value, prefix)
        else:
            lines += format_string("msgstr", entry.msgstr[0], prefix)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def placeholders(text: str) -> set[str]:
    return {m.group(1) or m.group(0) for m in PLACEHOLDER.finditer(text)}


def check(entry: Entry, values: list[str]) -> list[str]:
    problems = []
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
    expected = set().union(*(placeholders(s) for s in sources))
    for value in values:
        found = placeholders(value)
        # A singular form may drop the count ("Voir le projet"), never add an unknown name.
        if found - expected or (entry.msgid_plural is None and found != expected):
            problems.append(f"placeholders {sorted(found)} != {sorted(expected)}: {entry.msgid!r}")
        if "%(" in value and "python-format" not in entry.flags and found:
            problems.append(f"placeholder in a non-format entry: {entry.msgid!r}")
        if set(BRACED.findall(value)) != set().union(*(BRACED.findall(s) for s in sources)):
            problems.append(f"braced placeholders differ: {entry.msgid!r}")
    return problems


def header(entry: Entry, language: str, revised: bool) -> None:
    """Project fields; the revision date moves only when a translation changed (no churn)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M+0000")
    if not revised and "PO-Revision-Date: YEAR" not in entry.msgstr[0]:
        now = re.search(r"PO-Revision-Date: ([^\n]*)", entry.msgstr[0]).group(1)
    fields = {
        "Project-Id-Version": "Carrefour",
        "PO-Revision-Date": now,
        "Last-Translator": "Carrefour <contact@carrefour.invalid>",
        "Language-Team": language,
        "Language": language,
    }
    lines = []
    for line in entry.msgstr[0].splitlines(keepends=True):
        name = line.split(":", 1)[0]
        if name in fields:
            line = f"{name}: {fields.pop(name)}\n"
        lines.append(line)
    entry.msgstr[0] = "".join(lines)
    entry.comments = [
        "# Carrefour des innovations sociales — interface translation.",
        "# Filled by bin/po_fill.py from the dictionary beside this catalogue.",
    ]


def fill(entries, translations, *, identity=False, language="en"):
    missing, problems, head, revised = [], [], None, False
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.msgid == "":
            head = entry
            continue
        value = translations.get(entry.key)
        if identity and value is None:
            value = entry.msgid if entry.msgid_plural is None else (entry.msgid, entry.msgid_plural)
        if value is None:
            missing.append(entry)
            entry.msgstr = [""] * len(entry.msgstr)
            entry.set_flags([f for f in entry.flags if f != "fuzzy"])
            continue
        if entry.msgid_plural is not None:
            if isinstance(value, str):
                problems.append(f"plural entry needs (singular, plural): {entry.msgid!r}")
                continue
            values = list(value)
        else:
            if not isinstance(value, str):
                problems.append(f"singular entry given a tuple: {entry.msgid!r}")
                continue
            values = [value]
        problems += check(entry, values)
        revised = revised or entry.msgstr != values or "fuzzy" in entry.flags
        entry.msgstr = values
        entry.set_flags([f for f in entry.flags if f != "fuzzy"])
    if head is not None:
        header(head, language, revised or bool(missing))
    return missing, problems


def dictionary_line(entry: Entry) -> str:
    key = repr(entry.key)
    if entry.msgid_plural is not None:
        return f"    {key}: ({entry.msgid!r}, {entry.msgid_plural!r}),"
    return f"    {key}: {entry.msgid!r},"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("catalogue")
    parser.add_argument("dictionary", nargs="?")
    parser.add_argument("--identity", action="store_true", help="msgstr = msgid (source language)")
    parser.add_argument("--missing", action="store_true", help="print the missing entries only")
    parser.add_argument("--language", default=None)
    args = parser.parse_args(argv)

    with open(args.catalogue, encoding="utf-8") as handle:
        entries = parse(handle.read())
    translations = {}
    if args.dictionary:
        translations = runpy.run_path(args.dictionary)["TRANSLATIONS"]
    elif not args.identity:
        parser.error("a dictionary is needed unless --identity")
    found = re.search(r"(?:^|/)locale/([^/]+)/", args.catalogue)
    language = args.language or (found.group(1) if found else "")
    missing, problems = fill(entries, translations, identity=args.identity, language=language)
    if args.missing:
        for entry in missing:
            print(dictionary_line(entry))
        return 1 if missing else 0
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 2
    with open(args.catalogue, "w", encoding="utf-8") as handle:
        handle.write(render(entries))
    used = {entry.key for entry in entries}
    unused = [key for key in translations if key not in used]
    print(
        f"{args.catalogue}: {len(entries) - 1 - len(missing)} translated, {len(missing)} missing, "
        f"{len(unused)} dictionary entries unused"
    )
    for entry in missing:
        print(f"missing: {entry.msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
