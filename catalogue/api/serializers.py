"""Open-data records: one flat-ish dict per project, the same for the API, exports and dumps.

Records are built from a handful of `values()` queries per batch of ids (scalars, codes, tags,
sources), never from page instances: a full dump of 100,000 projects stays a few seconds.
Only published, public projects are ever serialised, whatever ids the caller passes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from wagtail.models import Site

from ..project_fields import (
    API_COLUMNS,
    API_FIELDS,
    FIELD_DOCS,  # noqa: F401 - the API's views and schema read it here
    PUBLIC_FIELDS,
)
from ..sanitise import rich_text, rich_text_as_text

LICENCE = "Licence Ouverte 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LIST_SEPARATOR = " | "
#: What a record says when one of its sources states no licence (never the blanket licence).
LICENCE_NOT_STATED = None


def record_licence(sources: list[dict]) -> tuple[str | None, str | None]:
    """A record's licence and its text's address: written on Carrefour (no source), the site's
    Licence Ouverte; harvested, its sources' stated licences (joined); when any source states
    none, null ("licence not stated"): the blanket licence never covers what a partner did not
    license."""
    if not sources:
        return LICENCE, LICENCE_URL
    stated = [source["licence"] for source in sources]
    if not all(stated):
        return LICENCE_NOT_STATED, None
    distinct = list(dict.fromkeys(stated))
    url = LICENCE_URL if all(text.startswith(LICENCE) for text in distinct) else None
    return LIST_SEPARATOR.join(distinct), url


BATCH = 1000

# Page columns read per batch, public field names in output order (CSV columns follow it;
# lists are joined there), what each means (the OpenAPI schema and the /api/ page show these,
# lazily translated: str() them before JSON serialisation): all declared in project_fields.
SCALARS = API_COLUMNS

FIELDS = API_FIELDS


class UrlBuilder:
    """Page URL from its `url_path`, without loading pages (Wagtail's site root paths)."""

    def __init__(self, base_url: str | None = None):
        self.roots = [(p.root_path, p.root_url) for p in Site.get_site_root_paths()]
        self.base_url = base_url.rstrip("/") if base_url else None

    def relative(self, url_path: str) -> str:
        """The page's path on its site ("/projets/slug/"), or "" outside every site."""
        for root_path, _root_url in self.roots:
            if url_path.startswith(root_path):
                return "/" + url_path[len(root_path) :]
        return ""

    def __call__(self, url_path: str) -> str:
        for root_path, root_url in self.roots:
            if url_path.startswith(root_path):
                relative = "/" + url_path[len(root_path) :]
                return (self.base_url or root_url.rstrip("/")) + relative
        return ""


def public_projects():
    """Published projects outside any private section: the only ones ever exported."""
    from ..models import ProjectPage

    return ProjectPage.objects.live().public()


def _taxonomy():
    """code pk -> code, code pk -> [group slug] (the 40 codes: one small query each)."""
    from ..models import NomenclatureCode

    codes = dict(NomenclatureCode.objects.values_list("pk", "code"))
    groups = defaultdict(list)
    through = NomenclatureCode.groups.through
    for code_id, slug in through.objects.order_by("taxonomygroup__sort_order").values_list(
        "nomenclaturecode_id", "taxonomygroup__slug"
    ):
        groups[code_id].append(slug)
    return codes, groups


def _iso(value):
    return value.isoformat() if value else None


def serialise_batch(ids: list[int], urls: UrlBuilder, taxonomy=None) -> list[dict]:
    """Records for these ids, in the same order; ids that are not public are dropped."""
    from ..models import ProjectPage, ProjectSource, ProjectTag

    if not ids:
        return []
    codes_by_pk, groups_by_code = taxonomy or _taxonomy()
    rows = {
        row["pk"]: row for row in public_projects().filter(pk__in=ids).order_by().values(*SCALARS)
    }
    codes = defaultdict(list)
    through = ProjectPage.codes.through
    for page_id, code_id in (
        through.objects.filter(projectpage_id__in=rows)
        .order_by()
        .values_list("projectpage_id", "nomenclaturecode_id")
    ):
        codes[page_id].append(code_id)
    tags = defaultdict(list)
    for page_id, name in (
        ProjectTag.objects.filter(content_object_id__in=rows)
        .order_by("tag__name")
        .values_list("content_object_id", "tag__name")
    ):
        tags[page_id].append(name)
    sources = defaultdict(list)
    for page_id, source_key, partner, licence, url, listed in (
        ProjectSource.objects.filter(project_id__in=rows)
        .order_by("first_seen", "pk")
        .values_list(
            "project_id",
            "source_key",
            "partner__title",
            "partner__data_licence",
            "source_url",
            "still_listed",
        )
    ):
        sources[page_id].append(
            {
                "partner": partner or source_key,
                "source_url": url,
                "still_listed": listed,
                "licence": licence or "",
            }
        )
    from ..confirmation import confirmations

    confirmed = confirmations(rows, {pk: row["last_published_at"] for pk, row in rows.items()})
    out = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            continue
        code_ids = sorted(codes[pk], key=lambda c: codes_by_pk.get(c, ""))
        groups = []
        for code_id in code_ids:
            for slug in groups_by_code.get(code_id, ()):
                if slug not in groups:
                    groups.append(slug)
        computed = {
            "url": urls(row["url_path"]),
            "codes": [codes_by_pk[c] for c in code_ids if c in codes_by_pk],
            "groups": groups,
            "tags": tags[pk],
            "sources": sources[pk],
            "first_published_at": _iso(row["first_published_at"]),
            "last_published_at": _iso(row["last_published_at"]),
        }
        confirmation = confirmed.get(pk)
        computed["confirmed_at"] = _iso(confirmation.at) if confirmation else None
        computed["confirmed_by"] = confirmation.by if confirmation else None
        computed["to_verify"] = bool(confirmation and confirmation.to_verify)
        computed["licence"], computed["licence_url"] = record_licence(sources[pk])
        # The page's rich text, made safe again on the way out (rows written before the
        # sanitiser, an editor's internal links): as text keeping its shape, and as HTML.
        computed["description_html"] = rich_text(row["description"])
        computed["description"] = rich_text_as_text(computed["description_html"])
        out.append(
            {
                f.public: computed[f.public] if f.public in computed else row[f.attname]
                for f in PUBLIC_FIELDS
            }
        )
    return out


def serialise(ids: Iterable[int], urls: UrlBuilder | None = None) -> Iterator[dict]:
    """Records for any number of ids, streamed batch by batch, in order."""
    urls = urls or UrlBuilder()
    taxonomy = _taxonomy()
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) >= BATCH:
            yield from serialise_batch(batch, urls, taxonomy)
            batch = []
    if batch:
        yield from serialise_batch(batch, urls, taxonomy)


def all_public_ids(source: str | None = None) -> list[int]:
    """Every exportable project id (optionally listed by one source), by id."""
    queryset = public_projects().order_by("pk")
    if source:
        queryset = queryset.filter(sources__source_key__iexact=source).distinct()
    return list(queryset.values_list("pk", flat=True))


# --- flat forms ------------------------------------------------------------------------------
def flat_row(record: dict) -> list:
    """One CSV row: lists joined with `LIST_SEPARATOR`, sources split into parallel columns."""
    row = []
    for name in FIELDS:
        value = record[name]
        if name == "sources":
            row.append(LIST_SEPARATOR.join(s["partner"] for s in value))
            row.append(LIST_SEPARATOR.join(s["source_url"] for s in value))
            row.append(LIST_SEPARATOR.join("true" if s["still_listed"] else "false" for s in value))
        elif isinstance(value, list):
            row.append(LIST_SEPARATOR.join(value))
        elif isinstance(value, bool):
            row.append("true" if value else "false")
        elif value is None:
            row.append("")
        else:
            row.append(value)
    return row


def csv_header() -> list[str]:
    header = []
    for name in FIELDS:
        if name == "sources":
            header += ["sources", "source_urls", "sources_still_listed"]
        else:
            header.append(name)
    return header


def geojson_feature(record: dict) -> dict:
    """RFC 7946 Feature: coordinates [longitude, latitude]; null geometry when not located."""
    lat, lng = record["lat"], record["lng"]
    geometry = (
        {"type": "Point", "coordinates": [lng, lat]}
        if lat is not None and lng is not None
        else None
    )
    properties = {k: v for k, v in record.items() if k not in ("lat", "lng")}
    return {"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties}
