"""The one CSV writer of the app: files a Dutch Excel opens straight into columns, safely.

UTF-8 with a byte-order mark (so Excel reads the accents right) and ``;`` between fields,
because a Dutch Excel splits on it. No ``sep=`` line: with it Excel ignores the BOM.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula by a spreadsheet (CSV injection, OWASP): such text gets a leading apostrophe,
which a spreadsheet shows as plain text. Every export goes through ``csv_bytes``, so a name
a coach typed at registration can never become a formula in a staff member's Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as it is, never runs."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value: Any) -> str:
    """One value as a cell: numbers as themselves (a decimal comma), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return safe_text(str(value))


class CsvWriter:
    """Rows in, the text of a CSV file for Excel out (BOM first): ``writerow(...)`` then ``getvalue()``."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=";", lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])

    def getvalue(self) -> str:
        return "\ufeff" + self._buffer.getvalue()  # to be sent as UTF-8


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """A header and rows as the bytes of a CSV file for Excel."""
    writer = CsvWriter()
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return writer.getvalue().encode("utf-8")
