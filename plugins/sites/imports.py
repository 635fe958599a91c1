"""Sites (阵地与站点台账) as an import kind, through the registry's import pages.

A row is matched on (类型, 名称): importing the same file twice writes nothing. 管理单位 is looked up
as a party org, then as an organization of the tenant; a name found in neither is kept as 其他单位.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Organization, PartyOrg
from core.registry.schemas import FieldSpec, clean
from plugins.sites.models import Site
from plugins.sites.service import kinds


def _fields(tenant) -> tuple[FieldSpec, ...]:
    all_kinds = kinds(tenant)
    grades = {g: label for k in all_kinds.values() for g, label in k.grades}
    return (
        FieldSpec("kind", "类型", "choice", required=True, choices={k: v.label for k, v in all_kinds.items()}),
        FieldSpec("name", "名称", required=True, max_length=100),
        FieldSpec("grade", "等级", "choice", choices=grades, help="阵地类别、服务站层级等；无分级的类型不填"),
        FieldSpec("address", "地址", max_length=200),
        FieldSpec("community", "所在社区（村）", max_length=100),
        FieldSpec("opening_hours", "开放时间", max_length=100),
        FieldSpec("manager", "管理单位", max_length=200, help="党组织或两新组织的名称；找不到时按其他单位登记"),
        FieldSpec("services", "服务项目", "text", max_length=2000, help="多项用“；”分隔"),
        FieldSpec("opened_on", "启用日期", "date"),
        FieldSpec("active", "在用", "bool", help="不填为在用"),
    )


def _batch_for(tenant):
    from core.plugins import registry

    all_kinds = kinds(tenant)
    units_on = registry().is_enabled(tenant.id, "units")

    def batch(run: ImportRun, rows: list) -> None:
        s = run.session
        for row in rows:
            if row.errors:
                continue
            v = row.values
            sk = all_kinds[v["kind"]]
            if sk.grades and v.get("grade") not in sk.grade_map:
                row.errors["grade"] = f"等级：{sk.label}请填写" + "、".join(label for _g, label in sk.grades)
                continue
            if not sk.grades:
                v["grade"] = ""
            row.key = (v["kind"], v["name"])
            if run.duplicate(row, ("site", *row.key), "name"):
                continue
            manager = str(v.pop("manager", "") or "")
            kind, mid = ("other" if manager else ""), None
            if manager:
                found = run.cached(("po", manager), lambda m=manager: s.scalar(
                    select(PartyOrg.id).where(PartyOrg.name == m).limit(1)) or False)
                if found:
                    kind, mid = "party_org", found
                else:
                    found = run.cached(("org", manager), lambda m=manager: s.scalar(
                        select(Organization.id).where(Organization.name == m).limit(1)) or False)
                    if found:
                        kind, mid = "organization", found
                    elif units_on:
                        from plugins.units.api import units

                        found = run.cached(("unit", manager), lambda m=manager: next(
                            (u.id for u in units(s, q=m) if u.name == m), False))
                        if found:
                            kind, mid = "unit", found
            services = [x.strip() for x in str(v.get("services") or "").replace("；", "\n").replace(";", "\n")
                        .split("\n") if x.strip()]
            v.update(manager_kind=kind, manager_id=mid, manager_name=manager, services="\n".join(services),
                     active=True if v.get("active") is None else bool(v["active"]))
            for key in ("address", "community", "opening_hours"):
                v[key] = v.get(key) or ""
            existing = s.scalar(select(Site).where(Site.kind == v["kind"], Site.name == v["name"]).limit(1))
            run.upsert(row, existing)

    return batch


def _clean_for(fields):
    def cleaner(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        return clean(list(fields), raw)
    return cleaner


def sites_kind(tenant) -> ImportKind:
    fields = _fields(tenant)
    return ImportKind(
        "sites_sites", "阵地与站点", Site, fields, _clean_for(fields), "sites", ("kind", "name"), {}, {},
        {"kind": "党员活动阵地", "name": EXAMPLE_MARK + "某某科技有限公司党员活动室", "grade": "二类阵地",
         "address": "东方红镇某某路 1 号", "community": "白鹤社区", "opening_hours": "周一至周五 9:00–17:30",
         "manager": "某某科技有限公司党支部", "services": "组织生活；党员教育", "opened_on": "2025-06-01", "active": "是"},
        synonyms={"类型": ("阵地类型", "站点类型", "场所类型"), "名称": ("阵地名称", "站点名称", "场所名称"),
                  "等级": ("类别", "阵地类别", "层级"), "地址": ("详细地址", "位置"), "所在社区（村）": ("社区", "所在社区"),
                  "开放时间": ("服务时间", "开放时段"), "管理单位": ("运营单位", "责任单位", "管理主体"),
                  "服务项目": ("服务内容", "功能"), "启用日期": ("建成日期", "挂牌日期"), "在用": ("是否在用", "状态")},
        batch=_batch_for(tenant), permission="sites:write", extra_keys=("manager",),
        guide="按类型和名称识别阵地与站点；管理单位依次按党组织、两新组织、单位（启用单位与结对时）名称查找。",
    )
