"""The units plugin's public API for program plugins: units, pairings, visits and gaps.

Programs reach units and pairings only through this module (never ``plugins.units.service``).
Every function takes a SQLAlchemy session scoped to one tenant; writes flush, the caller commits
(or rolls back on :class:`core.forms.FormErrors`, whose keys are the field names below with
Chinese messages — nothing is half-saved).

Programs configure the plugin through its hooks (:mod:`plugins.units.hookspecs`):
``register_unit_kinds`` (e.g. 南湖's 成员单位 with 分工/职责) and ``register_pairing_kinds`` (a
kind with its rules: ``PairingKind("nanhu.liandian", "联点", holder_roles=("nanhu_leader",),
min_pairings=1)``; ``PairingKind("jinhua.contact", "联系走访", holder_unit_kinds=("member_unit",),
min_pairings=1, visits=1, period="quarter")``).

Fields of a unit (:func:`create_unit`, :func:`update_unit`)
    ``name`` (required, ≤ 200; unique within its kind) · ``kind`` (a key of :func:`unit_kinds`,
    required) · ``duties`` (工作分工和职责, ≤ 5000) · ``contact_name`` (≤ 50; default: the name
    of the contact member or user) · ``contact_member_id`` (a member's id) · ``contact_user_id``
    (a user with a role in the tenant) · ``contact_phone`` (a mobile number, stored encrypted) ·
    ``party_org_id`` (its party org) · ``note``.

Fields of a pairing (:func:`create_pairing`)
    ``kind`` (a key of :func:`pairing_kinds`, default ``pairing`` 结对共建) · ``holder_type``
    (``unit`` | ``user`` | ``member``) with ``unit_id`` / ``user_id`` / ``member_id`` ·
    ``target_type`` (``organization`` | ``party_org``) with ``organization_id`` /
    ``party_org_id`` · ``started_on`` (default today) · ``ended_on`` · ``content`` (共建内容).

Fields of a visit (:func:`record_visit`)
    ``visited_on`` (required, not in the future, within the pairing) · ``visitor`` (走访人,
    default ``visitor`` argument) · ``note`` (走访情况).

Example (南湖's 19 member units and a leader's 联点)::

    from plugins.units import api as units

    unit = units.find_unit(session, "member_unit", "区委宣传部") or units.create_unit(
        session, tenant, {"name": "区委宣传部", "kind": "member_unit", "duties": "负责两新组织宣传思想工作"})
    p = units.create_pairing(session, tenant, {"kind": "nanhu.liandian", "holder_type": "user",
                                               "user_id": leader.id, "target_type": "party_org",
                                               "party_org_id": po.id}, today)
    units.record_visit(session, p, {"visited_on": "2026-03-02", "note": "理论知识联学"}, today)
    units.gaps(session, tenant).holders   # who has fewer pairings than the rule asks
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.units import service as _svc
from plugins.units.models import Pairing, Unit, Visit
from plugins.units.types import HOLDER_TYPES, PERIODS, TARGET_TYPES, PairingKind, Rule, UnitKind

__all__ = [
    "HOLDER_TYPES", "PERIODS", "TARGET_TYPES", "Gaps", "HolderGap", "Pairing", "PairingKind", "Rule", "Unit",
    "UnitKind", "Visit", "VisitGap", "create_pairing", "create_unit", "end_pairing", "find_unit", "gaps",
    "pairing_kinds", "pairings_of", "period_bounds", "record_visit", "rules", "unit_kinds", "units",
    "get_unit", "update_unit", "visit_count",
]

Gaps, HolderGap, VisitGap = _svc.Gaps, _svc.HolderGap, _svc.VisitGap


def unit_kinds(tenant: TenantInfo) -> dict[str, UnitKind]:
    """The tenant's unit kinds, key → :class:`UnitKind` (built-in ones first)."""
    return _svc.unit_kinds(tenant)


def pairing_kinds(tenant: TenantInfo) -> dict[str, PairingKind]:
    """The tenant's pairing kinds, key → :class:`PairingKind` (``pairing`` 结对共建 first)."""
    return _svc.pairing_kinds(tenant)


def rules(tenant: TenantInfo) -> list[Rule]:
    """Each pairing kind's rules with the numbers it leaves open taken from the tenant's settings."""
    return _svc.rules(tenant)


def create_unit(session: Session, tenant: TenantInfo, fields: Mapping[str, Any]) -> Unit:
    """Add a unit (fields: see the module docstring)."""
    return _svc.create_unit(session, tenant, fields)


def update_unit(session: Session, tenant: TenantInfo, unit: Unit, fields: Mapping[str, Any]) -> Unit:
    """Change the fields given (the others stay)."""
    return _svc.update_unit(session, tenant, unit, fields, partial=True)


def find_unit(session: Session, kind: str, name: str) -> Unit | None:
    """The unit of ``kind`` named ``name`` (programs make their demo and set-up idempotent with it)."""
    return _svc.find_unit(session, kind, name)


def units(session: Session, kind: str = "", q: str = "", include_archived: bool = False) -> list[Unit]:
    """Units of ``kind`` (all kinds: ``""``) whose name, duties or contact contains ``q``."""
    return list(session.scalars(_svc.unit_select(q, kind, "all" if include_archived else "")))


def create_pairing(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], today: dt.date) -> Pairing:
    """Add a pairing (fields: see the module docstring); refused when the same holder already has
    a running pairing of the kind with the same target."""
    return _svc.create_pairing(session, tenant, fields, today)


def end_pairing(session: Session, pairing: Pairing, fields: Mapping[str, Any], today: dt.date) -> Pairing:
    """End a running pairing on ``ended_on`` (default today)."""
    return _svc.end_pairing(session, pairing, fields, today)


def pairings_of(session: Session, *, unit: Unit | None = None, kind: str = "", running: bool = True,
                today: dt.date | None = None) -> list[Pairing]:
    """Pairings (of ``unit``, of ``kind``), running ones only unless ``running`` is false."""
    stmt = _svc.pairing_select(kind=kind, status="running" if running else "", unit_id=unit.id if unit else None,
                               today=today)
    return list(session.scalars(stmt))


def record_visit(session: Session, pairing: Pairing, fields: Mapping[str, Any], today: dt.date,
                 visitor: str = "", user_id: int | None = None) -> Visit:
    """Record a visit on ``pairing`` (fields: see the module docstring)."""
    return _svc.record_visit(session, pairing, fields, today, user_id, visitor)


def visit_count(session: Session, pairing: Pairing, start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Visits of ``pairing`` between ``start`` and ``end`` (inclusive)."""
    return _svc.visit_counts(session, [pairing.id], start, end).get(pairing.id, 0)


def period_bounds(period: str, on: dt.date) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, Chinese label) of the period of kind ``period`` (``week`` … ``year``, :mod:`core.periods`) containing ``on``."""
    return _svc.period_bounds(period, on)


def gaps(session: Session, tenant: TenantInfo, on: dt.date | None = None, kind: str = "") -> Gaps:
    """What the rules find missing on ``on`` (default today): ``holders`` (fewer pairings than
    required) and ``visits`` (fewer visits in the period than required)."""
    return _svc.gaps(session, tenant, on, kind)


def get_unit(session: Session, unit_id: int) -> Unit | None:
    """The unit with this id in the session's tenant, or None."""
    return session.scalar(select(Unit).where(Unit.id == unit_id))
