"""The OpenAPI 3.1 description of the open-data API, built at request time.

Facet values come from the taxonomy tables, the partner pages and the closed vocabularies
when the document is requested, so the description never lags behind the data. The same
parameter list feeds the documentation page (`/api/`).

Human-readable text (titles, descriptions, summaries, labels) goes through Django's translation
machinery and is evaluated when the document is built, in the request's language (French unless
the visitor chose English with the language switcher); identifiers (parameter names, enum
values, field names, URLs) never change with the language.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from ..collation import Collated
from ..search import FACETS, MAX_PER_PAGE, MAX_RADIUS_KM, SORTS
from .converters import MAX_ROW_ID
from .openapi_territories import territory_path, territory_schema
from .serializers import FIELD_DOCS, LICENCE, LICENCE_URL

VERSION = "1.0.0"

FACET_DOCS = {
    "domaine": gettext_lazy(
        "Domaine (groupe de thématiques de la famille « Domaines »), par identifiant."
    ),
    "public": gettext_lazy("Public visé (famille « Publics »), par identifiant."),
    "methode": gettext_lazy("Méthode (famille « Méthodes »), par identifiant."),
    "code": gettext_lazy("Code de la nomenclature CIS (AGR, HAB…)."),
    "structure": gettext_lazy("Type de structure porteuse."),
    "stade": gettext_lazy("Stade du projet."),
    "echelle": gettext_lazy("Échelle territoriale du projet."),
    "region": gettext_lazy("Code INSEE de la région."),
    "departement": gettext_lazy("Code du département (01…95, 2A, 2B, 971…)."),
    "partenaire": gettext_lazy("Partenaire source, par identifiant (slug de sa page)."),
    "reference": gettext_lazy(
        "« oui » : toujours référencé par au moins une source ; « non » : plus référencé."
    ),
    "coup_de_coeur": gettext_lazy("« 1 » : seulement les coups de cœur de la rédaction."),
    "fraicheur": gettext_lazy(
        "Dernière confirmation par une source, le porteur ou l'équipe éditoriale : "
        "« moins-1-an », « 1-2-ans », « plus-2-ans » ; « a-verifier » : porteur sans réponse "
        "à deux rappels."
    ),
}


def facet_values() -> dict[str, list[dict]]:
    """facet -> [{"value", "label"}], read now from the database and vocabularies."""
    from ..geography import DEPARTMENTS, REGIONS
    from ..models import NomenclatureCode, PartnerPage, Scale, Stage, StructureKind, TaxonomyGroup
    from ..search import TAXONOMY_FACETS

    values: dict[str, list[dict]] = {}
    for facet, family in TAXONOMY_FACETS.items():
        values[facet] = [
            {"value": slug, "label": name}
            for slug, name in TaxonomyGroup.objects.filter(family=family).values_list(
                "slug", "name"
            )
        ]
    values["code"] = [
        {"value": code, "label": name}
        for code, name in NomenclatureCode.objects.order_by("code").values_list("code", "name")
    ]
    values["structure"] = [{"value": v, "label": str(label)} for v, label in StructureKind.choices]
    values["stade"] = [{"value": v, "label": str(label)} for v, label in Stage.choices]
    values["echelle"] = [{"value": v, "label": str(label)} for v, label in Scale.choices]
    values["region"] = [{"value": code, "label": name} for code, name in sorted(REGIONS.items())]
    values["departement"] = [
        {"value": code, "label": d.name} for code, d in sorted(DEPARTMENTS.items())
    ]
    values["partenaire"] = [
        {"value": slug, "label": title}
        for slug, title in PartnerPage.objects.live()
        .public()
        .order_by(Collated("title"), "title")
        .values_list("slug", "title")
    ]
    values["reference"] = [
        {"value": "oui", "label": gettext("Toujours référencé")},
        {"value": "non", "label": gettext("Plus référencé")},
    ]
    values["coup_de_coeur"] = [{"value": "1", "label": gettext("Coups de cœur")}]
    from ..confirmation import VALUES as FRESHNESS

    values["fraicheur"] = [{"value": v, "label": str(label)} for v, label in FRESHNESS.items()]
    return {facet: values.get(facet, []) for facet in FACETS}


def _param(name, description, schema, *, required=False, explode=None):
    param = {
        "name": name,
        "in": "query",
        "required": required,
        "description": str(description),
        "schema": schema,
    }
    if explode is not None:
        param.update({"style": "form", "explode": explode})
    return param


def search_parameters(values: dict[str, list[dict]] | None = None) -> list[dict]:
    """Every search parameter (text, facets with their current values, geo, sort, page)."""
    values = values if values is not None else facet_values()
    params = [
        _param(
            "q",
            gettext(
                "Texte libre (titre, résumé, description, structure, commune, mots-clés). "
                "Insensible à la casse et aux accents."
            ),
            {"type": "string", "maxLength": 200},
        )
    ]
    several = gettext(
        "Plusieurs valeurs : répéter le paramètre ou les séparer par des virgules "
        "(OU entre valeurs d'une facette, ET entre facettes)."
    )
    for facet in FACETS:
        enum = [item["value"] for item in values.get(facet, [])]
        item_schema = {"type": "string"}
        if enum:
            item_schema["enum"] = enum
        params.append(
            _param(
                facet,
                f"{FACET_DOCS.get(facet, FACETS[facet])} {several}",
                {"type": "array", "items": item_schema},
                explode=True,
            )
        )
    params += [
        _param(
            "commune",
            gettext("Code INSEE de la commune au centre d'une recherche par rayon."),
            {"type": "string", "pattern": "^[0-9][0-9AB][0-9]{3}$"},
        ),
        _param(
            "rayon",
            gettext("Rayon autour de la commune, en km (20 par défaut)."),
            {"type": "integer", "minimum": 1, "maximum": MAX_RADIUS_KM},
        ),
        _param(
            "bbox",
            gettext("Zone géographique « ouest,sud,est,nord » en degrés décimaux (WGS 84)."),
            {"type": "string", "pattern": r"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$"},
        ),
        _param(
            "territoire",
            gettext(
                "Territoire « type/code » : region/84, departement/2A, epci/<SIREN>, "
                "commune/<code INSEE> (les projets de ses communes)."
            ),
            {"type": "string", "pattern": r"^(region|departement|epci|commune)/[0-9A-Za-z]{1,9}$"},
        ),
        _param("tri", gettext("Ordre des résultats."), {"type": "string", "enum": list(SORTS)}),
    ]
    return params


def paging_parameters() -> list[dict]:
    return [
        _param(
            "page", gettext("Numéro de page (à partir de 1)."), {"type": "integer", "minimum": 1}
        ),
        _param(
            "page_size",
            gettext("Résultats par page (20 par défaut, %(max)s au plus).") % {"max": MAX_PER_PAGE},
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
        ),
    ]


def map_parameters() -> list[dict]:
    return [
        _param(
            "bbox",
            gettext("Vue de la carte « ouest,sud,est,nord » (WGS 84)."),
            {"type": "string"},
        ),
        _param(
            "zoom",
            gettext(
                "Niveau de zoom de la carte (0 à 20) : regroupements en dessous de 12, "
                "points au-delà."
            ),
            {"type": "integer", "minimum": 0, "maximum": 20},
        ),
        _param(
            "fit",
            gettext("« 1 » : renvoyer seulement l'emprise des projets trouvés ({bounds, total})."),
            {"type": "string", "enum": ["1"]},
        ),
    ]


def _project_schema() -> dict:
    string_list = {"type": "array", "items": {"type": "string"}}
    props = {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "structure": {"type": "string"},
        "kind": {"type": "string"},
        "stage": {"type": "string"},
        "scale": {"type": "string"},
        "start_year": {"type": ["integer", "null"]},
        "website": {"type": "string"},
        "address": {"type": "string"},
        "postal_code": {"type": "string"},
        "city": {"type": "string"},
        "insee": {"type": "string"},
        "department": {"type": "string"},
        "department_name": {"type": "string"},
        "region": {"type": "string"},
        "region_name": {"type": "string"},
        "lat": {"type": ["number", "null"]},
        "lng": {"type": ["number", "null"]},
        "codes": string_list,
        "groups": string_list,
        "tags": string_list,
        "coup_de_coeur": {"type": "boolean"},
        "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
        "first_published_at": {"type": ["string", "null"], "format": "date-time"},
        "last_published_at": {"type": ["string", "null"], "format": "date-time"},
        "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
        "confirmed_by": {"type": ["string", "null"], "enum": ["source", "holder", "editor", None]},
        "to_verify": {"type": "boolean"},
        "licence": {"type": ["string", "null"]},
        "licence_url": {"type": ["string", "null"], "format": "uri"},
        "description": {"type": "string"},
        "description_html": {"type": "string", "contentMediaType": "text/html"},
    }
    for name, schema in props.items():
        schema["description"] = str(FIELD_DOCS[name])
    return {"type": "object", "properties": props, "required": list(props)}


def build(base_url: str = "") -> dict:
    values = facet_values()
    search = search_parameters(values)
    paging = paging_parameters()

    def refs(params):
        return [{"$ref": f"#/components/parameters/{p['name']}"} for p in params]

    json_error = {
        "description": gettext("Trop de requêtes (voir l'en-tête Retry-After)."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    error_body = json_error["content"]

    def not_found(text: str) -> dict:
        return {"description": text, "content": error_body}

    facet_names = list(FACETS)
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": gettext("Carrefour des innovations sociales — API ouverte"),
            "version": VERSION,
            "description": gettext(
                "Les projets d'innovation sociale publiés sur Carrefour : recherche, facettes, "
                "carte et exports. Seules les fiches publiées et publiques sont diffusées. "
                "Données sous %(licence)s ; chaque fiche indique sa source et l'adresse de sa "
                "page d'origine."
            )
            % {"licence": LICENCE},
            "license": {"name": LICENCE, "url": LICENCE_URL},
        },
        "servers": [{"url": base_url or "/"}],
        "paths": {
            "/api/projects": {
                "get": {
                    "operationId": "listProjects",
                    "summary": gettext("Rechercher des projets (JSON paginé, avec facettes)"),
                    "parameters": refs(search) + refs(paging),
                    "responses": {
                        "200": {
                            "description": gettext("Une page de résultats."),
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ProjectList"}
                                }
                            },
                        },
                        "404": not_found(gettext("Page inexistante.")),
                        "429": json_error,
                    },
                }
            },
            "/api/projects.geojson": {
                "get": {
                    "operationId": "projectsGeoJSON",
                    "summary": gettext("Les projets de la même recherche en GeoJSON (RFC 7946)"),
                    "description": gettext(
                        "Sans `page`, tous les projets trouvés ; avec `page`, une page."
                    ),
                    "parameters": refs(search) + refs(paging),
                    "responses": {
                        "200": {
                            "description": gettext(
                                "Une FeatureCollection (coordonnées [longitude, latitude])."
                            ),
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/FeatureCollection"}
                                }
                            },
                        },
                        "429": json_error,
                    },
                }
            },
            "/api/projects.csv": {
                "get": {
                    "operationId": "projectsCSV",
                    "summary": gettext("Les projets de la même recherche en CSV (UTF-8)"),
                    "description": gettext(
                        "Sans `page`, tous les projets trouvés. Listes séparées par « | ». "
                        "Les cellules commençant par =, +, -, @, une tabulation ou un retour "
                        "chariot sont précédées d'une apostrophe (protection des tableurs)."
                    ),
                    "parameters": refs(search)
                    + refs(paging)
                    + [
                        _param(
                            "bom",
                            gettext(
                                "« 1 » : commencer par un BOM UTF-8 (ouverture directe dans Excel)."
                            ),
                            {"type": "string", "enum": ["0", "1"]},
                        )
                    ],
                    "responses": {
                        "200": {
                            "description": gettext("Fichier CSV."),
                            "content": {"text/csv": {}},
                        },
                        "429": json_error,
                    },
                }
            },
            "/api/map": {
                "get": {
                    "operationId": "mapData",
                    "summary": gettext("Regroupements ou points pour une vue de carte"),
                    "parameters": refs([p for p in search if p["name"] not in ("bbox", "tri")])
                    + map_parameters(),
                    "responses": {
                        "200": {
                            "description": gettext(
                                '{"mode": "clusters", "zoom", "total", "clusters": '
                                "[[lat, lng, nombre, id]]} ou "
                                '{"mode": "points", "total", "points": [[id, lat, lng]]}.'
                            ),
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "429": json_error,
                    },
                }
            },
            "/api/map/points/{id}": {
                "get": {
                    "operationId": "mapPoint",
                    "summary": gettext(
                        "Détail d'un point de la carte (titre, structure, commune, lien)"
                    ),
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": gettext("Le projet."),
                            "content": {"application/json": {}},
                        },
                        "404": not_found(
                            gettext(
                                "Projet inexistant ou non public (ou identifiant qui n'est pas "
                                "un entier positif ; toute adresse inconnue sous /api/ répond "
                                "404 en JSON)."
                            )
                        ),
                    },
                }
            },
            "/api/territories/{kind}/{code}": territory_path(not_found, json_error),
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": gettext("Cette description"),
                    "responses": {"200": {"description": gettext("Description OpenAPI 3.1.")}},
                }
            },
        },
        "components": {
            "parameters": {p["name"]: p for p in search + paging},
            "schemas": {
                "Project": _project_schema(),
                "Territory": territory_schema(),
                "Source": {
                    "type": "object",
                    "properties": {
                        "partner": {"type": "string"},
                        "source_url": {"type": "string"},
                        "still_listed": {"type": "boolean"},
                        "licence": {"type": "string"},
                    },
                },
                "FacetValue": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "string"},
                        "label": {"type": "string"},
                        "count": {"type": "integer"},
                        "selected": {"type": "boolean"},
                    },
                },
                "ProjectList": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "next": {"type": ["string", "null"], "format": "uri"},
                        "previous": {"type": ["string", "null"], "format": "uri"},
                        "facets": {
                            "type": "object",
                            "properties": {
                                name: {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/FacetValue"},
                                }
                                for name in facet_names
                            },
                        },
                        "results": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Project"},
                        },
                    },
                    "required": ["count", "next", "previous", "facets", "results"],
                },
                "FeatureCollection": {
                    "type": "object",
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "features": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "Error": {
                    "type": "object",
                    "properties": {"detail": {"type": "string"}},
                },
            },
        },
        "x-rate-limit": getattr(settings, "API_RATE_LIMIT", ""),
    }
    from . import openapi_changes

    spec["paths"].update(openapi_changes.paths(json_error, not_found))
    spec["components"]["schemas"].update(openapi_changes.schemas())
    return spec
