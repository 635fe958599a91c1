"""Units where other parts of the platform refer to them: as members of a cluster (DM-2: a
business-circle alliance of the community party committee, the circle's joint branch, an
instructor and the chamber of commerce — ``register_cluster_member_kinds``) and as targets of an
assessment round (NH-3 assesses member units and departments — the assessment engine's
``register_assessment_target_kinds``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.forms import row_id
from plugins.units.models import Unit

MEMBER_KIND = "units.unit"


def resolve(session: Session, text: str) -> tuple[int | None, str | None]:
    """A unit in use named ``text`` (or with that id) in the tenants ``session`` sees."""
    value = (text or "").strip()
    if not value:
        return None, "请填写单位名称"
    in_use = select(Unit.id).where(Unit.archived_on.is_(None))
    ids = list(session.scalars(in_use.where(Unit.name == value).limit(2)))
    if not ids and (rid := row_id(value)) is not None:
        ids = list(session.scalars(in_use.where(Unit.id == rid)))
    if len(ids) > 1:
        return None, f"有多个名为「{value}」的单位，请填写单位编号"
    return (ids[0], None) if ids else (None, f"找不到单位「{value}」")


def names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).all())


def tenants(session: Session, ids: Iterable[int]) -> dict[int, int]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(session.execute(select(Unit.id, Unit.tenant_id).where(Unit.id.in_(wanted))).all())


def options(session: Session, tenant) -> list[tuple[int, str]]:
    """Units in use of ``tenant`` (an assessment round's targets to choose from)."""
    return [(i, n) for i, n in session.execute(select(Unit.id, Unit.name).where(Unit.archived_on.is_(None))
                                               .order_by(Unit.name, Unit.id))]


def href(unit_id: int) -> str:
    return f"units/{unit_id}"


def own_ids(session: Session, user_id: int) -> set[int]:
    """The units whose contact person is the user (they answer for the unit's self-assessment)."""
    return set(session.scalars(select(Unit.id).where(Unit.contact_user_id == user_id)))
