"""The designations block's public API for other plugins: designation kinds, designations and
the supervision blacklist.

Plugins reach the block only through this module (never ``plugins.designations.service``). Every
function takes a SQLAlchemy session scoped to one tenant; writes flush and leave the commit to
the caller. Bad input raises :class:`core.forms.FormErrors` keyed by the field names below with
Chinese messages (a refused step is keyed ``status``); nothing is half-saved.

Fields of a designation (:func:`create`)
    ``kind`` (a registered kind key, required) · ``subject_kind`` + ``subject_id`` (required; the
    subject must exist in the tenant and be a kind the designation takes) · ``level``
    (``street`` | ``district`` | ``city``, one of the kind's) · ``awarded_on`` (default today, not
    in the future) · ``expires_on`` (default: the kind's validity) · ``plaque_on`` (挂牌) ·
    ``title`` (≤ 200) · ``awarded_by`` (≤ 100) · ``basis`` (≤ 5000). A subject blocked by the
    blacklist is refused on ``subject`` («「某公司」自 2026-03-01 起因违法经营列入监管黑名单，不能授予称号…»).

Steps (:func:`transition`): ``approve`` (optional ``awarded_on``: the day the title is given; refused
while a kind with ``evidence`` has no evidence file) / ``return`` (``note`` required) an application,
``resubmit`` a returned one, ``confirm`` / ``dismiss`` a proposal, ``revoke`` (``reason``
required, ``revoked_on``) one in force.

Example (a program recording the demonstration sites its round chose)::

    from plugins.designations import api as designations

    d = designations.create(session, tenant, {"kind": "dongfanghong.demo_site", "subject_kind": "party_org",
                                              "subject_id": po.id, "level": "street"}, today, "system")
    designations.in_force(session, today, kind="dongfanghong.demo_site")   # what counts today
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.designations import service as _svc
from plugins.designations.models import BlacklistEntry, Designation
from plugins.designations.types import (
    LEVELS,
    DesignationKind,
    FromAssessment,
    SubjectRef,
    SubjectType,
)

__all__ = [
    "LEVELS", "STATUSES", "BlacklistEntry", "Designation", "DesignationKind", "FromAssessment", "SubjectRef",
    "SubjectType", "blacklist_entry", "blocked", "create", "designations", "expiring", "in_force", "is_in_force",
    "add_evidence", "evidence_counts", "kinds", "list_organization", "lift", "propose_from_round", "transition",
    "update",
]

#: stored statuses, key → label (proposed, applied, returned, active, revoked, dismissed)
STATUSES = _svc.STATUSES


def kinds(tenant: TenantInfo) -> dict[str, DesignationKind]:
    """key → the designation kinds ``tenant``'s enabled plugins register."""
    return _svc.kinds_for(tenant)


def designations(session: Session, *, kind: str = "", level: str = "", status: str = "", subject_kind: str = "",
                 subject_id: int | None = None, today: dt.date | None = None) -> list[Designation]:
    """Designations, newest first; ``status`` as stored or ``active`` (in force on ``today``) /
    ``expired``."""
    from core import clock

    return list(session.scalars(_svc.designation_select("", kind, level, status, subject_kind,
                                                        today or clock.today(), subject_id)))


def in_force(session: Session, today: dt.date, *, kind: str = "", subject_kind: str = "",
             subject_id: int | None = None) -> list[Designation]:
    """The designations in force on ``today`` (active, not expired)."""
    return designations(session, kind=kind, status="active", subject_kind=subject_kind, subject_id=subject_id,
                        today=today)


def is_in_force(d: Designation, today: dt.date) -> bool:
    return _svc.view_status(d, today) == "active"


def expiring(session: Session, today: dt.date, days: int) -> list[Designation]:
    """Designations in force whose expiry falls within ``days`` days (for reminders)."""
    return _svc.expiring(session, today, days)


def create(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], today: dt.date, username: str = "",
           *, source: str = "manual", source_key: str = "", status: str | None = None) -> Designation:
    """Record a designation (fields: see the module docstring). ``applied`` for a kind that needs
    review, else ``active``; ``status`` overrides (``proposed``, or ``active`` for past decisions).
    ``source`` / ``source_key`` let a program find its own rows again."""
    return _svc.create(session, tenant, fields, today, username, source=source, source_key=source_key,
                       status=status)


def update(session: Session, tenant: TenantInfo, designation: Designation, fields: Mapping[str, Any],
           today: dt.date) -> Designation:
    """Change ``level``, ``awarded_on``, ``expires_on``, ``plaque_on`` (挂牌), ``title``,
    ``awarded_by`` or ``basis``; a field left out keeps its value."""
    return _svc.update(session, tenant, designation, fields, today)


def transition(session: Session, tenant: TenantInfo, designation: Designation, action: str,
               fields: Mapping[str, Any], today: dt.date, username: str = "", *,
               separate_review: bool = False) -> Designation:
    """One step: approve, return, resubmit, confirm, dismiss, revoke (see the module docstring)."""
    return _svc.transition(session, tenant, designation, action, fields, today, username,
                           separate_review=separate_review)


def blocked(session: Session, tenant: TenantInfo, subject_kind: str, subject_id: int) -> str:
    """Why the subject may not be given a designation now ("" if it may)."""
    entries = _svc.blocking_entries(session, tenant, subject_kind, subject_id)
    return _svc.blocked_message(session, entries) if entries else ""


def blacklist_entry(session: Session, organization_id: int) -> BlacklistEntry | None:
    """The organization's blacklist entry in force, if any."""
    return _svc.current_entries(session, [organization_id]).get(organization_id)


def list_organization(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], today: dt.date,
                      username: str = "") -> tuple[BlacklistEntry, list[Designation]]:
    """Blacklist an organization (``organization_id``, ``reason``, ``detail``, ``listed_on``);
    returns the entry and the designations it revoked."""
    return _svc.list_organization(session, tenant, fields, today, username)


def lift(session: Session, entry: BlacklistEntry, fields: Mapping[str, Any], today: dt.date,
         username: str = "") -> BlacklistEntry:
    """Lift an entry (``lift_reason`` required, ``lifted_on``)."""
    return _svc.lift(session, entry, fields, today, username)


def propose_from_round(session: Session, tenant: TenantInfo, round: Any, today: dt.date) -> list[Designation]:
    """Proposals from a published round (``plugins.assessment.api.PublishedRound``) — what the
    block does itself on ``on_round_published``; for rounds published before it was enabled."""
    return _svc.propose_from_round(session, tenant, round, today)


def evidence_counts(session: Session, designation_ids: list[int]) -> dict[int, int]:
    """designation id → how many evidence files it carries (0 for none)."""
    from sqlalchemy import func, select

    from plugins.designations.models import DesignationFile

    out = dict.fromkeys(designation_ids, 0)
    if designation_ids:
        out.update(session.execute(select(DesignationFile.designation_id, func.count()).where(
            DesignationFile.designation_id.in_(designation_ids)).group_by(DesignationFile.designation_id)).all())
    return out


def add_evidence(session: Session, designation: Designation, filename: str, data: bytes,
                 user_id: int | None = None):
    """Store one evidence file of ``designation`` (checked as an upload is: type, size, content);
    flushes, the caller commits — and on a rollback the stored bytes stay orphaned, so call it
    last in a transaction."""
    from plugins.designations import files

    return files.store(session, designation, filename, data, user_id)
