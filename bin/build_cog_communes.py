"""Build catalogue/geography/data/cog-communes.csv.gz from Etalab's découpage administratif.

Source: the npm package ``@etalab/decoupage-administratif`` (MIT, data from INSEE's Code
officiel géographique), file ``data/communes.json``. Usage::

    python bin/build_cog_communes.py [path/to/communes.json] [--version 6.0.0]

Default path: ``node_modules/@etalab/decoupage-administratif/data/communes.json``. The output
keeps, for each entry, what the gazetteer lacks: the official name (accents, hyphens,
apostrophes), the kind (current commune, delegated or associated former commune of a commune
nouvelle, municipal arrondissement), the commune it belongs to and the population. Rows are
sorted, the gzip has no timestamp: the same input gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT / "node_modules/@etalab/decoupage-administratif/data/communes.json"
OUTPUT = ROOT / "catalogue/geography/data/cog-communes.csv.gz"
KINDS = {
    "commune-actuelle": "C",
    "commune-deleguee": "D",
    "commune-associee": "A",
    "arrondissement-municipal": "M",
}


def rows(entries: list[dict]) -> list[list[str]]:
    out = []
    for entry in entries:
        kind = KINDS.get(entry.get("type", ""))
        if kind is None:
            continue
        parent = entry.get("chefLieu") or entry.get("commune") or ""
        population = entry.get("population")
        out.append(
            [
                entry["code"],
                entry["nom"],
                kind,
                parent if parent != entry["code"] or kind != "C" else "",
                str(population) if population is not None else "",
                " ".join(entry.get("anciensCodes") or ()),
            ]
        )
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default=str(DEFAULT_INPUT))
    args = parser.parse_args()
    entries = json.loads(Path(args.input).read_text(encoding="utf-8"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "name", "kind", "parent", "population", "former_codes"])
    writer.writerows(rows(entries))
    with gzip.GzipFile(OUTPUT, "wb", 9, mtime=0) as handle:
        handle.write(text.getvalue().encode("utf-8"))
    print(f"{OUTPUT.relative_to(ROOT)}: {len(entries)} entries read")


if __name__ == "__main__":
    main()
