"""Excel downloads (CORE-8): a list's rows with the export in the audit log, or a workbook made
elsewhere (an import template, an import's rejected rows)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from litestar import Response
from sqlalchemy.orm import Session

from core import clock
from core.audit import record
from core.excel import XLSX, file_name, workbook_bytes


def xlsx_file(data: bytes, filename: str) -> Response:
    """``data`` (a workbook) as an attachment; ``filename`` may be Chinese (RFC 5987 encoded, no
    path separators)."""
    encoded = quote(file_name(filename), safe="")
    return Response(content=data, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{encoded}"})


class _Counted:
    """Rows passed through one by one (constant memory), counted on the way."""

    def __init__(self, rows: Iterable[Sequence[Any]]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def xlsx_export(db: Session, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                action: str, entity: str = "", query: Mapping[str, Any] | None = None,
                sheet: str | None = None, filename: str | None = None, note: str = "",
                details: Mapping[str, Any] | None = None) -> Response:
    """A download of ``rows`` as ``<title>-<Beijing date>.xlsx``; the audit entry is committed.

    The entry: ``action`` (``<area>.export``), ``entity`` (the table exported), a summary
    "导出<title> <n> 条<note>" and as its values the filters (``query`` without empty values),
    ``rows`` (how many) and ``details``. ``db`` is the tenant's read-write session — the rows may come from another
    one (the replica, a roll-up over the subtree); they are written one by one, never listed.
    """
    counted = _Counted(rows)
    today = clock.today()
    response = xlsx_file(workbook_bytes(sheet or title, headers, counted),
                         filename or f"{title}-{today.isoformat()}.xlsx")
    filters = {k: v for k, v in (query or {}).items() if v not in ("", None)}
    record(db, action, entity=entity, summary=f"导出{title} {counted.count} 条{note}",
           after={**filters, "rows": counted.count, **(details or {})})
    db.commit()
    return response
