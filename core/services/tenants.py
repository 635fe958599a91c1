"""Tenant administration: create, edit, archive tenants in the tree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import revisions
from core.db import extend_scope, utcnow
from core.forms import FormErrors
from core.models import TENANT_LEVELS, Tenant
from core.tenancy import tree

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
#: slugs that name a top-level path of the app (or may one day): a tenant called ``api`` would
#: make ``/t/api/…`` look like the API. ``tests/test_security.py`` checks that every first path
#: segment the app serves is listed here.
RESERVED_SLUGS = frozenset({
    "account", "admin", "api", "assets", "auth", "favicon.ico", "healthz", "locale", "login", "logout", "me",
    "metrics", "readyz", "robots.txt", "schema", "static", "t", "tenants", "www",
})


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name a new tenant (format or reserved word), or None."""
    if not SLUG_RE.match(slug or ""):
        return "标识须为 2–63 位小写字母、数字或连字符，以字母或数字开头"
    if slug in RESERVED_SLUGS:
        return f"「{slug}」是系统保留的标识，请换一个"
    return None


@dataclass
class TenantForm:
    slug: str
    name: str
    level: str
    parent_id: int | None
    host: str = ""
    terms: dict[str, str] | None = None


def _check(session: Session, form: TenantForm, existing: Tenant | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.name:
        errors["name"] = "请填写名称"
    elif len(form.name) > 100:
        errors["name"] = "名称最多 100 个字符"
    if form.level not in TENANT_LEVELS:
        errors["level"] = "请选择有效的层级"
    if existing is None:
        if problem := slug_problem(form.slug):
            errors["slug"] = problem
        elif session.scalar(select(Tenant.id).where(Tenant.slug == form.slug)):
            errors["slug"] = "该标识已被使用"
    if form.parent_id is not None:
        t = tree()
        if form.parent_id not in t.by_id:
            errors["parent_id"] = "上级辖区不存在"
        elif existing is not None and t.is_within(form.parent_id, existing.id):
            errors["parent_id"] = "不能把辖区移到它自己或其下级之下"
    if form.host:
        clash = session.scalar(select(Tenant.id).where(Tenant.host == form.host))
        if clash and (existing is None or clash != existing.id):
            errors["host"] = "该域名已分配给其他辖区"
    return errors


def create_tenant(session: Session, form: TenantForm) -> Tenant:
    errors = _check(session, form, None)
    if errors:
        raise FormErrors(errors)
    tenant = Tenant(
        slug=form.slug,
        name=form.name,
        level=form.level,
        parent_id=form.parent_id,
        host=form.host or None,
        terms=form.terms or {},
    )
    session.add(tenant)
    session.flush()
    extend_scope(session, [tenant.id])
    revisions.bump(session, "tenants")
    return tenant


def update_tenant(session: Session, tenant: Tenant, form: TenantForm) -> Tenant:
    errors = _check(session, form, tenant)
    if errors:
        raise FormErrors(errors)
    tenant.name = form.name
    tenant.level = form.level
    tenant.parent_id = form.parent_id
    tenant.host = form.host or None
    if form.terms is not None:
        tenant.terms = {k: v for k, v in form.terms.items() if v}
    session.flush()
    revisions.bump(session, "tenants")
    return tenant


def set_archived(session: Session, tenant: Tenant, archived: bool) -> None:
    if archived and tree().children.get(tenant.id):
        active = [c for c in tree().children[tenant.id] if not c.archived]
        if active:
            raise FormErrors({"__all__": "请先归档其下级辖区：" + "、".join(c.name for c in active)})
    tenant.archived_at = utcnow() if archived else None
    session.flush()
    revisions.bump(session, "tenants")
