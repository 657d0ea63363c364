"""The catalogue's search engine: one query object behind the results page, blocks, API and map.

- `query.SearchQuery`: the search state (text, facets, geo, sort, page), URL round trip.
- `engine.execute(query)` / `engine.matching_entries(query)`: run it on the index.
- `indexer`: keeps `ProjectSearchEntry` in step with pages (signals in `signals.py`).

Importing this package does not import models (blocks and page models may import it at
module level); `execute` and `matching_entries` are resolved lazily.
"""

from .query import FACETS, SORTS, SearchQuery  # noqa: F401


def execute(query, **kwargs):
    from .engine import execute as _execute

    return _execute(query, **kwargs)


def matching_entries(query, **kwargs):
    from .engine import matching_entries as _matching_entries

    return _matching_entries(query, **kwargs)
