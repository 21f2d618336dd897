"""CSV and JSON writers that stream: each yields bytes in chunks of about 64 KB
while it reads the rows, so memory stays flat at any list size.

Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the
start) are neutralised in CSV with a leading single quote (OWASP "CSV
injection"): a CSV cell has no type, so Excel guesses one. XLSX cells are typed
and keep the exact text (exports/xlsx.py); JSON keeps every value as it is,
since nothing evaluates it.
Datetimes are written in the local time zone (settings.TIME_ZONE) as ISO 8601
with their offset.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024
UTF8_BOM = "\ufeff"

Converter = Callable[[object], object]


def neutralise(text: str) -> str:
    """Make a spreadsheet show `text` instead of evaluating it."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def local_time_converter() -> Callable[[dt.datetime | None], dt.datetime | None]:
    """Aware datetime -> aware local datetime, memoised: an export has as many
    distinct times as scrapes, not as rows."""
    seen: dict[dt.datetime, dt.datetime] = {}

    def convert(value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        local = seen.get(value)
        if local is None:
            local = seen[value] = timezone.localtime(value)
        return local

    return convert


def _iso_converter() -> Converter:
    """Aware datetime -> local ISO 8601 text, memoised like local_time_converter."""
    seen: dict[object, str | None] = {None: None}
    to_local = local_time_converter()

    def convert(value: object) -> str | None:
        text = seen.get(value, "")
        if text == "":
            local = to_local(value)  # type: ignore[arg-type]  # a Row's time, typed object
            text = seen[value] = None if local is None else local.isoformat(timespec="seconds")
        return text

    return convert


def _csv_text(value: object) -> object:
    """neutralise for a text cell that may be empty (None). Inlined: it runs
    for every text cell of every row (one call instead of two was a third of
    the conversions' ~60 ms in a 10,000-post CSV export)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_bool(value: object) -> str:
    return "true" if value else "false"


def row_converter(kinds: Sequence[str], table: dict[str, Converter]) -> Callable[..., list]:
    """One function per column kind, applied in column order. Only the
    columns that have one are touched (a posts row has 15 cells, 4 of them
    text): a copy of the row and a few calls, instead of a test per cell."""
    converted = [(index, table[kind]) for index, kind in enumerate(kinds) if kind in table]
    width = len(kinds)

    def convert(row: Sequence[object]) -> list[object]:
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"a row of {len(cells)} cells for {width} columns")
        for index, function in converted:
            cells[index] = function(cells[index])
        return cells

    return convert


def _chunked(pieces: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode("utf-8", "replace")
            buffer.clear()
            size = 0
    if buffer:
        yield "".join(buffer).encode("utf-8", "replace")


def csv_chunks(
    columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]
) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel on Windows reads the encoding from it), CRLF lines."""
    iso = _iso_converter()
    convert = row_converter(
        [kind for _, kind in columns],
        {"text": _csv_text, "bool": _csv_bool, "datetime": iso},
    )

    def chunks() -> Iterator[bytes]:
        # Rows go straight into one buffer, emptied every CHUNK_BYTES.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write(UTF8_BOM)
        writer.writerow([name for name, _ in columns])
        for row in rows:
            writer.writerow(convert(row))
            if buffer.tell() >= CHUNK_BYTES:
                yield buffer.getvalue().encode("utf-8", "replace")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8", "replace")

    return chunks()


def json_chunks(
    columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]
) -> Iterator[bytes]:
    """One JSON array of objects, keys in column order."""
    names = [name for name, _ in columns]
    convert = row_converter([kind for _, kind in columns], {"datetime": _iso_converter()})
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def pieces() -> Iterator[str]:
        separator = "[\n"
        for row in rows:
            yield separator + encode(dict(zip(names, convert(row), strict=True)))
            separator = ",\n"
        yield "[]\n" if separator == "[\n" else "\n]\n"

    return _chunked(pieces())
