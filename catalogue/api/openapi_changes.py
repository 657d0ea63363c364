"""The OpenAPI description of the change feed (`api.feed`), merged into `openapi.build`."""

from __future__ import annotations

from django.utils.translation import gettext

from ..changefeed import MAX_PAGE_SIZE
from ..models import ChangeEvent
from .converters import MAX_ROW_ID
from .feed import ACTIVITY_JSON

KINDS = [choice for choice, _label in ChangeEvent.Kind.choices]


def _query(name, description, schema):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def parameters() -> list[dict]:
    return [
        _query(
            "since",
            gettext("Changements à partir de cette date (ISO 8601, UTC si sans fuseau)."),
            {"type": "string", "format": "date-time"},
        ),
        _query(
            "cursor",
            gettext(
                "Reprendre après le dernier changement lu : la valeur `cursor` de la réponse "
                "précédente (vide : depuis le début)."
            ),
            {"type": "string", "pattern": r"^[0-9]{0,18}$"},
        ),
        _query(
            "page_size",
            gettext("Changements par page (100 par défaut, %(max)s au plus).")
            % {"max": MAX_PAGE_SIZE},
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 100},
        ),
    ]


def paths(json_error: dict, not_found) -> dict:
    error = {
        "description": gettext("Paramètre invalide."),
        "content": json_error["content"],
    }
    return {
        "/api/changes": {
            "get": {
                "operationId": "listChanges",
                "summary": gettext("Changements du catalogue (créations, mises à jour, retraits)"),
                "description": gettext(
                    "Chaque fiche changée y figure une fois, dans son dernier état, par ordre de "
                    "changement. Un abonné garde `cursor` et reprend de là à la visite suivante."
                ),
                "parameters": parameters(),
                "responses": {
                    "200": {
                        "description": gettext("Une page de changements."),
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ChangeList"}
                            }
                        },
                    },
                    "400": error,
                    "429": json_error,
                },
            }
        },
        "/api/changes/activities": {
            "get": {
                "operationId": "listChangeActivities",
                "summary": gettext("Les mêmes changements en ActivityStreams 2.0"),
                "description": gettext(
                    "Sans `cursor` : l'OrderedCollection ; avec `cursor` : une "
                    "OrderedCollectionPage d'activités Create, Update, Delete et Move."
                ),
                "parameters": parameters(),
                "responses": {
                    "200": {
                        "description": gettext("Collection ou page d'activités."),
                        "content": {
                            ACTIVITY_JSON: {
                                "schema": {"$ref": "#/components/schemas/ActivityCollection"}
                            }
                        },
                    },
                    "400": error,
                    "429": json_error,
                },
            }
        },
        "/api/projects/{id}": {
            "get": {
                "operationId": "getProject",
                "summary": gettext("Une fiche (l'objet des activités)"),
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
                        "description": gettext("La fiche."),
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Project"}}
                        },
                    },
                    "404": not_found(gettext("Projet inexistant ou non public.")),
                    "429": json_error,
                },
            }
        },
    }


def schemas() -> dict:
    return {
        "Change": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": KINDS},
                "project": {"type": "integer"},
                "at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer"},
                "merged_into": {"type": ["integer", "null"]},
                "url": {"type": ["string", "null"], "format": "uri"},
                "record": {
                    "oneOf": [{"$ref": "#/components/schemas/Project"}, {"type": "null"}],
                    "description": gettext(
                        "La fiche (créée ou modifiée) ; null quand elle n'est plus publique."
                    ),
                },
            },
            "required": ["id", "kind", "project", "at", "version", "merged_into", "url", "record"],
        },
        "ChangeList": {
            "type": "object",
            "properties": {
                "count": {"type": "integer"},
                "cursor": {"type": "string"},
                "next": {"type": ["string", "null"], "format": "uri"},
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
            },
            "required": ["count", "cursor", "next", "results"],
        },
        "ActivityCollection": {
            "type": "object",
            "properties": {
                "@context": {"type": "array"},
                "id": {"type": "string", "format": "uri"},
                "type": {"type": "string", "enum": ["OrderedCollection", "OrderedCollectionPage"]},
                "totalItems": {"type": "integer"},
                "first": {"type": "string", "format": "uri"},
                "next": {"type": "string", "format": "uri"},
                "partOf": {"type": "string", "format": "uri"},
                "orderedItems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "type": {
                                "type": "string",
                                "enum": ["Create", "Update", "Delete", "Move"],
                            },
                            "published": {"type": "string", "format": "date-time"},
                            "object": {"type": "object"},
                            "target": {"type": "string"},
                        },
                        "required": ["id", "type", "object"],
                    },
                },
            },
            "required": ["@context", "id", "type", "totalItems"],
        },
    }
