"""Reading uploaded CSV and XLSX tables into rows, with clear errors for a file that is not one.

Importers validate every row before writing any: a bad row is reported with its line number
and nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from governance.errors import ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


# Blank rows are skipped, but not without end: a sheet of more rows than this (blank or not) for
# ``max_rows`` data rows is refused as too long, before its rows are read when it says so itself.
def _row_bound(max_rows: int) -> int:
    return 2 * max_rows + 1


# Columns read from a workbook: a party list has about ten; a sheet that claims 16,384 would make
# every row that wide.
MAX_COLUMNS = 100


def _too_many_rows(max_rows: int) -> ValidationFailed:
    return ValidationFailed(
        _("The file has more than %(n)d rows.") % {"n": max_rows}, fields={"file": [_("Too many rows.")]}
    )


def read_table(
    *, name: str, content: bytes, headers: Mapping[str, str], max_rows: int = 10_000
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file as (line number, {field:
    text}), the header row mapped through ``headers`` (column title -> field; titles compared
    without case and surrounding spaces). Unknown columns are ignored; empty rows are skipped.

    Rows are read one at a time and the file is refused as soon as it passes ``max_rows`` (a
    workbook whose own dimension says so, before any row is read): a 5 MB upload holds hundreds
    of thousands of rows, and reading them all only to refuse them cost 20 seconds."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            fields={"file": [_("The file is too large.")]},
        )
    lower = name.lower()
    bound = _row_bound(max_rows)
    raw: Iterator[Sequence[object]]
    if lower.endswith(".xlsx"):
        raw = _xlsx_rows(content, bound=bound, max_rows=max_rows)
    elif lower.endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise ValidationFailed(
            _("Upload a .csv or .xlsx file."), fields={"file": [_("Upload a .csv or .xlsx file.")]}
        )
    first = next(raw, None)
    if first is None:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    wanted = {k.strip().lower(): v for k, v in headers.items()}
    columns = [wanted.get(str(cell or "").strip().lower()) for cell in first]
    if not any(columns):
        raise ValidationFailed(
            _("The first row must name the columns."),
            fields={"file": [_("No known column title in the first row.")]},
        )
    rows = []
    for line, cells in enumerate(raw, start=2):
        if line > bound:
            raise _too_many_rows(max_rows)
        if not any(str(c or "").strip() for c in cells):
            continue
        row = {col: _text(cells[i]) for i, col in enumerate(columns) if col and i < len(cells)}
        rows.append((line, row))
        if len(rows) > max_rows:
            raise _too_many_rows(max_rows)
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(content: bytes) -> Iterator[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise ValidationFailed(_("The file is not readable text."), fields={"file": [_("Unknown encoding.")]})
    return (list(row) for row in csv.reader(io.StringIO(text)))


def _xlsx_rows(content: bytes, *, bound: int, max_rows: int) -> Iterator[tuple[object, ...]]:
    from openpyxl import load_workbook

    try:
        # Read-only: the rows are parsed as they are asked for, not loaded at once.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception:
        raise ValidationFailed(
            _("The file is not a readable XLSX workbook."),
            fields={"file": [_("Not a readable XLSX workbook.")]},
        ) from None
    # The sheet's own dimension (<dimension ref="A1:H300000">), read without its rows. A sheet
    # may omit it (openpyxl then scans the XML once to find out, about 2 s for 300,000 rows) or
    # understate it; the count of rows as they are read holds then.
    declared = sheet.max_row
    if isinstance(declared, int) and declared > bound:
        raise _too_many_rows(max_rows)
    # Forget it then: openpyxl would stop at an understated last row (dropping the rest unseen),
    # and make every row as wide as the widest cell (one cell in column XFD: 16,384 a row).
    sheet.reset_dimensions()
    return _parsed(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))


def _parsed(rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    # A workbook that breaks half-way is refused like one that does not open.
    try:
        yield from rows
    except Exception:
        raise ValidationFailed(
            _("The file is not a readable XLSX workbook."),
            fields={"file": [_("Not a readable XLSX workbook.")]},
        ) from None


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A value to write into an exported cell: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _text_cell(sheet: Any, value: object) -> object:
    """Text that would start a formula is written as text (openpyxl takes "=..." for a formula);
    in a workbook the cell's type says so, and the text stays as it was."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def csv_response(rows: Iterable[Sequence[object]], *, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell("" if v is None else v) for v in row])
    # The byte-order mark makes Excel read the file as UTF-8 (else the Chinese is garbled).
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(rows: Iterable[Sequence[object]], *, filename: str, sheet_title: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "B2"
    for row in rows:
        sheet.append([_text_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
