"""The territory figures' part of the OpenAPI description (`/api/territories/{kind}/{code}`)."""

from __future__ import annotations

from django.utils.translation import gettext


def territory_path(not_found, json_error) -> dict:
    """``/api/territories/{kind}/{code}``: a territory page's figures (catalogue.territories)."""
    return {
        "get": {
            "operationId": "territoryFigures",
            "summary": gettext(
                "Les chiffres d'un territoire : projets, parts par domaine et par public (ici, "
                "dans la région, en France), projets pour 10 000 habitants, partenaires, "
                "domaines sans projet avec les projets les plus proches"
            ),
            "parameters": [
                {
                    "name": "kind",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "enum": ["region", "departement", "epci", "commune"],
                    },
                },
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "description": gettext(
                        "Code INSEE de la région, du département ou de la commune ; SIREN de "
                        "l'intercommunalité."
                    ),
                    "schema": {"type": "string", "pattern": "^[0-9A-Za-z]{1,9}$"},
                },
            ],
            "responses": {
                "200": {
                    "description": gettext("Les chiffres du territoire."),
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Territory"}}
                    },
                },
                "404": not_found(gettext("Territoire inconnu.")),
                "429": json_error,
            },
        }
    }


def territory_schema() -> dict:
    share = {
        "type": "object",
        "required": ["slug", "name", "count", "share", "national_share"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "share": {"type": "number"},
            "national_count": {"type": "integer"},
            "national_share": {"type": "number"},
            "regional_count": {"type": "integer"},
            "regional_share": {"type": "number"},
            "gap": {"type": "number"},
        },
    }
    place = {
        "type": "object",
        "required": ["kind", "code", "name", "population", "url"],
        "properties": {
            "kind": {"type": "string"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "population": {"type": "integer"},
            "url": {"type": "string"},
        },
    }
    return {
        "type": "object",
        "required": ["territory", "source", "projects", "domains", "publics", "missing"],
        "properties": {
            "territory": place,
            "source": {"type": "object"},
            "projects": {"type": "integer", "minimum": 0},
            "national_projects": {"type": "integer"},
            "regional_projects": {"type": ["integer", "null"]},
            "region": {"oneOf": [place, {"type": "null"}]},
            "per_10000": {"type": ["number", "null"]},
            "domains": {"type": "array", "items": share},
            "publics": {"type": "array", "items": share},
            "partners": {"type": "array", "items": {"type": "object"}},
            "missing": {"type": "array", "items": {"type": "object"}},
            "search_url": {"type": "string"},
        },
    }
