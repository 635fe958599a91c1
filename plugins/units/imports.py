"""Units (单位台账, e.g. 两新工委成员单位及工作职责) as an import kind, through the registry's import
pages. A row is matched on (单位类别, 单位名称): importing the same file twice writes nothing; a
changed row updates the unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import crypto
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.schemas import FieldSpec, clean
from core.tenancy import TenantInfo
from plugins.units.models import Unit
from plugins.units.service import unit_kinds


def _fields(tenant: TenantInfo) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("name", "单位名称", required=True, max_length=200),
        FieldSpec("kind", "单位类别", "choice", required=True,
                  choices={k: v.label for k, v in unit_kinds(tenant).items()}),
        FieldSpec("duties", "工作分工和职责", "text", max_length=5000),
        FieldSpec("contact_name", "联系人", max_length=50),
        FieldSpec("contact_phone", "联系电话", "mobile"),
        FieldSpec("party_org", "所属党组织", "ref", help="党组织名称，可不填"),
        FieldSpec("note", "备注", "text", max_length=5000),
    )


def _batch(run: ImportRun, rows: list) -> None:
    for row in rows:
        if row.errors:
            continue
        name = str(row.values.get("party_org") or "")
        if name:
            found, problem = run.reference("party_org", name)
            if problem:
                row.errors["party_org"] = f"所属党组织：{problem}"
                continue
            row.values["party_org_id"] = found
        elif "party_org" in run.present:
            row.values["party_org_id"] = None
        row.key = (row.values["kind"], row.values["name"])
        if run.duplicate(row, ("unit", *row.key), "name"):
            continue
        unit = run.session.scalar(select(Unit).where(Unit.kind == row.key[0], Unit.name == row.key[1]).limit(1))
        run.upsert(row, unit)


def unit_kind(tenant: TenantInfo) -> ImportKind:
    fields = _fields(tenant)

    def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values, errors = clean(list(fields), raw)
        if "contact_phone" in values:
            phone = values.pop("contact_phone")
            values["contact_phone_enc"] = crypto.encrypt(phone) if phone else None
            values["contact_phone_hash"] = crypto.blind_index(phone, "phone") if phone else None
        for key in ("duties", "contact_name", "note"):
            if key in values and values[key] is None:
                values[key] = ""
        return values, errors

    return ImportKind(
        "units", "单位台账", Unit, fields, clean_row, "units", ("name", "kind"),
        {"contact_phone": ("contact_phone_hash", "contact_phone_enc")}, {"party_org": "party_org_id"},
        {"name": EXAMPLE_MARK + "区委宣传部", "kind": "成员单位", "duties": "负责两新组织宣传思想文化工作",
         "contact_name": "张三", "contact_phone": "13800138000", "party_org": "", "note": ""},
        synonyms={"单位名称": ("单位", "成员单位", "部门", "部门名称", "名称"),
                  "单位类别": ("类别", "单位类型", "类型"),
                  "工作分工和职责": ("职责", "工作职责", "工作分工", "分工", "职能职责"),
                  "联系人": ("联络员", "联系人姓名"), "联系电话": ("电话", "手机", "手机号", "联系方式"),
                  "所属党组织": ("党组织", "党组织名称"), "备注": ("说明",)},
        choice_synonyms={"行业部门": ("责任部门", "区直部门", "主管部门"), "驻街单位": ("驻街部门",)},
        batch=_batch, permission="units:write", guide="按单位类别和单位名称识别单位；联系电话加密保存。",
    )
