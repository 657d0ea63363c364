"""CSV sources: encoding and delimiter detection, tolerant row reading.

Used by ``CsvSpider`` for files fetched over HTTP and directly (no reactor) for local
files. Rows are read as a stream; ragged rows (more or fewer values than the header) are
kept with their raw values so a later step can realign them, and reported once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes

from . import diagnostics as diag
from .config import CsvConfig
from .diagnostics import Collector, PageRecord
from .extract import clean_values

SAMPLE_SIZE = 64 * 1024
DELIMITERS = ",;|\t"


def _charset_from_header(content_type: str) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else ""


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


#: Single-byte Latin code pages charset-normalizer may hesitate between on short samples.
_LATIN_CODEPAGES = {
    "cp1250",
    "cp1252",
    "cp1257",
    "latin_1",
    "iso8859_2",
    "iso8859_15",
    "mac_roman",
    "mac_latin2",
    "cp850",
    "cp858",
    "cp437",
}


def detect_encoding(sample: bytes, declared: str = "") -> str:
    """Declared charset if it decodes, UTF-8 (BOM-aware) if valid, else charset-normalizer.

    Sources are French: when the detector picks one Latin code page among several that
    fit, and Windows-1252 decodes the bytes too, Windows-1252 is the likelier one.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if declared and _decodes(sample, declared):
        return declared
    if _decodes(sample, "utf-8"):
        return "utf-8"
    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        return "cp1252"
    if best.encoding in _LATIN_CODEPAGES and _decodes(sample, "cp1252"):
        return "cp1252"
    return best.encoding


def detect_delimiter(sample_text: str) -> str:
    """csv.Sniffer on the first lines, checked against the header; header counts otherwise."""
    lines = sample_text.splitlines()
    header = lines[0] if lines else ""
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS)
        if header.count(dialect.delimiter) > 0:
            return dialect.delimiter
    except csv.Error:
        pass
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def normalise_header(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _open_text(stream: IO[bytes], config: CsvConfig, content_type: str) -> tuple[IO[str], str, str]:
    sample = stream.read(SAMPLE_SIZE)
    stream.seek(0)
    encoding = config.encoding or detect_encoding(sample, _charset_from_header(content_type))
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    head = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    delimiter = config.delimiter or detect_delimiter(head.lstrip("\ufeff"))
    return text, encoding, delimiter


def _columns(
    header: list[str], config: CsvConfig, url: str, collector: Collector
) -> dict[str, list[int]]:
    """Column indices of each configured field (a field may read several columns, whose
    values it then holds in order: four typology columns make one list of tags)."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(normalise_header(name), index)
    wanted = config.fields or {" ".join(h.split()): h for h in header if h.strip()}
    columns: dict[str, list[int]] = {}
    for field_name, spec in wanted.items():
        for column in [spec] if isinstance(spec, str) else spec:
            index = positions.get(normalise_header(column))
            if index is None:
                collector.error(
                    diag.SELECTOR,
                    url,
                    f"Colonne « {column} » (champ « {field_name} ») absente de l'en-tête.",
                    selector=f"field:{field_name}",
                )
            else:
                columns.setdefault(field_name, []).append(index)
    return columns


def iter_csv_items(
    data: bytes | IO[bytes],
    config: CsvConfig,
    url: str,
    collector: Collector,
    content_type: str = "",
) -> Iterator[dict[str, Any]]:
    """Items of a CSV document, one per non-empty data row, ``position`` = data row number."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    text, encoding, delimiter = _open_text(stream, config, content_type)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        collector.error(diag.FORMAT, url, "Fichier CSV vide.")
        return
    except csv.Error as exc:
        collector.error(diag.FORMAT, url, f"En-tête CSV illisible ({exc}).")
        return
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    columns = _columns(header, config, url, collector)
    multiline = config.multiline_fields()
    matched: set[str] = set()
    lengths: Counter = Counter()
    count = 0
    position = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            collector.error(diag.FORMAT, url, f"Ligne {reader.line_num} illisible ({exc}).")
            continue
        if not any(v.strip() for v in row):
            continue
        position += 1
        values = {}
        for field_name, indices in columns.items():
            found = clean_values([row[i] for i in indices if i < len(row)], field_name in multiline)
            if found:
                values[field_name] = found
                matched.add(f"field:{field_name}")
        item: dict[str, Any] = {
            "fields": values,
            "url": url,
            "list_url": url,
            "position": position,
            "page": 1,
            "line": reader.line_num,
        }
        if len(row) != len(header):
            lengths[len(row)] += 1
            item["ragged"] = {"expected": len(header), "got": len(row)}
            item["raw"] = row
        count += 1
        yield item
    if lengths:
        detail = ", ".join(f"{n} avec {size}" for size, n in sorted(lengths.items()))
        collector.warning(
            diag.FORMAT,
            url,
            f"{sum(lengths.values())} lignes n'ont pas {len(header)} valeurs comme l'en-tête "
            f"({detail}) : colonnes décalées, valeurs brutes conservées.",
        )
    record = PageRecord(url, "csv", 200, page=1, items=count)
    collector.page(record, [f"field:{n}" for n in columns], matched)
    collector.info["csv"] = {"encoding": encoding, "delimiter": delimiter}


def read_csv_file(
    config: CsvConfig, collector: Collector, max_items: int = 0
) -> Iterator[dict[str, Any]]:
    """Stream the items of a local CSV file (no reactor needed)."""
    path = Path(config.path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        collector.error(diag.OTHER, str(path), f"Fichier CSV illisible ({exc}).")
        return
    with handle:
        for item in iter_csv_items(handle, config, path.resolve().as_uri(), collector):
            collector.item(item["fields"])
            yield item
            if max_items and collector.items >= max_items:
                return
