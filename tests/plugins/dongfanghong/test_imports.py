"""dongfanghong's ledgers through the registry's import pages (issue 13): 双向培养 and 合作共建记录
— a good workbook (the office's own headers, a title row, a total row) imported and imported
again without change; a workbook with bad rows reported by row number and column, nothing
written by 确认导入; relations matched to rows (party org, member, joint groups)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import scoped_session
from core.registry.models import Member, PartyOrg
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Cooperation, Cultivation
from tests.helpers import tenant_id, unique
from tests.registry.test_import import DFH, api_upload
from tests.registry.test_import_kinds import titled


@pytest.fixture(scope="module")
def party(database):
    """A party org of 东方红 with two full members and an activist; the demo's joint groups."""
    tag = unique("")
    with scoped_session(tenant_id(DFH)) as s:
        po = PartyOrg(name=f"导入培养支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        s.add_all([Member(name=f"甲{tag}", status="full", party_org_id=po.id),
                   Member(name=f"乙{tag}", status="full", party_org_id=po.id),
                   Member(name=f"丙{tag}", status="activist", party_org_id=po.id)])
        groups = [g.name for g in svc.joint_groups(s)]
        members = dict(s.execute(select(Member.name, Member.id).where(Member.party_org_id == po.id)).all())
    assert len(groups) >= 2
    return {"tag": tag, "po": po.name, "po_id": po.id, "groups": groups, "members": members}


def _confirm(client, headers, job_id: int, valid_only: bool = False):
    query = "?valid_only=true" if valid_only else ""
    return client.post(f"/api/t/{DFH}/imports/jobs/{job_id}/confirm{query}", headers=headers)


@pytest.mark.parametrize("kind", ["dongfanghong_cultivations", "dongfanghong_cooperations"])
def test_templates(as_user, kind):
    client = as_user("dfh_staff")
    r = client.get(f"/t/{DFH}/imports/{kind}/template.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert all(c.value and not c.value.isascii() for c in ws[1]) and any(c.value for c in ws[2])
    assert f"imports/{kind}/template.xlsx" in client.get(f"/t/{DFH}/imports").text


def test_cultivations(as_user, api_token, party):
    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    t, po = party["tag"], party["po"]
    head = ["双向培养类型", "姓名", "所在支部", "导师", "开始时间", "计划完成", "状态", "完成时间", "措施"]
    good = [["党员培养成骨干", f"甲{t}", po, "王导师", "2025年3月1日", "2025-12-31", "培养中", "", "岗位练兵"],
            ["骨干培养成党员", f"丙{t}", po, "李导师", "2025.4.1", "", "", "", ""],
            ["把党员培养成业务骨干", f"乙{t}", po, "王导师", "2024-01-01", "", "已完成", "2024-10-01", ""]]
    body = api_upload(client, headers, DFH, "dongfanghong_cultivations", "双向培养.xlsx", titled(head, good)).json()
    assert (body["created"], body["errors"], body["skipped"]) == (3, 0, 1), body["problems"]
    assert _confirm(client, headers, body["id"]).json()["state"] == "done"
    with scoped_session(tenant_id(DFH)) as s:
        rows = {c.person_name: c for c in s.scalars(select(Cultivation).where(Cultivation.party_org_id == party["po_id"]))}
        backbone = s.get(Member, party["members"][f"乙{t}"]).extra
    assert rows[f"甲{t}"].member_id == party["members"][f"甲{t}"] and rows[f"甲{t}"].status == "ongoing"
    assert rows[f"丙{t}"].direction == "to_member" and rows[f"丙{t}"].member_id == party["members"][f"丙{t}"]
    assert rows[f"乙{t}"].status == "done" and backbone.get("dongfanghong.is_backbone") is True
    again = api_upload(client, headers, DFH, "dongfanghong_cultivations", "双向培养.xlsx", titled(head, good)).json()
    assert (again["unchanged"], again["created"], again["updated"]) == (3, 0, 0)

    bad = [["党员培养成骨干", f"不是党员{t}", po, "王导师", "2025-03-01", "", "", "", ""],
           ["党员培养成骨干", f"甲{t}", "没有的支部" + t, "王导师", "2025-03-01", "", "", "", ""],
           ["骨干培养成党员", f"丁{t}", po, "王导师", "2025-03-01", "2025-01-01", "", "", ""],
           ["骨干培养成党员", f"丁{t}", po, "李导师", "2025-02-01", "", "", "", ""],
           ["把业务骨干培养成党员", f"丙{t}", po, "李导师", "2025-04-01", "", "已完成", "2025-05-01", ""],
           ["把党员培养成业务骨干", f"乙{t}", po, "王导师", "2024-01-01", "", "培养中", "", ""]]
    body = api_upload(client, headers, DFH, "dongfanghong_cultivations", "双向培养.xlsx", titled(head, bad)).json()
    assert {(p["row"], p["column"]) for p in body["problems"]} == {
        (3, "姓名"), (4, "所在支部"), (5, "计划完成"), (7, "状态"), (8, "状态")}, body["problems"]
    assert body["created"] == 1 and not body["can_confirm"]
    assert _confirm(client, headers, body["id"]).status_code == 409  # all or nothing: refused, nothing written
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(func.count(Cultivation.id)).where(Cultivation.party_org_id == party["po_id"])) == 3


def test_cooperations(as_user, api_token, party):
    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    t, (g1, g2) = party["tag"], party["groups"][:2]
    head = ["时间", "共建类型", "领域", "所属联组", "共建单位", "合作内容", "成效"]
    good = [["2025-06-18", "社区共建", "资源共享", g1, f"某某社区党委{t}", "政策宣讲进企业", "服务企业 12 家"],
            ["2025-07-01", "联组间", "人才共培", g1, g2, f"联合培训{t}", ""],
            ["2025-07-02", "企业间", "发展共赢", "", f"甲公司与乙公司{t}", "供需对接", ""]]
    body = api_upload(client, headers, DFH, "dongfanghong_cooperations", "共建.xlsx", titled(head, good)).json()
    assert (body["created"], body["errors"]) == (3, 0), body["problems"]
    assert _confirm(client, headers, body["id"]).json()["state"] == "done"
    with scoped_session(tenant_id(DFH)) as s:
        ids = {c.name: c.id for c in svc.joint_groups(s)}
        between = s.scalar(select(Cooperation).where(Cooperation.content == f"联合培训{t}"))
        assert (between.kind, between.cluster_id, between.partner_cluster_id) == ("group", ids[g1], ids[g2])
        assert s.scalar(select(Cooperation.cluster_id).where(Cooperation.partner == f"甲公司与乙公司{t}")) is None
    again = api_upload(client, headers, DFH, "dongfanghong_cooperations", "共建.xlsx", titled(head, good)).json()
    assert (again["unchanged"], again["created"]) == (3, 0)

    bad = [["2025-06-18", "社区共建", "资源共享", "没有的联组" + t, "某社区", "内容", ""],
           ["2025-07-01", "联组间", "人才共培", g1, g1, f"自己{t}", ""],
           ["2025-07-03", "社区共建", "资源共享", "", f"某社区{t}", "内容", ""],
           ["2099-01-01", "社区共建", "资源共享", g2, f"某社区{t}", "内容", ""],
           ["2025-07-04", "社区共建", "随便", g2, f"某社区{t}", "内容", ""],
           ["2025-07-05", "机关合作", "资源共享", g2, f"区人社局{t}", "就业政策进企业", ""]]
    body = api_upload(client, headers, DFH, "dongfanghong_cooperations", "共建.xlsx", titled(head, bad)).json()
    assert {(p["row"], p["column"]) for p in body["problems"]} == {
        (3, "所属联组"), (4, "共建单位"), (5, "所属联组"), (6, "时间"), (7, "领域")}, body["problems"]
    assert _confirm(client, headers, body["id"]).status_code == 409
    done = _confirm(client, headers, body["id"], valid_only=True).json()  # the valid row only
    assert done["created"] == 1 and done["error_file_url"]
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(func.count(Cooperation.id)).where(Cooperation.partner.like(f"%{t}"))) == 3
    errors = load_workbook(io.BytesIO(client.get(done["error_file_url"], headers=headers).content)).active
    assert errors.max_row == 6 and str(errors.cell(1, 8).value) == "错误说明"
