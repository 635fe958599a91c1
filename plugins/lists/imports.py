"""The resource ledger (资源清单) and the demand ledger (需求清单) as import kinds (issue 13):
lists kept in a spreadsheet come in through the registry's import pages — dry run, column
mapping, valid-rows import.

A resource row is matched on (资源名称, 提供方), a demand row on (组织, 需求标题, 提出日期):
importing the same file twice writes nothing. Categories, provider kinds, urgencies and
triage levels are the tenant's scheme (:func:`service.scheme_for`).

Imported demands are a ledger of what was asked (and, for the solved ones, how it was solved)
before the street used Liandong: they enter as 已提交 or 已解决 with the SLA deadline their
urgency gives, without the programs' transition hooks (nothing happened in the system).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core import clock, crypto
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Organization
from core.registry.schemas import FieldSpec, clean
from core.tenancy import TenantInfo
from core.validators import compact, normalize_mobile, validate_mobile
from plugins.lists.models import ListDemand, ListResource
from plugins.lists.service import LANDLINE_RE, scheme_for
from plugins.lists.states import SOLVED_STATUSES, STATUSES


def _fields(tenant: TenantInfo) -> tuple[FieldSpec, ...]:
    scheme = scheme_for(tenant)
    return (
        FieldSpec("title", "资源名称", required=True, max_length=100),
        FieldSpec("provider_kind", "提供方类型", "choice", required=True, choices=scheme.options("provider_kinds")),
        FieldSpec("provider_name", "提供方", max_length=200),
        FieldSpec("category", "资源类别", "choice", choices=scheme.options("categories")),
        FieldSpec("capacity", "可服务次数", "int", min=1, max=100000),
        FieldSpec("contact_name", "联系人", max_length=50),
        FieldSpec("contact_phone", "联系电话", max_length=30, help="手机号或座机（如 0731-88888888）"),
        FieldSpec("valid_until", "有效期", "date"),
        FieldSpec("description", "资源内容", "text", max_length=5000),
    )


def _cleaner(fields: tuple[FieldSpec, ...]):
    def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values, errors = clean(list(fields), raw)
        for key in ("category", "provider_name", "contact_name", "description"):
            if key in values and values[key] is None:
                values[key] = ""
        if values.get("capacity") == 0 and not str(raw.get("capacity") or "").strip():
            values["capacity"] = None  # empty: no limit
        phone = compact(values.pop("contact_phone", "") or "")
        if phone and not LANDLINE_RE.fullmatch(phone):
            problem = validate_mobile(phone)
            if problem:
                errors["contact_phone"] = f"{problem}（座机请写成 0731-88888888）"
            phone = normalize_mobile(phone)
        if "contact_phone" in raw:
            values["contact_phone_enc"] = crypto.encrypt(phone) if phone else None
            values["contact_phone_hash"] = crypto.blind_index(phone, "phone") if phone else None
        return values, errors

    return clean_row


def _batch(run: ImportRun, rows: list) -> None:
    titles = set()
    for row in rows:
        if "title" in row.errors:
            continue
        row.key = (row.values["title"], row.values.get("provider_name", ""))
        if not run.duplicate(row, ("resource", *row.key), "title"):
            titles.add(row.key[0])
    existing: dict[tuple[str, str], ListResource] = {}
    if titles:
        for res in run.session.scalars(select(ListResource).where(ListResource.title.in_(titles))
                                       .order_by(ListResource.id)):
            existing.setdefault((res.title, res.provider_name or ""), res)
    for row in rows:
        if row.errors or row.key is None:
            continue
        run.upsert(row, existing.get(row.key))


def resource_kind(tenant: TenantInfo) -> ImportKind:
    fields = _fields(tenant)
    return ImportKind(
        "lists_resources", "资源清单", ListResource, fields, _cleaner(fields), "lists/resources",
        ("title", "provider_kind"), {"contact_phone": ("contact_phone_hash", "contact_phone_enc")}, {},
        {"title": EXAMPLE_MARK + "法律咨询服务", "provider_kind": next(iter(fields[1].choices.values()), ""),
         "provider_name": "某某律师事务所", "category": next(iter(fields[3].choices.values()), ""),
         "capacity": 20, "contact_name": "赵律师", "contact_phone": "0731-88888888",
         "valid_until": "2026-12-31", "description": "每月两次到企业开展法律咨询"},
        synonyms={"资源名称": ("资源", "资源项目", "服务项目", "项目名称", "名称"),
                  "提供方类型": ("提供方类别", "资源提供方类型", "单位类型"),
                  "提供方": ("提供单位", "资源提供方", "提供方名称", "供给方"),
                  "资源类别": ("类别", "资源类型", "服务类别"),
                  "可服务次数": ("服务次数", "次数", "数量"),
                  "有效期": ("有效期至", "截止日期", "有效期限"),
                  "资源内容": ("内容", "服务内容", "资源简介", "简介")},
        batch=_batch, permission="lists:write", guide="按资源名称和提供方识别资源。",
    )


# --- demands ------------------------------------------------------------------------------------

#: the statuses an imported demand may have: asked, or asked and solved
IMPORT_STATUSES = {"submitted": "已提交", "resolved": "已解决"}


def _demand_fields(tenant: TenantInfo) -> tuple[FieldSpec, ...]:
    scheme = scheme_for(tenant)
    return (
        FieldSpec("organization", "提出需求的组织", "ref", required=True,
                  help="统一社会信用代码或组织名称；须已在系统中"),
        FieldSpec("title", "需求标题", required=True, max_length=100),
        FieldSpec("category", "需求类别", "choice", required=True, choices=scheme.options("categories")),
        FieldSpec("urgency", "紧急程度", "choice", choices=scheme.options("urgencies"),
                  help=f"空白按「{scheme.urgencies[0].label}」"),
        FieldSpec("description", "需求描述", "text", max_length=5000),
        FieldSpec("contact_name", "联系人", max_length=50),
        FieldSpec("submitted_on", "提出日期", "date", help="空白按导入当天"),
        FieldSpec("status", "办理状态", "choice", choices=IMPORT_STATUSES, help="空白按「已提交」"),
        FieldSpec("resolved_on", "办结日期", "date", help="已解决的需求必填"),
        FieldSpec("triage_level", "解决方式", "choice", choices=scheme.options("triage_levels")),
        FieldSpec("resolution", "办理结果", "text", max_length=5000, help="已解决的需求必填"),
    )


def _demand_cleaner(tenant: TenantInfo, fields: tuple[FieldSpec, ...]):
    scheme = scheme_for(tenant)

    def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values, errors = clean(list(fields), raw)
        today = clock.today()
        for key in ("description", "contact_name", "resolution", "triage_level"):
            values[key] = values.get(key) or ""
        values["urgency"] = values.get("urgency") or scheme.urgencies[0].key
        values["status"] = values.get("status") or "submitted"
        submitted = values.get("submitted_on") or today
        values["submitted_on"] = submitted
        if submitted > today:
            errors.setdefault("submitted_on", "提出日期：不能晚于今天")
        resolved = values.get("resolved_on")
        if values["status"] == "resolved":
            if resolved is None and "resolved_on" not in errors:
                errors["resolved_on"] = "办结日期：已解决的需求必须填写"
            elif resolved is not None and resolved > today:
                errors["resolved_on"] = "办结日期：不能晚于今天"
            elif resolved is not None and resolved < submitted:
                errors["resolved_on"] = "办结日期：不能早于提出日期"
            if not values["resolution"] and "resolution" not in errors:
                errors["resolution"] = "办理结果：已解决的需求必须填写"
        else:
            values["resolved_on"] = None
            if resolved is not None or values["resolution"] or values["triage_level"]:
                errors.setdefault("status", "办理状态：填写了办结日期、解决方式或办理结果的需求，办理状态应为「已解决」")
        if values["urgency"] in scheme.options("urgencies"):
            values["due_on"] = submitted + dt.timedelta(days=scheme.sla_days(values["urgency"]))
        return values, errors

    return clean_row


def _demand_batch(run: ImportRun, rows: list) -> None:
    wanted: set[int] = set()
    for row in rows:
        if row.errors:
            continue
        found, problem = run.reference("organization", str(row.values["organization"]))
        if problem:
            row.errors["organization"] = problem
            continue
        row.values["organization_id"] = found
        row.key = (found, row.values["title"], row.values["submitted_on"])
        if not run.duplicate(row, ("demand", *row.key), "title"):
            wanted.add(found)
    existing: dict[tuple[int, str, dt.date], ListDemand] = {}
    if wanted:
        for demand in run.session.scalars(select(ListDemand).where(ListDemand.organization_id.in_(wanted))
                                          .order_by(ListDemand.id)):
            existing.setdefault((demand.organization_id, demand.title, demand.submitted_on), demand)
    names = run.cached(("organization_names", tuple(sorted(wanted))), lambda: dict(
        run.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(wanted))).all()))
    if run.present & {"urgency", "submitted_on"}:
        run.present.add("due_on")
    for row in rows:
        if row.errors or row.key is None:
            continue
        row.values["org_name"] = names.get(row.values["organization_id"], "")
        row.values["channel"] = "staff"
        found = existing.get(row.key)
        if found is not None and found.status != "submitted":
            # handled in the system since: a file that says less (已提交, or 已解决 of a rated
            # demand) leaves the status as it is; any other difference is refused
            if row.values["status"] == "submitted" or (row.values["status"] == "resolved"
                                                       and found.status in SOLVED_STATUSES):
                row.values["status"] = found.status
                if found.status not in SOLVED_STATUSES:
                    row.values["resolved_on"] = found.resolved_on
        if found is not None and found.status != "submitted" and _changes(run, found, row.values):
            row.errors["status"] = (f"办理状态：该需求已在系统中办理（{STATUSES.get(found.status, found.status)}），"
                                    "不能再用导入修改")
            continue
        run.upsert(row, found)


def _changes(run: ImportRun, demand: ListDemand, values: dict[str, Any]) -> bool:
    """Whether the row would change a column of ``demand`` that the file has."""
    return any(key in values and getattr(demand, key) != values[key]
               for key in run.present if hasattr(ListDemand, key) and key != "organization")


def demand_kind(tenant: TenantInfo) -> ImportKind:
    fields = _demand_fields(tenant)
    scheme = scheme_for(tenant)
    return ImportKind(
        "lists_demands", "需求清单", ListDemand, fields, _demand_cleaner(tenant, fields), "lists/demands",
        ("organization", "title", "category"), {}, {"organization": "organization_id"},
        {"organization": EXAMPLE_MARK + "长沙某某科技有限公司", "title": "办理党员组织关系转入",
         "category": scheme.categories[0].label, "urgency": scheme.urgencies[0].label,
         "description": "两名新入职党员需转入组织关系", "contact_name": "王经理", "submitted_on": "2026-03-05",
         "status": "已解决", "resolved_on": "2026-03-12", "triage_level": scheme.triage_levels[0].label,
         "resolution": "专干上门指导办理"},
        synonyms={"提出需求的组织": ("组织名称", "企业名称", "单位名称", "需求单位", "提出单位", "组织"),
                  "需求标题": ("需求名称", "需求事项", "需求", "事项", "标题"),
                  "需求类别": ("类别", "需求类型", "类型"),
                  "紧急程度": ("紧急", "急缓程度", "缓急"),
                  "需求描述": ("需求内容", "具体需求", "描述", "内容"),
                  "提出日期": ("日期", "提出时间", "登记日期", "收集日期"),
                  "办理状态": ("状态", "办理情况", "是否解决"),
                  "办结日期": ("解决日期", "完成日期", "办结时间"),
                  "解决方式": ("办理方式", "分级", "解决途径"),
                  "办理结果": ("解决情况", "结果", "办理情况说明")},
        choice_synonyms={"已解决": ("已办结", "办结", "已完成", "完成", "是"), "已提交": ("未解决", "待办", "否", "办理中")},
        batch=_demand_batch, permission="lists:write",
        guide="按提出需求的组织、需求标题和提出日期识别需求；同一需求再次导入时更新其内容。",
    )
