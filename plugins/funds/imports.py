"""Budget lines (经费预算台账) as an import kind (issue 13), through the registry's import pages.

A row is matched on (年度, 经费对象, 经费类别, 名称): importing the same file twice writes
nothing; a changed amount updates the line, never below what is already committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Cluster
from core.registry.schemas import FieldSpec, clean
from plugins.funds.models import BudgetLine
from plugins.funds.service import CATEGORIES, TARGET_KINDS, committed_fen, parse_yuan, yuan

FIELDS = (
    FieldSpec("year", "年度", "int", required=True, min=2000, max=2100),
    FieldSpec("target_kind", "经费对象类型", "choice", choices=TARGET_KINDS, help="不填为本级"),
    FieldSpec("target", "经费对象", "ref", help="组团（联组）或党组织的名称；本级不填"),
    FieldSpec("category", "经费类别", "choice", required=True, choices=CATEGORIES),
    FieldSpec("title", "名称", max_length=200, help="不填时为经费类别"),
    FieldSpec("amount", "金额（元）", required=True, max_length=30, help="单位：元，最多两位小数"),
    FieldSpec("note", "备注", "text", max_length=5000),
)


def clean_line_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(FIELDS), raw)
    values["target_kind"] = values.get("target_kind") or "tenant"
    values["title"] = values.get("title") or CATEGORIES.get(values.get("category") or "", "")
    if "amount" in values:
        try:
            values["amount_fen"] = parse_yuan(values.pop("amount"))
        except ValueError as exc:
            errors["amount"] = str(exc)
    if values["target_kind"] != "tenant" and not values.get("target"):
        errors["target"] = f"请填写{TARGET_KINDS[values['target_kind']]}的名称"
    values["note"] = values.get("note") or ""
    return values, errors


def _batch(run: ImportRun, rows: list) -> None:
    from core.tenancy import tree

    tenant = tree().by_id[run.session.info["tenant_id"]]
    for row in rows:
        if row.errors:
            continue
        kind, name = row.values["target_kind"], str(row.values.get("target") or "")
        if kind == "tenant":
            row.values.update(target_id=None, target_name=tenant.name)
        elif kind == "party_org":
            found, problem = run.reference("party_org", name)
            if problem:
                row.errors["target"] = problem
                continue
            row.values.update(target_id=found, target_name=name)
        else:
            found = run.cached(("cluster_by_name", name), lambda n=name: run.session.scalar(
                select(Cluster.id).where(Cluster.name == n, Cluster.archived_on.is_(None)).limit(1)) or False)
            if not found:
                row.errors["target"] = f"找不到组团「{name}」"
                continue
            row.values.update(target_id=found, target_name=name)
        row.key = (row.values["year"], kind, row.values["target_id"], row.values["category"], row.values["title"])
        if run.duplicate(row, ("line", *row.key), "title"):
            continue
        line = run.session.scalar(select(BudgetLine).where(
            BudgetLine.year == row.key[0], BudgetLine.target_kind == kind,
            BudgetLine.target_id.is_(None) if row.key[2] is None else BudgetLine.target_id == row.key[2],
            BudgetLine.category == row.key[3], BudgetLine.title == row.key[4]).order_by(BudgetLine.id).limit(1))
        if line is not None and row.values["amount_fen"] < committed_fen(run.session, line.id):
            row.errors["amount"] = f"不能少于已申请和拨付的 {yuan(committed_fen(run.session, line.id))} 元"
            continue
        run.upsert(row, line)


def budget_kind() -> ImportKind:
    return ImportKind(
        "funds_lines", "经费预算", BudgetLine, FIELDS, clean_line_row, "funds",
        ("year", "category", "amount"), {}, {"amount": "amount_fen", "target": "target_id"},
        {"year": 2026, "target_kind": "党组织", "target": EXAMPLE_MARK + "长沙某某科技有限公司党支部",
         "category": "工作经费", "title": "2026 年党组织工作经费", "amount": "5000.00", "note": ""},
        synonyms={"年度": ("年份", "预算年度"), "经费对象类型": ("对象类型", "拨付对象类型"),
                  "经费对象": ("对象", "拨付对象", "党组织名称", "联组名称"), "经费类别": ("类别", "经费类型", "资金类别"),
                  "名称": ("项目名称", "预算名称", "经费名称"), "金额（元）": ("金额", "预算金额", "经费金额", "金额(元)"),
                  "备注": ("说明",)},
        choice_synonyms={"本级": ("街道", "本街道", "辖区"), "组团（联组）": ("联组", "组团"), "党组织": ("党支部",)},
        batch=_batch, permission="funds:write", guide="按年度、经费对象、经费类别和名称识别预算；金额不能少于已申请和拨付的部分。",
    )
