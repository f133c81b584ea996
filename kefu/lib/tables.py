"""Tables as files a spreadsheet opens: CSV with a BOM (Excel reads UTF-8 without one as
the system's code page and garbles Chinese) and XLSX with typed cells, so a figure stays
a number, a share shows as a percentage and a time as a date, not as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

BOM = "\ufeff"
# Excel number formats by a column's unit; others are General.
XLSX_FORMATS = {
    "ratio": "0.0%",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
    "seconds": "0",
    "count": "0",
    "decimal": "0.00",
}
MAX_SHEET_TITLE = 31  # Excel's limit


def spreadsheet_text(value: str | None) -> str:
    """Text as a spreadsheet shows it, never as a formula: a name a shopper typed may
    start with "=" (or +, -, @), which Excel would run."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def _cell(value: Any) -> Any:
    """A value as written: text made safe, numbers and times as they are."""
    return spreadsheet_text(value) if isinstance(value, str) else value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return _cell(value)


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, comma separated, CRLF lines (RFC 4180)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([_cell(h) for h in headers])
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def to_xlsx(
    title: str, headers: Sequence[str], units: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bytes:
    """One sheet: a bold header row, frozen, then the rows with number formats by unit.
    Times must be naive (local to the reader): Excel has no time zones. openpyxl (and the
    numpy it pulls in) loads with the first export, not in every idle server."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:MAX_SHEET_TITLE]
    sheet.append([_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for index, (header, unit) in enumerate(zip(headers, units, strict=True), start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(40, len(header) * 2 + 4))
        number_format = XLSX_FORMATS.get(unit)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
