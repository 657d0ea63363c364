"""The normalised record handed to `catalogue.services.upsert_project`.

Every writer of project pages (the sample loader, the harvester, the admin import,
a holder's front-end edit) builds one of these; the catalogue never sees raw
partner data. Empty strings / None / empty lists mean "unknown", never "erase".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields


@dataclass
class Distinction:
    name: str
    year: int | None = None
    url: str = ""


@dataclass
class ProjectRecord:
    title: str
    # Provenance: the partner's own id and the URL of the original page.
    source_id: str = ""
    source_url: str = ""
    summary: str = ""
    # Plain text (paragraphs separated by blank lines) or already-sanitised HTML.
    description: str = ""
    image_url: str = ""
    website: str = ""
    # keys: facebook, twitter, linkedin, instagram, youtube, other
    social_links: dict[str, str] = field(default_factory=dict)
    # Public contact of the carrying structure (never a person's private data).
    contact_email: str = ""
    contact_phone: str = ""
    structure_name: str = ""
    # One of catalogue.models.choices.StructureKind values, or "" if unknown.
    structure_kind: str = ""
    start_year: int | None = None
    stage: str = ""  # StageChoices value or ""
    scale: str = ""  # ScaleChoices value or ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    insee_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    # Human-readable note when geolocation was corrected or is doubtful.
    location_note: str = ""
    # CIS nomenclature codes (three capital letters, see cis-taxonomy.json).
    codes: list[str] = field(default_factory=list)
    # Free tags shown to users.
    tags: list[str] = field(default_factory=list)
    # The source's own tags, kept raw for editors and recoding.
    raw_tags: list[str] = field(default_factory=list)
    distinctions: list[Distinction] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def content_hash(self) -> str:
        """Stable hash of the content, to skip unchanged records on re-harvest.

        The JSON of `as_dict()`, built without its recursive deep copy (it is computed for
        every harvested record): the same bytes, so stored hashes stay valid."""
        values = {f.name: getattr(self, f.name) for f in _RECORD_FIELDS}
        values["distinctions"] = [vars(d) for d in self.distinctions]
        payload = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_RECORD_FIELDS = fields(ProjectRecord)
