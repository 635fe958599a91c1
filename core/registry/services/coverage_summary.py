"""Coverage figures per tenant kept current by the writes that change them (issue 20, bench P2d).

A district or city dashboard used to count every organization of its subtree on every load
(4–6 s at 1,000 streets / 1M organizations). Now each tenant has one
:class:`~core.registry.models.CoverageSummary` row — its own organizations' figures as of a
day — and a roll-up reads one row per tenant:

* **kept in the same transaction as the writes.** A session that flushes a change to an
  organization, party org, party-org coverage, member, instructor or instructor assignment
  (ORM objects, or ``insert``/``update``/``delete`` statements on their tables through the
  session) notes the tenants concerned; before it commits, it recounts those tenants with the
  same statement the live figures use (:func:`coverage.counts_by_tenant`, one tenant's
  organizations: milliseconds) and writes their rows. The row is locked first (PostgreSQL
  ``SELECT … FOR UPDATE``), so two transactions writing one tenant recount one after the other.
  Every writer goes through a session — the registry services, the importer, plugins — so
  none is missed; a write outside any session (a bulk SQL load) is followed by
  ``liandong coverage rebuild``.
* **dated.** Coverage depends on the day (an instructor assignment ends, a party org's
  dissolution date passes), so a row counts only for its ``as_of`` day: a periodic job
  recounts every tenant just after midnight (Beijing time), and until it has, a reader
  counts the tenants whose row is stale live, as before.
* **exact.** ``tests/registry/test_coverage_summary.py`` checks the maintained figures against
  a full recount after random writes, imports, bulk statements and deletes, on SQLite and
  PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from core import clock
from core.registry.models import (
    CoverageSummary,
    Instructor,
    InstructorAssignment,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.registry.services import coverage as cov

#: what the figures are counted from
WATCHED = (Organization, PartyOrg, PartyOrgCoverage, Member, Instructor, InstructorAssignment)
_WATCHED_TABLES = frozenset(m.__table__.name for m in WATCHED)
#: ``session.info`` key: tenant ids whose figures this transaction may have changed
_DIRTY = "coverage_dirty"


def _note(session: Session, tenant_ids: Iterable[int | None]) -> None:
    ids = {t for t in tenant_ids if t is not None}
    if ids:
        session.info.setdefault(_DIRTY, set()).update(ids)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _flush_context: Any) -> None:
    # in after_flush the session's new/dirty/deleted collections still hold what was flushed
    _note(session, (obj.tenant_id for obj in chain(session.new, session.dirty, session.deleted)
                    if isinstance(obj, WATCHED)))


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED_TABLES:
        _note(state.session, state.session.info.get("tenant_ids") or ())


@event.listens_for(Session, "before_commit")
def _recount_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes after this event: note what is still pending first
    ids = session.info.pop(_DIRTY, None)
    if not ids:
        return
    # a session writes only inside its scope (core.db refuses other rows), and counts what it sees
    ids &= set(session.info.get("tenant_ids") or ())
    if ids:
        refresh(session, ids)


@event.listens_for(Session, "after_rollback")
def _forget_dirty(session: Session) -> None:
    session.info.pop(_DIRTY, None)


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def refresh(session: Session, tenant_ids: Iterable[int], on: dt.date | None = None) -> int:
    """Recount ``tenant_ids`` (each one's own organizations, as of ``on``) and write their rows.

    ``session`` must see those tenants. Returns the number of tenants written.
    """
    ids = sorted(set(tenant_ids))
    if not ids:
        return 0
    on = on or clock.today()
    insert = _insert(session)
    session.execute(insert(CoverageSummary).values(
        [{"tenant_id": t, "as_of": on, "figures": {}} for t in ids]).on_conflict_do_nothing(
        index_elements=["tenant_id"]))
    rows = {r.tenant_id: r for r in session.scalars(
        select(CoverageSummary).where(CoverageSummary.tenant_id.in_(ids)).with_for_update()
        .execution_options(populate_existing=True))}
    figures = cov.counts_by_tenant(session, ids, on)
    for t in ids:
        row = rows[t]
        data = cov.figures_json(figures.get(t) or cov.empty_figures())
        if row.figures != data or row.as_of != on:
            row.figures, row.as_of = data, on
    session.flush()
    return len(ids)


def rebuild(session: Session, tenant_ids: Iterable[int]) -> int:
    """Recount every given tenant (``liandong coverage rebuild``, the daily job)."""
    return refresh(session, tenant_ids)
