"""The program's ledgers as import kinds of the registry's import pages (issue 13), registered
through ``register_import_kinds``:

* 党费收缴台账 (the basis of 党费全额返还): one row per party org and year; another amount for
  the same party org and year updates it (as :func:`guarantees.record_dues` does). The rows are
  the membership block's 党费上缴 records (``membership_dues_remittances``, since dongfanghong_0008);
* 双向培养 (强基): the person is matched by name among the party org's members (or pipeline
  for ``to_member``) with the form's rules (:func:`projects.add_cultivation`); rows may be
  培养中 or 已完成 (completing marks the member a backbone, a ``to_member`` completion needs a
  预备/正式党员); a record closed since is not reopened by a file;
* 合作共建记录 (活水 / 合作保障): the 联组 and, for 联组间合作, the other group are matched to
  the joint groups by name (rows, not text); other partners are named as the form takes them.

Importing the same file twice writes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import clock
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Cluster, Member, PartyOrg
from core.registry.schemas import FieldSpec, clean
from plugins.dongfanghong import projects
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Cooperation, Cultivation
from plugins.funds.api import parse_yuan
from plugins.membership.api import DuesRemittance as DuesRecord

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


# --- 双向培养 (强基) ------------------------------------------------------------------------------

CULTIVATION_IMPORT_STATUSES = {"ongoing": projects.CULTIVATION_STATUSES["ongoing"],
                               "done": projects.CULTIVATION_STATUSES["done"]}

CULTIVATION_FIELDS = (
    FieldSpec("direction", "培养方向", "choice", required=True, choices=projects.DIRECTIONS),
    FieldSpec("person_name", "培养对象", required=True, max_length=50),
    FieldSpec("party_org", "党组织", "ref", required=True, help="培养对象所在两新党组织的名称（须已在系统中）"),
    FieldSpec("mentor", "培养联系人", required=True, max_length=50),
    FieldSpec("started_on", "开始日期", "date", required=True),
    FieldSpec("target_on", "计划完成日期", "date"),
    FieldSpec("status", "状态", "choice", choices=CULTIVATION_IMPORT_STATUSES, help="培养中或已完成；不填为培养中"),
    FieldSpec("finished_on", "完成日期", "date", help="已完成的填写"),
    FieldSpec("notes", "培养措施", "text", max_length=2000),
)


def clean_cultivation_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(CULTIVATION_FIELDS), raw)
    today = clock.today()
    values["status"] = values.get("status") or "ongoing"
    values["notes"] = values.get("notes") or ""
    start, target, finished = values.get("started_on"), values.get("target_on"), values.get("finished_on")
    if start and start > today:
        errors["started_on"] = "开始日期：不能晚于今天"
    if start and target and target < start:
        errors["target_on"] = "计划完成日期：不能早于开始日期"
    if values["status"] == "done":
        if finished is None and "finished_on" not in errors:
            errors["finished_on"] = "完成日期：已完成的培养须填写完成日期"
        elif finished and finished > today:
            errors["finished_on"] = "完成日期：不能晚于今天"
        elif finished and start and finished < start:
            errors["finished_on"] = "完成日期：不能早于开始日期"
    elif finished:
        errors["finished_on"] = "完成日期：培养中的记录不填完成日期"
    return values, errors


def _live_party_org(run: ImportRun, name: str) -> tuple[PartyOrg | None, str | None]:
    def find() -> tuple[PartyOrg | None, str | None]:
        found, problem = run.reference("party_org", name)
        po = run.session.get(PartyOrg, found) if found else None
        if po is not None and po.dissolved_on is not None:
            return None, f"「{po.name}」已撤销"
        return po, problem
    return run.cached(("dfh_party_org", name), find)


def _cultivation_batch(run: ImportRun, rows: list) -> None:
    run.present |= {"member_id", "organization_id", "party_org_id"}
    has_status = "status" in run.present
    for row in rows:
        if row.errors:
            continue
        v = row.values
        po, problem = _live_party_org(run, str(v["party_org"]))
        if po is None:
            row.errors["party_org"] = problem or "找不到党组织"
            continue
        direction, name = v["direction"], v["person_name"]
        if run.duplicate(row, ("cultivation", direction, po.id, name, v["started_on"]), "person_name"):
            continue
        existing = run.session.scalar(select(Cultivation).where(
            Cultivation.direction == direction, Cultivation.party_org_id == po.id,
            Cultivation.person_name == name, Cultivation.started_on == v["started_on"]).limit(1))
        if existing is not None and not has_status:  # the file says nothing of the state: keep it
            v["status"], v["finished_on"] = existing.status, existing.finished_on
        status = v["status"]
        if existing is not None and existing.status != status and existing.status != "ongoing":
            row.errors["status"] = (f"该记录已{projects.CULTIVATION_STATUSES[existing.status]}，"
                                    "不能通过导入改变状态")
            continue
        statuses = projects.PARTY_STATUSES + (() if direction == "to_backbone" else projects.PIPELINE_STATUSES)
        found = list(run.session.scalars(select(Member).where(
            Member.party_org_id == po.id, Member.name == name, Member.status.in_(statuses)).limit(3)))
        member = found[0] if len(found) == 1 else None
        if len(found) > 1:
            row.errors["person_name"] = f"「{po.name}」有多名叫「{name}」的人员，请到台账核对后在页面上登记"
        elif member is None and direction == "to_backbone":
            row.errors["person_name"] = f"「{name}」不是「{po.name}」的党员（预备党员或正式党员）"
        elif status == "ongoing" and direction == "to_member" and member is not None \
                and member.status in projects.PARTY_STATUSES and existing is None:
            row.errors["person_name"] = f"「{name}」已是党员，请选择「把党员培养成业务骨干」"
        elif status == "done" and direction == "to_member" and (
                member is None or member.status not in projects.PARTY_STATUSES):
            row.errors["status"] = f"「{name}」在台账中尚未成为预备党员或正式党员，不能记为已完成"
        elif member is not None and status == "ongoing" and run.session.scalar(select(Cultivation.id).where(
                Cultivation.member_id == member.id, Cultivation.direction == direction,
                Cultivation.status == "ongoing", Cultivation.id != (existing.id if existing else -1))):
            row.errors["person_name"] = f"「{name}」已有进行中的同方向培养记录"
        if row.errors:
            continue
        v.update(party_org_id=po.id, member_id=member.id if member else None,
                 organization_id=projects.organization_of(run.session, po, member))
        outcome, _obj = run.upsert(row, existing)
        if run.writing and status == "done" and member is not None and outcome != "unchanged":
            projects.mark_backbone(run.session, member.id)


def cultivation_kind() -> ImportKind:
    return ImportKind(
        "dongfanghong_cultivations", "双向培养", Cultivation, CULTIVATION_FIELDS, clean_cultivation_row,
        "dongfanghong/qiangji/cultivations", ("direction", "person_name", "party_org", "mentor", "started_on"),
        {}, {"party_org": "party_org_id"},
        {"direction": "把党员培养成业务骨干", "person_name": EXAMPLE_MARK + "张三",
         "party_org": "长沙某某科技有限公司党支部", "mentor": "李四", "started_on": "2025-03-01",
         "target_on": "2025-12-31", "status": "培养中", "finished_on": "", "notes": "岗位练兵、导师带徒"},
        synonyms={"培养方向": ("方向", "培养类型", "类型", "双向培养类型"),
                  "培养对象": ("姓名", "培养人", "培养对象姓名", "人员姓名"),
                  "党组织": ("所在党组织", "党支部", "所在支部", "支部名称", "党组织名称"),
                  "培养联系人": ("联系人", "培养人员", "导师", "结对导师", "培养责任人"),
                  "开始日期": ("开始时间", "培养开始日期", "起始日期"),
                  "计划完成日期": ("计划完成", "计划完成时间", "预计完成日期"),
                  "完成日期": ("完成时间", "实际完成日期"),
                  "培养措施": ("措施", "培养计划", "备注", "培养内容")},
        choice_synonyms={"把党员培养成业务骨干": ("党员培养成骨干", "党员→骨干", "党员培养成业务骨干", "培养成业务骨干",
                                          "培养成骨干", "党员变骨干"),
                         "把业务骨干培养成党员": ("骨干培养成党员", "骨干→党员", "业务骨干培养成党员", "培养成党员",
                                          "骨干变党员"),
                         "已完成": ("完成", "已结束"), "培养中": ("进行中", "在培养", "正在培养")},
        batch=_cultivation_batch, permission="dongfanghong:write",
        guide="按培养方向、党组织、培养对象和开始日期识别；培养对象按姓名在该党组织的党员（或入党申请人、积极分子、"
              "发展对象）中查找；已完成或已中止的记录不会被文件改变状态。",
    )


# --- 合作 / 共建 (活水, 合作保障) ------------------------------------------------------------------

COOPERATION_FIELDS = (
    FieldSpec("held_on", "日期", "date", required=True),
    FieldSpec("kind", "合作类型", "choice", required=True, choices=projects.COOPERATION_KINDS),
    FieldSpec("area", "合作方向", "choice", required=True, choices=projects.COOPERATION_AREAS),
    FieldSpec("group", "联组", "ref", max_length=100, help="联组名称（须已在系统中）；企业间合作可不填"),
    FieldSpec("partner", "合作方", "ref", max_length=200,
              help="联组间合作填写另一个联组的名称（须已在系统中）；其他类型填写合作单位或社区（村）党组织的名称"),
    FieldSpec("content", "共建内容", "text", required=True, max_length=2000),
    FieldSpec("result", "成效", "text", max_length=2000),
)


def clean_cooperation_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(COOPERATION_FIELDS), raw)
    values["result"] = values.get("result") or ""
    if values.get("held_on") and values["held_on"] > clock.today():
        errors["held_on"] = "日期：不能晚于今天"
    return values, errors


def _joint_group(run: ImportRun, name: str) -> Cluster | None:
    groups = run.cached(("dfh_groups",), lambda: {g.name: g for g in svc.joint_groups(run.session)})
    return groups.get(name)


def _cooperation_batch(run: ImportRun, rows: list) -> None:
    run.present |= {"cluster_id", "partner_cluster_id"}
    for row in rows:
        if row.errors:
            continue
        v = row.values
        kind, group_name, partner = v["kind"], str(v.get("group") or ""), str(v.get("partner") or "")
        group = partner_group = None
        if group_name:
            group = _joint_group(run, group_name)
            if group is None:
                row.errors["group"] = f"找不到联组「{group_name}」"
        elif kind != "enterprise":
            row.errors["group"] = "必填（企业间合作以外的合作都属于一个联组）"
        if kind == "group":
            partner_group = _joint_group(run, partner) if partner else None
            if partner_group is None:
                row.errors["partner"] = f"找不到联组「{partner}」" if partner else "联组间合作须填写另一个联组的名称"
            elif group is not None and partner_group.id == group.id:
                row.errors["partner"] = "不能与本联组相同"
            else:
                partner = partner_group.name
        elif not partner:
            row.errors["partner"] = "共建社区（村）党组织必填" if kind == "community" else "必填"
        if row.errors:
            continue
        v.update(cluster_id=group.id if group else None,
                 partner_cluster_id=partner_group.id if partner_group else None, partner=partner)
        key = (kind, v["cluster_id"], partner, v["held_on"])
        if run.duplicate(row, ("cooperation", *key), "partner"):
            continue
        existing = run.session.scalar(select(Cooperation).where(
            Cooperation.kind == kind, Cooperation.cluster_id.is_(None) if group is None else
            Cooperation.cluster_id == group.id, Cooperation.partner == partner,
            Cooperation.held_on == v["held_on"]).order_by(Cooperation.id).limit(1))
        run.upsert(row, existing)


def cooperation_kind() -> ImportKind:
    return ImportKind(
        "dongfanghong_cooperations", "合作共建记录", Cooperation, COOPERATION_FIELDS, clean_cooperation_row,
        "dongfanghong/cooperation", ("held_on", "kind", "area", "content"), {}, {},
        {"held_on": "2025-06-18", "kind": "联组与社区（村）党组织共建", "area": "资源共享", "group": "第一联组",
         "partner": EXAMPLE_MARK + "某某社区党委", "content": "联合开展政策宣讲进企业", "result": "服务企业 12 家"},
        synonyms={"日期": ("时间", "活动日期", "共建日期", "合作日期"),
                  "合作类型": ("类型", "共建类型", "合作形式"),
                  "合作方向": ("方向", "合作领域", "共建方向", "领域"),
                  "联组": ("所属联组", "联组名称"),
                  "合作方": ("共建单位", "合作单位", "共建对象", "合作对象", "共建社区", "对方单位"),
                  "共建内容": ("内容", "合作内容", "活动内容", "事项"),
                  "成效": ("效果", "成果", "合作成效", "共建成效")},
        choice_synonyms={"联组与社区（村）党组织共建": ("社区共建", "村社共建", "与社区共建", "社区（村）共建", "社区"),
                         "联组间合作": ("联组间", "联组之间", "联组互助"),
                         "联组与机关合作": ("机关合作", "与机关合作", "机关"),
                         "联组与驻街单位合作": ("驻街单位", "与驻街单位合作", "驻街单位合作"),
                         "群团组织力量注入": ("群团组织", "群团", "群团合作"),
                         "企业间合作": ("企业间", "企业合作", "企企合作")},
        batch=_cooperation_batch, permission="dongfanghong:write",
        guide="按合作类型、联组、合作方和日期识别；联组间合作的合作方须是系统中的另一个联组。",
        extra_keys=("group",),
    )
