"""The official geography of the territory pages: regions, departments, EPCI, communes.

Read lazily, once per process, from ``data/territories.json.gz`` (built by `convert` from the
npm package ``@etalab/decoupage-administratif``, see ``data/PROVENANCE.md``). No model, no
database: the search engine imports it to turn a territory into the INSEE codes of its
communes.

Kinds are the URL segments: ``region``, ``departement``, ``epci``, ``commune``.
"""

from __future__ import annotations

import gzip
import heapq
import json
import re
import threading
from dataclasses import dataclass, field

from .convert import DATA_FILE

KINDS = ("region", "departement", "epci", "commune")
_CODE_RE = {
    "region": re.compile(r"^[0-9]{2}$"),
    "departement": re.compile(r"^(?:[0-9]{2}|2[AB]|97[0-9])$"),
    "epci": re.compile(r"^[0-9]{9}$"),
    "commune": re.compile(r"^[0-9][0-9AB][0-9]{3}$"),
}
# Population classes (upper bounds, inhabitants) per kind: "comparable territories" share one.
POPULATION_CLASSES = {
    "commune": (2_000, 10_000, 50_000, 200_000),
    "epci": (20_000, 50_000, 100_000, 300_000),
    "departement": (300_000, 600_000, 1_000_000),
    "region": (2_000_000, 5_000_000),
}


@dataclass(frozen=True)
class Territory:
    kind: str
    code: str
    name: str
    population: int
    # commune: its department, region and EPCI; EPCI: its departments and regions (a few
    # cross a border); department: its region.
    department_codes: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()
    epci_code: str = ""
    epci_kind: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.code}"

    @property
    def population_class(self) -> int:
        bounds = POPULATION_CLASSES[self.kind]
        return sum(1 for bound in bounds if self.population >= bound)


@dataclass
class _Data:
    source: dict
    territories: dict[str, dict[str, Territory]] = field(default_factory=dict)
    # insee code (current, delegated, associated, arrondissement) -> current commune code
    current: dict[str, str] = field(default_factory=dict)
    # current commune code -> every code that counts as it (itself first)
    codes_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # EPCI -> communes


_DATA: _Data | None = None
_LOCK = threading.Lock()


def _load() -> _Data:
    raw = json.loads(gzip.decompress(DATA_FILE.read_bytes()).decode("utf-8"))
    data = _Data(source=raw["source"])
    dep_region = {code: region for code, _name, region in raw["departments"]}
    pops: dict[str, dict[str, int]] = {"region": {}, "departement": {}, "epci": {}}
    deps_of_epci: dict[str, set[str]] = {}
    members: dict[str, list[str]] = {}
    communes = {}
    for insee, name, dep, epci, population in raw["communes"]:
        region = dep_region[dep]
        communes[insee] = Territory("commune", insee, name, population, (dep,), (region,), epci)
        data.current[insee] = insee
        for kind, code in (("region", region), ("departement", dep), ("epci", epci)):
            if code:
                pops[kind][code] = pops[kind].get(code, 0) + population
        if epci:
            deps_of_epci.setdefault(epci, set()).add(dep)
            members.setdefault(epci, []).append(insee)
    codes_of: dict[str, list[str]] = {insee: [insee] for insee in communes}
    for code, parent in raw["aliases"]:
        data.current[code] = parent
        codes_of[parent].append(code)
    data.codes_of = {k: tuple(v) for k, v in codes_of.items()}
    data.members = {k: tuple(v) for k, v in members.items()}
    epci_kinds = {siren: kind for siren, _name, kind in raw["epci"]}
    for insee, commune in communes.items():
        if commune.epci_code:
            communes[insee] = Territory(
                **{**commune.__dict__, "epci_kind": epci_kinds.get(commune.epci_code, "")}
            )
    data.territories = {
        "region": {
            code: Territory("region", code, name, pops["region"].get(code, 0), (), (code,))
            for code, name in raw["regions"]
        },
        "departement": {
            code: Territory(
                "departement", code, name, pops["departement"].get(code, 0), (code,), (region,)
            )
            for code, name, region in raw["departments"]
        },
        "epci": {
            siren: Territory(
                "epci",
                siren,
                name,
                pops["epci"].get(siren, 0),
                tuple(sorted(deps_of_epci.get(siren, ()))),
                tuple(sorted({dep_region[d] for d in deps_of_epci.get(siren, ())})),
                siren,
                kind,
            )
            for siren, name, kind in raw["epci"]
        },
        "commune": communes,
    }
    return data


def _data() -> _Data:
    global _DATA
    if _DATA is None:
        with _LOCK:
            if _DATA is None:
                _DATA = _load()
    return _DATA


def source() -> dict:
    """Package, version and licences of the data (shown on the pages, in CSV and JSON)."""
    return dict(_data().source)


def valid_code(kind: str, code: str) -> bool:
    return kind in _CODE_RE and isinstance(code, str) and bool(_CODE_RE[kind].match(code))


def get(kind: str, code: str) -> Territory | None:
    """The territory, or None for an unknown kind or code (never raises on hostile input)."""
    if not valid_code(kind, code):
        return None
    return _data().territories[kind].get(code)


def parse_key(key: str) -> Territory | None:
    """``"epci/200054781"`` -> the territory, or None."""
    kind, _, code = (key or "").partition("/")
    return get(kind, code.upper() if kind in ("commune", "departement") else code)


def all_of(kind: str) -> list[Territory]:
    return list(_data().territories.get(kind, {}).values())


def current_commune(insee: str) -> Territory | None:
    """The current commune a (possibly older or finer) INSEE code belongs to."""
    code = _data().current.get((insee or "").upper())
    return _data().territories["commune"].get(code) if code else None


def commune_codes(territory: Territory) -> frozenset[str]:
    """Every INSEE code (aliases included) of a commune or EPCI's communes."""
    data = _data()
    if territory.kind == "commune":
        return frozenset(data.codes_of.get(territory.code, (territory.code,)))
    if territory.kind == "epci":
        return frozenset(
            code for insee in data.members.get(territory.code, ()) for code in data.codes_of[insee]
        )
    raise ValueError(f"{territory.kind}: filtered on its column, not on communes")


def members(territory: Territory) -> list[Territory]:
    """An EPCI's member communes (most populous first)."""
    communes = _data().territories["commune"]
    found = [communes[c] for c in _data().members.get(territory.code, ())]
    return sorted(found, key=lambda t: (-t.population, t.code))


def parents(territory: Territory) -> list[Territory]:
    """The territories containing this one, smallest first (EPCI, department, region)."""
    found = []
    if territory.kind == "commune" and territory.epci_code:
        found.append(get("epci", territory.epci_code))
    if territory.kind in ("commune", "epci"):
        found += [get("departement", code) for code in territory.department_codes]
    if territory.kind != "region":
        found += [get("region", code) for code in territory.region_codes]
    return [t for t in found if t is not None]


def region_of(territory: Territory) -> Territory | None:
    if territory.kind == "region" or not territory.region_codes:
        return None
    return get("region", territory.region_codes[0])


def comparable(
    territory: Territory, candidates: list[Territory] | None = None, limit: int | None = None
) -> list[Territory]:
    """Territories of the same kind and population class, nearest in population first (the
    first `limit` of them)."""
    pool = all_of(territory.kind) if candidates is None else candidates
    cls = territory.population_class
    same = (t for t in pool if t.code != territory.code and t.population_class == cls)

    def key(t):
        return (abs(t.population - territory.population), t.code)

    return sorted(same, key=key) if limit is None else heapq.nsmallest(limit, same, key=key)


def contains(territory: Territory, insee: str) -> bool:
    """Whether the commune of this INSEE code (any alias) lies in the territory."""
    commune = current_commune(insee) if insee else None
    if commune is None:
        return False
    if territory.kind == "commune":
        return commune.code == territory.code
    if territory.kind == "epci":
        return commune.epci_code == territory.code
    if territory.kind == "departement":
        return territory.code in commune.department_codes
    return territory.code in commune.region_codes
