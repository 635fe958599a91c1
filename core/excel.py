"""Excel export shared by every list page (CORE-8).

Exports never fail on data: every cell goes through :func:`cell_value` — control characters
that the XML of a workbook cannot hold (``\x0b``, ``\x00`` …) become ``\ufffd`` and cells a
spreadsheet would run as a formula (leading ``= + - @``, tab, CR) are prefixed with an
apostrophe, so an exported ledger can never execute anything when opened — and the sheet's
title through :func:`sheet_title` (no ``/ \\ ? * : [ ]``, at most 31 characters).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from core.clock import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: characters a sheet title cannot contain (Excel and openpyxl refuse them)
TITLE_FORBIDDEN = re.compile(r"[\\/?*:\[\]]")
TITLE_MAX = 31


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    """A value any workbook can hold: no illegal XML characters, no formula, no time zone
    (aware times are shown in Asia/Shanghai), anything unknown as its text."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(SHANGHAI).replace(tzinfo=None)
    if value is None or isinstance(value, (bool, int, float, decimal.Decimal, dt.date, dt.time)):
        return value
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)))


def sheet_title(title: str) -> str:
    """``title`` as a valid sheet name: forbidden characters become ``-``, at most 31 long."""
    text = TITLE_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", str(title or "")))
    text = text.strip().strip("'")[:TITLE_MAX].strip().strip("'")
    return text or "Sheet1"


def file_name(name: str) -> str:
    """``name`` as a download's file name: no path separators or characters a sheet title refuses."""
    return TITLE_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", name))


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook written in constant memory (openpyxl write-only mode)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(title))
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=cell_value(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([cell_value(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
