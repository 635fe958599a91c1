"""The party-dues ledger (党费收缴台账, the basis of 党费全额返还) as an import kind (issue 13).

One row per party org and year: importing the same file twice writes nothing; another amount
for the same party org and year updates it (as :func:`guarantees.record_dues` does).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import clock
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.schemas import FieldSpec, clean
from plugins.dongfanghong.models import DuesRecord
from plugins.funds.api import parse_yuan

FIELDS = (
    FieldSpec("party_org", "党组织名称", "ref", required=True),
    FieldSpec("year", "年度", "int", required=True, min=2000, max=2100),
    FieldSpec("amount", "上缴党费（元）", required=True, max_length=30, help="单位：元，最多两位小数"),
    FieldSpec("note", "备注", max_length=200),
)


def clean_dues_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(FIELDS), raw)
    if values.get("year") and values["year"] > clock.today().year:
        errors["year"] = f"请填写 2000–{clock.today().year} 之间的年份"
    if "amount" in values:
        try:
            values["amount_fen"] = parse_yuan(values.pop("amount"))
        except ValueError as exc:
            errors["amount"] = str(exc)
    values["note"] = values.get("note") or ""
    return values, errors


def _batch(run: ImportRun, rows: list) -> None:
    for row in rows:
        if row.errors:
            continue
        found, problem = run.reference("party_org", str(row.values["party_org"]))
        if problem:
            row.errors["party_org"] = problem
            continue
        row.values["party_org_id"] = found
        row.key = (found, row.values["year"])
        if run.duplicate(row, ("dues", *row.key), "year"):
            continue
        existing = run.session.scalar(select(DuesRecord).where(DuesRecord.party_org_id == found,
                                                               DuesRecord.year == row.values["year"]))
        run.upsert(row, existing)


def dues_kind() -> ImportKind:
    return ImportKind(
        "dongfanghong_dues", "党费收缴台账", DuesRecord, FIELDS, clean_dues_row, "dongfanghong/guarantees",
        ("party_org", "year", "amount"), {}, {"party_org": "party_org_id", "amount": "amount_fen"},
        {"party_org": EXAMPLE_MARK + "长沙某某科技有限公司党支部", "year": 2025, "amount": "2400.00", "note": ""},
        synonyms={"党组织名称": ("党组织", "党支部", "支部名称", "单位"), "年度": ("年份", "缴纳年度"),
                  "上缴党费（元）": ("党费", "上缴党费", "党费金额", "金额", "缴纳金额", "党费（元）")},
        batch=_batch, permission="dongfanghong:write", guide="按党组织和年度识别；同一党组织同一年度再次导入时更新金额。",
    )
