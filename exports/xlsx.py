"""XLSX writer: openpyxl in write-only mode, so rows go to disk as they come
(~36 MB at any size, docs/performance.md "Background").

Each sheet has a bold, frozen header row and an autofilter; booleans and
datetimes are real cells (datetimes in local time: Excel has no time zones).
Text is written as typed text cells: a full name such as "=HYPERLINK(...)" or
"-minus" is that exact text in Excel, never run and never given a quote (the
quote neutralising of exports/writers.py is for CSV, where a cell has no type).
Profile links are HYPERLINK formulas: openpyxl keeps every real hyperlink
object in memory until the sheet closes (hundreds of MB at 1M rows), a formula
costs nothing. A sheet holds 1,048,576 rows, so bigger lists continue on
"<list> (2)", "<list> (3)"... each with its own header.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from exports.writers import row_converter

MAX_DATA_ROWS = 1_048_575  # 1,048,576 rows per sheet, less the header
# Excel keeps 15 significant digits: a bigger integer would be silently rounded.
MAX_EXACT_INT = 10**15
HEADER_FONT = Font(bold=True)
LINK_FONT = Font(color="0563C1", underline="single")
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # openpyxl's own for a datetime
WIDTHS = {"text": 28, "int": 16, "bool": 12, "url": 44, "datetime": 20}


# openpyxl guesses a cell's type from its value: text starting with "=" becomes
# a formula, an error code's text (#N/A...) an error cell. Those few values go
# in as a cell already typed text (t="inlineStr"), which Excel shows as it is.
_TYPED_BY_GUESS = frozenset("=#")


class _TextCell(Cell):
    """A cell typed text whatever its value looks like. It has no sheet and no
    style: openpyxl writes it as given, then reuses it as the row's scratch cell
    for the next columns (each such value gets its own)."""

    __slots__ = ()

    def __init__(self, text: str) -> None:
        super().__init__(None, row=1, column=1)  # type: ignore[arg-type]  # sheetless: openpyxl allows it, the stub not
        self._value = text
        self.data_type = "s"

    def __repr__(self) -> str:  # openpyxl formats it into a message; it has no sheet
        return f"<text cell {self._value!r}>"


def _text(value: object) -> object:
    if not isinstance(value, str):
        return value
    # openpyxl refuses control characters other than tab, CR and LF; XML readers
    # turn a CR into LF anyway, so the file says so itself.
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text[:1] in _TYPED_BY_GUESS and (text.startswith("=") or text in ERROR_CODES):
        return _TextCell(text)
    return text


def _int(value: object) -> object:
    if isinstance(value, int) and abs(value) >= MAX_EXACT_INT:
        return str(value)
    return value


class _SheetWriter:
    def __init__(self, workbook: Workbook, title: str, columns: Sequence[tuple[str, str]]) -> None:
        self.workbook = workbook
        self.title = title
        self.columns = columns
        self.kinds = [kind for _, kind in columns]
        self.url_index = self.kinds.index("url") if "url" in self.kinds else None
        self.sheets = 0
        self.sheet: WriteOnlyWorksheet | None = None
        self.rows_in_sheet = 0
        self.link_cell: Cell | None = None
        self.time_indexes = [i for i, kind in enumerate(self.kinds) if kind == "datetime"]
        self.time_cells: dict[object, Cell] = {}

    # openpyxl writes an appended row at once, so one cell object can stand in
    # every row: the sheet's link cell takes each row's formula, and a time's cell
    # (an Excel serial with the date style) serves every row with that time. A
    # list has as many distinct times as its target's scrapes. Building and styling
    # two new cells a row cost ~12% of the export (200k rows: 17.8 -> 15.6 s,
    # docs/performance.md).

    def _link(self, url: object) -> object:
        if not isinstance(url, str) or not url:
            return url
        cell = self.link_cell
        if cell is None:
            assert self.sheet is not None  # rows are written to a sheet
            cell = self.link_cell = WriteOnlyCell(self.sheet)
            cell.font = LINK_FONT
            # A passed cell without a style would become openpyxl's scratch cell
            # for the row's next columns, and be overwritten.
            assert cell.has_style
        cell.value = '=HYPERLINK("{}")'.format(url.replace('"', '""'))
        return cell

    def _time(self, value: object) -> object:
        if value is None:
            return None
        cell = self.time_cells.get(value)
        if cell is not None:
            return cell
        local = timezone.localtime(value)  # type: ignore[arg-type]  # a Row's time, typed object
        naive = local.replace(tzinfo=None, microsecond=0)  # Excel has no time zones
        assert self.sheet is not None  # rows are written to a sheet
        cell = WriteOnlyCell(self.sheet, value=to_excel(naive, self.workbook.epoch))
        cell.number_format = DATETIME_FORMAT
        assert cell.has_style  # as for the link cell
        if len(self.time_cells) < 10_000:
            self.time_cells[value] = cell
        return cell

    def _close_sheet(self) -> None:
        if self.sheet is not None:
            last = get_column_letter(len(self.columns))
            self.sheet.auto_filter.ref = f"A1:{last}{self.rows_in_sheet + 1}"  # type: ignore[attr-defined]  # set by _setup(); the stub misses it

    def new_sheet(self) -> None:
        self._close_sheet()
        self.sheets += 1
        title = self.title if self.sheets == 1 else f"{self.title} ({self.sheets})"
        sheet = self.workbook.create_sheet(title=title[:31])
        for index, kind in enumerate(self.kinds, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(kind, 16)
        sheet.freeze_panes = "A2"  # must precede the first row in write-only mode
        header = []
        for name, _ in self.columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = HEADER_FONT
            header.append(cell)
        sheet.append(header)
        self.sheet, self.rows_in_sheet = sheet, 0
        self.link_cell, self.time_cells = None, {}  # a cell belongs to its sheet

    def append(self, values: list[object]) -> None:
        if self.sheet is None or self.rows_in_sheet >= MAX_DATA_ROWS:
            self.new_sheet()
        if self.url_index is not None:
            values[self.url_index] = self._link(values[self.url_index])
        for index in self.time_indexes:
            values[index] = self._time(values[index])
        assert self.sheet is not None
        self.sheet.append(values)
        self.rows_in_sheet += 1

    def finish(self) -> None:
        if self.sheet is None:
            self.new_sheet()
        self._close_sheet()


def write_xlsx(
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[object]],
    out: BinaryIO | Path | str,
    title: str,
) -> int:
    """Write the rows to `out` (a path or a binary file); returns the row count."""
    workbook = Workbook(write_only=True)
    writer = _SheetWriter(workbook, title, columns)
    convert = row_converter(writer.kinds, {"text": _text, "int": _int})
    count = 0
    for row in rows:
        writer.append(convert(row))
        count += 1
    writer.finish()
    workbook.save(out)
    return count
