"""The catalogue's search engine: one query object behind the results page, blocks, API and map.

- `query.SearchQuery`: the search state (text, facets, geo, sort, page), URL round trip.
- `engine.execute(query)` / `engine.matching_entries(query)`: run it on the index.
- `indexer`: keeps `ProjectSearchEntry` in step with pages (signals in `signals.py`).

This package is the one door to search for the rest of the house (results page, blocks, API,
map, statistics, community's feeds and saved searches): they import from here, never from
`engine`, `idsets` or `query` themselves. Importing it does not import models (blocks and
page models may import it at module level); the engine is resolved at call time.
"""

from .query import (  # noqa: F401
    DEFAULT_PER_PAGE,
    FACETS,
    MAX_PER_PAGE,
    MAX_RADIUS_KM,
    SORTS,
    TAXONOMY_FACETS,
    SearchQuery,
)


def execute(query, **kwargs):
    from .engine import execute as _execute

    return _execute(query, **kwargs)


def matching_entries(query, **kwargs):
    from .engine import matching_entries as _matching_entries

    return _matching_entries(query, **kwargs)


def label_for(facet: str, value: str) -> str:
    """The label of one facet value ("AGR" -> the code's name, a region code -> its name)."""
    from .engine import label_for as _label_for

    return _label_for(facet, value)


def through_indexes():
    """A context in which statements matching free text use the text index (PostgreSQL)."""
    from .idsets import through_indexes as _through_indexes

    return _through_indexes()
