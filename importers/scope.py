"""A source's scope: which of its records belong in the catalogue (configuration key ``scope``).

Optional, in any kind's configuration (absent: every record is in scope)::

    "scope": {
        "action": "refuse",              # or "flag": published anyway, listed in the run
        "france_only": true,             # coordinates with no French commune within 30 km
        "country_field": "pays",         # a field of the source naming the country
        "status_field": "statut",        # a field of the source saying whether to publish
        "status_values": ["publié"],     # values that keep the record (others: out of scope)
        "refused_status_values": ["brouillon", "fermé"]  # or: values that put it out
    }

Field names are those of the configuration's ``fields`` (for a CSV without ``fields``, column
names). Values are compared without case or accents. A record out of scope is refused (no page;
its page, if it had one, is then no longer listed) or flagged, and in both cases reported in the
run's report with its source id and title.
"""

from __future__ import annotations

from typing import Any

from catalogue import geography
from importers.normalise.clean import clean_text, fold

ACTIONS = ("refuse", "flag")
KEYS = {
    "action",
    "france_only",
    "country_field",
    "status_field",
    "status_values",
    "refused_status_values",
}
#: Country values meaning France (folded): metropolitan and overseas.
FRANCE = {
    "fr", "fra", "france", "france metropolitaine", "republique francaise", "guadeloupe",
    "martinique", "guyane", "guyane francaise", "la reunion", "reunion", "mayotte",
    "saint pierre et miquelon", "saint barthelemy", "saint martin", "nouvelle caledonie",
    "polynesie francaise", "wallis et futuna",
}  # fmt: skip


def problems(scope: Any, field_names: list[str] | None) -> list[str]:
    """French messages for an invalid ``scope`` (empty when valid or absent)."""
    if not scope:
        return []
    if not isinstance(scope, dict):
        return ["« scope » doit être un objet (clé : valeur)."]
    messages = [f"Clé inconnue dans « scope » : {k}." for k in sorted(set(scope) - KEYS)]
    if scope.get("action", "refuse") not in ACTIONS:
        messages.append("« scope.action » vaut « refuse » ou « flag ».")
    if not isinstance(scope.get("france_only", False), bool):
        messages.append("« scope.france_only » vaut true ou false.")
    for key in ("country_field", "status_field"):
        name = scope.get(key)
        if name is not None and (not isinstance(name, str) or not name.strip()):
            messages.append(f"« scope.{key} » doit être un nom de champ.")
        elif name and field_names is not None and name not in field_names:
            messages.append(f"« scope.{key} » : le champ « {name} » n'est pas dans « fields ».")
    for key in ("status_values", "refused_status_values"):
        values = scope.get(key)
        if values is not None and not (
            isinstance(values, list) and all(isinstance(v, str) for v in values)
        ):
            messages.append(f"« scope.{key} » doit être une liste de textes.")
    if (scope.get("status_values") or scope.get("refused_status_values")) and not scope.get(
        "status_field"
    ):
        messages.append("Des valeurs de statut sans « scope.status_field ».")
    return messages


def _value(item: dict, name: str) -> str:
    values = (item.get("fields") or {}).get(name) or []
    if isinstance(values, str):
        values = [values]
    return clean_text(" ".join(str(v) for v in values))


def _outside_france(scope: dict, item: dict, record) -> str:
    if scope.get("country_field"):
        country = _value(item, scope["country_field"])
        if country and fold(country) not in FRANCE:
            return f"pays « {country} »"
    if scope.get("france_only") and record.location_note == geography.NOTE_OUTSIDE:
        return f"coordonnées hors de France ({record.latitude}, {record.longitude})"
    return ""


def _status(scope: dict, item: dict) -> str:
    name = scope.get("status_field")
    if not name:
        return ""
    value = _value(item, name)
    accepted = {fold(v) for v in scope.get("status_values") or ()}
    refused = {fold(v) for v in scope.get("refused_status_values") or ()}
    if (accepted and fold(value) not in accepted) or (refused and fold(value) in refused):
        return f"{name} « {value or 'vide'} »"
    return ""


def verdict(scope: dict, item: dict, record) -> str:
    """Why the record is out of the source's scope ("" when in scope)."""
    if not scope:
        return ""
    return _outside_france(scope, item or {}, record) or _status(scope, item or {})


def action(scope: dict) -> str:
    return scope.get("action") or "refuse"
