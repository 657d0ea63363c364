"""Open-data outputs: JSON, GeoJSON and CSV streams of project records, and the full dumps.

One record format (`catalogue.api.serializers`) behind the API, the exports of a search, the
`export_projects` command and the dumps in ``MEDIA_ROOT/opendata/``, which `write_dumps()`
regenerates after every change of the catalogue (through `catalogue.changes`).
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from .api.csvexport import csv_lines
from .api.serializers import (
    LICENCE,
    LICENCE_URL,
    UrlBuilder,
    all_public_ids,
    csv_header,
    flat_row,
    geojson_feature,
    serialise,
)

FORMATS = ("json", "csv", "geojson")
DUMP_DIR = "opendata"
DUMP_NAMES = {fmt: f"carrefour-projets.{fmt}" for fmt in FORMATS}
ATTRIBUTION = (
    "Carrefour des innovations sociales ; chaque fiche indique le partenaire qui la référence "
    "et l'adresse de sa page d'origine."
)


def metadata(count: int | None = None) -> dict:
    meta = {
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "attribution": ATTRIBUTION,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    if count is not None:
        meta["count"] = count
    return meta


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_chunks(records: Iterable[dict], count: int) -> Iterator[str]:
    """``{"licence": …, "count": n, "results": [records]}``, streamed."""
    meta = metadata(count)
    yield _dumps(meta)[:-1] + ',"results":['
    for i, record in enumerate(records):
        yield ("," if i else "") + _dumps(record)
    yield "]}"


def geojson_chunks(records: Iterable[dict], count: int | None = None) -> Iterator[str]:
    """An RFC 7946 FeatureCollection (licence as foreign members), streamed."""
    meta = metadata(count)
    yield '{"type":"FeatureCollection",' + _dumps(meta)[1:-1] + ',"features":['
    for i, record in enumerate(records):
        yield ("," if i else "") + _dumps(geojson_feature(record))
    yield "]}"


def csv_chunks(records: Iterable[dict], *, bom: bool = False) -> Iterator[str]:
    return csv_lines(csv_header(), (flat_row(r) for r in records), bom=bom)


def chunks(fmt: str, ids: list[int], urls: UrlBuilder | None = None, *, bom: bool = False):
    records = serialise(ids, urls)
    if fmt == "json":
        return json_chunks(records, len(ids))
    if fmt == "geojson":
        return geojson_chunks(records, len(ids))
    if fmt == "csv":
        return csv_chunks(records, bom=bom)
    raise ValueError(f"unknown format {fmt!r}")


def write(fmt: str, stream, *, source: str | None = None, bom: bool = False) -> int:
    """Write every exportable record (optionally one source's) to a text stream."""
    ids = all_public_ids(source)
    for chunk in chunks(fmt, ids, bom=bom):
        stream.write(chunk)
    return len(ids)


def dump_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / DUMP_DIR


def write_dumps(directory: Path | None = None, ids: list[int] | None = None) -> dict[str, Path]:
    """(Re)write the three full dumps atomically (a reader never sees a half-written file).

    The records are read and serialised once for the three formats: the writers advance in
    step, one record each, so the shared stream buffers a record or two, never the catalogue.
    """
    directory = Path(directory or dump_directory())
    directory.mkdir(parents=True, exist_ok=True)
    ids = all_public_ids() if ids is None else ids
    copies = dict(
        zip(FORMATS, itertools.tee(serialise(ids, UrlBuilder()), len(FORMATS)), strict=True)
    )
    writers = {
        # CSV dumps carry a BOM so that spreadsheet software reads UTF-8 correctly.
        "json": json_chunks(copies["json"], len(ids)),
        "geojson": geojson_chunks(copies["geojson"], len(ids)),
        "csv": csv_chunks(copies["csv"], bom=True),
    }
    temporary: dict[str, str] = {}
    try:
        streams = {}
        for fmt in FORMATS:
            handle, temporary[fmt] = tempfile.mkstemp(
                dir=directory, prefix=f".{fmt}-", suffix=".tmp"
            )
            streams[fmt] = os.fdopen(handle, "w", encoding="utf-8", newline="")
        try:
            while writers:
                for fmt in list(writers):
                    chunk = next(writers[fmt], None)
                    if chunk is None:
                        del writers[fmt]
                    else:
                        streams[fmt].write(chunk)
        finally:
            for stream in streams.values():
                stream.close()
        written = {}
        for fmt, tmp in temporary.items():
            os.chmod(tmp, 0o644)
            os.replace(tmp, directory / DUMP_NAMES[fmt])
            written[fmt] = directory / DUMP_NAMES[fmt]
        return written
    except BaseException:
        for tmp in temporary.values():
            Path(tmp).unlink(missing_ok=True)
        raise


def dump_files() -> list[dict]:
    """The dumps present, for the documentation page: format, URL, size, date."""
    out = []
    directory = dump_directory()
    for fmt in FORMATS:
        path = directory / DUMP_NAMES[fmt]
        if path.exists():
            stat = path.stat()
            out.append(
                {
                    "format": fmt,
                    "name": path.name,
                    "url": f"{settings.MEDIA_URL}{DUMP_DIR}/{path.name}",
                    "size": stat.st_size,
                    "modified": datetime.fromtimestamp(stat.st_mtime, UTC),
                }
            )
    return out
