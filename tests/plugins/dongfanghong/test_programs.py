"""三项工程 (强基, 活水) and 五大保障 (阵地, 经费, 合作) on a fresh street: services on fixed data and
the pages — permissions, object-level scope of a 组长, another tenant's ids (404), Chinese field
errors (422, nothing half-saved), CSRF, Excel exports, the funds proposals in the funds ledger."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import scoped_session
from core.forms import FormErrors
from core.plugins import registry
from core.registry.models import Member, PartyOrg
from plugins.dongfanghong import guarantees as gsvc
from plugins.dongfanghong import projects as psvc
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import (
    Cooperation,
    Cultivation,
)
from plugins.funds.models import BudgetLine, Disbursement
from plugins.lists.models import ListResource
from plugins.membership.api import DuesRemittance as DuesRecord
from tests.helpers import login, post_form, text_of

TODAY = clock.today()


@pytest.fixture(scope="module")
def prog(world, groups):
    """Fixed facts on the test street: in group a's first party org a 36- and a 30-year-old member
    (本科 / 大专), an activist 「骨干甲」; group b's first party org; another tenant's party org."""
    a, b, c = groups
    with scoped_session(world.street.id) as s:
        pmap = svc.group_party_org_ids(s, groups)
        po_a, po_b = sorted(pmap[a])[0], sorted(pmap[b])[0]
        po_a2 = sorted(pmap[a])[1]
        members = list(s.scalars(select(Member).where(Member.party_org_id == po_a).order_by(Member.id)))
        old, young = members[0], None
        old.birth_date, old.education = TODAY.replace(year=TODAY.year - 36), "bachelor"
        young = Member(name="青年党员乙", party_org_id=po_a, organization_id=old.organization_id, status="full",
                       birth_date=TODAY.replace(year=TODAY.year - 30), education="college")
        activist = Member(name="骨干甲", party_org_id=po_a, organization_id=old.organization_id, status="activist")
        s.add_all([young, activist])
        s.flush()
        names = dict(s.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_([po_a, po_b, po_a2]))).all())
        ids = SimpleNamespace(a=a, b=b, c=c, po_a=po_a, po_b=po_b, po_a2=po_a2, old=old.id, old_name=old.name,
                              young=young.id, activist=activist.id, names=names)
    with scoped_session(world.other.id) as s:
        other_po = s.scalar(select(PartyOrg.id).where(PartyOrg.parent_id.is_not(None)).order_by(PartyOrg.id))
        row = Cultivation(direction="to_member", person_name="外街道人员", party_org_id=other_po, mentor="某人",
                          started_on=TODAY, status="ongoing")
        s.add(row)
        s.flush()
        ids.other_po, ids.other_cultivation = other_po, row.id
    return ids


def base(world) -> str:
    return f"/t/{world.street.slug}/dongfanghong"


def _post(client, path, data=None):
    return post_form(client, path, data, follow_redirects=False)


def _count(world, model, *where) -> int:
    with scoped_session(world.street.id) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- pages, exports, dashboard links ----------------------------------------------------------------


def test_every_page_renders_and_exports_for_staff(world, prog, client):
    login(client, world.users["staff"])
    pages = {"qiangji": "各党组织党员结构", "qiangji/cultivations": "登记双向培养", "huoshui": "资源力量（资源清单）",
             "venues": "阵地台账", "guarantees": "党费上缴登记", "cooperation": "登记合作",
             f"qiangji/orgs/{prog.po_a}": "人员与岗位"}
    for path, text in pages.items():
        r = client.get(f"{base(world)}/{path}")
        assert r.status_code == 200 and text in r.text, path
    for path in ("qiangji", "qiangji/cultivations", "huoshui", "venues", "guarantees", "cooperation"):
        x = client.get(f"{base(world)}/{path}?format=xlsx")
        assert x.status_code == 200 and x.content[:2] == b"PK", path
    dash = client.get(base(world) + "/")
    assert dash.status_code == 200
    for path in ("qiangji", "qiangji/cultivations", "huoshui", "venues", "guarantees", "cooperation", "butlers",
                 "nominations"):
        assert f'href="{base(world)}/{path}"' in dash.text, path
    assert "强基工程" in dash.text and "阵地保障" in dash.text and "经费保障" in dash.text
    # the sidebar has the program once; its pages are in the program's sub-navigation
    nav = dash.text.split('id="sidenav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{base(world)}"' in nav and "强基工程" not in nav
    subnav = dash.text.split('dfh-subnav"', 1)[1].split("</nav>", 1)[0]
    for label in ("强基工程", "活水工程", "阵地验收", "经费保障"):
        assert label in subnav


def test_pages_answer_404_where_the_program_is_off(world, client):
    login(client, world.users["bstaff"])
    for path in ("qiangji", "huoshui", "venues", "guarantees", "cooperation"):
        assert client.get(f"/t/{world.bare.slug}/dongfanghong/{path}").status_code == 404


def test_forms_need_the_csrf_token(world, prog, client):
    login(client, world.users["staff"])
    before = _count(world, Cooperation)
    r = client.post(base(world) + "/cooperation", data={"kind": "enterprise", "area": "growth", "partner": "某企业",
                                                       "held_on": TODAY.isoformat(), "content": "无令牌"},
                    follow_redirects=False)
    assert r.status_code == 403 and "表单已过期" in r.text
    assert _count(world, Cooperation) == before


# --- 强基 ------------------------------------------------------------------------------------------------


def test_structure_counts_profiles_of_the_party_org(world, prog, client):
    young_age = registry().settings(world.street.id, "dongfanghong").young_age
    with scoped_session(world.street.id) as s:
        rows, _ = psvc.structure_rows(s, None, TODAY, young_age)
        row = next(r for r in rows if r.party_org_id == prog.po_a)
        before = row.structure
    assert before.young == 1 and before.pipeline == 1 and before.bachelor_plus == 1 and before.college_plus == 2
    assert "管理层无党员" in before.hints
    login(client, world.users["staff"])
    url = f"{base(world)}/qiangji/orgs/{prog.po_a}/profiles"
    r = _post(client, url, {f"manager_{prog.old}": "1", f"job_title_{prog.young}": "长" * 51})
    assert r.status_code == 422 and "职务：最多 50 个字符" in r.text
    with scoped_session(world.street.id) as s:  # nothing half-saved
        assert not (s.get(Member, prog.old).extra or {}).get(psvc.MANAGER)
    r = _post(client, url, {f"manager_{prog.old}": "1", f"job_title_{prog.old}": "总经理",
                            f"backbone_{prog.young}": "1"})
    assert r.status_code == 303
    with scoped_session(world.street.id) as s:
        rows, total = psvc.structure_rows(s, None, TODAY, young_age, q=prog.names[prog.po_a])
        after = rows[0].structure
        assert s.get(Member, prog.old).extra[psvc.JOB_TITLE] == "总经理"  # the registry's extra field
    assert (after.managers, after.backbones) == (1, 1) and "管理层无党员" not in after.hints
    assert after.share("managers") == psvc.percent(1, after.members)
    page = client.get(f"{base(world)}/qiangji?q={prog.names[prog.po_a]}")
    assert page.status_code == 200 and psvc.percent(1, after.members) in page.text
    # unchecking removes the flag
    assert _post(client, url, {f"job_title_{prog.old}": "总经理"}).status_code == 303
    with scoped_session(world.street.id) as s:
        assert psvc.MANAGER not in s.get(Member, prog.old).extra


def test_group_leader_sees_and_maintains_only_own_groups_orgs(world, prog, client):
    login(client, world.users["leader_a"])
    page = text_of(client.get(f"{base(world)}/qiangji").text)
    assert prog.names[prog.po_a] in page and prog.names[prog.po_b] not in page
    assert client.get(f"{base(world)}/qiangji/orgs/{prog.po_a}").status_code == 200
    assert client.get(f"{base(world)}/qiangji/orgs/{prog.po_b}").status_code == 404
    assert client.get(f"{base(world)}/qiangji/orgs/{prog.other_po}").status_code == 404
    assert _post(client, f"{base(world)}/qiangji/orgs/{prog.po_b}/profiles", {}).status_code == 404
    r = _post(client, f"{base(world)}/qiangji/orgs/{prog.po_a2}/profiles", {f"job_title_{prog.young}": "x"})
    assert r.status_code == 303  # the 组长 maintains their own group's party orgs
    assert client.get(f"{base(world)}/guarantees").status_code == 403  # no funds:read
    venues = text_of(client.get(f"{base(world)}/venues").text)
    assert prog.names[prog.po_a] in venues and prog.names[prog.po_b] not in venues
    # a 副组长 sees the group but maintains nothing
    login(client, world.users["deputy_a"])
    assert client.get(f"{base(world)}/qiangji/orgs/{prog.po_a}").status_code == 200
    assert _post(client, f"{base(world)}/qiangji/orgs/{prog.po_a}/profiles", {}).status_code == 403
    assert _post(client, f"{base(world)}/qiangji/cultivations", {}).status_code == 403
    # staff do not see another tenant's party org either
    login(client, world.users["staff"])
    assert client.get(f"{base(world)}/qiangji/orgs/{prog.other_po}").status_code == 404


def test_cultivation_both_directions(world, prog, client):
    login(client, world.users["staff"])
    url = f"{base(world)}/qiangji/cultivations"
    before = _count(world, Cultivation)
    r = _post(client, url, {"direction": "", "party_org_id": "", "person_name": "", "mentor": "",
                            "started_on": "2026-02-30"})
    assert r.status_code == 422
    page = text_of(r.text)
    for msg in ("培养方向：请选择", "党组织：必填", "培养对象：必填", "培养联系人：必填", "开始日期：日期格式应为"):
        assert msg in page, msg
    r = _post(client, url, {"direction": "to_backbone", "party_org_id": str(prog.po_a), "person_name": "骨干甲",
                            "mentor": "周敏", "started_on": TODAY.isoformat()})
    assert r.status_code == 422 and "不是「" in r.text and "的党员（预备党员或正式党员）" in r.text
    r = _post(client, url, {"direction": "to_member", "party_org_id": str(prog.po_a), "person_name": prog.old_name,
                            "mentor": "周敏", "started_on": TODAY.isoformat()})
    assert r.status_code == 422 and "已是党员" in r.text
    r = _post(client, url, {"direction": "to_backbone", "party_org_id": str(prog.other_po), "person_name": "某人",
                            "mentor": "周敏", "started_on": TODAY.isoformat()})
    assert r.status_code == 422 and "党组织：请选择本街道存续的两新党组织" in r.text
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    r = _post(client, url, {"direction": "to_backbone", "party_org_id": str(prog.po_a), "person_name": prog.old_name,
                            "mentor": "周敏", "started_on": tomorrow, "target_on": TODAY.isoformat()})
    assert r.status_code == 422 and "开始日期：不能晚于今天" in r.text
    assert _count(world, Cultivation) == before
    start = (TODAY - dt.timedelta(days=100)).isoformat()
    assert _post(client, url, {"direction": "to_backbone", "party_org_id": str(prog.po_a), "mentor": "周敏",
                               "person_name": prog.old_name, "started_on": start}).status_code == 303
    assert _post(client, url, {"direction": "to_member", "party_org_id": str(prog.po_a), "mentor": "谭红",
                               "person_name": "骨干甲", "started_on": start,
                               "target_on": (TODAY - dt.timedelta(days=1)).isoformat()}).status_code == 303
    with scoped_session(world.street.id) as s:
        up = s.scalar(select(Cultivation).where(Cultivation.person_name == prog.old_name))
        down = s.scalar(select(Cultivation).where(Cultivation.person_name == "骨干甲"))
        assert (up.member_id, down.member_id) == (prog.old, prog.activist)  # linked to the registry
        up_id, down_id = up.id, down.id
        assert psvc.overdue_cultivation(down, TODAY) and not psvc.overdue_cultivation(up, TODAY)
    # a second ongoing record of the same direction is refused
    r = _post(client, url, {"direction": "to_backbone", "party_org_id": str(prog.po_a), "mentor": "周敏",
                            "person_name": prog.old_name, "started_on": start})
    assert r.status_code == 422 and "已有进行中的同方向培养记录" in r.text
    # completing backbone → member needs the registry to show the person as a party member
    r = _post(client, f"{url}/{down_id}/complete", {})
    assert r.status_code == 422 and "尚未成为预备党员或正式党员" in r.text
    with scoped_session(world.street.id) as s:
        s.get(Member, prog.activist).status = "probationary"
    r = _post(client, f"{url}/{down_id}/complete", {"finished_on": TODAY.isoformat()})
    assert r.status_code == 303
    r = _post(client, f"{url}/{up_id}/complete", {"finished_on": tomorrow})
    assert r.status_code == 422 and "完成日期：不能晚于今天" in r.text
    assert _post(client, f"{url}/{up_id}/complete", {}).status_code == 303
    with scoped_session(world.street.id) as s:
        flags = {mid: bool(s.get(Member, mid).extra.get(psvc.BACKBONE)) for mid in (prog.old, prog.activist)}
        assert flags == {prog.old: True, prog.activist: True}
        assert s.get(Cultivation, up_id).status == "done" and s.get(Cultivation, up_id).finished_on == TODAY
    r = _post(client, f"{url}/{up_id}/stop", {"note": "x"})
    assert r.status_code == 422 and "当前状态为「已完成」" in r.text
    # stopping needs a reason
    with scoped_session(world.street.id) as s:
        row = psvc.add_cultivation(s, {"direction": "to_member", "party_org_id": str(prog.po_a2),
                                       "person_name": "外部骨干", "mentor": "李想", "started_on": start})
        stop_id = row.id
        assert row.member_id is None  # not in the registry yet: kept by name
    r = _post(client, f"{url}/{stop_id}/stop", {})
    assert r.status_code == 422 and "中止原因：必填" in r.text
    assert _post(client, f"{url}/{stop_id}/stop", {"note": "本人离职"}).status_code == 303
    # another tenant's record, or one outside a 组长's groups: 404
    assert _post(client, f"{url}/{prog.other_cultivation}/complete", {}).status_code == 404
    login(client, world.users["leader_b"])
    assert _post(client, f"{url}/{stop_id}/complete", {}).status_code == 404
    listing = text_of(client.get(url).text)
    assert "骨干甲" not in listing
    x = client.get(url + "?format=xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"


# --- 活水 and 合作 ---------------------------------------------------------------------------------------


def test_resource_partners_go_to_the_lists_resource_list(world, prog, client):
    login(client, world.users["staff"])
    before = _count(world, ListResource)
    r = _post(client, f"{base(world)}/huoshui/resources", {"provider_kind": "social", "title": ""})
    assert r.status_code == 422
    assert "资源领域：请选择政务、教育、医疗、金融或人才" in r.text and "请填写资源名称" in r.text
    assert _count(world, ListResource) == before
    r = _post(client, f"{base(world)}/huoshui/resources", {"provider_kind": "medical", "title": "职工健康体检",
                                                           "provider_name": "社区卫生服务中心", "capacity": "20"})
    assert r.status_code == 303
    with scoped_session(world.street.id) as s:
        res = s.scalar(select(ListResource).where(ListResource.title == "职工健康体检"))
        assert (res.provider_kind, res.capacity, res.status) == ("medical", 20, "active")
    page = client.get(f"{base(world)}/huoshui")
    assert "职工健康体检" in page.text
    lists = client.get(f"/t/{world.street.slug}/lists/resources?provider_kind=medical")
    assert lists.status_code == 200 and "职工健康体检" in lists.text
    login(client, world.users["viewer"])
    assert client.get(f"{base(world)}/huoshui").status_code == 200
    assert _post(client, f"{base(world)}/huoshui/resources", {"provider_kind": "medical", "title": "越权"}).status_code == 403


def test_cobuilding_with_community_party_orgs(world, prog, client):
    url = f"{base(world)}/huoshui/cobuild"
    day = (TODAY - dt.timedelta(days=3)).isoformat()
    login(client, world.users["leader_a"])
    before = _count(world, Cooperation)
    r = _post(client, url, {"cluster_id": str(prog.a), "partner": "", "area": "", "held_on": "", "content": ""})
    assert r.status_code == 422
    page = text_of(r.text)
    for msg in ("共建社区（村）党组织：必填", "合作方向：请选择", "日期：必填", "共建内容：必填"):
        assert msg in page, msg
    r = _post(client, url, {"cluster_id": str(prog.b), "partner": "乙社区党委", "area": "resources", "held_on": day,
                            "content": "越组登记"})
    assert r.status_code == 422 and "联组：请选择有效的联组" in r.text
    assert _count(world, Cooperation) == before
    r = _post(client, url, {"cluster_id": str(prog.a), "partner": "甲社区党委", "area": "talent", "held_on": day,
                            "content": "社区为企业开展招聘对接", "result": "招聘 8 人"})
    assert r.status_code == 303
    with scoped_session(world.street.id) as s:
        row = s.scalar(select(Cooperation).where(Cooperation.content == "社区为企业开展招聘对接"))
        assert (row.kind, row.cluster_id, row.partner, row.area) == ("community", prog.a, "甲社区党委", "talent")
    assert "社区为企业开展招聘对接" in client.get(f"{base(world)}/huoshui").text
    login(client, world.users["leader_b"])
    assert "社区为企业开展招聘对接" not in client.get(f"{base(world)}/huoshui").text
    assert "社区为企业开展招聘对接" not in client.get(f"{base(world)}/cooperation").text
    login(client, world.users["deputy_a"])
    assert _post(client, url, {"cluster_id": str(prog.a)}).status_code == 403


def test_cooperation_kinds_and_rules(world, prog, client):
    with scoped_session(world.street.id) as s:
        with pytest.raises(FormErrors) as e:
            psvc.add_cooperation(s, {"kind": "group", "area": "growth", "cluster_id": str(prog.a),
                                     "partner_cluster_id": str(prog.a), "held_on": TODAY.isoformat(), "content": "x"})
        assert e.value.errors["partner_cluster_id"] == "合作联组：不能与本联组相同"
        with pytest.raises(FormErrors) as e:
            psvc.add_cooperation(s, {"kind": "agency", "area": "growth", "held_on": TODAY.isoformat(), "content": "x"})
        assert e.value.errors == {"cluster_id": "联组：必填", "partner": "合作方：必填"}
        with pytest.raises(FormErrors) as e:
            psvc.add_cooperation(s, {"kind": "x", "area": "x", "held_on": "2026-13-01", "content": "x"})
        assert set(e.value.errors) >= {"kind", "area", "held_on"}
        with pytest.raises(FormErrors) as e:  # a 组长 records for their own group only
            psvc.add_cooperation(s, {"kind": "enterprise", "area": "growth", "partner": "企业",
                                     "held_on": TODAY.isoformat(), "content": "x"}, allowed_groups={prog.a})
        assert "cluster_id" in e.value.errors
        s.rollback()
    login(client, world.users["staff"])
    url = f"{base(world)}/cooperation"
    day = TODAY.isoformat()
    assert _post(client, url, {"kind": "group", "area": "talent", "cluster_id": str(prog.a),
                               "partner_cluster_id": str(prog.b), "held_on": day, "content": "联组间骨干交流"}).status_code == 303
    assert _post(client, url, {"kind": "enterprise", "area": "career", "partner": "两家软件企业", "held_on": day,
                               "content": "企业间联合攻关"}).status_code == 303
    with scoped_session(world.street.id) as s:
        row = s.scalar(select(Cooperation).where(Cooperation.content == "联组间骨干交流"))
        assert row.partner_cluster_id == prog.b and row.partner == s.get(svc.Cluster, prog.b).name
        assert s.scalar(select(Cooperation.cluster_id).where(Cooperation.content == "企业间联合攻关")) is None
    page = text_of(client.get(url + "?kind=group").text)
    assert "联组间骨干交流" in page and "企业间联合攻关" not in page
    # the partner group's 组长 sees the cooperation too
    login(client, world.users["leader_b"])
    assert "联组间骨干交流" in client.get(url).text


# --- 阵地 ------------------------------------------------------------------------------------------------


# moved: tests/plugins/dongfanghong/test_venues_funds.py (venue acceptance on the checklists block)


# --- 经费保障 --------------------------------------------------------------------------------------------


def test_guarantees_propose_into_the_funds_ledger(world, prog, client):
    settings = registry().settings(world.street.id, "dongfanghong")
    year = TODAY.year
    with scoped_session(world.street.id) as s:
        po = s.get(PartyOrg, prog.po_a2)
        po.founded_on, po.secretary_name = TODAY.replace(month=1, day=15), "新书记"
    login(client, world.users["staff"])
    r = _post(client, f"{base(world)}/guarantees/dues", {"party_org_id": str(prog.po_a2), "year": str(year),
                                                         "amount": "12.345"})
    assert r.status_code == 422 and "上缴党费（元）：金额最多保留两位小数（精确到分）" in r.text
    r = _post(client, f"{base(world)}/guarantees/dues", {"party_org_id": "", "year": str(year + 1), "amount": ""})
    assert r.status_code == 422
    page = text_of(r.text)
    assert "党组织：必填" in page and "年度：请填写 2000–" in page and "上缴党费（元）：请填写金额" in page
    assert _count(world, DuesRecord) == 0
    assert _post(client, f"{base(world)}/guarantees/dues", {"party_org_id": str(prog.po_a2), "year": str(year),
                                                            "amount": "360.50"}).status_code == 303
    page = client.get(f"{base(world)}/guarantees?year={year}")
    assert page.status_code == 200 and "新书记" in page.text
    for kind in gsvc.FUND_KINDS:
        r = _post(client, f"{base(world)}/guarantees/propose", {"year": str(year), "kind": kind})
        assert r.status_code == 303, (kind, r.text[-500:])
    with scoped_session(world.street.id) as s:
        got = {d.source_key: (d.amount_fen, d.status, d.payee) for d in s.scalars(
            select(Disbursement).where(Disbursement.source == "dongfanghong"))}
        key = f"dongfanghong.{{}}:{year}:{prog.po_a2}:0"
        assert got[key.format("startup")] == (settings.startup_fund_fen, "requested", prog.names[prog.po_a2])
        assert key.format("venue") not in got  # no venue acceptance passed (tests/…/test_venues_funds.py)
        assert got[key.format("secretary")] == (settings.secretary_allowance_fen, "requested", "新书记")
        assert got[key.format("dues_refund")][0] == 36050
        stipends = [v for k, v in got.items() if k.startswith("dongfanghong.stipend:")]
        assert sorted(a for a, *_ in stipends) == sorted([settings.leader_stipend_fen] * 3 + [settings.deputy_stipend_fen] * 6)
        line = s.scalar(select(BudgetLine).where(BudgetLine.target_kind == "party_org",
                                                 BudgetLine.target_id == prog.po_a2, BudgetLine.category == "startup"))
        assert (line.year, line.title, line.amount_fen) == (year, "新建企业党组织启动经费", settings.startup_fund_fen)
        budgets = dict(s.execute(select(BudgetLine.target_id, BudgetLine.amount_fen).where(
            BudgetLine.target_kind == "cluster", BudgetLine.category == "work", BudgetLine.year == year)).all())
        assert budgets == {g: settings.group_budget_fen for g in (prog.a, prog.b, prog.c)}
        # idempotent: nothing outstanding, nothing new
        assert gsvc.propose(s, world.street, year, "startup", settings, TODAY) == 0
        n = s.scalar(select(func.count()).select_from(Disbursement).where(Disbursement.source == "dongfanghong"))
    assert _count(world, Disbursement, Disbursement.source == "dongfanghong") == n
    # more dues handed in: only the difference is proposed, on the same line
    assert _post(client, f"{base(world)}/guarantees/dues", {"party_org_id": str(prog.po_a2), "year": str(year),
                                                            "amount": "400"}).status_code == 303
    assert _post(client, f"{base(world)}/guarantees/propose", {"year": str(year), "kind": "dues_refund"}).status_code == 303
    with scoped_session(world.street.id) as s:
        refunds = dict(s.execute(select(Disbursement.source_key, Disbursement.amount_fen).where(
            Disbursement.source_key.like(f"dongfanghong.dues_refund:{year}:{prog.po_a2}:%"))).all())
        assert refunds == {f"dongfanghong.dues_refund:{year}:{prog.po_a2}:0": 36050,
                           f"dongfanghong.dues_refund:{year}:{prog.po_a2}:0#2": 3950}
        rows = [r for r in gsvc.fund_rows(s, year, settings) if r.entitlement.target_id == prog.po_a2]
        assert all(r.outstanding_fen == 0 and r.status == "待审批" for r in rows)
    page = client.get(f"{base(world)}/guarantees?year={year}&kind=dues_refund")
    assert "待审批" in page.text
    r = _post(client, f"{base(world)}/guarantees/propose", {"year": "abc", "kind": "startup"})
    assert r.status_code == 422 and "年度：请填写" in r.text
    r = _post(client, f"{base(world)}/guarantees/propose", {"year": str(year), "kind": "bogus"})
    assert r.status_code == 422 and "经费类别：请选择有效的类别" in r.text
    # the funds ledger shows what was proposed; viewers read, cannot propose
    ledger = client.get(f"/t/{world.street.slug}/funds/ledger?year={year}")
    assert ledger.status_code == 200 and prog.names[prog.po_a2] in ledger.text
    login(client, world.users["viewer"])
    assert client.get(f"{base(world)}/guarantees").status_code == 200
    assert _post(client, f"{base(world)}/guarantees/propose", {"year": str(year), "kind": "startup"}).status_code == 403
    assert _post(client, f"{base(world)}/guarantees/dues", {}).status_code == 403
