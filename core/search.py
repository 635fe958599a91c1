"""The one text search of every list: a case-insensitive substring match in which the user's
``%`` and ``_`` are literal characters (not LIKE wildcards), the same on SQLite and PostgreSQL.

    stmt = stmt.where(search.matches(q, Organization.name, Organization.address))

Filters on a key's beginning (the audit log's operation filter) use :func:`starts_with`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

ESCAPE = "\\"


def like_pattern(q: str) -> str:
    """``%q%`` with the LIKE wildcards and the escape character of ``q`` escaped."""
    escaped = q.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def matches(q: str, *columns) -> ColumnElement[bool]:
    """True where any of ``columns`` contains ``q`` (stripped; case-insensitive)."""
    pattern = like_pattern(q.strip())
    return or_(*(column.ilike(pattern, escape=ESCAPE) for column in columns))


def starts_with(q: str, column) -> ColumnElement[bool]:
    """True where ``column`` begins with ``q`` (stripped; wildcards literal, case kept)."""
    escaped = q.strip().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return column.like(escaped + "%", escape=ESCAPE)
