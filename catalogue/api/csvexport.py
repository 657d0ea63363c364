"""CSV output that spreadsheets open safely.

RFC 4180 quoting (commas, quotes, newlines) is the `csv` module's; on top of it, a cell that a
spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading apostrophe (OWASP "CSV injection"). Numbers are written as
numbers, so a negative longitude stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Line:
    """A file-like sink that hands back what the writer wrote."""

    def __init__(self):
        self.buffer = io.StringIO()

    def write(self, text):
        self.buffer.write(text)

    def pop(self) -> str:
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def csv_lines(header: list[str], rows: Iterable[list], *, bom: bool = False) -> Iterator[str]:
    """Stream the CSV text, one chunk per row (for `StreamingHttpResponse` and files)."""
    sink = _Line()
    writer = csv.writer(sink, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    yield (BOM if bom else "") + sink.pop()
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield sink.pop()
