"""The harvest's garbage collections leave the heap that was there before it alone.

A harvest allocates millions of short-lived objects (records, pages, rows, revision
dictionaries); each time enough of them survive, CPython's collector walks the oldest
generation, the whole heap: Django, Wagtail, Scrapy, the taxonomy and geography tables.
Measured on 50,000 new records: 19,724 collections, 65 of them full ones, took 16.6 s of a
165 s run. `gc.freeze()` moves what exists when the run starts to the permanent generation,
which no collection walks; the run's own objects are collected as before (the thresholds are
unchanged, and so is the memory curve). Higher thresholds were tried and dropped: fewer
collections, but the run's cyclic garbage piled up (+110 MB at 50k) and it ran no faster
(bench/RESULTS.md, 2026-12-02 20:00-20:20 UTC).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def heap_frozen():
    """Freeze the heap for the block; given back to the collector after it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
