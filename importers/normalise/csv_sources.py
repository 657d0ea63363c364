"""Readers turning the two real CSV exports into `ProjectRecord` objects (generators).

- `read_ffe_laureates`: La France s'Engage laureates in the CIS import format, one row per
  location, grouped into one record per project (``ID CIS``).
- `read_apriles_export`: the 2018 OpenScraper harvest of apriles.net, whose rows are ragged (the
  exporter skipped missing fields), re-aligned field by field from their content.

Both geolocate with `catalogue.geography.locate`, so a coordinate that contradicts the postal code
is replaced and explained in ``location_note``.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from catalogue import geography
from catalogue.records import Distinction, ProjectRecord
from importers.normalise.clean import (
    clean_email,
    clean_multiline,
    clean_phone,
    clean_postal_code,
    clean_text,
    clean_url,
    clean_year,
    fold,
    guess_structure_kind,
    split_links,
    split_tags,
)
from importers.normalise.keywords import page_keywords

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SUMMARY_LENGTH = 300


def _summary(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """First paragraph of a description, cut at the last whole sentence that fits, else at a
    word boundary with an ellipsis (never mid-word); the description keeps the whole text."""
    first = " ".join(text.split("\n\n")[0].split())
    if len(first) <= limit:
        return first
    head = first[: limit + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() <= limit]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]].rstrip()
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


# The end of a sentence: ".", "!", "?" or "…" before a space or the end of the text.
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


def _union(*lists: Iterable[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for item in items:
            if item and item not in out:
                out.append(item)
    return out


def _apply_location(record: ProjectRecord, result: geography.GeoResult) -> None:
    commune = result.commune
    if commune:
        record.insee_code = commune.insee_code
        record.city = commune.name
        # Keep a valid source postal code of the commune; else the commune's own.
        if record.postal_code not in commune.postal_codes:
            record.postal_code = commune.postal_code
    record.latitude = result.lat
    record.longitude = result.lon
    record.location_note = result.note


# --- La France s'Engage ------------------------------------------------------------------------

FFE_PARTNER_URL = "https://fondationlafrancesengage.org/"
FFE_DISTINCTION = "Lauréat La France s'engage"


def _header_key(name: str) -> str:
    """Header names compared without case, accents or (trailing, doubled) spaces."""
    return fold(name)


@cache
def ffe_mapping() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """(theme code -> CIS, sub-theme folded label -> CIS, sub-theme code -> CIS)."""
    data = json.loads((DATA_DIR / "ffe-to-cis.json").read_text(encoding="utf-8"))
    themes = {e["code"]: e["cis"] for e in data["themes"]}
    by_label = {fold(e["label"]): e["cis"] for e in data["sub_themes"]}
    by_code = {e["code"]: e["cis"] for e in data["sub_themes"]}
    return themes, by_label, by_code


class _FfeRow:
    """Access to an FFE row by tolerant column name."""

    def __init__(self, row: dict[str, str], columns: dict[str, str]) -> None:
        self.row = row
        self.columns = columns

    def get(self, name: str) -> str:
        column = self.columns.get(_header_key(name))
        return self.row.get(column, "") or "" if column else ""

    def numbered(self, prefix: str, suffix: str = "") -> list[str]:
        """Values of the columns "<prefix> N<suffix>" (N = 1..9) in order."""
        values = []
        for n in range(1, 10):
            key = _header_key(f"{prefix} {n}{suffix}")
            if key in self.columns:
                values.append(self.row.get(self.columns[key], "") or "")
        return values


_FFE_THEMES = "Tag CIS - Niveau - 1 - Thématiques"
_FFE_SUBS = "Tag CIS - Niveau 2 - Sous-thématiques"


def _ffe_location(row: _FfeRow) -> geography.GeoResult:
    return geography.locate(
        postal_code=clean_postal_code(row.get("Code postal")),
        city=clean_text(row.get("Ville")) or None,
        lat=clean_text(row.get("lat")) or None,
        lon=clean_text(row.get("long")) or None,
    )


_USABLE = {
    geography.STATUS_OK,
    geography.STATUS_GEOCODED,
    geography.STATUS_CORRECTED,
    geography.STATUS_APPROXIMATE,
}


def _social_url(value: str) -> str:
    """A social profile URL; the bare site root ("http://twitter.com") says nothing: dropped."""
    url = clean_url(value)
    if not url:
        return ""
    parts = urlsplit(url)
    return url if parts.path.strip("/") else ""


def _ffe_record(rows: list[_FfeRow]) -> ProjectRecord:
    first = rows[0]
    description = clean_multiline(first.get("Description"))
    # One project (Nightline France) has no partner id: fall back on the CIS row id.
    source_id = clean_text(first.get("ID interne sourceur")) or (
        f"cis-{clean_text(first.get('ID CIS'))}" if clean_text(first.get("ID CIS")) else ""
    )
    themes, sub_by_label, sub_by_code = ffe_mapping()

    theme_codes = [clean_text(c).upper() for c in first.numbered(_FFE_THEMES, " CODE")]
    theme_labels = [clean_text(v) for v in first.numbered(_FFE_THEMES)]
    sub_labels = [clean_text(v) for v in first.numbered(_FFE_SUBS)]
    sub_codes = [clean_text(c).upper() for c in first.numbered(_FFE_SUBS, " CODE")]
    codes: list[str] = []
    for code in theme_codes:
        codes = _union(codes, themes.get(code, []))
    for label, code in itertools.zip_longest(sub_labels, sub_codes, fillvalue=""):
        cis = sub_by_label.get(fold(label)) if label else None
        if cis is None:
            cis = sub_by_code.get(code, [])
        codes = _union(codes, cis)
    sdg = [clean_text(v) for v in split_tags(first.get("Tags sourceur"))]

    year = clean_year(first.get("Lauréats"), earliest=2014)
    record = ProjectRecord(
        title=clean_text(first.get("Nom du projet")),
        source_id=source_id,
        # The GUID column is a placeholder ("post=XXX") in every row: point at the partner's
        # site, with the partner's own id as a stable fragment so each record keeps its own URL.
        source_url=f"{FFE_PARTNER_URL}#{source_id}" if source_id else FFE_PARTNER_URL,
        description=description,
        summary=_summary(description),
        image_url=clean_url(first.get("Image Link")),
        structure_name=clean_text(first.get("Structure porteuse")),
        contact_email=clean_email(first.get("Email")),
        address=clean_text(first.get("Adresse")),
        codes=codes,
        # Sub-theme labels read well; theme labels are upper case without accents.
        tags=page_keywords(_union(sub_labels) or _union(t.capitalize() for t in theme_labels)),
        raw_tags=_union(theme_codes, sub_codes, sdg),
        distinctions=[Distinction(FFE_DISTINCTION, year)],
    )
    record.structure_kind = guess_structure_kind(record.structure_name)
    social = {
        "facebook": _social_url(first.get("Facebook")),
        "twitter": _social_url(first.get("Twitter")),
        "other": clean_url(first.get("Autres réseaux")),
    }
    record.social_links = {k: v for k, v in social.items() if v}

    # One row per location: the first usable one is the project's place, others are listed.
    located = [(row, _ffe_location(row)) for row in rows]
    main_row, main = next(((row, res) for row, res in located if res.status in _USABLE), located[0])
    record.postal_code = clean_postal_code(main_row.get("Code postal"))
    _apply_location(record, main)
    others: list[str] = []
    for row, res in located:
        if row is main_row or res.commune is None:
            continue
        name = res.commune.name
        if res.commune.department_code:
            name += f" ({res.commune.department_code})"
        if res.commune.insee_code != record.insee_code and name not in others:
            others.append(name)
    if others:
        record.description = (
            description + ("\n\n" if description else "") + "Autres implantations : "
        ) + ", ".join(others)
    return record


def read_ffe_laureates(path: str | Path) -> Iterator[ProjectRecord]:
    """Yield one `ProjectRecord` per FFE project (rows grouped by consecutive ``ID CIS``)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = {_header_key(name): name for name in reader.fieldnames or ()}
        rows = (_FfeRow(row, columns) for row in reader)
        for _, group in itertools.groupby(rows, key=lambda r: clean_text(r.get("ID CIS"))):
            group_rows = list(group)
            record = _ffe_record(group_rows)
            if record.title:
                yield record


# --- Apriles (OpenScraper export) --------------------------------------------------------------

APRILES_FIELDS = (
    "fiche contact",
    "partenaires du projet",
    "données économiques",
    "résumé du projet",
    "tags",
    "website",
    "adresse du projet",
    "titre du projet",
    "image du projet",
    "structure porteuse",
)

# Regions as Apriles named them (before the 2016 merger) -> current INSEE region code.
APRILES_REGIONS: dict[str, str] = {
    "Alsace": "44",
    "Aquitaine": "75",
    "Auvergne": "84",
    "Basse-Normandie": "28",
    "Bourgogne": "27",
    "Bretagne": "53",
    "Centre": "24",
    "Champagne-Ardenne": "44",
    "Corse": "94",
    "Franche-Comté": "27",
    "Haute-Normandie": "28",
    "Île-de-France": "11",
    "Languedoc-Roussillon": "76",
    "Limousin": "75",
    "Lorraine": "44",
    "Midi-Pyrénées": "76",
    "Nord-Pas-de-Calais": "32",
    "Pays de la Loire": "52",
    "Picardie": "32",
    "Poitou-Charentes": "75",
    "Provence-Alpes-Côte d'Azur": "93",
    "Rhône-Alpes": "84",
    "Guadeloupe": "01",
    "Martinique": "02",
    "Guyane": "03",
    "La Réunion": "04",
    "Réunion": "04",
    "Mayotte": "06",
    "-France entière": "",
    "-Etranger": "",
}
_REGION_KEYS = {fold(name): name for name in APRILES_REGIONS}


def apriles_region(value: str) -> str:
    """The Apriles region named by the value (tolerating truncation: "Franche-Comt"), or ""."""
    key = fold(value)
    if not key:
        return ""
    if key in _REGION_KEYS:
        return _REGION_KEYS[key]
    if len(key) >= 6:
        matches = [name for k, name in _REGION_KEYS.items() if k.startswith(key)]
        if len(matches) == 1:
            return matches[0]
    return ""


@cache
def apriles_tag_mapping() -> dict[str, list[str]]:
    """Folded Apriles label -> CIS codes: our table united with the ODAS - APRILES mappings."""
    data = json.loads((DATA_DIR / "apriles-to-cis.json").read_text(encoding="utf-8"))
    mapping: dict[str, list[str]] = {fold(e["label"]): list(e["cis"]) for e in data["tags"]}
    shared = _shared_tag_mappings()
    for entry in shared:
        if entry.get("source") == data["source"]:
            key = fold(entry["source_tag"])
            mapping[key] = _union(mapping.get(key, []), entry["codes"])
    return mapping


def _shared_tag_mappings() -> list[dict]:
    """The shared cis-tag-mappings.json if present beside the repository, else []."""
    candidates = [Path(__file__).resolve().parents[3] / "shared" / "data"]
    if os.environ.get("SHARED_DATA_DIR"):
        candidates.insert(0, Path(os.environ["SHARED_DATA_DIR"]))
    for base in candidates:
        path = base / "cis-tag-mappings.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    return []


@cache
def apriles_vocabulary() -> tuple[str, ...]:
    """The 28 labels of the Apriles tags field (closed vocabulary)."""
    data = json.loads((DATA_DIR / "apriles-to-cis.json").read_text(encoding="utf-8"))
    return tuple(e["label"] for e in data["tags"])


_IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|webp|bmp)(\?.*)?$", re.IGNORECASE)
_CONTACT_LABELS = re.compile(r"\b(Tel|Tél|Mail|Lien internet|Fax)\s*:", re.IGNORECASE)
_POSTAL_IN_TEXT = re.compile(r"(?<![\d.])(\d{2}) ?(\d{3})(?![\d.])")
_MONEY = re.compile(r"(€|\beuros?\b|\bk€|\bbudget\b|\bco[uû]t\b)", re.IGNORECASE)
_PARTNERS = re.compile(
    r"(partenai|financeur|soutenu|•|\bconseil (g[ée]n[ée]ral|d[ée]partemental|r[ée]gional)|"
    r"\bfondation\b|\bcaf\b|\bville de\b|\bmairie\b|\bcommunaut[ée]\b)",
    re.IGNORECASE,
)
_NEG = -1000.0


def _is_links(value: str) -> bool:
    tokens = value.split()
    return bool(tokens) and all(
        t.lower().startswith(("http://", "https://", "mailto:", "www.")) for t in tokens
    )


def _field_scores(value: str, vocabulary: tuple[str, ...]) -> list[float]:
    """How well a raw value fits each field; the alignment maximises the sum over a row."""
    text = " ".join(value.split())
    if not text or text in ("-", ","):
        return [0.0] * len(APRILES_FIELDS)
    links = _is_links(text)
    is_image = links and all(_IMAGE_EXT.search(t) for t in text.split())
    tags = split_tags(text, vocabulary)
    is_tags = bool(tags) and split_tags(text, vocabulary, keep_unknown=True) == tags
    region = apriles_region(text)
    contact = bool(_CONTACT_LABELS.search(text))
    return [
        _field_score(text, f, is_tags, bool(region), links, is_image, contact)
        for f in APRILES_FIELDS
    ]


def _field_score(
    text: str,
    field: str,
    is_tags: bool,
    region: bool,
    links: bool,
    is_image: bool,
    contact: bool,
) -> float:
    length = len(text)
    if field == "tags":
        return 10.0 if is_tags else _NEG
    if field == "adresse du projet":
        return 10.0 if region else _NEG
    if field == "image du projet":
        return 9.0 if is_image else _NEG
    if field == "website":
        return 8.0 if links and not is_image else _NEG
    if links or is_tags or (region and length < 30):
        return _NEG
    if field == "fiche contact":
        return 6.0 if contact else (1.0 if _POSTAL_IN_TEXT.search(text) and length < 300 else -3)
    if contact:
        return -2.0
    if field == "résumé du projet":
        return 3.0 if length > 200 else 0.5
    if field in ("titre du projet", "structure porteuse"):
        return 2.0 if length <= 250 else -2.0
    if field == "données économiques":
        return 2.5 if _MONEY.search(text) else 0.8
    if field == "partenaires du projet":
        return 2.0 if _PARTNERS.search(text) and not _MONEY.search(text[:80]) else 1.0
    return 0.0


def align_apriles_values(values: list[str]) -> dict[str, str]:
    """Assign the ragged values of one record to the ten fields, keeping their order.

    Dynamic programming over (value, field) pairs maximises the sum of `_field_score`: values
    with a strong signature (tags from the closed vocabulary, a region, links, contact labels)
    pin the others between them.
    """
    vocabulary = apriles_vocabulary()
    n, m = len(values), len(APRILES_FIELDS)
    if n > m:  # cannot happen in the export; keep the first fields
        values = values[:m]
        n = m
    score = [_field_scores(v, vocabulary) for v in values]
    # best[i][j]: best total placing values[i:] into fields[j:]
    inf = float("-inf")
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    choice = [[False] * (m + 1) for _ in range(n + 1)]
    for j in range(m + 1):
        best[n][j] = 0.0
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            skip = best[i][j + 1]
            take = score[i][j] + best[i + 1][j + 1] if best[i + 1][j + 1] > inf else inf
            # Prefer taking on ties, so values sit as early as the evidence allows.
            if take >= skip:
                best[i][j], choice[i][j] = take, True
            else:
                best[i][j] = skip
    aligned: dict[str, str] = {}
    i = j = 0
    while i < n and j < m:
        if choice[i][j]:
            aligned[APRILES_FIELDS[j]] = values[i]
            i += 1
        j += 1
    return aligned


@dataclass
class ContactInfo:
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


def parse_contact_sheet(text: str) -> ContactInfo:
    """Postal code, city, phone and links from Apriles' jumbled "fiche contact".

    The city is the commune of the postal code whose name follows the code ("89400 Migennes"),
    checked against the gazetteer; a code followed by no known name keeps the code only.
    """
    text = " ".join((text or "").split())
    label = re.search(r"\bT[ée]l\s*:", text, re.IGNORECASE)
    info = ContactInfo(phone=clean_phone(text[label.start() :] if label else text))
    urls, emails = split_links(" ".join(t for t in text.split() if "@" in t or "://" in t))
    info.urls, info.emails = tuple(urls), tuple(emails)
    without_phones = re.sub(r"(?:\+33|0)\s*[1-9](?:[\s.-]*\d{2}){4}", " ", text)
    for match in _POSTAL_IN_TEXT.finditer(without_phones):
        cp = match.group(1) + match.group(2)
        candidates = geography.communes_for_postal_code(cp)
        if not candidates:
            continue
        after = geography.normalise_name(without_phones[match.end() : match.end() + 80])
        named = [
            c
            for c in candidates
            if after == geography.normalise_name(c.name)
            or after.startswith(geography.normalise_name(c.name) + " ")
        ]
        if not named:  # "Paris" after 75018 names the arrondissement's city
            named = [
                c
                for c in candidates
                if geography.normalise_name(c.name).startswith(after.split(" ")[0] + " ")
            ]
        info.postal_code = cp
        if named:
            info.city = max(named, key=lambda c: len(c.name)).name
        return info
    return info


def _main_image(value: str) -> str:
    """The project's picture: the first image that is not the shared "LOGO JAS" banner."""
    urls = [u for u in (clean_url(t) for t in value.split()) if u]
    photos = [u for u in urls if "logo" not in u.rsplit("/", 1)[-1].lower()]
    return (photos or urls or [""])[0]


def _sobi2_id(url: str) -> str:
    return (parse_qs(urlsplit(url).query).get("sobi2Id") or [""])[0]


def _apriles_record(fixed: list[str], values: list[str]) -> ProjectRecord:
    aligned = align_apriles_values(values)
    link_data = clean_url(fixed[2]) if len(fixed) > 2 else ""
    return apriles_record_from_fields(aligned, link_data)


def apriles_record_from_fields(aligned: dict[str, str], link_data: str) -> ProjectRecord:
    """A record from one Apriles entry's values by field name (as the export joined them).

    Shared by the export reader and the harvester's Apriles normaliser, so both describe a
    record the same way.
    """
    link_data = clean_url(link_data)
    contact = parse_contact_sheet(aligned.get("fiche contact", ""))
    summary_text = clean_multiline(aligned.get("résumé du projet", ""))
    partners = clean_text(aligned.get("partenaires du projet", ""))
    economics = clean_text(aligned.get("données économiques", ""))
    description = "\n\n".join(
        part
        for part in (
            summary_text,
            f"Partenaires : {partners}" if partners else "",
            f"Données économiques : {economics}" if economics else "",
        )
        if part
    )
    urls, emails = split_links(aligned.get("website", ""))
    raw_tags = split_tags(aligned.get("tags", ""), apriles_vocabulary())
    mapping = apriles_tag_mapping()
    region = apriles_region(aligned.get("adresse du projet", ""))
    record = ProjectRecord(
        title=clean_text(aligned.get("titre du projet", "")),
        source_id=_sobi2_id(link_data),
        source_url=link_data,
        summary=_summary(summary_text),
        description=description,
        image_url=_main_image(aligned.get("image du projet", "")),
        website=(urls or list(contact.urls) or [""])[0],
        contact_email=(emails or list(contact.emails) or [""])[0],
        contact_phone=contact.phone,
        structure_name=clean_text(aligned.get("structure porteuse", "")),
        codes=_union(*(mapping.get(fold(tag), []) for tag in raw_tags)),
        tags=page_keywords(raw_tags),
        raw_tags=list(raw_tags),
    )
    record.structure_kind = guess_structure_kind(record.structure_name)
    if region == "-France entière":
        record.scale = "national"
    if contact.postal_code:
        record.postal_code = contact.postal_code
        result = geography.locate(contact.postal_code, contact.city or None)
        _apply_location(record, result)
        if not contact.city:
            record.city = ""  # the code alone does not say which commune
    region_code = APRILES_REGIONS.get(region, "")
    region_name = geography.REGIONS.get(region_code, "")
    if record.insee_code and region_code:
        commune = geography.commune_by_insee(record.insee_code)
        if commune and commune.region_code and commune.region_code != region_code:
            record.location_note = (
                f"Adresse de contact hors de la région indiquée par la source ({region_name})"
            )
    if not record.insee_code and region:
        if region == "-Etranger":
            record.location_note = "Projet situé à l'étranger (selon la source)"
        elif region_name:
            record.location_note = f"Région indiquée par la source : {region_name}"
    return record


def read_apriles_export(path: str | Path) -> Iterator[ProjectRecord]:
    """Yield one `ProjectRecord` per line of the pipe-separated Apriles export."""
    with open(path, encoding="utf-8") as handle:
        header = handle.readline()
        if "|" not in header:
            return
        for line in handle:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("|")
            record = _apriles_record(parts[:3], parts[3:])
            if record.title or record.source_id:
                yield record
