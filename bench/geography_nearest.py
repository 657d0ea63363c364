"""Benchmark: nearest_commune (grid index) against a naive linear scan of every commune.

Run: .venv/bin/python bench/geography_nearest.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue import geography as geo  # noqa: E402


def naive(lat: float, lon: float) -> str:
    t = geo._table()
    best = min(
        (i for rows in t.by_insee.values() for i in rows[:1] if t.lat[i] == t.lat[i]),
        key=lambda i: geo.distance_km((lat, lon), (t.lat[i], t.lon[i])),
    )
    return t.insee[best]


def main() -> None:
    t0 = time.perf_counter()
    geo._table()
    print(f"load: {time.perf_counter() - t0:.3f} s")
    rng = random.Random(1)
    points = [(rng.uniform(42.5, 50.5), rng.uniform(-4.0, 7.5)) for _ in range(2000)]
    t0 = time.perf_counter()
    fast = [geo.nearest_commune(lat, lon).insee_code for lat, lon in points]
    grid = (time.perf_counter() - t0) / len(points)
    sample = points[:50]
    t0 = time.perf_counter()
    slow = [naive(lat, lon) for lat, lon in sample]
    scan = (time.perf_counter() - t0) / len(sample)
    assert slow == fast[: len(sample)]
    print(f"nearest_commune: {grid * 1000:.3f} ms/call; linear scan: {scan * 1000:.1f} ms/call")
    print(f"ratio: {scan / grid:.0f}x faster")


if __name__ == "__main__":
    main()
