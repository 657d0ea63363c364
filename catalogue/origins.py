"""Where each field of a project page comes from: "Provenance des informations".

For each field the page shows, who supplied its current value: a person (the holder or the
editorial team, from the curated marks) or the partners whose listing proposes exactly this
value (`ProjectSource.fields`, digests written by the write path, `catalogue.provenance`), with
since when. A page listed by several partners shows each of them, on the fields it supplied.
Three queries per page whatever the number of fields: the sources, the curated marks, the codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .provenance import ORIGIN_FIELDS, page_digests

ROLES = {"editor": _("équipe éditoriale"), "holder": _("porteur du projet")}
LABELS = {"codes": _("thématiques"), "location": _("position sur la carte")}


@dataclass
class Supplier:
    name: str
    partner: object = None  # the live partner page, linked
    source_url: str = ""
    since: datetime | None = None
    person: bool = False


@dataclass
class FieldOrigin:
    name: str
    label: str
    suppliers: list[Supplier] = field(default_factory=list)


def _label(name: str) -> str:
    from .models import ProjectPage

    if name in LABELS:
        return str(LABELS[name])
    return str(ProjectPage._meta.get_field(name).verbose_name)


def field_origins(page, sources=None) -> list[FieldOrigin]:
    """The origin of each non-empty field of `page` (`sources`: its provenance rows, with
    their partners, when the caller has them already)."""
    sources = list(sources) if sources is not None else list(page.provenance)
    curated = {
        row.field_name: row for row in page.curated_fields.only("field_name", "curated_by", "at")
    }
    digests = page_digests(page)
    single = sources[0] if len(sources) == 1 and not sources[0].fields else None
    origins = []
    for name in ORIGIN_FIELDS:
        if name not in digests:
            continue
        origin = FieldOrigin(name, _label(name))
        mark = curated.get(name)
        if mark is not None:
            role = ROLES.get(mark.curated_by, ROLES["editor"])
            origin.suppliers.append(Supplier(str(role), since=mark.at, person=True))
        else:
            for source in sources:
                proposal = (source.fields or {}).get(name)
                if source is single or (proposal and proposal[0] == digests[name]):
                    origin.suppliers.append(_supplier(source, proposal))
        origins.append(origin)
    return origins


def _supplier(source, proposal) -> Supplier:
    since = parse_datetime(proposal[1]) if proposal and proposal[1] else source.first_seen
    partner = source.partner if source.partner_id and source.partner.live else None
    return Supplier(
        name=source.partner_name,
        partner=partner,
        source_url=source.source_url,
        since=since,
    )
