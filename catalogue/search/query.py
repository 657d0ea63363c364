"""The one search query object behind the results page, the blocks, the API, the map and exports.

`SearchQuery` is built from URL parameters (`from_params`) or a block's presets and turned back
into parameters (`to_params`) with an exact round trip, so every search state lives in the URL.
It imports no model, so blocks and page models can import it freely: page models import
blocks, blocks that render results need the search engine, and the engine imports page models;
only this model-free query object may sit at the top of that chain.

URL parameter names are a stable public contract (also used by ``/api/projects``):

    q             free text
    domaine       TaxonomyGroup slug, family "domaines"          (repeatable, OR within)
    public        TaxonomyGroup slug, family "publics"
    methode       TaxonomyGroup slug, family "methodes"
    code          nomenclature code (AGR, HAB, …)
    suggere       nomenclature code suggested by the harvest, not confirmed by an editor
    structure     StructureKind value
    stade         Stage value
    echelle       Scale value
    region        region INSEE code ("84")
    departement   department code ("69", "2A")
    partenaire    partner page slug
    reference     "oui" / "non": still listed by at least one source
    coup_de_coeur "1"
    fraicheur     moins-1-an | 1-2-ans | plus-2-ans (last confirmed by a source, the holder
                  or an editor) | a-verifier (claimed, reminders unanswered); see
                  catalogue.confirmation
    commune       INSEE code of the centre of a radius search; rayon = radius in km
    bbox          "west,south,east,north" in degrees ("in this map view")
    territoire    "<kind>/<code>": the projects of a territory page (region/84,
                  departement/2A, epci/<siren>, commune/<insee>; see catalogue.territories)
    tri           relevance | newest | title | nearest | confirmed
    page          1-based page number

Several values of one facet are ORed, facets are ANDed. Values may be repeated
(``domaine=a&domaine=b``) or comma-separated (``domaine=a,b``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

# Facet name -> label shown above its checkboxes. Order = display order.
FACETS: dict[str, str] = {
    "domaine": _("Domaines"),
    "public": _("Publics"),
    "methode": _("Méthodes"),
    "code": _("Thématiques"),
    "suggere": _("Thématiques suggérées (à confirmer)"),
    "structure": _("Type de structure"),
    "stade": _("Stade"),
    "echelle": _("Échelle"),
    "region": _("Région"),
    "departement": _("Département"),
    "partenaire": _("Partenaire source"),
    "reference": _("Toujours référencé"),
    "coup_de_coeur": _("Coup de cœur"),
    "fraicheur": _("Fraîcheur"),
}
# Facets whose values come from the taxonomy tables, with their TaxonomyFamily value.
TAXONOMY_FACETS = {"domaine": "domaines", "public": "publics", "methode": "methodes"}

SORTS: dict[str, str] = {
    "relevance": _("Pertinence"),
    "newest": _("Les plus récents"),
    "title": _("Titre (A → Z)"),
    "nearest": _("Les plus proches"),
    "confirmed": _("Récemment confirmés"),
}
RADII_KM = (5, 10, 20, 50, 100)
DEFAULT_RADIUS_KM = 20
MAX_RADIUS_KM = 500
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_VALUES_PER_FACET = 50

_VALUE_RE = re.compile(r"^[\w\-.]{1,64}$")
_INSEE_RE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
_TERRITORY_RE = re.compile(r"^(region|departement|epci|commune)/[0-9AB]{2,9}$")


def clean_territory(value: str) -> str:
    """A territory key ("epci/200054781") in canonical form, or "" when malformed."""
    kind, _, code = (value or "").strip().partition("/")
    key = f"{kind}/{code.upper()}"
    return key if _TERRITORY_RE.match(key) else ""


def _getlist(params, key: str) -> list[str]:
    if params is None:
        return []
    if hasattr(params, "getlist"):
        raw = params.getlist(key)
    else:
        value = params.get(key)
        if value is None:
            raw = []
        elif isinstance(value, list | tuple | set | frozenset):
            raw = list(value)
        else:
            raw = [value]
    return [str(v) for v in raw if v is not None]


def _first(params, key: str) -> str:
    values = _getlist(params, key)
    return values[0].strip() if values else ""


def _clean_values(facet: str, raw: list[str]) -> list[str]:
    """Split commas, trim, drop invalid values, dedupe and sort (one canonical URL per state)."""
    values = set()
    for item in raw:
        for part in str(item).split(","):
            part = part.strip()
            if not part or not _VALUE_RE.match(part):
                continue
            if facet in ("code", "suggere"):
                part = part.upper()
            elif facet == "departement":
                part = part.upper()
            values.add(part)
    return sorted(values)[:MAX_VALUES_PER_FACET]


def _parse_bbox(value: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except (TypeError, ValueError):
        return None
    if not all(map(lambda v: v == v and abs(v) != float("inf"), (west, south, east, north))):
        return None
    south, north = max(-90.0, min(south, north)), min(90.0, max(south, north))
    west, east = max(-180.0, min(west, east)), min(180.0, max(west, east))
    # Six decimals (~10 cm) keep URLs short and make the round trip exact.
    return tuple(round(v, 6) for v in (west, south, east, north))


def _format_float(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    # facet -> selected values (from the URL): OR within a facet, AND across facets.
    filters: dict[str, list[str]] = field(default_factory=dict)
    commune: str = ""  # INSEE code
    radius_km: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    territory: str = ""  # "<kind>/<code>" (see `clean_territory`)
    sort: str = ""  # "" = the default: relevance with text, newest without
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # A block's fixed filters: always applied, never in the URL, never removable.
    presets: dict[str, list[str]] = field(default_factory=dict)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_params(
        cls,
        params: Mapping | None,
        presets: Mapping | None = None,
        *,
        prefix: str = "",
        per_page: int = DEFAULT_PER_PAGE,
    ) -> SearchQuery:
        """Build a query from a QueryDict or a plain dict (values: str or list of str).

        `prefix` namespaces the parameter names (``"b2-"`` reads ``b2-q``, ``b2-domaine``…),
        so several blocks on one page keep independent states in one URL.
        """

        def key(name):
            return prefix + name

        filters = {}
        for facet in FACETS:
            values = _clean_values(facet, _getlist(params, key(facet)))
            if values:
                filters[facet] = values
        commune = _first(params, key("commune")).upper()
        if not _INSEE_RE.match(commune):
            commune = ""
        radius = None
        if commune:
            try:
                radius = int(float(_first(params, key("rayon"))))
            except ValueError:
                radius = None
            if radius is not None and not 1 <= radius <= MAX_RADIUS_KM:
                radius = None
        bbox = _parse_bbox(_first(params, key("bbox")))
        sort = _first(params, key("tri"))
        if sort not in SORTS:
            sort = ""
        try:
            page = max(1, min(int(_first(params, key("page")) or 1), 100_000))
        except ValueError:
            page = 1
        text = " ".join(_first(params, key("q")).split())[:200]
        return cls(
            text=text,
            territory=clean_territory(_first(params, key("territoire"))),
            filters=filters,
            commune=commune,
            radius_km=radius,
            bbox=bbox,
            sort=sort,
            page=page,
            per_page=max(1, min(per_page, MAX_PER_PAGE)),
            presets=cls.clean_presets(presets),
        )

    @staticmethod
    def clean_presets(presets: Mapping | None) -> dict[str, list[str]]:
        cleaned = {}
        for facet in FACETS:
            values = _clean_values(facet, _getlist(presets, facet))
            if values:
                cleaned[facet] = values
        return cleaned

    def to_params(self, *, prefix: str = "", page: bool = True) -> dict[str, str | list[str]]:
        """Parameters for `urlencode(params, doseq=True)`; presets are not included.

        ``SearchQuery.from_params(q.to_params(), presets=q.presets) == q`` for any query
        built by `from_params` (values are canonical: sorted, deduplicated).
        """
        params: dict[str, str | list[str]] = {}
        if self.text:
            params[prefix + "q"] = self.text
        for facet in FACETS:
            values = self.filters.get(facet)
            if values:
                params[prefix + facet] = list(values)
        if self.commune:
            params[prefix + "commune"] = self.commune
            if self.radius_km is not None:
                params[prefix + "rayon"] = str(self.radius_km)
        if self.bbox:
            params[prefix + "bbox"] = ",".join(_format_float(v) for v in self.bbox)
        if self.territory:
            params[prefix + "territoire"] = self.territory
        if self.sort:
            params[prefix + "tri"] = self.sort
        if page and self.page > 1:
            params[prefix + "page"] = str(self.page)
        return params

    def querystring(self, *, prefix: str = "", page: bool = True) -> str:
        """``?q=…&domaine=…`` (or "" for the empty query)."""
        encoded = urlencode(self.to_params(prefix=prefix, page=page), doseq=True)
        return "?" + encoded if encoded else ""

    # -- derived ----------------------------------------------------------------------------
    @property
    def effective_sort(self) -> str:
        if self.sort == "nearest" and not (self.commune or self.bbox):
            return "relevance" if self.text else "newest"
        if self.sort == "relevance" and not self.text:
            return "newest"
        if self.sort:
            return self.sort
        return "relevance" if self.text else "newest"

    @property
    def effective_radius_km(self) -> int:
        return self.radius_km if self.radius_km is not None else DEFAULT_RADIUS_KM

    def constraints(self, exclude: str | None = None) -> list[tuple[str, list[str]]]:
        """(facet, values) pairs to AND together: presets always, URL filters but `exclude`."""
        pairs = [(facet, values) for facet, values in self.presets.items() if values]
        pairs += [
            (facet, values)
            for facet, values in self.filters.items()
            if values and facet != exclude and facet in FACETS
        ]
        return pairs

    @property
    def has_filters(self) -> bool:
        """Anything the visitor chose (presets excluded)."""
        return bool(self.text or self.filters or self.commune or self.bbox or self.territory)

    def is_selected(self, facet: str, value: str) -> bool:
        return value in self.filters.get(facet, ())

    # -- variations (for links) -------------------------------------------------------------
    def replace(self, **changes) -> SearchQuery:
        return replace(self, **changes)

    def without(self, facet: str, value: str | None = None) -> SearchQuery:
        """The same search minus one filter value (or a whole facet, "q", "commune", "bbox").

        Back to page 1. Presets are untouched: they are not removable.
        """
        if facet == "q":
            return replace(self, text="", page=1)
        if facet in ("commune", "rayon"):
            return replace(self, commune="", radius_km=None, page=1)
        if facet == "bbox":
            return replace(self, bbox=None, page=1)
        if facet == "territoire":
            return replace(self, territory="", page=1)
        filters = {k: list(v) for k, v in self.filters.items()}
        if facet in filters:
            if value is None:
                del filters[facet]
            else:
                filters[facet] = [v for v in filters[facet] if v != value]
                if not filters[facet]:
                    del filters[facet]
        return replace(self, filters=filters, page=1)

    def with_value(self, facet: str, value: str) -> SearchQuery:
        """The same search plus one facet value (back to page 1)."""
        filters = {k: list(v) for k, v in self.filters.items()}
        filters[facet] = sorted(set(filters.get(facet, [])) | {value})
        return replace(self, filters=filters, page=1)

    def with_page(self, page: int) -> SearchQuery:
        return replace(self, page=max(1, page))

    def cache_key(self) -> str:
        """A stable string of everything that changes the matched set (not page or sort)."""
        parts = [self.text.lower(), self.commune, str(self.effective_radius_km), str(self.bbox)]
        parts.append(self.territory)
        parts += [f"{f}={','.join(v)}" for f, v in sorted(self.filters.items())]
        parts += [f"preset:{f}={','.join(v)}" for f, v in sorted(self.presets.items())]
        return "|".join(parts)
