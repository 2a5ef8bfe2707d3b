"""Every CSV the console and the API hand out, written by one writer that keeps spreadsheets
from running what callers or operators typed (OWASP "CSV injection").

A text cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula; such a cell gets a leading single quote, which they show as
text. A phone number ('+14155550123', or masked '+•••••••••34') is left readable: digits after
a plus form no formula. Numbers (wait_s) are numbers, not text, and are never touched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+[0-9•]{1,20}")


def safe_cell(value: object) -> object:
    """The cell as a spreadsheet should show it: text that would start a formula gets a quote."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if PHONE_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A header and one line a row, only the named columns, every text cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in columns])
    return out.getvalue()


def csv_download(filename: str, columns: Sequence[str],
                 rows: Iterable[Mapping[str, object]]) -> Response:
    """The CSV as a file download, the same for a page's link and the API."""
    return Response(csv_text(columns, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
