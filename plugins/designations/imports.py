"""Designations (称号台账) as an import kind, through the registry's import pages: the ledger of
titles an office keeps in a spreadsheet, recorded as decided (in force; revocation is done on
the designation's page). A row is matched on (称号类别, 授予对象类型, 授予对象,
级别, 授予日期): importing the same file twice writes nothing. A subject on the blacklist is refused
with the same message as the form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import clock
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Member
from core.registry.schemas import FieldSpec, clean
from core.tenancy import TenantInfo, tree
from plugins.designations import service as svc
from plugins.designations.models import Designation
from plugins.designations.types import LEVELS

SUBJECT_KINDS = {"organization": "两新组织", "party_org": "党组织", "member": "党员"}


def fields(tenant: TenantInfo | None) -> tuple[FieldSpec, ...]:
    kinds = {k: kind.label for k, kind in svc.kinds_for(tenant).items()} if tenant is not None else {}
    return (
        FieldSpec("kind", "称号类别", "choice", required=True, choices=kinds),
        FieldSpec("subject_kind", "授予对象类型", "choice", required=True, choices=SUBJECT_KINDS),
        FieldSpec("subject", "授予对象", "ref", required=True, help="两新组织、党组织的名称或统一社会信用代码；党员的姓名"),
        FieldSpec("level", "级别", "choice", required=True, choices=LEVELS),
        FieldSpec("awarded_on", "授予日期", "date", required=True),
        FieldSpec("expires_on", "有效期至", "date", help="不填按称号类别的默认有效期"),
        FieldSpec("plaque_on", "挂牌日期", "date"),
        FieldSpec("title", "称号全称", max_length=200),
        FieldSpec("awarded_by", "授予单位", max_length=100),
        FieldSpec("basis", "主要事迹或依据", "text", max_length=5000),
    )


def _cleaner(specs: tuple[FieldSpec, ...]):
    def cleaner(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values, errors = clean(list(specs), raw)
        for key in ("title", "awarded_by", "basis"):
            values[key] = values.get(key) or ""
        aw, ex, pl = values.get("awarded_on"), values.get("expires_on"), values.get("plaque_on")
        if aw and ex and ex < aw:
            errors["expires_on"] = "有效期至不能早于授予日期"
        if aw and pl and pl < aw:
            errors["plaque_on"] = "挂牌日期不能早于授予日期"
        return values, errors

    return cleaner


def _member(run: ImportRun, name: str) -> tuple[int | None, str | None]:
    def find():
        ids = list(run.session.scalars(select(Member.id).where(Member.name == name).limit(2)))
        return (ids[0], None) if len(ids) == 1 else (None, f"找不到党员「{name}」" if not ids
                                                    else f"有多名党员叫「{name}」，请在页面上登记")
    return run.cached(("designations_member", name), find)


def _batch(run: ImportRun, rows: list) -> None:
    tenant = tree().by_id[run.session.info["tenant_id"]]
    kinds = svc.kinds_for(tenant)
    today = clock.today()
    for row in rows:
        if row.errors:
            continue
        v = row.values
        kind = kinds[v["kind"]]
        if v["subject_kind"] not in kind.subjects:
            row.errors["subject_kind"] = f"「{kind.label}」不能授予{SUBJECT_KINDS[v['subject_kind']]}"
            continue
        if v["level"] not in kind.levels:
            row.errors["level"] = f"「{kind.label}」的级别只能是：{'、'.join(LEVELS[lv] for lv in kind.levels)}"
            continue
        name = str(v.get("subject") or "")
        if v["subject_kind"] == "member":
            found, problem = _member(run, name)
        else:
            found, problem = run.reference(v["subject_kind"], name)
        if problem or found is None:
            row.errors["subject"] = problem or f"找不到「{name}」"
            continue
        entries = svc.blocking_entries(run.session, tenant, v["subject_kind"], found)
        if entries:
            row.errors["subject"] = svc.blocked_message(run.session, entries)
            continue
        ref = svc.subject_ref(run.session, tenant, v["subject_kind"], found)
        v.update(subject_id=found, subject_name=(ref.name if ref else name)[:200], kind_label=kind.label)
        if v.get("expires_on") is None:
            v["expires_on"] = svc.default_expiry(kind, v["awarded_on"])
        if v["awarded_on"] > today:
            row.errors["awarded_on"] = "授予日期不能晚于今天"
            continue
        row.key = (v["kind"], v["subject_kind"], found, v["level"], v["awarded_on"])
        if run.duplicate(row, ("designation", *row.key), "subject"):
            continue
        existing = run.session.scalar(select(Designation).where(
            Designation.kind == v["kind"], Designation.subject_kind == v["subject_kind"],
            Designation.subject_id == found, Designation.level == v["level"],
            Designation.awarded_on == v["awarded_on"]).order_by(Designation.id).limit(1))
        if existing is None:
            v.update(status="active", source="import", applied_by="导入")
        run.upsert(row, existing)


def designation_kind(tenant: TenantInfo | None = None) -> ImportKind:
    specs = fields(tenant)
    return ImportKind(
        "designations", "称号台账", Designation, specs, _cleaner(specs), "designations",
        ("kind", "subject_kind", "subject", "level", "awarded_on"), {}, {"subject": "subject_id"},
        {"kind": "两新党建示范点", "subject_kind": "两新组织", "subject": EXAMPLE_MARK + "长沙某某科技有限公司",
         "level": "区级", "awarded_on": "2025-12-20", "expires_on": "", "plaque_on": "2026-01-10",
         "title": "2025年度区级两新党建示范点", "awarded_by": "区委两新工委", "basis": "党建与发展深度融合"},
        synonyms={"称号类别": ("称号", "荣誉称号", "命名类别", "称号名称"), "授予对象": ("对象", "单位名称", "组织名称", "党组织名称", "姓名"),
                  "授予对象类型": ("对象类型",), "级别": ("命名级别", "层级"), "授予日期": ("命名日期", "授牌日期", "日期"),
                  "有效期至": ("有效期", "到期日期"), "挂牌日期": ("挂牌时间",), "授予单位": ("命名单位", "发文单位"),
                  "主要事迹或依据": ("事迹", "依据", "备注")},
        choice_synonyms={"两新组织": ("企业", "社会组织", "组织"), "党组织": ("党支部", "支部"), "街道级": ("街道",),
                         "区级": ("区", "县级"), "市级": ("市",)},
        batch=_batch, permission="designations:review", extra_keys=(),
        guide="按称号类别、授予对象、级别和授予日期识别称号；导入的称号视为已生效；列入监管黑名单的组织不能导入称号。",
    )
