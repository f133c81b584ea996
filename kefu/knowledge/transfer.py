"""FAQ files: reading CSV, JSON and Excel into rows of raw fields, writing entries back out.

The same columns both ways, so an exported file imports again unchanged. In CSV the
similar questions share one cell, separated by ``|`` or new lines; in JSON they are a
list. An ``id`` column (exports have one) names the entry a row updates; without it, or
when it names no entry of the shop, the question does. Rows are numbered as a person
sees them: in CSV the header is line 1, so the first entry is row 2; in JSON the first
object is row 1."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from kefu.errors import Invalid, UnsupportedType
from kefu.lib.tables import to_xlsx

# An entry's fields, as the API, the versions and the files name them.
FIELDS = (
    "question",
    "similar",
    "answer",
    "category",
    "stage",
    "channel",
    "valid_from",
    "valid_until",
    "enabled",
)
COLUMNS = ("id", *FIELDS)
MAX_ROWS = 5000
SEPARATORS = ("\r\n", "\n", "|")


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("the file is not UTF-8 text", field="file") from exc


def _split_similar(cell: str) -> list[str]:
    for separator in SEPARATORS:
        cell = cell.replace(separator, "\n")
    return [part.strip() for part in cell.split("\n") if part.strip()]


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if "question" not in header or "answer" not in header:
        raise Invalid("a FAQ file needs the columns question and answer", field="file")
    reader.fieldnames = header
    rows = []
    for number, record in enumerate(reader, start=2):
        row = {key: (value or "").strip() for key, value in record.items() if key in COLUMNS}
        row["similar"] = _split_similar(row.get("similar", ""))
        rows.append((number, {key: value for key, value in row.items() if value != ""}))
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The first sheet of an Excel workbook, read like a CSV file (row 1 the header).
    openpyxl is imported here: a server that never reads a workbook does not load it."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise Invalid("the file is not an Excel workbook (.xlsx)", field="file") from exc
    lines = book.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2)
    out = io.StringIO()
    writer = csv.writer(out)
    for line in lines:
        writer.writerow(["" if cell is None else _xlsx_cell(cell) for cell in line])
    book.close()
    return _csv_rows(out.getvalue())


def _xlsx_cell(value: Any) -> str:
    """A cell as the CSV text of it: times as ISO (Excel's are naive: China's time)."""
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def _json_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"the file is not valid JSON (line {exc.lineno})", field="file") from exc
    if isinstance(data, dict):
        data = data.get("faqs")
    if not isinstance(data, list):
        raise Invalid("a FAQ JSON file is a list of entries", field="file")
    return [(number, item) for number, item in enumerate(data, start=1)]


def read_faq_file(filename: str, data: bytes) -> list[tuple[int, Any]]:
    """(row number, raw fields) for each entry of a ``.csv`` or ``.json`` file."""
    name = filename.lower()
    if name.endswith(".csv"):
        rows = _csv_rows(_text(data))
    elif name.endswith(".json"):
        rows = _json_rows(_text(data))
    elif name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        raise UnsupportedType("import a .csv, .json or .xlsx file", field="file")
    if not rows:
        raise Invalid("the file has no entries", field="file")
    if len(rows) > MAX_ROWS:
        raise Invalid(f"a file has at most {MAX_ROWS} entries", field="file")
    return rows


def write_json(records: Iterable[Mapping[str, Any]]) -> str:
    """Entries as a JSON list, Chinese unescaped."""
    return json.dumps([dict(r) for r in records], ensure_ascii=False, indent=2)


def write_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """Entries as CSV with a header, similar questions joined by ``|`` (with a BOM so
    Excel opens the Chinese right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow(_csv_row(record))
    return out.getvalue()


def _csv_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One entry as the file's cells: similar questions joined by ``|``, no None."""
    row = {key: record.get(key) for key in COLUMNS}
    row["similar"] = "|".join(record.get("similar") or [])
    row["enabled"] = "true" if record.get("enabled", True) else "false"
    return {k: "" if v is None else v for k, v in row.items()}


def write_xlsx(records: Iterable[Mapping[str, Any]]) -> bytes:
    """Entries as one Excel sheet with the CSV's columns (so it imports again)."""
    rows = [[cells[key] for key in COLUMNS] for cells in map(_csv_row, records)]
    return to_xlsx("FAQ", COLUMNS, [""] * len(COLUMNS), rows)


def content_of(entry: Any) -> dict[str, Any]:
    """What a version keeps: the entry's fields, times as ISO text."""
    return {
        key: value.isoformat() if isinstance(value, datetime | date) else value
        for key in FIELDS
        for value in [getattr(entry, key)]
    }
