"""Code suggestions during a harvest: computed per record in memory, stored per batch.

One `Suggester` per run (its evidence is read in two queries when the first record needs it),
each distinct keyword answered once, and one bulk write per batch through `catalogue.services`:
no query per record. A keyword without a rule gets its suggested codes; a record with neither
codes nor any suggestion from its keywords gets them from its title and description.
"""

from __future__ import annotations

from catalogue import services
from catalogue.search.text import strip_html
from importers.recoding import tag_key
from importers.suggest import Suggester
from importers.suggest_data import evidence_from_db


class RunSuggestions:
    def __init__(self, source_key: str, mapping_label: str = ""):
        self.source_key = source_key
        self.mapping_label = mapping_label
        self._suggester: Suggester | None = None
        self._by_keyword: dict[str, list[dict]] = {}
        self.pending: dict[int, list[dict]] = {}  # id(record) -> suggestions

    @property
    def suggester(self) -> Suggester:
        if self._suggester is None:
            self._suggester = Suggester(evidence_from_db())
        return self._suggester

    def _keyword(self, keyword: str) -> list[dict]:
        key = tag_key(keyword)
        if key not in self._by_keyword:
            self._by_keyword[key] = [
                dict(s.as_dict(), keyword=keyword, keyword_key=key)
                for s in self.suggester.suggest(keyword)
            ]
        return self._by_keyword[key]

    def prepare(self, record, unknown: list[str]) -> None:
        """Remember what this record's unmapped keywords (or its text) suggest."""
        found = [s for keyword in unknown for s in self._keyword(keyword)]
        if not found and not record.codes:
            text = f"{record.title}\n{record.summary}\n{strip_html(record.description)}"
            found = [
                dict(s.as_dict(), keyword="", keyword_key="")
                for s in self.suggester.suggest_text(text)
            ]
        self.pending[id(record)] = found

    def write(self, written: list[tuple[int, object]]) -> None:
        """Store the suggestions of the pages just written: [(page id, record), …]."""
        by_page = {}
        for page_id, record in written:
            suggestions = self.pending.pop(id(record), None)
            if page_id and suggestions is not None:
                by_page[page_id] = suggestions
        services.set_suggested_codes(self.source_key, by_page)
        self.pending.clear()
