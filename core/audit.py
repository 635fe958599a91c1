"""The audit trail (CORE-10).

Every ORM write to an audited model is recorded in the same transaction as the change, so no
service can forget to audit and no audit entry survives a rolled-back change:

* ``before_flush`` sees the rows the code added, changed or deleted explicitly (``session.new``,
  ``session.dirty``, ``session.deleted``) and takes the "before" values while they are known;
* ``persistent_to_deleted`` catches the rows the unit of work deletes on its own during the
  flush — orphans of a ``cascade="all, delete-orphan"`` relationship (a speaker removed from an
  activity's list) — which never appear in ``session.deleted``;
* ``after_flush_postexec`` writes the entries, once primary keys of new rows are known.

Actions that are not row changes (login, revealing a masked value) call :func:`record`
explicitly.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import audit_chain  # noqa: F401  (chains every entry by hash before COMMIT)
from core.db import Base, TenantOwned
from core.models import (
    AuditEntry,
    CasbinRule,
    RecoveryCode,
    Revision,
    Tenant,
    TenantPlugin,
    TotpCredential,
    User,
)

#: never written to the log
SECRET_COLUMNS = {"password_hash", "token_hash"}
#: tables whose rows are bookkeeping, not user data (second-factor secrets: their changes are
#: recorded as ``mfa.*`` actions by core/services/mfa.py, never with their values)
UNAUDITED = (AuditEntry, Revision, CasbinRule, TotpCredential, RecoveryCode)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "<binary>"
    return value


def snapshot(obj: Base, *, loaded_only: bool = False) -> dict[str, Any]:
    """Column values of ``obj`` (sensitive columns replaced by a marker).

    ``loaded_only`` reads the values already in memory and never loads (used inside a
    flush, where a lazy load of a row being deleted must not be attempted).
    """
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SECRET_COLUMNS:
            continue
        if loaded_only:
            if key not in state.dict:
                continue
            value = state.dict[key]
        else:
            value = getattr(obj, key)
        out[key] = "***" if key in getattr(obj, "__sensitive__", ()) else _jsonable(value)
    return out


def _label(obj: Base) -> str:
    """The row's ``name`` (a column or a property) or ``username``, for the log's summary."""
    try:
        return str(getattr(obj, "name", None) or getattr(obj, "username", None) or "")
    except SQLAlchemyError:  # e.g. a property reading a column of a row deleted unloaded
        return ""


def _audited(obj: object) -> bool:
    """Every model's changes, except bookkeeping (:data:`UNAUDITED`) and models that say they
    hold only figures derived from audited rows (``__audited__ = False``)."""
    return isinstance(obj, Base) and not isinstance(obj, UNAUDITED) and getattr(obj, "__audited__", True)


def _tenant_of(obj: Base, session: Session, values: dict[str, Any] | None = None) -> int | None:
    if isinstance(obj, Tenant):
        return obj.id if values is None or "id" not in values else values["id"]
    if isinstance(obj, (TenantOwned, TenantPlugin)):
        return obj.tenant_id if values is None or "tenant_id" not in values else values["tenant_id"]
    if isinstance(obj, User):
        return None
    return session.info.get("tenant_id")


def record(
    session: Session,
    action: str,
    *,
    tenant_id: int | None = None,
    entity: str = "",
    entity_id: Any = "",
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        tenant_id=tenant_id if tenant_id is not None else session.info.get("tenant_id"),
        user_id=session.info.get("user_id"),
        username=session.info.get("username", ""),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        summary=summary,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _audit_changes(session: Session, _ctx, _instances) -> None:
    if session.info.get("skip_audit"):
        return
    pending: list[tuple[Base, str, dict | None]] = []
    for obj in list(session.new):
        if _audited(obj):
            pending.append((obj, "create", None))
    for obj in list(session.dirty):
        if _audited(obj) and session.is_modified(obj):
            state = inspect(obj)
            before = {}
            for attr in state.mapper.column_attrs:
                hist = state.attrs[attr.key].history
                if hist.has_changes() and attr.key not in SECRET_COLUMNS:
                    old = hist.deleted[0] if hist.deleted else None
                    before[attr.key] = (
                        "***" if attr.key in getattr(obj, "__sensitive__", ()) else _jsonable(old)
                    )
            if before:
                pending.append((obj, "update", before))
    deleted = session.info.setdefault("_audit_deleted", set())
    for obj in list(session.deleted):
        if _audited(obj):
            pending.append((obj, "delete", snapshot(obj)))
            deleted.add(id(obj))
    if not pending:
        return
    # primary keys of new rows are known only after the flush: record those afterwards
    session.info.setdefault("_audit_pending", []).extend(pending)


@event.listens_for(Session, "persistent_to_deleted")
def _audit_flush_deletes(session: Session, obj: object) -> None:
    """Rows deleted by the flush itself (delete-orphan cascades) are audited too."""
    if session.info.get("skip_audit") or not _audited(obj):
        return
    if id(obj) in session.info.get("_audit_deleted", ()):
        return  # already queued by before_flush with its full snapshot
    session.info.setdefault("_audit_pending", []).append((obj, "delete", snapshot(obj, loaded_only=True)))


@event.listens_for(Session, "after_flush_postexec")
def _audit_write(session: Session, _ctx) -> None:
    session.info.pop("_audit_deleted", None)
    pending = session.info.pop("_audit_pending", None)
    if not pending:
        return
    for obj, kind, before in pending:
        table = obj.__table__.name
        after = None if kind == "delete" else snapshot(obj)
        if kind == "update" and after is not None:
            after = {k: after.get(k) for k in before}
        if kind == "delete":  # described by its snapshot: a deleted row cannot be loaded again
            tenant_id = _tenant_of(obj, session, before)
            summary = before.get("name") or before.get("username") or _label(obj)
        else:
            tenant_id = _tenant_of(obj, session)
            summary = _label(obj)
        ident = inspect(obj).identity
        record(
            session,
            f"{table}.{kind}",
            tenant_id=tenant_id,
            entity=table,
            entity_id=ident[0] if ident and len(ident) == 1 else (ident or ""),
            summary=str(summary),
            before=before,
            after=after,
        )


@event.listens_for(Session, "after_soft_rollback")
def _audit_forget(session: Session, _previous_transaction) -> None:
    """A flush that failed leaves nothing queued for the next one."""
    session.info.pop("_audit_pending", None)
    session.info.pop("_audit_deleted", None)
