"""People of the system a program record names instead of a typed name (DFH-4 butlers, DFH-6
nominations): a member of the registry, an instructor, or a user with a role in the tenant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import CasbinRule, User
from core.registry.models import Instructor, Member

PERSON_KINDS = {"member": "党员", "instructor": "党建指导员", "user": "系统用户"}
PARTY_STATUSES = ("probationary", "full")


def tenant_users(session: Session, tenant_id: int) -> list[User]:
    """Users with a role in the tenant (by display name)."""
    ids = {int(v) for v in session.scalars(select(CasbinRule.v0).where(
        CasbinRule.ptype == "g", CasbinRule.v2 == str(tenant_id))) if str(v).isdigit()}
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))
                                .order_by(User.display_name, User.username)))


def user_label(u: User) -> str:
    return u.display_name or u.username


def person_options(session: Session, tenant_id: int) -> dict[str, list[tuple[str, str]]]:
    """The choices of the person select besides members (a searchable picker of their own):
    instructors and users, as ``("instructor:3", "黄国强")``."""
    return {
        "instructor": [(f"instructor:{i}", n) for i, n in session.execute(
            select(Instructor.id, Instructor.name).where(Instructor.active.is_(True)).order_by(Instructor.name))],
        "user": [(f"user:{u.id}", user_label(u) + (f"（{u.position}）" if u.position else ""))
                 for u in tenant_users(session, tenant_id)],
    }


def person_name(session: Session, tenant_id: int, kind: str, person_id: int | None) -> str | None:
    """The person's name when the tenant has them (another tenant's id: ``None``)."""
    if person_id is None:
        return None
    if kind == "member":
        m = session.get(Member, person_id)
        return m.name if m is not None else None
    if kind == "instructor":
        i = session.get(Instructor, person_id)
        return i.name if i is not None else None
    if kind == "user":
        u = next((u for u in tenant_users(session, tenant_id) if u.id == person_id), None)
        return user_label(u) if u is not None else None
    return None


def person_record(session: Session, tenant_id: int, raw: Mapping[str, Any],
                  errors: dict[str, str]) -> tuple[str, int, str]:
    """(kind, id, name) from ``member_id`` (the member picker) or ``person`` ("instructor:3",
    "user:5", "member:7"); a problem goes to ``errors["person"]`` (then ``("", 0, "")``)."""
    member = str(raw.get("member_id") or "").strip()
    ref = str(raw.get("person") or "").strip()
    if member and ref:
        errors["person"] = "人员：请只选择一位（党员，或党建指导员、系统用户之一）"
        return "", 0, ""
    if member:
        ref = f"member:{member}"
    kind, _, ident = ref.partition(":")
    if not ref:
        errors["person"] = "人员：请选择系统中的党员、党建指导员或用户"
        return "", 0, ""
    name = person_name(session, tenant_id, kind, int(ident)) if kind in PERSON_KINDS and ident.isdigit() else None
    if name is None:
        errors["person"] = "人员：请选择本辖区的党员、党建指导员或用户"
        return "", 0, ""
    return kind, int(ident), name
