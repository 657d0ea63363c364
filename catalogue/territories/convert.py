"""Build the territories' compact data from INSEE's official geography, as npm ships it.

Source: the npm package ``@etalab/decoupage-administratif`` (pinned in package-lock.json, a
development dependency), its ``data/{regions,departements,epci,communes}.json``: the Code
officiel géographique with the EPCI's member communes and the communes' populations.

Output: ``catalogue/territories/data/territories.json.gz`` (see ``data/PROVENANCE.md``), one
JSON object with the package's name, version and licences, and four tables of rows:

- ``regions``: [code, name] — the 18 regions (the overseas collectivities are left out: the
  catalogue's departments and regions are those of ``catalogue.geography.departments``);
- ``departments``: [code, name, region];
- ``epci``: [siren, name, kind (CC, CA, CU, METRO, MET69)];
- ``communes``: [insee, name, department, epci siren or "", municipal population];
- ``aliases``: [code, current insee] — delegated and associated communes and municipal
  arrondissements, so a project placed with an older or finer code still counts in its commune.
- ``former_names``: [code, name, current insee] — the delegated and associated communes of
  communes nouvelles by name (their code may be the current commune's own), so an address
  naming a former commune is placed in its commune (``catalogue.geography.names``).

Regions' and departments' populations are the sums of their communes', computed on load.
Run by ``python manage.py build_territories [--source DIR]`` (bin/assets.sh runs it when the
package is newer than the data file). Deterministic: the same package gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
DATA_FILE = Path(__file__).parent / "data" / "territories.json.gz"
DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / PACKAGE
# Licence of the data themselves (INSEE's Code officiel géographique), beside the package's.
DATA_LICENCE = "Licence Ouverte / Open Licence 2.0 (INSEE, Code officiel géographique)"


def _read(source: Path, name: str):
    return json.loads((source / "data" / name).read_text(encoding="utf-8"))


def convert(source: Path = DEFAULT_SOURCE) -> dict:
    """The compact tables (see the module docstring) read from the package at `source`."""
    package = json.loads((source / "package.json").read_text(encoding="utf-8"))
    regions = [[r["code"], r["nom"]] for r in _read(source, "regions.json") if len(r["code"]) == 2]
    region_codes = {code for code, _ in regions}
    departments = [
        [d["code"], d["nom"], d["region"]]
        for d in _read(source, "departements.json")
        if d.get("region") in region_codes
    ]
    department_codes = {code for code, _, _ in departments}
    epci_of: dict[str, str] = {}
    epci = []
    for row in _read(source, "epci.json"):
        epci.append([row["code"], row["nom"], row["type"]])
        for member in row["membres"]:
            epci_of[member["code"]] = row["code"]
    communes, aliases = [], []
    current = set()
    raw = _read(source, "communes.json")
    for c in raw:
        if c["type"] == "commune-actuelle" and c.get("departement") in department_codes:
            current.add(c["code"])
            communes.append(
                [c["code"], c["nom"], c["departement"], epci_of.get(c["code"], ""),
                 int(c.get("population") or 0)]
            )  # fmt: skip
    former_names = set()
    for c in raw:
        parent = c.get("commune") or c.get("chefLieu")
        if c["type"] != "commune-actuelle" and parent in current and c["code"] not in current:
            aliases.append((c["code"], parent))
        if c["type"] in ("commune-deleguee", "commune-associee") and parent in current:
            former_names.add((c["code"], c["nom"], parent))
    return {
        "source": {
            "package": PACKAGE,
            "version": package["version"],
            "licence": package.get("license", ""),
            "data_licence": DATA_LICENCE,
        },
        "regions": sorted(regions),
        "departments": sorted(departments),
        "epci": sorted(e for e in epci if e[0] in {c[3] for c in communes}),
        "communes": sorted(communes),
        "aliases": [list(pair) for pair in sorted(set(aliases))],
        "former_names": [list(row) for row in sorted(former_names)],
    }


def write(data: dict, path: Path = DATA_FILE) -> int:
    """Write `data` gzipped (no timestamp: the same input gives the same bytes); its size."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode("utf-8"), 9, mtime=0))
    return path.stat().st_size
