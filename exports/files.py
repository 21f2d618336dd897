"""An export of one list in one format: its file name, its bytes, and the HTTP
download. The view and the `export` command both come through here."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import BinaryIO

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from exports.lists import AccountList, ListError
from exports.writers import csv_chunks, json_chunks
from exports.xlsx import write_xlsx


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.JSON: "application/json; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def parse_format(text: str) -> Format:
    try:
        return Format(text.lower())
    except ValueError:
        raise ListError(f"Unknown format '{text}'. Choose one of: csv, json, xlsx.") from None


def export_filename(account_list: AccountList, fmt: Format, when: dt.datetime | None = None) -> str:
    """igdash_<handle>_<list>_<YYYYmmdd-HHMM>.<ext>, in local time."""
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"igdash_{account_list.target.user.username}_{account_list.name}_{stamp}.{fmt}"


class _Counted:
    """Counts the rows a writer consumed."""

    def __init__(self, rows: Iterable[tuple[object, ...]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        for row in self.rows:
            self.count += 1
            yield row


def stream(account_list: AccountList, fmt: Format) -> Iterator[bytes]:
    """The CSV or JSON file as chunks of bytes, produced while the rows are read."""
    chunks = csv_chunks if fmt is Format.CSV else json_chunks
    return chunks(account_list.columns, account_list.rows())


def write(account_list: AccountList, fmt: Format, out: BinaryIO) -> int:
    """Write the whole export to a binary file; returns the number of rows."""
    return write_rows(account_list, fmt, account_list.rows(), out)


def write_rows(
    account_list: AccountList, fmt: Format, source: Iterable[tuple[object, ...]], out: BinaryIO
) -> int:
    """write() of rows the caller reads (a background export counts them as they go)."""
    rows = _Counted(source)
    if fmt is Format.XLSX:
        write_xlsx(account_list.columns, rows, out, title=str(account_list.name))
    else:
        chunks = csv_chunks if fmt is Format.CSV else json_chunks
        for chunk in chunks(account_list.columns, rows):
            out.write(chunk)
    return rows.count


def download(account_list: AccountList, fmt: Format) -> HttpResponseBase:
    """An attachment response: streamed for CSV and JSON; XLSX (a zip, written
    whole before its first byte can go out) from a temporary file that is gone
    once the response is closed."""
    filename = export_filename(account_list, fmt)
    response: HttpResponseBase
    if fmt is Format.XLSX:
        # An anonymous temporary file: unlinked at once on POSIX, deleted on close
        # on Windows, so nothing is left behind even if the process dies.
        spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
        try:
            write(account_list, fmt, spool)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        response = FileResponse(
            spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
        )
    else:
        response = StreamingHttpResponse(stream(account_list, fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(True, filename)  # type: ignore[assignment]  # None only without as_attachment and filename
    return response
