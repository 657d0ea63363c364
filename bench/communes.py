"""Share of records placed in the right commune (INSEE code) on the real sample sources.

Each sample source of `importers/data/sample-sources.json` is read from shared/data through its
real configuration and normaliser, then placed by the harvester's geocoder (offline gazetteer).
Two files say where each record really is: the CGET census (``INSEECOM``) and PiNG's file
(``result_citycode``, BAN's geocoding of the address). The two others have no INSEE code: for
them only the placed share is printed; ``--dump FILE`` writes every record's code, to compare
two checkouts record by record.

Run: .venv/bin/python bench/communes.py   (run it from another checkout for a "before" figure)
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carrefour.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from importers import sample_sources  # noqa: E402
from importers.crawl.config import config_from_dict  # noqa: E402
from importers.crawl.csvsource import read_csv_file  # noqa: E402
from importers.crawl.diagnostics import Collector  # noqa: E402
from importers.geocode import Geocoder  # noqa: E402
from importers.normalise.items import get_normaliser  # noqa: E402

TRUTH = {
    "PiNG tiers-lieux": ("ping-tiers-lieux-pdl.csv", "INDEX", "result_citycode"),
    "CGET tiers-lieux 2019": ("cget-tiers-lieux-2019.csv", "ID", "INSEECOM"),
}
MUNICIPAL = {"751": "75056", "693": "69123", "132": "13055"}


def truth(name: str, data_dir: Path) -> dict[str, str]:
    if name not in TRUTH:
        return {}
    file, key, code = TRUTH[name]
    with (data_dir / file).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        # The census has "0" where it does not know the commune: such rows are left out.
        return {r[key].strip(): r[code].strip() for r in rows if len(r[code].strip()) == 5}


def same(found: str, expected: str) -> bool:
    """An arrondissement is right for its city's municipal code (and the other way round)."""
    if found == expected:
        return True
    return MUNICIPAL.get(found[:3]) == expected or MUNICIPAL.get(expected[:3]) == found


def records(definition: dict, data_dir: Path):
    config = config_from_dict({"kind": "csv", **sample_sources.stored_config(definition, data_dir)})
    items = list(read_csv_file(config, Collector()))
    normaliser = get_normaliser(definition.get("normaliser", "generic"))
    outcomes = [o for item in items for o in normaliser.feed(item)] + normaliser.close()
    geocoder = Geocoder(ban_enabled=False)
    for outcome in outcomes:
        if outcome.record is not None:
            geocoder.geocode(outcome.record)
            yield outcome.record


def main() -> None:
    data_dir = Path(settings.SHARED_DATA_DIR)
    dump: dict[str, dict[str, str]] = {}
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{stamp} · {os.popen('uptime').read().strip()}")
    for definition in sample_sources.definitions()["sources"]:
        name = definition["name"]
        expected = truth(name, data_dir)
        started = time.perf_counter()
        rows = list(records(definition, data_dir))
        seconds = time.perf_counter() - started
        placed = [r for r in rows if r.insee_code]
        if expected:
            known = [r for r in rows if expected.get(r.source_id)]
            right = sum(same(r.insee_code, expected[r.source_id]) for r in known)
            figure = f"right INSEE code {right}/{len(known)} = {100 * right / len(known):.1f} %"
        else:
            figure = "no INSEE code in the source"
        dump[name] = {r.source_id: r.insee_code for r in rows}
        print(f"{name}: {len(rows)} records, placed {len(placed)}; {figure} ({seconds:.1f} s)")
    if "--dump" in sys.argv:
        target = Path(sys.argv[sys.argv.index("--dump") + 1])
        target.write_text(json.dumps(dump, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
