"""Which column of a spreadsheet is which field of a ledger (issue 13).

:func:`propose` scores every (column, field) pair from the column's header — the field's
label or key (3), a synonym of :mod:`core.registry.synonyms` (2) — plus how well the column's
first values fit the field (up to 2: the share of them that are valid dates, choices, codes …;
free text fields get a neutral 1). A column whose header says nothing is still recognised
by its values when they are unmistakable (≥ 60 % of them shaped like credit codes or ID
numbers: 18 letters and digits — a ledger's bad codes still have that shape). Pairs are
then taken greedily, best first, one column per field.

:func:`signature` names a file layout (its headers, normalised), so that the mapping a
tenant confirmed last time is reused for the next file with the same headers
(:class:`ImportMapping`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import validators
from core.db import Base, TenantOwned, Timestamps
from core.registry.schemas import FieldSpec, clean_value
from core.registry.synonyms import header_key, header_names

#: field kinds whose values say what the column is
TYPED = ("choice", "bool", "date", "int", "credit_code", "id_number", "mobile")
#: kinds recognised from the values alone (by their shape), and the share of values that must fit
BY_VALUES = {"credit_code": re.compile(r"[0-9A-Z]{18}"), "id_number": re.compile(r"[0-9]{17}[0-9X]")}
VALUES_ALONE = 0.6
#: first cell of a row that totals the rows above (not data)
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数")


class ImportMapping(TenantOwned, Timestamps, Base):
    """A tenant's last confirmed mapping for one file layout of one import kind (bookkeeping)."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("tenant_id", "entity", "signature", name="uq_import_mappings_layout"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(64))
    headers: Mapped[list[Any]] = mapped_column(JSON)
    #: field key per column, "" for a column not imported
    mapping: Mapped[list[Any]] = mapped_column(JSON)


def signature(headers: Sequence[Any]) -> str:
    return hashlib.sha256("\x1f".join(header_key(h) for h in headers).encode()).hexdigest()


def remembered(session: Session, entity: str, headers: Sequence[Any]) -> list[str] | None:
    found = session.scalar(select(ImportMapping.mapping).where(
        ImportMapping.entity == entity, ImportMapping.signature == signature(headers)))
    return list(found) if found and len(found) == len(headers) else None


def remember(session: Session, entity: str, headers: Sequence[Any], mapping: Sequence[str]) -> None:
    sig = signature(headers)
    row = session.scalar(select(ImportMapping).where(ImportMapping.entity == entity,
                                                     ImportMapping.signature == sig))
    texts = ["" if h is None else str(h) for h in headers]
    if row is None:
        session.add(ImportMapping(entity=entity, signature=sig, headers=texts, mapping=list(mapping)))
    elif list(row.mapping) != list(mapping):
        row.mapping = list(mapping)
        row.headers = texts


def _fit(spec: FieldSpec, values: list[Any], cell) -> float | None:
    """Share of ``values`` that are valid for ``spec`` (None: the kind tells nothing)."""
    if spec.kind not in TYPED or not values:
        return None
    good = 0
    for value in values:
        _, problem = clean_value(spec, cell(spec, value))
        good += problem is None
    return good / len(values)


def _shaped(pattern: re.Pattern[str], values: list[Any]) -> float:
    if not values:
        return 0.0
    return sum(bool(pattern.fullmatch(validators.compact(str(v)).upper())) for v in values) / len(values)


def propose(fields: Sequence[FieldSpec], headers: Sequence[Any], sample: Sequence[Sequence[Any]],
            cell) -> list[str]:
    """Field key per column ("" = not imported). ``cell(spec, value)`` reads a raw cell."""
    names = {spec.key: header_names(spec.label) for spec in fields}
    candidates: list[tuple[float, int, int, str]] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        values = [row[index] for row in sample
                  if index < len(row) and row[index] is not None and str(row[index]).strip()]
        for spec in fields:
            if key and (key == header_key(spec.label) or key == header_key(spec.key)):
                strength = 3
            elif key and key in names[spec.key]:
                strength = 2
            else:
                strength = 0
            if strength == 0 and spec.kind not in BY_VALUES:
                continue
            if strength == 0:
                shaped = _shaped(BY_VALUES[spec.kind], values)
                if shaped < VALUES_ALONE:
                    continue
                score = 1 + shaped
            else:
                fit = _fit(spec, values, cell)
                score = strength + (1.0 if fit is None else 2 * fit)
            candidates.append((score, strength, index, spec.key))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    mapping = [""] * len(headers)
    taken: set[str] = set()
    for _score, _strength, index, field_key in candidates:
        if mapping[index] or field_key in taken:
            continue
        mapping[index] = field_key
        taken.add(field_key)
    return mapping


def is_total_row(values: Sequence[Any]) -> bool:
    """A row that totals the ones above (its first filled cell says 合计 / 总计 …)."""
    for value in values[:4]:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        text = header_key(value) if isinstance(value, str) else ""
        for word in TOTAL_WORDS:
            rest = text[len(word):]
            if text.startswith(word) and (not rest or rest[0].isdigit() or rest[0] in "家个人户条项"):
                return True
        return False
    return False
