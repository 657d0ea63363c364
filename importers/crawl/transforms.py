"""Field transforms: a source's quirks declared in its configuration, per field, for every kind.

``config["transforms"]`` maps a field name to its steps, applied in order to the field's list
of extracted values (or to an object ``{"text": "line" | "multiline", "steps": [...]}``;
``text`` says whether the field is one line or multi-line text, see `text_mode`)::

    {"replace": ["\\\\c", ":"]}          plain replacement in each value
    {"regex": "n° (\\\\d+)"}             keep what matches (its first group if any); others dropped
    {"split": ";"}                     each value split on the separator, parts trimmed
    {"join": " "}                      all values joined into one
    {"strip": " -"}                    characters trimmed at both ends ("" : whitespace)
    {"map": {"O": "Oui"}}              values replaced by their mapping (case/accent-blind)
    {"default": "France"}              the value when the field has none
    {"date": "%d/%m/%Y"}               dates (one format or a list) rewritten as YYYY-MM-DD
    {"number": {"decimal": ",", "thousands": " "}}   numbers rewritten as 1234.5

Pure functions (no Django), shared by the harvest pipeline and the preview, so the preview
shows exactly what a run will make of each value. A value a date or number step cannot read is
kept as it was (never dropped silently).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

TEXT_MODES = ("line", "multiline")


def _fold(value: str) -> str:
    text = unicodedata.normalize("NFKD", value)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


# --- steps -------------------------------------------------------------------------------------


def _replace(values: list[str], arg) -> list[str]:
    old, new = arg
    return [v.replace(old, new) for v in values]


def _regex(values: list[str], arg) -> list[str]:
    pattern = re.compile(arg)
    out = []
    for value in values:
        match = pattern.search(value)
        if match:
            out.append(match.group(1) if pattern.groups else match.group(0))
    return out


def _split(values: list[str], arg) -> list[str]:
    return [part.strip() for v in values for part in v.split(arg) if part.strip()]


def _join(values: list[str], arg) -> list[str]:
    return [arg.join(values)] if values else []


def _strip(values: list[str], arg) -> list[str]:
    return [s for s in (v.strip(arg or None) for v in values) if s]


def _map(values: list[str], arg) -> list[str]:
    table = {_fold(k): v for k, v in arg.items()}
    return [table.get(_fold(v), v) for v in values]


def _default(values: list[str], arg) -> list[str]:
    return values if values else [arg]


def _date(values: list[str], arg) -> list[str]:
    formats = [arg] if isinstance(arg, str) else list(arg)
    out = []
    for value in values:
        for fmt in formats:
            try:
                out.append(datetime.datetime.strptime(value.strip(), fmt).date().isoformat())
                break
            except ValueError:
                continue
        else:
            out.append(value)
    return out


def _number(values: list[str], arg) -> list[str]:
    spec = {"decimal": arg} if isinstance(arg, str) else dict(arg)
    decimal, thousands = spec.get("decimal", "."), spec.get("thousands", "")
    out = []
    for value in values:
        text = value.strip().replace("\u202f", " ").replace("\xa0", " ")
        if thousands:
            text = text.replace(thousands, "")
        text = text.replace(decimal, ".") if decimal != "." else text
        out.append(text if re.fullmatch(r"[-+]?\d+(\.\d+)?", text) else value)
    return out


STEPS: dict[str, Callable[[list[str], Any], list[str]]] = {
    "replace": _replace,
    "regex": _regex,
    "split": _split,
    "join": _join,
    "strip": _strip,
    "map": _map,
    "default": _default,
    "date": _date,
    "number": _number,
}


# --- validation ---------------------------------------------------------------------------------


def _is_str_pair(arg) -> bool:
    return isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)


def _check_regex(arg) -> str:
    if not isinstance(arg, str) or not arg:
        return "une expression régulière (texte) attendue"
    try:
        pattern = re.compile(arg)
    except re.error as error:
        return f"expression régulière invalide ({error})"
    return "une seule paire de parenthèses (le groupe gardé)" if pattern.groups > 1 else ""


def _check_date(arg) -> str:
    formats = [arg] if isinstance(arg, str) else arg
    if not isinstance(formats, list) or not formats:
        return "un format de date (ex. « %d/%m/%Y ») ou une liste de formats attendu"
    bad = [f for f in formats if not isinstance(f, str) or "%" not in f]
    return f"format de date sans code % : {bad[0]!r}" if bad else ""


def _check_number(arg) -> str:
    spec = {"decimal": arg} if isinstance(arg, str) else arg
    if not isinstance(spec, dict) or set(spec) - {"decimal", "thousands"}:
        return "{« decimal » : « , », « thousands » : « » } attendu"
    if not all(isinstance(v, str) and len(v) <= 1 for v in spec.values()):
        return "séparateurs d'un caractère attendus"
    return ""


CHECKS: dict[str, Callable[[Any], str]] = {
    "replace": lambda a: "" if _is_str_pair(a) else "[« ancien », « nouveau »] attendu",
    "regex": _check_regex,
    "split": lambda a: "" if isinstance(a, str) and a else "un séparateur (texte) attendu",
    "join": lambda a: "" if isinstance(a, str) else "un séparateur (texte) attendu",
    "strip": lambda a: "" if isinstance(a, str) else "les caractères à retirer (texte) attendus",
    "map": lambda a: (
        ""
        if isinstance(a, dict) and all(isinstance(v, str) for v in a.values())
        else "un objet {« valeur » : « remplacement »} attendu"
    ),
    "default": lambda a: "" if isinstance(a, str) else "une valeur (texte) attendue",
    "date": _check_date,
    "number": _check_number,
}


def field_spec(spec: Any) -> tuple[str, list]:
    """(text mode or "", steps) of one field's entry (a list of steps, or an object)."""
    if isinstance(spec, list):
        return "", spec
    if isinstance(spec, dict):
        return spec.get("text") or "", spec.get("steps") or []
    return "", []


def _step_problem(step: Any) -> str:
    if not isinstance(step, dict) or len(step) != 1:
        return "une étape est un objet d'une seule clé, ex. {« split » : « ; »}"
    ((name, arg),) = step.items()
    if name not in STEPS:
        return f"étape inconnue « {name} » (possibles : {', '.join(STEPS)})"
    return CHECKS[name](arg)


def _spec_problems(spec: Any) -> list[str]:
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - {"text", "steps"})
        if unknown:
            return [f"clés inconnues {', '.join(unknown)} (possibles : text, steps)"]
        if spec.get("text", "") not in ("", *TEXT_MODES):
            return [f"« text » vaut « line » (une ligne) ou « multiline », pas « {spec['text']} »"]
        if not isinstance(spec.get("steps", []), list):
            return ["« steps » : une liste d'étapes attendue"]
    elif not isinstance(spec, list):
        return ["une liste d'étapes ou un objet {« text », « steps »} attendu"]
    _mode, steps = field_spec(spec)
    return [f"étape {n} : {p}" for n, step in enumerate(steps, 1) if (p := _step_problem(step))]


def problems(transforms: Any, fields: Iterable[str] | None = None) -> list[str]:
    """French messages for an unusable ``transforms`` object (empty when usable). `fields`,
    when known, are the configuration's field names: a transform must name one of them."""
    if not isinstance(transforms, dict):
        return ["« transforms » : un objet {champ : étapes} attendu."]
    known = set(fields) if fields is not None else None
    messages = []
    for name, spec in transforms.items():
        if known is not None and name not in known:
            messages.append(f"Transformation du champ « {name} » : ce champ n'est pas configuré.")
        messages += [f"Transformation du champ « {name} » : {p}." for p in _spec_problems(spec)]
    return messages


# --- applying ----------------------------------------------------------------------------------


def apply_steps(values: list[str], steps: list[dict]) -> list[str]:
    for step in steps:
        ((name, arg),) = step.items()
        values = STEPS[name](list(values), arg)
    return values


def apply(fields: dict[str, list[str]], transforms: dict) -> dict[str, list[str]]:
    """The fields with their transforms applied (fields a ``default`` creates included)."""
    out = {name: list(values) for name, values in fields.items()}
    for name, spec in (transforms or {}).items():
        _mode, steps = field_spec(spec)
        if steps:
            values = apply_steps(out.get(name, []), steps)
            if values:
                out[name] = values
            else:
                out.pop(name, None)
    return out


def text_mode(transforms: dict, name: str) -> str:
    """ "line", "multiline", or "" (the field's default) for one field."""
    return field_spec((transforms or {}).get(name))[0]


def transform_item(item: dict[str, Any], transforms: dict) -> dict[str, Any]:
    """The item with its fields transformed (the extracted ones kept as ``fields_raw``). A
    transformed field's absolute-URL variants are dropped: they described the raw value."""
    if not transforms:
        return item
    raw = item.get("fields") or {}
    fields = apply(raw, transforms)
    if fields == raw:
        return item
    out = {**item, "fields": fields, "fields_raw": raw}
    if item.get("fields_abs"):
        out["fields_abs"] = {k: v for k, v in item["fields_abs"].items() if k not in transforms}
    return out
