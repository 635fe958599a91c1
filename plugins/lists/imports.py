"""The resource ledger (资源清单) as an import kind (issue 13): resources kept in a spreadsheet
come in through the registry's import pages — dry run, column mapping, valid-rows import.

A row is matched on (资源名称, 提供方): importing the same file twice writes nothing. The
category and provider-kind choices are the tenant's scheme (:func:`service.scheme_for`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import crypto
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.schemas import FieldSpec, clean
from core.tenancy import TenantInfo
from core.validators import compact, normalize_mobile, validate_mobile
from plugins.lists.models import ListResource
from plugins.lists.service import LANDLINE_RE, scheme_for


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
