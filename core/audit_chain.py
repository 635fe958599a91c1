"""Tamper evidence for the audit log: every entry is chained by a keyed hash to the one before.

Chains
    One per tenant (``tenant_id``) plus the platform chain (``tenant_id IS NULL``). Per tenant
    because row-level security lets a tenant-scoped transaction see only its own tenant's
    entries (and platform ones): a writer can always read the head of the chain it extends,
    and tenants never wait for each other. A single global chain would need every writer to
    read across tenants, and would serialise every write of the platform.

Appending (same transaction as the change)
    Entries are inserted as usual, then chained at the end of the transaction
    (``before_commit``): once everything is flushed, the chain is locked — on PostgreSQL
    ``pg_advisory_xact_lock`` per chain, held until COMMIT; on SQLite the database write lock
    the transaction already holds — its head (highest ``chain_seq``) is read and the new entries
    get ``chain_seq`` = head + 1, …, ``prev_hash`` = the head's hash and ``row_hash`` =
    HMAC-SHA256(key, prev_hash + canonical JSON of the entry). The lock is taken last, after
    every other write of the transaction, so it cannot deadlock with row locks, and it is held
    only for the moment before COMMIT. A unique index on (chain, ``chain_seq``) makes a fork
    impossible even for a writer that bypassed the lock.

The key
    Derived from ``LIANDONG_FIELD_KEY`` like the blind indexes (:func:`core.crypto.blind_index`,
    purpose ``audit-chain``): someone who can edit the database but does not hold the key
    cannot forge a consistent chain. Rotating the field key makes old chains unverifiable.

What is hashed
    Everything but ``id`` and ``user_id`` (set to NULL when a user row is deleted; ``username``
    keeps who it was). Changing :func:`entry_digest` breaks every existing chain.

Detected by :func:`verify` (``liandong audit verify``): an edited entry, an entry inserted
outside the application (no hash), entries removed from the middle of a chain. Entries can be
neither changed nor deleted before :data:`RETENTION_DAYS` — database triggers refuse it (see
migration ``0008_audit_chain``); removing the newest entries of a chain is caught only against
heads recorded elsewhere (``liandong audit verify --heads``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, event, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import crypto
from core.models import AuditEntry

#: entries younger than this cannot be deleted (等保 level 3: at least six months)
RETENTION_DAYS = 183
#: first key of the PostgreSQL advisory lock of a chain ("LD"); the second is the chain
LOCK_NAMESPACE = 0x4C44
PURPOSE = "audit-chain"
GENESIS = "0" * 64

_PENDING = "_audit_unchained"
#: the columns an entry's hash covers, besides its place in the chain
CONTENT = ("tenant_id", "username", "action", "entity", "entity_id", "summary", "before", "after", "created_at")


def chain_of(tenant_id: int | None) -> int:
    """The chain an entry belongs to: its tenant, or 0 for platform entries."""
    return tenant_id or 0


def _timestamp(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _json(value: Any) -> Any:
    """The value as it reads back from a JSON column (tuples → lists, keys → strings)."""
    return None if value is None else json.loads(json.dumps(value))


def entry_digest(prev_hash: str, row: Any) -> str:
    """The keyed hash of one entry (``row``: an :class:`AuditEntry` or a row of its columns)."""
    body = {
        "seq": row.chain_seq,
        "tenant_id": row.tenant_id,
        "username": row.username or "",
        "action": row.action or "",
        "entity": row.entity or "",
        "entity_id": row.entity_id or "",
        "summary": row.summary or "",
        "before": _json(row.before),
        "after": _json(row.after),
        "created_at": _timestamp(row.created_at),
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return crypto.blind_index(f"{prev_hash}\n{canonical}", PURPOSE)


# --- appending ---------------------------------------------------------------------------------


@event.listens_for(AuditEntry, "after_insert")
def _remember(_mapper, _connection, entry: AuditEntry) -> None:
    session = Session.object_session(entry)
    if session is not None:
        session.info.setdefault(_PENDING, []).append(entry)


def _head(conn, chain: int) -> tuple[int, str]:
    t = AuditEntry.__table__
    row = conn.execute(
        select(t.c.chain_seq, t.c.row_hash)
        .where(func.coalesce(t.c.tenant_id, 0) == chain, t.c.chain_seq.is_not(None))
        .order_by(t.c.chain_seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def _lock(conn, chain: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(CAST(:ns AS integer), CAST(:chain AS integer))"),
                     {"ns": LOCK_NAMESPACE, "chain": chain})
    # SQLite: the transaction inserted the entries, so it already holds the database's write lock


def _live_ids(conn, ids: list[int]) -> set[int]:
    """Entries still there and not chained (an entry of a rolled-back savepoint is gone)."""
    t = AuditEntry.__table__
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(conn.scalars(select(t.c.id).where(t.c.id.in_(ids[start:start + 500]),
                                                        t.c.row_hash.is_(None))))
    return found


def chain_pending(session: Session) -> None:
    """Give this transaction's new entries their place in their chains (called before COMMIT)."""
    for _ in range(100):  # the final flush, and the entries that flush itself records
        if not (session.new or session.dirty or session.deleted):
            break
        session.flush()
    pending: list[AuditEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    conn = session.connection()
    by_id = {e.id: e for e in pending}
    live = _live_ids(conn, sorted(by_id))
    chains: dict[int, list[AuditEntry]] = {}
    for entry_id in sorted(live):
        entry = by_id[entry_id]
        chains.setdefault(chain_of(entry.tenant_id), []).append(entry)
    t = AuditEntry.__table__
    stmt = (update(t).where(t.c.id == bindparam("_id"))
            .values(chain_seq=bindparam("_seq"), prev_hash=bindparam("_prev"), row_hash=bindparam("_hash")))
    for chain in sorted(chains):  # always in the same order: two chains never deadlock
        _lock(conn, chain)
        seq, prev = _head(conn, chain)
        params = []
        for entry in chains[chain]:
            seq += 1
            digest = entry_digest(prev, SimpleNamespace(**_content(entry), chain_seq=seq))
            params.append({"_id": entry.id, "_seq": seq, "_prev": prev, "_hash": digest})
            prev = digest
        conn.execute(stmt, params)
        for entry, p in zip(chains[chain], params, strict=True):
            for key, value in (("chain_seq", p["_seq"]), ("prev_hash", p["_prev"]), ("row_hash", p["_hash"])):
                _set_committed(entry, key, value)


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {key: getattr(entry, key) for key in CONTENT}


def _set_committed(entry: AuditEntry, key: str, value: Any) -> None:
    set_committed_value(entry, key, value)


@event.listens_for(Session, "before_commit")
def _chain_before_commit(session: Session) -> None:
    if session.info.get(_PENDING) or session.new or session.dirty or session.deleted:
        chain_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or rolled back)
        session.info.pop(_PENDING, None)


# --- verifying ---------------------------------------------------------------------------------


@dataclass
class ChainReport:
    chain: int  # tenant id, 0 = platform
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    first_seq: int | None = None
    #: the first break: (entry id, chain_seq, what is wrong); None when intact
    problem: tuple[int, int | None, str] | None = None


def _rows(session: Session, chain: int) -> Iterator[Any]:
    t = AuditEntry.__table__
    cond = t.c.tenant_id.is_(None) if chain == 0 else t.c.tenant_id == chain
    yield from session.execute(
        select(t).where(cond).order_by(t.c.chain_seq.is_(None).desc(), t.c.chain_seq, t.c.id)
        .execution_options(yield_per=1000)
    )


def verify_chain(session: Session, chain: int) -> ChainReport:
    """Walk one chain in order; stop at the first entry that does not fit."""
    report = ChainReport(chain)
    prev: str | None = None
    expected: int | None = None
    for row in _rows(session, chain):
        report.entries += 1
        if row.chain_seq is None or row.row_hash is None:
            report.problem = (row.id, None, "entry without a chain hash (written outside the application)")
            return report
        if expected is None:  # the oldest entry kept; older ones may have passed their retention
            report.first_seq = row.chain_seq
        elif row.chain_seq != expected:
            report.problem = (row.id, row.chain_seq, f"entries missing before this one (expected number {expected})")
            return report
        if prev is not None and row.prev_hash != prev:
            report.problem = (row.id, row.chain_seq, "does not link to the entry before it")
            return report
        if entry_digest(row.prev_hash, row) != row.row_hash:
            report.problem = (row.id, row.chain_seq, "content changed after it was written")
            return report
        prev, expected = row.row_hash, row.chain_seq + 1
        report.head_seq, report.head_hash = row.chain_seq, row.row_hash
    return report


def verify(tenant_ids: Iterable[int]) -> list[ChainReport]:
    """Every chain: the platform's, then each tenant's (each read inside its own RLS scope)."""
    from core.db import open_session

    reports = []
    for chain in [0, *sorted(tenant_ids)]:
        with open_session(chain or None) as session:
            reports.append(verify_chain(session, chain))
    return reports
