"""Rules of the sites block (阵地与站点): places of registered kinds with their grade, address,
opening hours, managing unit, services and photos; per-kind counts.

Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before anything is
written. The managing unit is a reference to the tenant itself, a party org or an organization —
a unit of the ``units`` building block (成员单位, 驻街单位 … — where the tenant runs it), or only a
name (``other``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import search
from core.forms import FormErrors, checked_text, row_id, text, text_problem
from core.plugins import registry
from core.registry.models import Organization, PartyOrg
from core.registry.schemas import parse_date
from core.tenancy import TenantInfo
from plugins.sites.files import FILES, MAX_PER_SITE
from plugins.sites.models import Site, SitePhoto
from plugins.sites.types import SiteKind

MANAGER_KINDS = {"tenant": "本级", "party_org": "党组织", "organization": "两新组织", "unit": "单位（成员单位、驻街单位等）",
                 "other": "其他单位"}
REFERENCED = ("tenant", "party_org", "organization", "unit")
ACTIVE = {"1": "在用", "0": "停用"}


def kinds(tenant: TenantInfo) -> dict[str, SiteKind]:
    """key → kind for ``tenant``: the block's built-ins (setting) and its plugins', in order."""
    found: dict[str, SiteKind] = {}
    for batch in registry().hooks_for(tenant.id).register_site_kinds(tenant=tenant):
        for k in batch or ():
            found.setdefault(k.key, k)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def kind_label(all_kinds: Mapping[str, SiteKind], key: str) -> str:
    return all_kinds[key].label if key in all_kinds else key


def grade_label(all_kinds: Mapping[str, SiteKind], kind: str, grade: str) -> str:
    return all_kinds[kind].grade_map.get(grade, grade) if kind in all_kinds else grade


def manager_of(session: Session, tenant: TenantInfo, kind: str, ref: Any) -> str | None:
    """The managing unit's name if the reference is valid in the session; ``None`` otherwise."""
    if kind == "tenant":
        return tenant.name
    rid = row_id(ref)
    if kind == "unit":
        if rid is None or not registry().is_enabled(tenant.id, "units"):
            return None
        from plugins.units.api import get_unit

        unit = get_unit(session, rid)
        return unit.name if unit is not None and unit.archived_on is None else None
    model = {"party_org": PartyOrg, "organization": Organization}.get(kind)
    if model is None or rid is None:
        return None
    row = session.get(model, rid)
    return row.name if row is not None else None


def manager_options(session: Session, tenant: TenantInfo | None = None) -> dict[str, list[tuple[int, str]]]:
    out = {}
    if tenant is not None and registry().is_enabled(tenant.id, "units"):
        from plugins.units.api import units

        out["unit"] = [(u.id, u.name) for u in units(session)[:2000]]
    for key, model, cond in (("party_org", PartyOrg, PartyOrg.dissolved_on.is_(None)),
                             ("organization", Organization, None)):
        stmt = select(model.id, model.name)
        if cond is not None:
            stmt = stmt.where(cond)
        out[key] = [(i, n) for i, n in session.execute(stmt.order_by(model.name, model.id).limit(2000))]
    return out


def clean_site(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], site: Site | None = None,
               *, all_kinds: Mapping[str, SiteKind] | None = None) -> dict[str, Any]:
    """Checked values of a site. Fields: ``kind`` (required, a registered kind; not changed on
    update), ``name`` (required, unique per kind), ``grade`` (one of the kind's grades, required
    when it has some), ``address``, ``community``, ``opening_hours``, ``manager_kind`` (tenant |
    party_org | organization | other) + ``manager_id`` / ``manager_name``, ``services`` (one per
    line or a list), ``opened_on``, ``active``, ``note``."""
    all_kinds = all_kinds if all_kinds is not None else kinds(tenant)
    errors: dict[str, str] = {}
    kind = site.kind if site is not None else text(raw, "kind")
    sk = all_kinds.get(kind)
    if sk is None and site is None:
        errors["kind"] = "类型：请选择" + "、".join(k.label for k in all_kinds.values())
    name = checked_text(raw, "name", "名称", 100, errors, required=True)
    grade = text(raw, "grade")
    if sk is not None:
        if sk.grades and grade not in sk.grade_map:
            errors["grade"] = f"{sk.grade_label}：请选择" + "、".join(v for _k, v in sk.grades)
        elif not sk.grades and grade:
            grade = ""
    address = checked_text(raw, "address", "地址", 200, errors)
    community = checked_text(raw, "community", "所在社区（村）", 100, errors)
    hours = checked_text(raw, "opening_hours", "开放时间", 100, errors)
    mkind = text(raw, "manager_kind")
    mname = checked_text(raw, "manager_name", "管理单位", 200, errors)
    mid: int | None = None
    if mkind and mkind not in MANAGER_KINDS:
        errors["manager_kind"] = "管理单位类型：请选择" + "、".join(MANAGER_KINDS.values())
    elif mkind in REFERENCED:
        found = manager_of(session, tenant, mkind, raw.get("manager_id"))
        if found is None:
            errors["manager_id"] = f"管理单位：请选择本辖区的{MANAGER_KINDS[mkind]}"
        else:
            mname, mid = found, (row_id(raw.get("manager_id")) if mkind != "tenant" else None)
    elif mkind == "other" and not mname:
        errors["manager_name"] = "管理单位：请填写单位名称"
    elif not mkind:
        mkind = "other" if mname else ""
    value = raw.get("services", "")
    lines = value if isinstance(value, list) else str(value or "").replace("\r", "").replace("；", "\n").split("\n")
    services = [str(s).strip() for s in lines if str(s).strip()]
    if any(text_problem(s) for s in services) or len(services) > 50 or any(len(s) > 100 for s in services):
        errors["services"] = "服务项目：最多 50 项，每项最多 100 个字符"
    opened = None
    if text(raw, "opened_on"):
        opened = parse_date(text(raw, "opened_on"))
        if opened is None:
            errors["opened_on"] = "启用日期：日期格式应为 2026-03-01"
    note = checked_text(raw, "note", "备注", 2000, errors)
    active = text(raw, "active", "1" if site is None else ("1" if site.active else "0")) not in ("0", "false", "否")
    if name and "name" not in errors and sk is not None:
        clash = session.scalar(select(Site.id).where(Site.kind == kind, Site.name == name))
        if clash and (site is None or clash != site.id):
            errors["name"] = f"名称：已有同名的{sk.label}「{name}」"
    if errors:
        raise FormErrors(errors)
    return {"kind": kind, "name": name, "grade": grade, "address": address, "community": community,
            "opening_hours": hours, "manager_kind": mkind, "manager_id": mid, "manager_name": mname,
            "services": "\n".join(services), "opened_on": opened, "active": active, "note": note}


def create_site(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], *,
                own_kind: SiteKind | None = None) -> Site:
    """``own_kind``: the calling plugin's kind, accepted even where the hook does not reach it
    (the plugin's demo data or a job for a tenant that has not enabled it)."""
    all_kinds = kinds(tenant)
    if own_kind is not None:
        all_kinds = {**all_kinds, own_kind.key: own_kind}
    site = Site(**clean_site(session, tenant, raw, all_kinds=all_kinds))
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, tenant: TenantInfo, site: Site, raw: Mapping[str, Any]) -> Site:
    values = clean_site(session, tenant, raw, site)
    values.pop("kind")
    for k, v in values.items():
        setattr(site, k, v)
    session.flush()
    return site


def set_active(session: Session, site: Site, active: bool) -> Site:
    site.active = active
    session.flush()
    return site


def get_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundException("阵地或站点不存在")
    return site


def site_select(q: str = "", kind: str = "", grade: str = "", active: str = "", community: str = "") -> Select:
    stmt = select(Site)
    if q:
        stmt = stmt.where(search.matches(q, Site.name, Site.address, Site.community, Site.manager_name,
                                         Site.services))
    if kind:
        stmt = stmt.where(Site.kind == kind)
    if grade:
        stmt = stmt.where(Site.grade == grade)
    if active in ACTIVE:
        stmt = stmt.where(Site.active.is_(active == "1"))
    if community:
        stmt = stmt.where(Site.community == community)
    return stmt.order_by(Site.kind, Site.grade, Site.name, Site.id)


def counts(session: Session, tenant_ids: Iterable[int] | None = None) -> dict[str, dict[str, int]]:
    """kind → {"active": n, "inactive": n, grade key: n (active only)} for the session's tenants
    (or ``tenant_ids`` of a roll-up session)."""
    stmt = select(Site.kind, Site.grade, Site.active, func.count()).group_by(Site.kind, Site.grade, Site.active)
    if tenant_ids is not None:
        stmt = stmt.where(Site.tenant_id.in_(list(tenant_ids)))
    out: dict[str, dict[str, int]] = {}
    for kind, grade, active, n in session.execute(stmt):
        c = out.setdefault(kind, {"active": 0, "inactive": 0})
        c["active" if active else "inactive"] += n
        if active and grade:
            c[grade] = c.get(grade, 0) + n
    return out


def add_photo(session: Session, site: Site, filename: str, data: bytes, description: str,
              user_id: int | None) -> SitePhoto:
    """Check and store one photo of ``site``; the caller commits (``FILES.commit_new``)."""
    if len(description) > 200 or text_problem(description):
        raise FormErrors({"description": "说明：最多 200 个字符，且不能含控制字符"})
    name, content_type = FILES.check(filename, data)
    if len(site.photos) >= MAX_PER_SITE:
        raise FormErrors({"file": f"照片：每处最多 {MAX_PER_SITE} 个文件"})
    stored, digest = FILES.save(site.tenant_id, name, data)
    photo = SitePhoto(tenant_id=site.tenant_id, site_id=site.id, filename=name, content_type=content_type,
                      size=len(data), sha256=digest, stored_name=stored, uploaded_by_id=user_id,
                      description=description)
    site.photos.append(photo)
    return FILES.add(session, photo)


def get_photo(site: Site, photo_id: int) -> SitePhoto:
    for p in site.photos:
        if p.id == photo_id:
            return p
    raise NotFoundException("照片不存在")


def delete_photo(session: Session, site: Site, photo_id: int) -> SitePhoto:
    photo = get_photo(site, photo_id)
    site.photos.remove(photo)
    session.delete(photo)
    session.flush()
    return photo


EXPORT_HEADERS = ["类型", "名称", "等级", "所在社区（村）", "地址", "开放时间", "管理单位", "服务项目", "启用日期", "状态",
                  "备注"]


def export_rows(all_kinds: Mapping[str, SiteKind], sites: Iterable[Site]) -> list[list[Any]]:
    return [[kind_label(all_kinds, s.kind), s.name, grade_label(all_kinds, s.kind, s.grade), s.community, s.address,
             s.opening_hours, s.manager_name, "；".join(s.service_list), s.opened_on, "在用" if s.active else "停用",
             s.note] for s in sites]

