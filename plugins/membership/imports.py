"""A month of dues payments (党费缴纳) as an import kind of the registry's import pages
(issue 11: "one bad row refused with its row number, nothing written"; issue 13).

Each row names the month (月份), the member — by ID-card number, or by name when that name is
unique — and what was paid; it may set the member's dues category and base (saved to their
dues profile). The month's due is computed from the rate table in force that month, so a row
paying more than is due is refused. The kind is ``all_or_nothing``: one wrong row and nothing
is written (no "import only the valid rows").

Matching is on (member, month): importing the same file twice writes nothing; a month already
paid with another amount is refused (corrected on the member's dues record, not by a file).
An org secretary imports the dues of the members working in their own organizations; other
rows are refused one by one (``run.outside``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core import clock, crypto, money
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Member
from core.registry.schemas import FieldSpec, clean
from plugins.membership.dues import (
    CATEGORIES,
    FIXED,
    METHODS,
    compute,
    month_end,
    month_of,
    rate_table,
)
from plugins.membership.models import DuesProfile, DuesRecord

#: the statuses whose members owe dues
PAYING = ("probationary", "full")

FIELDS = (
    FieldSpec("month", "月份", required=True, max_length=20, help="缴费所属月份，例如 2026-03 或 2026年3月"),
    FieldSpec("name", "姓名", required=True, max_length=50),
    FieldSpec("id_number", "身份证号", "id_number", help="党员的身份证号（同名党员时必填，用于准确识别）"),
    FieldSpec("category", "党费类别", "choice", choices=CATEGORIES),
    FieldSpec("base", "缴费基数（元）", max_length=30, help="月工资收入（元）；不填时沿用党员已登记的缴费基数"),
    FieldSpec("paid", "实缴金额（元）", required=True, max_length=30, help="单位：元，最多两位小数；不能超过应缴金额"),
    FieldSpec("paid_on", "缴费日期", "date", help="不填时为导入当天；晚于所属月份的记为补缴"),
    FieldSpec("method", "缴费方式", "choice", choices=METHODS),
    FieldSpec("note", "备注", max_length=200),
)
#: the record's columns a row sets (compared on re-import)
COLUMNS = ("member_id", "party_org_id", "month", "category", "base_fen", "rate_bp", "due_fen", "paid_fen",
           "paid_on", "method", "back_payment", "note")


def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(FIELDS), raw)
    if values.get("month") and "month" not in errors:
        month = month_of(values["month"])
        if month is None:
            errors["month"] = "格式应为 2026-03"
        elif month > clock.today():
            errors["month"] = "不能晚于本月"
        values["month"] = month
    for key in ("base", "paid"):
        text = values.get(key)
        values[key + "_fen"] = None
        if key in errors or text in (None, ""):
            continue
        try:
            values[key + "_fen"] = money.parse_yuan(text, allow_zero=True)
        except ValueError as exc:
            errors[key] = str(exc)
    if values.get("paid_on") and values["paid_on"] > clock.today():
        errors["paid_on"] = "不能晚于今天"
    idn = values.pop("id_number", None)
    values["id_hash"] = crypto.blind_index(idn, "id_number") if idn else None
    return values, errors


def _member(run: ImportRun, row) -> Member | None:
    """The paying member the row names (in the user's scope), else ``None`` with the row's error."""
    v = row.values
    paying = (Member.status.in_(PAYING), Member.party_org_id.is_not(None))
    if v["id_hash"]:
        member = run.cached(("dues_member", v["id_hash"]), lambda: run.session.scalar(
            select(Member).where(Member.id_number_hash == v["id_hash"], *paying)) or False) or None
        if member is None:
            row.errors["id_number"] = "本辖区没有这个身份证号的党员（预备党员或正式党员）"
        elif run.limited and member.organization_id not in run.own_organizations():
            run.outside(row, "id_number", "党员的党费")
            return None
        return member
    found = run.cached(("dues_name", v["name"]), lambda: list(run.session.scalars(
        select(Member).where(Member.name == v["name"], *paying).limit(20))))
    if run.limited:
        mine = [m for m in found if m.organization_id in run.own_organizations()]
        if found and not mine:
            run.outside(row, "name", "党员的党费")
            return None
        found = mine
    if not found:
        row.errors["name"] = "没有这个党员（预备党员或正式党员）"
    elif len(found) > 1:
        row.errors["name"] = "有同名党员，请填写身份证号"
    else:
        return found[0]
    return None


def _batch(run: ImportRun, rows: list) -> None:
    run.present |= set(COLUMNS)  # the computed columns are compared on re-import too
    today = clock.today()
    for row in rows:
        if row.errors:
            continue
        v = row.values
        member = _member(run, row)
        if member is None or run.duplicate(row, ("dues", member.id, v["month"]), "name"):
            continue
        month = v["month"]
        profile = run.session.scalar(select(DuesProfile).where(DuesProfile.member_id == member.id))
        existing = run.session.scalar(select(DuesRecord).where(DuesRecord.member_id == member.id,
                                                               DuesRecord.month == month))
        category = v.get("category") or (profile.category if profile else "employed")
        base = v["base_fen"] if v["base_fen"] is not None else (profile.base_fen if profile else 0)
        fixed = profile.fixed_fen if profile else 0
        table = run.cached(("dues_table", month), lambda month=month: rate_table(run.session, month))
        bp, due = compute(table, category, base, fixed)
        paid = v["paid_fen"]
        if paid > due:
            row.errors["paid"] = f"不能超过应缴 {money.yuan(due)} 元"
            continue
        if existing is not None and existing.paid_fen and existing.paid_fen != paid:
            row.errors["paid"] = (f"该党员 {month:%Y年%m月} 的党费已登记实缴 {money.yuan(existing.paid_fen)} 元；"
                                  "如需更正，请在党费记录中修改")
            continue
        paid_on = v.get("paid_on") or (existing.paid_on if existing is not None and existing.paid_fen else None) \
            or today
        method = v.get("method") or ""
        note = v.get("note") or (existing.note if existing is not None else "")
        row.values = {"member_id": member.id, "party_org_id": member.party_org_id, "month": month,
                      "category": category, "base_fen": base, "rate_bp": bp, "due_fen": due, "paid_fen": paid,
                      "paid_on": paid_on, "method": method, "back_payment": paid > 0 and paid_on > month_end(month),
                      "note": note}
        if existing is not None:
            row.values.pop("party_org_id")  # the party org it was due in stays
        kept_base = base if category not in FIXED else 0
        profile_changed = profile is None or (profile.category, profile.base_fen) != (category, kept_base)
        run.upsert(row, existing, also_changed=profile_changed)
        if run.writing and profile_changed:
            if profile is None:
                profile = DuesProfile(member_id=member.id)
                run.session.add(profile)
            profile.category, profile.base_fen = category, kept_base


def _example_month() -> str:
    return f"{clock.today().replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def dues_kind() -> ImportKind:
    return ImportKind(
        "membership_dues", "党费缴纳", DuesRecord, FIELDS, clean_row, "membership/dues",
        ("month", "name", "paid"), {}, {},
        {"month": _example_month(), "name": EXAMPLE_MARK + "张三", "id_number": "", "category": "在职",
         "base": "4500", "paid": "45.00", "paid_on": clock.today().isoformat(), "method": "微信", "note": ""},
        synonyms={"月份": ("所属月份", "缴费月份", "党费月份", "月度", "缴纳月份"),
                  "姓名": ("党员姓名", "党员", "缴费人"),
                  "党费类别": ("类别", "人员类别", "党员类别"),
                  "缴费基数（元）": ("缴费基数", "工资收入", "月工资", "月收入", "基数"),
                  "实缴金额（元）": ("实缴金额", "实缴", "缴纳金额", "实缴党费", "党费金额", "金额", "党费（元）"),
                  "缴费日期": ("缴纳日期", "日期", "缴费时间"),
                  "缴费方式": ("方式", "支付方式", "缴纳方式")},
        choice_synonyms={"在职": ("在职党员", "在岗"), "离退休": ("退休", "离休", "离退休党员"),
                         "下岗失业": ("下岗", "失业"), "银行转账": ("转账", "银行"), "微信": ("微信支付",),
                         "支付宝": ("支付宝支付",), "工资代扣": ("代扣", "工资扣缴")},
        batch=_batch, permission="membership:dues", all_or_nothing=True, scoped=True,
        guide="按党员（身份证号，或不重名时的姓名）和月份识别；已登记实缴的月份不会被文件改写。整表导入，有一行错误则不写入任何数据。",
        extra_keys=("name", "id_hash", "base", "paid"),
    )
