"""From crawled items (``{"fields": {name: [values]}, "url": …}``) to `ProjectRecord` objects.

A source names its normaliser (`Source.normaliser`):

- ``generic``: field names are read through `FIELD_NAMES` (the OpenScraper data model's French
  names, and the record's own attribute names), values cleaned with `importers.normalise.clean`;
- ``apriles``: the Apriles directory (its "fiche contact" mixes address, phone and links, its
  region field names a pre-2016 region), built like the CSV export of the same partner;
- ``apriles_export``: OpenScraper's ragged CSV export of Apriles (`apriles-export.csv`);
- ``ffe``: La France s'engage's CSV in the CIS import format, one row per location, grouped.

Normalisers are fed one item at a time (`feed`) and may hold items back (grouping); `close`
returns what is left. Each outcome carries either a record or the reason it is invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

from catalogue.records import ProjectRecord

from . import csv_sources as cs
from .clean import (
    clean_email,
    clean_multiline,
    clean_phone,
    clean_postal_code,
    clean_text,
    clean_url,
    clean_year,
    fold,
    guess_structure_kind,
    social_profile_url,
    split_links,
)
from .keywords import page_keywords, source_labels

#: Record attribute ← field names a source may use (compared folded).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "source_id": ("source_id", "id", "identifiant", "identifiant source", "ref", "reference"),
    "source_url": ("source_url", "url", "lien", "link", "link_data", "permalien"),
    "title": ("title", "titre", "titre du projet", "nom du projet", "nom", "name", "projet"),
    "summary": ("summary", "resume", "résumé du projet", "résumé", "chapo", "accroche", "objectif"),
    "description": ("description", "description du projet", "texte", "contenu", "body"),
    "image_url": ("image_url", "image", "image du projet", "logo", "visuel", "photo"),
    "website": ("website", "site", "site web", "site internet", "url du projet"),
    "tags": ("tags", "mots cles", "mots-clés", "thematiques", "thématiques", "categories",
             "catégories", "thematique", "categorie", "keywords"),
    "structure_name": ("structure_name", "structure porteuse", "structure", "porteur",
                       "organisation", "organisme"),
    "structure_kind": ("structure_kind", "statut juridique", "type de structure"),
    "address": ("address", "adresse", "adresse du projet"),
    "postal_code": ("postal_code", "code postal", "cp", "code_postal"),
    "city": ("city", "ville", "commune"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "contact_email": ("contact_email", "email", "e-mail", "courriel", "mail"),
    "contact_phone": ("contact_phone", "telephone", "téléphone", "phone", "tel"),
    "start_year": ("start_year", "date du projet", "annee", "année", "date de creation",
                   "date de création", "annee de lancement"),
    "contact_sheet": ("fiche contact", "contact"),
    "partners": ("partenaires du projet", "partenaires"),
    "economics": ("données économiques", "donnees economiques", "budget"),
    "video": ("video", "vidéo"),
    "facebook": ("facebook",),
    "twitter": ("twitter",),
    "linkedin": ("linkedin",),
    "instagram": ("instagram",),
    "youtube": ("youtube",),
    "siret": ("siret",),
}  # fmt: skip
_BY_NAME = {fold(name): attr for attr, names in FIELD_NAMES.items() for name in names}
#: Recognised but deliberately unused.
IGNORED = {"siret"}


@lru_cache(maxsize=4096)
def field_attribute(name: str) -> str | None:
    """The record attribute a source field feeds, or None when the name is not known."""
    return _BY_NAME.get(fold(name or ""))


@dataclass
class Outcome:
    """One normalised item: a record, or the reason there is none."""

    record: ProjectRecord | None
    url: str = ""
    list_url: str = ""
    position: int | None = None
    reason: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # What the refused record said it was, so the run's report names it (not only its place).
    source_id: str = ""
    known_title: str = ""

    @property
    def title(self) -> str:
        if self.record is not None:
            return self.record.title
        if self.known_title:
            return self.known_title[:255]
        values = self.raw.get("fields", {})
        for name in ("titre du projet", "title", "titre", "Nom du projet"):
            if values.get(name):
                return " ".join(values[name])[:255]
        return ""


def _outcome(item: dict, record: ProjectRecord | None, reason: str = "") -> Outcome:
    source_id = record.source_id if record is not None else ""
    known_title = record.title if record is not None else ""
    if record is not None and not reason:
        reason = validate(record)
        if reason:
            record = None
    return Outcome(
        record=record,
        url=item.get("url") or "",
        list_url=item.get("list_url") or "",
        position=item.get("position"),
        reason=reason,
        raw=item,
        source_id="" if source_id.startswith("titre:") else source_id,
        known_title=known_title,
    )


def validate(record: ProjectRecord) -> str:
    """Why a record cannot become a page ("" when it can)."""
    if not record.title.strip():
        return "Fiche sans titre : aucune page créée."
    if not (record.source_id or record.source_url):
        return "Fiche sans identifiant ni adresse d'origine : impossible de la suivre."
    return ""


class Normaliser:
    """Record-per-item normalisers; subclasses grouping items override `feed`/`close`."""

    def __init__(self, source_name: str = ""):
        self.source_name = source_name

    def feed(self, item: dict[str, Any]) -> list[Outcome]:
        if not item.get("fields") and not item.get("raw"):
            return [_outcome(item, None, "Aucun champ extrait de cette page.")]
        try:
            record = self.record(item)
        except Exception as error:  # noqa: BLE001 - one odd item must not stop the run
            return [_outcome(item, None, f"Normalisation impossible : {error!r}")]
        if item.get("key"):  # the configured key, or the one a conflict gave (run_keys)
            record.source_id = item["key"]
        return [_outcome(item, record)]

    def close(self) -> list[Outcome]:
        return []

    def record(self, item: dict[str, Any]) -> ProjectRecord:
        raise NotImplementedError

    def quick_key(self, item: dict[str, Any]) -> str | None:
        """The record key ("id:…" or "url:…") read without normalising, or None when only
        the normalisation can tell (such items always go the whole way)."""
        return None

    def key_of(self, item: dict[str, Any]) -> str | None:
        """`quick_key`, unless the item carries its key (configured, or given by a conflict)."""
        return "id:" + item["key"] if item.get("key") else self.quick_key(item)


def _values(item: dict, prefer_abs: bool = True) -> dict[str, list[str]]:
    """Values by record attribute; URL fields use their absolute variant when one exists."""
    raw = item.get("fields") or {}
    absolute = item.get("fields_abs") or {}
    out: dict[str, list[str]] = {}
    for name, values in raw.items():
        attr = field_attribute(name)
        if attr is None:
            continue
        if prefer_abs and name in absolute:
            values = absolute[name]
        if isinstance(values, str):
            values = [values]
        out.setdefault(attr, []).extend(str(v) for v in values if v is not None)
    return out


#: An item's key where a normaliser that re-aligned its values leaves them by field name.
REPORT_FIELDS = "aligned_fields"


def field_values(item: dict) -> dict[str, list[str]]:
    """Values by record attribute, as the normaliser read them (the run's report reads what
    it did not keep)."""
    if REPORT_FIELDS in item:
        return _values({"fields": item[REPORT_FIELDS]})
    return _values(item)


def _first(values: dict, attr: str) -> str:
    return values.get(attr, [""])[0] if values.get(attr) else ""


def _joined(values: dict, attr: str, sep: str = " ") -> str:
    return sep.join(values.get(attr, []))


def _float(value: str) -> float | None:
    try:
        return float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        return None


_POSTAL_IN_ADDRESS = re.compile(r"(?<!\d)(\d{5})(?!\d)\s*([^\d,;]*)")
_SOCIAL = {
    "facebook": ("facebook.com", "fb.com"),
    "twitter": ("twitter.com", "x.com"),
    "linkedin": ("linkedin.com",),
    "instagram": ("instagram.com",),
    "youtube": ("youtube.com", "youtu.be"),
}


def _social_kind(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    for kind, domains in _SOCIAL.items():
        if any(host == d or host.endswith("." + d) for d in domains):
            return kind
    return ""


class GenericNormaliser(Normaliser):
    def quick_key(self, item: dict[str, Any]) -> str | None:
        v = _values(item)
        source_id = clean_text(_first(v, "source_id"))
        if source_id:
            return "id:" + source_id
        url = clean_url(_first(v, "source_url")) or _item_page(item)
        return "url:" + url if url else None

    def record(self, item: dict[str, Any]) -> ProjectRecord:
        v = _values(item)
        description = clean_multiline("\n\n".join(v.get("description", [])))
        summary = clean_text(" ".join(v.get("summary", [])))
        extras = [
            ("Partenaires", clean_text(_joined(v, "partners", " ; "))),
            ("Données économiques", clean_text(_joined(v, "economics", " ; "))),
        ]
        # A long summary is the whole text: kept with its paragraphs as the description.
        long_summary = clean_multiline("\n\n".join(v.get("summary", [])))
        parts = [description or (long_summary if len(summary) > 300 else "")]
        parts += [f"{label} : {text}" for label, text in extras if text]
        description = "\n\n".join(p for p in parts if p)
        urls, emails = split_links(_joined(v, "website"))
        record = ProjectRecord(
            title=clean_text(" ".join(v.get("title", [])[:1]) or ""),
            source_id=clean_text(_first(v, "source_id")),
            source_url=clean_url(_first(v, "source_url")) or _item_page(item),
            summary=cs._summary(summary or description),
            description=description,
            image_url=next((u for u in map(clean_url, v.get("image_url", [])) if u), ""),
            structure_name=clean_text(_first(v, "structure_name")),
            contact_email=next(
                (e for e in map(clean_email, v.get("contact_email", []) + emails) if e), ""
            ),
            contact_phone=next((p for p in map(clean_phone, v.get("contact_phone", [])) if p), ""),
            address=clean_text(_first(v, "address")),
            postal_code=clean_postal_code(_first(v, "postal_code")),
            city=clean_text(_first(v, "city")),
            latitude=_float(_first(v, "latitude")),
            longitude=_float(_first(v, "longitude")),
            start_year=clean_year(_first(v, "start_year")),
        )
        labels: list[str] = []
        for value in v.get("tags", []):
            for label in source_labels(value):
                if label not in labels:
                    labels.append(label)
        record.raw_tags = labels
        record.tags = page_keywords(labels)
        social = {}
        for kind in _SOCIAL:
            url = next((u for u in (social_profile_url(kind, x) for x in v.get(kind, [])) if u), "")
            if url:
                social[kind] = url
        for url in urls + [clean_url(u) for u in v.get("video", [])]:
            kind = _social_kind(url) if url else ""
            if kind and kind not in social:
                social[kind] = url
            elif url and not record.website and not kind:
                record.website = url
        record.social_links = social
        if v.get("contact_sheet"):
            contact = cs.parse_contact_sheet(_joined(v, "contact_sheet"))
            record.contact_phone = record.contact_phone or contact.phone
            record.contact_email = record.contact_email or next(iter(contact.emails), "")
            record.website = record.website or next(iter(contact.urls), "")
            if not record.postal_code and contact.postal_code:
                record.postal_code, record.city = contact.postal_code, contact.city
        if not record.postal_code and record.address:
            match = _POSTAL_IN_ADDRESS.search(record.address)
            if match:
                record.postal_code = match.group(1)
                record.city = record.city or clean_text(match.group(2))
        kind = clean_text(_first(v, "structure_kind"))
        record.structure_kind = guess_structure_kind(kind or record.structure_name)
        if not record.source_id and not record.source_url and record.title:
            # Neither an id nor a page of its own (a list, an API page, a file): the title is
            # the only stable key left.
            record.source_id = "titre:" + fold(record.title)[:240]
        return record


def _page_url(url: str) -> str:
    """The item's page URL as crawled (``clean_url`` refuses hosts such as 127.0.0.1)."""
    return clean_url(url) or (url if urlsplit(url).scheme in ("http", "https") else "")


def _item_page(item: dict) -> str:
    """The item's own page: its URL when it is not the list, API page or file it came from."""
    url = item.get("url") or ""
    if not url or url == item.get("list_url"):
        return ""
    return _page_url(url)


def sobi2_id(url: str) -> str:
    """Apriles' record id: ``sobi2Id`` in the URL, else the number naming the page."""
    found = (parse_qs(urlsplit(url or "").query).get("sobi2Id") or [""])[0]
    if found:
        return found
    stem = PurePosixPath(urlsplit(url or "").path).stem
    return stem if stem.isdigit() else ""


class AprilesNormaliser(Normaliser):
    """The Apriles directory, normalised exactly as the CSV export of its 2018 harvest, so a
    harvest of the site and the sample data describe (and key) a record the same way."""

    def quick_key(self, item: dict[str, Any]) -> str | None:
        url = item.get("url") or ""
        source_id = sobi2_id(url)
        if source_id:
            return "id:" + source_id
        url = clean_url(url) or _page_url(url)
        return "url:" + url if url else None

    def record(self, item: dict[str, Any]) -> ProjectRecord:
        fields = item.get("fields") or {}
        # The export joined a field's values with spaces: do the same, then reuse its builder.
        aligned = {name: " ".join(values) for name, values in fields.items() if values}
        url = item.get("url") or ""
        record = cs.apriles_record_from_fields(aligned, url)
        record.source_id = sobi2_id(url) or record.source_id
        record.source_url = record.source_url or _page_url(url)
        # Each <li> is one tag: keep them all, even those outside the closed vocabulary,
        # so unknown ones reach the editors' list instead of vanishing.
        tags = [t for t in (clean_text(x) for x in fields.get("tags", [])) if t]
        if tags:
            record.raw_tags = list(dict.fromkeys(tags))
            record.tags = page_keywords(record.raw_tags)
        return record


class AprilesExportNormaliser(Normaliser):
    """`apriles-export.csv`: ragged rows (missing fields skipped), re-aligned by content."""

    def quick_key(self, item: dict[str, Any]) -> str | None:
        row = item.get("raw")
        if row is None or len(row) < 3:
            return None
        link = clean_url(row[2])
        source_id = sobi2_id(link) if "sobi2Id" in link else ""
        if source_id:
            return "id:" + source_id
        return "url:" + link if link else None

    def record(self, item: dict[str, Any]) -> ProjectRecord:
        row = item.get("raw")
        if row is None:  # a row as long as the header: values in header order
            row = [" ".join(v) for v in (item.get("fields") or {}).values()]
        elif item.get("ragged"):
            # Its positional fields are shifted (a title under "website"): the run's report
            # reads the values where the alignment put them.
            aligned = cs.align_apriles_values(row[3:])
            item[REPORT_FIELDS] = {name: [value] for name, value in aligned.items()}
        return cs._apriles_record(row[:3], row[3:])


class FfeNormaliser(Normaliser):
    """La France s'engage laureates: one CSV row per location, grouped by ``ID CIS``."""

    def __init__(self, source_name: str = ""):
        super().__init__(source_name)
        self.group: list[dict] = []
        self.group_id: str | None = None

    def _row(self, item):
        values = {name: " ".join(v) for name, v in (item.get("fields") or {}).items()}
        columns = {cs._header_key(name): name for name in values}
        return cs._FfeRow(values, columns)

    def feed(self, item: dict[str, Any]) -> list[Outcome]:
        row = self._row(item)
        key = clean_text(row.get("ID CIS"))
        out = []
        if self.group and key != self.group_id:
            out = self._flush()
        self.group.append(item)
        self.group_id = key
        return out

    def close(self) -> list[Outcome]:
        return self._flush()

    def _flush(self) -> list[Outcome]:
        items, self.group = self.group, []
        if not items:
            return []
        try:
            record = cs._ffe_record([self._row(item) for item in items])
        except Exception as error:  # noqa: BLE001
            return [_outcome(items[0], None, f"Normalisation impossible : {error!r}")]
        return [_outcome(items[0], record)]


NORMALISERS: dict[str, type[Normaliser]] = {
    "generic": GenericNormaliser,
    "apriles": AprilesNormaliser,
    "apriles_export": AprilesExportNormaliser,
    "ffe": FfeNormaliser,
}


def get_normaliser(name: str, source_name: str = "") -> Normaliser:
    return NORMALISERS.get(name or "generic", GenericNormaliser)(source_name)
