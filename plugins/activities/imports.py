"""Attendance of activities (活动出勤台账) as an import kind (issue 13): sign-in sheets kept in
a spreadsheet come in through the registry's import pages.

A row names an activity (its title and the day it started, local time) and a person. The
person is matched among the activity's participants on the ID number (a party member) or
the name; someone not yet on the list is added. The same rules as the attendance form: no
出席 / 缺席 before the activity is held, a 请假 needs its reason, nothing on a cancelled
activity. Importing the same sheet twice writes nothing. A user imports the attendance of the
activities they may edit (the activities block's rule: an org secretary or an alliance liaison
their party org's and the clusters they lead); other rows are refused one by one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core import crypto
from core.clock import SHANGHAI, UTC
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.models import Member
from core.registry.schemas import FieldSpec, clean
from plugins.activities.models import Activity, ActivityParticipant
from plugins.activities.service import ATTENDANCE, Access, can_edit

#: what a sheet may say (the form's pending state is not something a sheet records)
MARKS = {k: v for k, v in ATTENDANCE.items() if k != "pending"}

FIELDS = (
    FieldSpec("activity", "活动名称", "ref", required=True, max_length=200),
    FieldSpec("day", "活动日期", "date", required=True),
    FieldSpec("name", "姓名", required=True, max_length=50),
    FieldSpec("id_number", "身份证号", "id_number", help="党员的身份证号（可选，用于准确识别党员）"),
    FieldSpec("unit", "单位", max_length=100),
    FieldSpec("attendance", "出勤情况", "choice", required=True, choices=MARKS),
    FieldSpec("leave_reason", "请假事由", max_length=200),
    FieldSpec("note", "备注", max_length=200),
)


def clean_attendance_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(FIELDS), raw)
    for key in ("unit", "leave_reason", "note"):
        values[key] = values.get(key) or ""
    idn = values.pop("id_number", None)
    values["id_hash"] = crypto.blind_index(idn, "id_number") if idn else None
    if values.get("attendance") == "leave" and not values["leave_reason"]:
        errors["leave_reason"] = "请假须填写事由"
    return values, errors


def _activity(run: ImportRun, title: str, day: dt.date) -> Activity | None:
    def find() -> Activity | bool:
        start = dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(UTC)
        found = list(run.session.scalars(select(Activity).where(
            Activity.title == title, Activity.starts_at >= start, Activity.starts_at < start + dt.timedelta(days=1))
            .limit(2)))
        return found[0] if len(found) == 1 else (len(found) > 1)
    return run.cached(("activity", title, day), find)


def _batch(run: ImportRun, rows: list) -> None:
    for row in rows:
        if row.errors:
            continue
        v = row.values
        activity = _activity(run, str(v["activity"]), v["day"])
        if activity is True:
            row.errors["activity"] = f"{v['day']:%Y-%m-%d} 有多个名为「{v['activity']}」的活动"
            continue
        if not activity:
            row.errors["activity"] = f"找不到 {v['day']:%Y-%m-%d} 开始的活动「{v['activity']}」"
            continue
        if run.perms is not None and not can_edit(run.session, Access(run.user_id, run.perms), activity):
            run.outside(row, "activity", "党组织（或您担任组长的联组）的活动出勤")
            continue
        if activity.status == "cancelled":
            row.errors["activity"] = "活动已取消，不能登记出勤"
            continue
        if v["attendance"] in ("present", "absent") and activity.status != "held":
            row.errors["attendance"] = f"活动尚未举行，不能登记{MARKS[v['attendance']]}"
            continue
        member_id = None
        if v["id_hash"]:
            member_id = run.cached(("member", v["id_hash"]), lambda h=v["id_hash"]: run.session.scalar(
                select(Member.id).where(Member.id_number_hash == h)) or False) or None
            if member_id is None:
                row.errors["id_number"] = "找不到这个身份证号的党员"
                continue
        key = ("attendance", activity.id, member_id or v["name"])
        if run.duplicate(row, key, "name"):
            continue
        who = (ActivityParticipant.member_id == member_id) if member_id else (ActivityParticipant.name == v["name"])
        matches = list(run.session.scalars(select(ActivityParticipant).where(
            ActivityParticipant.activity_id == activity.id, who).limit(2)))
        if len(matches) > 1:
            row.errors["name"] = f"活动中有多个名为「{v['name']}」的参加人，请填写身份证号"
            continue
        participant = matches[0] if matches else None
        v.update(activity_id=activity.id, member_id=member_id if participant is None else participant.member_id)
        if participant is not None:
            v["name"] = participant.name
            if not v["unit"]:
                v["unit"] = participant.unit
        run.upsert(row, participant)


def attendance_kind() -> ImportKind:
    return ImportKind(
        "activities_attendance", "活动出勤", ActivityParticipant, FIELDS, clean_attendance_row, "activities",
        ("activity", "day", "name", "attendance"), {}, {},
        {"activity": "主题党日活动", "day": "2026-03-05", "name": EXAMPLE_MARK + "张三", "id_number": "",
         "unit": "长沙某某科技有限公司", "attendance": "出席", "leave_reason": "", "note": ""},
        synonyms={"活动名称": ("活动", "活动主题", "会议名称", "主题"), "活动日期": ("日期", "活动时间", "会议日期", "时间"),
                  "姓名": ("参加人", "参会人员", "人员姓名", "党员姓名"), "单位": ("工作单位", "所在单位"),
                  "出勤情况": ("出勤", "签到", "是否参加", "参会情况", "出席情况"), "请假事由": ("请假原因", "事由")},
        choice_synonyms={"出席": ("参加", "已参加", "到会", "签到", "√", "是", "已签到", "出勤"),
                         "缺席": ("未参加", "未到", "缺勤", "×", "否"), "请假": ("已请假", "假")},
        batch=_batch, permission="activities:write", scoped=True,
        guide="按活动名称和活动日期找到活动，按身份证号（或姓名）识别参加人；名单中没有的人会加入名单。",
        extra_keys=("activity", "day", "id_hash"),
    )
