"""The funds engine's public API for program plugins: budget lines and disbursements.

Programs reach the ledger only through this module (never ``plugins.funds.service``). Every
function takes a SQLAlchemy session scoped to one tenant and works in that tenant's ledger; it
flushes, the caller commits (or rolls back on :class:`core.forms.FormErrors`).

Amounts cross this API in two ways: fields take yuan as text (``"1200.50"``, exact to the
fen); rows carry integer fen (``amount_fen``). :func:`parse_yuan` / :func:`yuan_plain` convert.

Writes raise :class:`core.forms.FormErrors` whose keys are the field names below, with Chinese
messages (a refused state change is keyed ``status``). Nothing is half-saved.

Fields of a budget line (:func:`create_line`)
    ``year`` (2000–2100, required) · ``target_kind`` (``tenant`` | ``cluster`` | ``party_org``,
    default ``tenant``) · ``target_id`` (the cluster / party org id, not for ``tenant``) ·
    ``category`` (a key of :data:`CATEGORIES`, required) · ``title`` (≤ 200, default: the
    category's label) · ``amount`` (yuan, required) · ``note`` (≤ 5000).

Fields of a disbursement request (:func:`request_disbursement`)
    ``amount`` (yuan, ≤ the line's remaining balance) · ``purpose`` (required, ≤ 200) ·
    ``payee`` (≤ 200).

Example (a program proposing a start-up grant)::

    from plugins.funds import api as funds

    line = funds.create_line(session, tenant, {"year": "2026", "target_kind": "party_org",
                                               "target_id": str(po.id), "category": "startup",
                                               "amount": "5000"})
    funds.request_disbursement(session, line, {"amount": "5000", "purpose": "党组织启动经费",
                                               "payee": po.name}, today, "system",
                               source="myprogram", source_key=f"startup:{po.id}")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.funds import service as _svc
from plugins.funds.models import BudgetLine, Disbursement
from plugins.funds.types import RewardRule

__all__ = [
    "CATEGORIES", "STATUSES", "TARGET_KINDS", "BudgetLine", "Disbursement", "RewardRule", "create_line", "decide",
    "ledger", "parse_yuan", "remaining_fen", "request_disbursement", "set_line_amount", "target_ledger", "yuan",
    "yuan_plain",
]

#: budget categories, key → label (工作经费, 奖励, 补贴, 启动经费 …)
CATEGORIES = _svc.CATEGORIES
#: what a line is for, key → label
TARGET_KINDS = _svc.TARGET_KINDS
#: disbursement states, key → label: requested → approved → paid, or rejected
STATUSES = _svc.STATUSES


def parse_yuan(text: Any, *, allow_zero: bool = False) -> int:
    """Yuan as typed (``"1,200.5"``) → fen; ``ValueError`` with a Chinese message if it is not a
    positive amount with at most two decimals."""
    return _svc.parse_yuan(text, allow_zero=allow_zero)


def yuan(fen: int | None) -> str:
    """Fen → yuan text for people (``123450`` → ``"1,234.50"``)."""
    return _svc.yuan(fen)


def yuan_plain(fen: int | None) -> str:
    """Fen → yuan text a field accepts (``120050`` → ``"1200.50"``)."""
    return _svc.yuan_plain(fen)


def ledger(session: Session, year: int | None = None, target_kind: str = "", q: str = "") -> list:
    """One row per (year, target): budget, pending, approved, paid and remaining — fen."""
    return _svc.ledger(session, year, target_kind, q)


def target_ledger(session: Session, tenant: TenantInfo, kind: str, target_id: int | None,
                  year: int | None = None):
    """A target's lines and entries in date order with the running balance (``None``: unknown target)."""
    return _svc.target_ledger(session, tenant, kind, target_id, year)


def create_line(session: Session, tenant: TenantInfo, fields: Mapping[str, Any]) -> BudgetLine:
    """Add a budget line to ``tenant``'s ledger (fields: see the module docstring)."""
    return _svc.create_line(session, tenant, fields)


def set_line_amount(session: Session, line: BudgetLine, fields: Mapping[str, Any]) -> BudgetLine:
    """Change a line's budget (``amount``, and ``note`` if given); never below what is already
    requested, approved or paid on it (error key ``amount``)."""
    return _svc.update_line_amount(session, line, fields)


def remaining_fen(session: Session, line: BudgetLine) -> int:
    """The line's budget minus what is requested, approved or paid on it."""
    return _svc.remaining_fen(session, line)


def request_disbursement(session: Session, line: BudgetLine, fields: Mapping[str, Any], today: dt.date,
                         username: str = "", *, source: str = "manual", source_key: str = "") -> Disbursement:
    """Request a payment from ``line`` (status ``requested``). ``source`` / ``source_key`` name
    what proposed it (a program's rule and its key), so the program can find its proposals again."""
    return _svc.request_disbursement(session, line, fields, today, username, source=source, source_key=source_key)


def decide(session: Session, disbursement: Disbursement, action: str, fields: Mapping[str, Any],
           today: dt.date, username: str = "", *, separate_approval: bool = False) -> Disbursement:
    """``approve``, ``reject`` (field ``reason``, required) or ``pay`` (field ``paid_on``,
    default today, not in the future). With ``separate_approval`` the requester may not approve."""
    return _svc.decide(session, disbursement, action, fields, today, username, separate_approval=separate_approval)
