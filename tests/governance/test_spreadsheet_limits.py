"""An upload is refused as too long without reading it whole: by the sheet's own dimension before
any row, else as soon as the rows read pass the limit (issue 15, finding 7: 300,000 rows were read
for 19.5 s only to be refused). Both imports (parties of a group dispute, the peace index's
data) read through ``read_table``."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from governance.errors import ValidationFailed
from governance.spreadsheets import read_table

HEADERS = {"name": "name", "note": "note"}
# After the last row: XML that breaks (a reader finds out only when it gets there), or a cell that
# cannot be read as the number it says it is (found only when the row itself is read).
BROKEN = '<row r="999999"><c r="A999999" t="inlineStr"><is><t>never read</is></row>'
POISONED = '<row r="999999"><c r="A999999" t="n"><v>never read</v></c></row></sheetData></worksheet>'
CLOSED = "</sheetData></worksheet>"
# The first row a cell that cannot be read: only a refusal that reads no row gets past it.
POISONED_FIRST = '<row r="2"><c r="A2" t="n"><v>never read</v></c></row>'


def xlsx(
    rows: int, *, dimension: str | None, tail: str = CLOSED, blank_every: int = 0, poison_first: bool = False
) -> bytes:
    """A workbook of a header and ``rows`` rows, written as XML (openpyxl takes seconds for as
    many), with the dimension it declares and what follows the last row: reading it whole fails
    on a bad tail, reading it as far as the limit does not."""
    book = Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    cells = ['<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>']
    if poison_first:
        cells.append(POISONED_FIRST)
    for i in range(3 if poison_first else 2, rows + 2):
        if blank_every and i % blank_every == 0:
            continue
        cells.append(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>p{i}</t></is></c></row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
        + "".join(cells)
        + tail
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item, data)
    return out.getvalue()


def test_a_sheet_whose_dimension_says_it_is_too_long_is_refused_before_its_rows_are_read():
    content = xlsx(30_000, dimension="A1:A30001", tail=BROKEN, poison_first=True)
    with pytest.raises(ValidationFailed, match="more than 5000 rows") as refused:
        read_table(name="p.xlsx", content=content, headers=HEADERS, max_rows=5000)
    assert refused.value.fields == {"file": ["Too many rows."]}


def test_a_sheet_without_a_dimension_is_refused_as_soon_as_its_rows_pass_the_limit():
    content = xlsx(30_000, dimension=None, tail=POISONED)
    with pytest.raises(ValidationFailed, match="more than 5000 rows"):
        read_table(name="p.xlsx", content=content, headers=HEADERS, max_rows=5000)


def test_a_sheet_that_understates_its_dimension_is_refused_all_the_same():
    content = xlsx(30_000, dimension="A1:A3", tail=POISONED)
    with pytest.raises(ValidationFailed, match="more than 2 rows"):
        read_table(name="p.xlsx", content=content, headers=HEADERS, max_rows=2)


def test_a_sheet_within_the_limit_is_read_with_its_blank_rows_skipped():
    content = xlsx(120, dimension="A1:A121", blank_every=10)
    rows = read_table(name="p.xlsx", content=content, headers=HEADERS, max_rows=200)
    assert len(rows) == 108
    assert rows[0] == (2, {"name": "p2"}) and rows[-1] == (121, {"name": "p121"})


def test_a_sheet_whose_rows_cannot_be_read_is_refused_as_unreadable():
    content = xlsx(10, dimension=None, tail=POISONED)
    with pytest.raises(ValidationFailed, match="not a readable XLSX workbook"):
        read_table(name="p.xlsx", content=content, headers=HEADERS, max_rows=5000)


def test_a_csv_is_refused_as_soon_as_its_rows_pass_the_limit():
    content = b"name\n" + b"a\n" * 30_000
    with pytest.raises(ValidationFailed, match="more than 5000 rows"):
        read_table(name="p.csv", content=content, headers=HEADERS, max_rows=5000)
