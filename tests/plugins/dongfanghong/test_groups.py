"""Joint groups on a fresh street: type constraints, regroup, 专干, the 组长's object-level rights,
duty records, nominations, plugin enable/disable and tenant isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core import clock
from core.db import scoped_session
from core.forms import FormErrors
from core.plugins import registry
from core.registry.models import Cluster, ClusterMember, Organization
from core.registry.services import clusters as cl
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Butler, DutyEntry, GroupStaff, Nomination
from tests.helpers import csrf, login, post_form, text_of

JG = svc.JOINT_GROUP


def test_cluster_type_registered_with_leader_rules(world):
    types = cl.cluster_types(world.street)
    ct = types[JG]
    assert ct.label == "联组" and ct.member_kinds == ("party_org",)
    assert {(r.title, r.min, r.max) for r in ct.leaders} == {("leader", 1, 1), ("deputy", 2, 2)}
    assert JG not in cl.cluster_types(world.bare)  # only where the program is enabled


def test_leader_rules_enforced(world):
    types = cl.cluster_types(world.street)
    with scoped_session(world.street.id) as s:
        g = cl.create_cluster(s, {"name": "约束测试联组", "cluster_type": JG}, types)
        with pytest.raises(FormErrors) as e:  # chosen from a two-new organization's staff
            cl.add_leader(s, g, {"title": "leader", "person_name": "甲"}, types)
        assert "两新组织" in e.value.errors["organization"]
        org = str(world.orgs[0])
        cl.add_leader(s, g, {"title": "leader", "person_name": "甲", "organization": org}, types)
        with pytest.raises(FormErrors) as e:
            cl.add_leader(s, g, {"title": "leader", "person_name": "乙", "organization": org}, types)
        assert "联组须有且只有 1 名组长" in e.value.errors["title"]
        cl.add_leader(s, g, {"title": "deputy", "person_name": "丙", "organization": org}, types)
        with pytest.raises(FormErrors) as e:
            cl.mark_complete(s, g, types)
        assert "副组长须为 2 名（现有 1 名）" in e.value.errors["leaders"]
        cl.add_leader(s, g, {"title": "deputy", "person_name": "丁", "organization": org}, types)
        with pytest.raises(FormErrors) as e:
            cl.add_leader(s, g, {"title": "deputy", "person_name": "戊", "organization": org}, types)
        assert "副组长须为 2 名" in e.value.errors["title"]
        cl.mark_complete(s, g, types)
        assert cl.is_complete(g)
        with pytest.raises(FormErrors) as e:
            cl.add_member(s, g, {"kind": "organization", "ref": str(world.orgs[0])}, types)
        assert "只能包含党组织" in e.value.errors["kind"]
        s.rollback()


def test_regroup_applied_is_balanced_and_complete(world, groups):
    with scoped_session(world.street.id) as s:
        pmap = svc.group_party_org_ids(s, groups, dt.date(2026, 2, 1))
        assigned = sorted(p for ps in pmap.values() for p in ps)
        assert assigned == sorted(world.party_orgs)  # the umbrella committee is not a two-new org
        assert svc.unassigned_party_orgs(s) == []
        names = [s.get(Cluster, i).name for i in groups]
        assert names == ["第一联组", "第二联组", "第三联组"]


def test_regroup_pages_need_clusters_write(world, groups, client):
    base = f"/t/{world.street.slug}/dongfanghong"
    login(client, world.users["staff"])
    r = client.get(base + "/regroup?n=3")
    assert r.status_code == 200 and "没有未编组的两新党组织" in r.text
    r = client.get(base + "/regroup?n=abc")
    assert r.status_code == 422 and "联组数量：请输入 1 至 20 之间的整数" in r.text
    r = _post(client, base + "/regroup", {"n": "3"})
    assert r.status_code == 422 and "没有未编组的两新党组织" in r.text
    login(client, world.users["leader_a"])
    assert client.get(base + "/regroup").status_code == 403
    assert _post(client, base + "/regroup", {"n": "3"}).status_code == 403


def test_leader_sees_and_manages_only_own_group(world, groups, client, api_token):
    a, b, _ = groups
    base = f"/t/{world.street.slug}/dongfanghong"
    login(client, world.users["leader_a"])
    r = client.get(base + "/")
    assert r.status_code == 200
    with scoped_session(world.street.id) as s:
        name_a, name_b = s.get(Cluster, a).name, s.get(Cluster, b).name
    page = text_of(r.text)
    assert name_a in page and name_b not in page
    assert client.get(f"{base}/groups/{a}").status_code == 200
    assert client.get(f"{base}/groups/{b}").status_code == 404
    ok = _post(client, f"{base}/groups/{a}/duty",
                   {"kind": "attend", "occurred_on": "2026-01-20", "title": "组长记录的联组会商"})
    assert ok.status_code == 303
    assert _post(client, f"{base}/groups/{b}/duty",
                     {"kind": "attend", "occurred_on": "2026-01-20", "title": "越权"}).status_code == 404
    # the 组长 manages the members of their own group, not another's
    with scoped_session(world.street.id) as s:
        member = s.scalar(select(ClusterMember).where(ClusterMember.cluster_id == a, ClusterMember.left_on.is_(None)))
        other = s.scalar(select(ClusterMember).where(ClusterMember.cluster_id == b, ClusterMember.left_on.is_(None)))
    assert _post(client, f"{base}/groups/{b}/members/{other.id}/end", {}).status_code == 404
    assert _post(client, f"{base}/groups/{a}/members/{member.id}/end", {"left_on": "2026-03-01"}).status_code == 303
    r = _post(client, f"{base}/groups/{a}/members", {"ref": str(member.party_org_id), "joined_on": "2026-03-02"})
    assert r.status_code == 303
    # a party org is in one joint group at a time: another group's is refused, nothing added
    r = _post(client, f"{base}/groups/{a}/members", {"ref": str(other.party_org_id)})
    assert r.status_code == 422 and f"成员：该党组织已在联组「{name_b}」中，同一时间只能属于一个联组" in r.text
    with scoped_session(world.street.id) as s:
        assert s.scalar(select(func.count()).select_from(ClusterMember).where(
            ClusterMember.cluster_id == a, ClusterMember.party_org_id == other.party_org_id)) == 0
    # staff-only actions stay closed to the 组长
    assert _post(client, f"{base}/groups/{a}/staff", {"staff": world.users["staff"]}).status_code == 403
    with scoped_session(world.street.id) as s:
        assert s.scalar(select(func.count()).select_from(DutyEntry).where(DutyEntry.title == "越权")) == 0
        assert s.scalar(select(func.count()).select_from(DutyEntry).where(DutyEntry.cluster_id == a)) == 1
    # a 副组长 sees the group but does not manage it
    login(client, world.users["deputy_a"])
    assert client.get(f"{base}/groups/{a}").status_code == 200
    assert client.get(f"{base}/groups/{b}").status_code == 404
    assert _post(client, f"{base}/groups/{a}/duty",
                     {"kind": "attend", "occurred_on": "2026-01-20", "title": "副组长"}).status_code == 403
    # the API applies the same rule
    h = api_token(world.users["leader_b"])
    assert client.get(f"/api/t/{world.street.slug}/dongfanghong/groups/{a}/checklist", headers=h).status_code == 404
    assert client.get(f"/api/t/{world.street.slug}/dongfanghong/groups/{b}/checklist", headers=h).status_code == 200
    r = client.get(f"/api/t/{world.street.slug}/dongfanghong/groups", headers=h)
    assert r.status_code == 200 and [g["id"] for g in r.json()] == [b]


def test_duty_entry_validation_and_checklist_page(world, groups, client, api_token):
    a = groups[0]
    base = f"/t/{world.street.slug}/dongfanghong"
    login(client, world.users["staff"])
    before = _count_duties(world, a)
    r = _post(client, f"{base}/groups/{a}/duty", {"kind": "help", "occurred_on": "2026-02-30", "title": ""})
    assert r.status_code == 422
    page = text_of(r.text)
    assert "事项：必填" in page and "日期" in page
    r = _post(client, f"{base}/groups/{a}/duty", {"kind": "help", "occurred_on": "2026-02-03", "title": "帮扶"})
    assert r.status_code == 422 and "企业困难必帮须填写所帮扶的企业" in r.text
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    r = _post(client, f"{base}/groups/{a}/duty", {"kind": "x", "occurred_on": tomorrow, "title": "t"})
    assert r.status_code == 422 and "日期：不能晚于今天" in r.text and "类别：请选择" in r.text
    assert _count_duties(world, a) == before  # nothing half-saved
    r = _post(client, f"{base}/groups/{a}/duty", {"kind": "help", "occurred_on": "2026-02-03",
                                                      "title": "协调融资", "organization": str(world.orgs[0])})
    assert r.status_code == 303 and _count_duties(world, a) == before + 1
    r = client.get(f"{base}/groups/{a}")
    assert r.status_code == 200 and "专干履职清单" in r.text and "协调融资" in r.text and "gap" in r.text
    filtered = client.get(f"{base}/groups/{a}?kind=report&q=协调")
    assert filtered.status_code == 200 and "协调融资" not in text_of(filtered.text).split("履职记录", 2)[-1]
    filtered = client.get(f"{base}/groups/{a}?kind=help&q=融资")
    assert "协调融资" in filtered.text and "共 1 条" in filtered.text
    x = client.get(f"{base}/groups/{a}/duty/export")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    h = api_token(world.users["staff"])
    api = client.post(f"/api/t/{world.street.slug}/dongfanghong/groups/{a}/duty",
                      json={"kind": "report", "occurred_on": "bad", "title": "动态"}, headers=h)
    assert api.status_code == 422 and "日期" in api.json()["extra"]["errors"]["occurred_on"]
    api = client.post(f"/api/t/{world.street.slug}/dongfanghong/groups/{a}/duty",
                      json={"kind": "report", "occurred_on": "2026-02-04", "title": "报送动态"}, headers=h)
    assert api.status_code == 201 and api.json()["kind"] == "report"
    assert _count_duties(world, a) == before + 2


def _count_duties(world, cid):
    with scoped_session(world.street.id) as s:
        return s.scalar(select(func.count()).select_from(DutyEntry).where(DutyEntry.cluster_id == cid))


def test_staff_assignment_is_one_to_one(world, groups, client):
    a, b, c = groups
    base = f"/t/{world.street.slug}/dongfanghong"
    login(client, world.users["staff"])
    assert _post(client, f"{base}/groups/{a}/staff", {"staff": world.users["staff"]}).status_code == 303
    r = _post(client, f"{base}/groups/{b}/staff", {"staff": world.users["staff"]})
    assert r.status_code == 422 and "一名专干只对接一个联组" in r.text
    r = _post(client, f"{base}/groups/{b}/staff", {"staff": world.users["viewer"]})
    assert r.status_code == 422 and "工作人员" in r.text
    assert _post(client, f"{base}/groups/{b}/staff", {"staff": world.users["staff2"]}).status_code == 303
    with scoped_session(world.street.id) as s:
        rows = dict(s.execute(select(GroupStaff.cluster_id, GroupStaff.user_id)).all())
    assert rows == {a: world.ids["staff"], b: world.ids["staff2"]}
    # the 专干 of a group manages it even without being a 组长
    r = client.get(f"{base}/")
    assert r.status_code == 200 and "尚未指定专干" in r.text  # the third group has none yet


def test_nominations_review(world, groups, client, api_token):
    """DFH-6: a nomination names a record — a party member for 优秀党员, a member / instructor / user
    for 优秀党务工作者, the enterprise (by its legal representative) for 支持党建工作优秀企业家."""
    from core.registry.models import Member

    base = f"/t/{world.street.slug}/dongfanghong"
    with scoped_session(world.street.id) as s:
        member = s.scalar(select(Member).where(Member.status == "full").order_by(Member.id.desc()))
        mid, mname, moid = member.id, member.name, member.organization_id
        org = s.get(Organization, world.orgs[3])
        org.legal_rep = "李董事长"
        no_rep = s.get(Organization, world.orgs[4])
        no_rep.legal_rep = ""
        no_rep_name = no_rep.name
    login(client, world.users["staff"])
    r = _post(client, base + "/nominations", {"nominee": "张推荐", "category": "bad", "reason": ""})
    assert r.status_code == 422 and "类别：请选择" in r.text and "推荐理由：必填" in text_of(r.text)
    r = _post(client, base + "/nominations", {"nominee": "张推荐", "category": "member", "reason": "表现突出"})
    assert r.status_code == 422 and "人员：请选择系统中的党员、党建指导员或用户" in text_of(r.text)  # no free text
    r = _post(client, base + "/nominations", {"person": f"user:{world.ids['staff2']}", "category": "member",
                                              "reason": "表现突出"})
    assert r.status_code == 422 and "优秀党员须从党员中选择" in text_of(r.text)
    r = _post(client, base + "/nominations", {"category": "entrepreneur", "reason": "支持党建",
                                              "organization": no_rep_name})
    assert r.status_code == 422 and "没有法定代表人" in text_of(r.text)
    r = _post(client, base + "/nominations", {"member_id": str(mid), "category": "member", "reason": "表现突出",
                                              "cluster_id": str(groups[0])})
    assert r.status_code == 303
    assert _post(client, base + "/nominations", {"person": f"user:{world.ids['staff2']}", "category": "worker",
                                                 "reason": "党务扎实"}).status_code == 303
    assert _post(client, base + "/nominations", {"category": "entrepreneur", "reason": "提供阵地",
                                                 "organization": str(world.orgs[3])}).status_code == 303
    with scoped_session(world.street.id) as s:
        got = {(x.category, x.nominee_kind, x.nominee_id, x.nominee) for x in s.scalars(select(Nomination))}
        n = s.scalar(select(Nomination).where(Nomination.nominee_kind == "member"))
    assert got >= {("member", "member", mid, mname), ("entrepreneur", "organization", world.orgs[3], "李董事长")}
    assert ("worker", "user", world.ids["staff2"]) in {g[:3] for g in got}
    assert n.organization_id == moid  # the member's organization by default
    r = _post(client, f"{base}/nominations/{n.id}/reject", {"review_note": ""})
    assert r.status_code == 422 and "不通过时必须填写理由" in r.text
    assert _post(client, f"{base}/nominations/{n.id}/approve", {}).status_code == 303
    r = _post(client, f"{base}/nominations/{n.id}/reject", {"review_note": "晚了"})
    assert r.status_code == 422 and "当前状态为「已通过」，不能执行此操作" in r.text
    with scoped_session(world.street.id) as s:
        assert s.get(Nomination, n.id).status == "approved"
    page = client.get(base + "/nominations?status=approved")
    assert page.status_code == 200 and f"members/{mid}" in page.text
    assert client.get(base + "/nominations?format=xlsx").content[:2] == b"PK"
    h = api_token(world.users["staff"])
    api = f"/api/t/{world.street.slug}/dongfanghong/nominations"
    r = client.post(api, headers=h, json={"category": "member", "reason": "x", "person": "张三"})
    assert r.status_code == 422 and "person" in r.json()["extra"]["errors"]
    r = client.post(api, headers=h, json={"category": "worker", "reason": "党务", "member_id": str(mid)})
    assert r.status_code == 201 and (r.json()["nominee_kind"], r.json()["nominee_id"]) == ("member", mid)
    r = client.post(f"{api}/{r.json()['id']}/review", headers=h, json={"action": "reject"})
    assert r.status_code == 422 and "review_note" in r.json()["extra"]["errors"]
    assert {x["nominee_kind"] for x in client.get(api, headers=h).json()} >= {"member", "user", "organization"}
    ho = api_token(world.users["ostaff"])
    assert client.post(f"/api/t/{world.other.slug}/dongfanghong/nominations/{n.id}/review", headers=ho,
                       json={"action": "approve"}).status_code == 404
    login(client, world.users["viewer"])
    assert _post(client, base + "/nominations", {"member_id": str(mid), "category": "member",
                                                 "reason": "y"}).status_code == 403


def test_butlers(world, groups, client, api_token):
    """DFH-4: a butler is a person of the system (member / instructor / user, picked), with the
    seed's service kinds; 以党员为骨干 is counted; the workload joins the organizations served."""
    from core.registry.models import Member
    from plugins.dongfanghong import butlers as bsvc

    base = f"/t/{world.street.slug}/dongfanghong"
    with scoped_session(world.street.id) as s:
        member = s.scalar(select(Member).where(Member.status == "full").order_by(Member.id))
        mid, mname = member.id, member.name
    login(client, world.users["staff"])
    r = _post(client, base + "/butlers", {"name": "管家甲", "role": "liaison"})
    assert r.status_code == 422 and "人员：请选择系统中的党员、党建指导员或用户" in text_of(r.text)
    r = _post(client, base + "/butlers", {"member_id": str(mid), "role": "liaison", "organizations": "不存在的企业"})
    assert r.status_code == 422 and "服务企业" in r.text
    r = _post(client, base + "/butlers", {"member_id": str(mid), "role": "liaison", "services": "bogus"})
    assert r.status_code == 422 and "服务内容：请从党建指导、科创信息、政策咨询、配套完善、资源对接中选择" in text_of(r.text)
    assert _count_butlers(world) == 0
    r = client.post(base + "/butlers", data={"member_id": str(mid), "role": "liaison", "services": ["policy", "tech"],
                                             "organizations": f"{world.orgs[0]},{world.orgs[1]}",
                                             "_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    page = _butler_table(client.get(base + "/butlers?role=liaison").text)
    assert f"<td>{mname}</td>" in page and "联企专员" in page and "测试企业" in page and "政策咨询、科创信息" in page
    r = _post(client, base + "/butlers", {"member_id": str(mid), "role": "fulltime"})
    assert r.status_code == 422 and "已在服务管家队伍中" in r.text
    # a user of the tenant as the second butler (not a party member: 1 of 2 active)
    r = _post(client, base + "/butlers", {"person": f"user:{world.ids['staff2']}", "role": "fulltime",
                                          "services": "党建指导"})
    assert r.status_code == 303
    r = _post(client, base + "/butlers", {"person": f"user:{world.ids['ostaff']}", "role": "fulltime"})
    assert r.status_code == 422 and "请选择本辖区的" in text_of(r.text)  # another tenant's user
    with scoped_session(world.street.id) as s:
        b = s.scalar(select(Butler).where(Butler.person_kind == "member", Butler.person_id == mid))
        team = bsvc.team(s, svc.butlers(s))
        names = dict(s.execute(select(Organization.id, Organization.name)
                               .where(Organization.id.in_(world.orgs[:3]))).all())
    assert (b.name, b.services) == (mname, "policy,tech")
    assert [(r.butler.person_kind, r.party_member) for r in team] == [("user", False), ("member", True)]
    assert (bsvc.backbone(team).active, bsvc.backbone(team).party_members) == (2, 1)
    served = lambda: [n for _, orgs in _butler_rows(world, mname) for n in orgs]  # noqa: E731
    # who serves enterprise X: the search also matches the organizations served
    assert f"<td>{mname}</td>" in _butler_table(client.get(base + "/butlers", params={"q": names[world.orgs[1]]}).text)
    # an edit replaces the organizations served; a bad one changes nothing (422, field message)
    r = _post(client, f"{base}/butlers/{b.id}", {"member_id": str(mid), "role": "liaison", "active": "1",
                                                 "organizations": f"{world.orgs[1]},不存在的企业"})
    assert r.status_code == 422 and "服务企业：第 2 项「不存在的企业」" in text_of(r.text)
    assert sorted(served()) == sorted([names[world.orgs[0]], names[world.orgs[1]]])
    r = _post(client, f"{base}/butlers/{b.id}", {"member_id": str(mid), "role": "fulltime", "unit": "党群服务中心",
                                                 "organizations": f"{world.orgs[1]}，{world.orgs[2]}"})
    assert r.status_code == 303
    assert sorted(served()) == sorted([names[world.orgs[1]], names[world.orgs[2]]])
    rows = _butler_rows(world, mname)
    assert [(b.role, b.unit, b.active) for b, _ in rows] == [("fulltime", "党群服务中心", False)]  # unchecked: 停用
    assert f"<td>{mname}</td>" in _butler_table(client.get(base + "/butlers?active=0").text)
    assert f"<td>{mname}</td>" not in _butler_table(client.get(base + "/butlers?active=1").text)
    # the API: same rules, 422 per field, 404 for another tenant's butler
    h = api_token(world.users["staff"])
    api = f"/api/t/{world.street.slug}/dongfanghong/butlers"
    got = {x["person_kind"]: x for x in client.get(api, headers=h).json()}
    assert got["member"]["party_member"] is True and got["member"]["organization_ids"] == sorted(world.orgs[1:3])
    r = client.post(api, headers=h, json={"role": "liaison", "member_id": "abc"})
    assert r.status_code == 422 and "person" in r.json()["extra"]["errors"]
    r = client.post(f"{api}/{b.id}", headers=h, json={"role": "liaison", "member_id": str(mid), "services": ["resources"]})
    assert r.status_code == 201 and r.json()["services"] == ["resources"] and r.json()["active"] is True
    ho = api_token(world.users["ostaff"])
    assert client.post(f"/api/t/{world.other.slug}/dongfanghong/butlers/{b.id}", headers=ho,
                       json={"role": "liaison", "member_id": str(mid)}).status_code == 404
    login(client, world.users["viewer"])
    assert _post(client, f"{base}/butlers/{b.id}", {"member_id": str(mid), "role": "liaison"}).status_code == 403
    login(client, world.users["ostaff"])
    assert _post(client, f"/t/{world.other.slug}/dongfanghong/butlers/{b.id}",
                 {"member_id": str(mid), "role": "liaison"}).status_code == 404


def _butler_table(html: str) -> str:
    return html.split('<table class="dfh-butlers">', 1)[1].split("</table>", 1)[0]


def _count_butlers(world) -> int:
    with scoped_session(world.street.id) as s:
        return s.scalar(select(func.count()).select_from(Butler)) or 0


def _butler_rows(world, name):
    with scoped_session(world.street.id) as s:
        return [(b, orgs) for b, orgs in svc.butlers(s, name) if b.name == name]


def test_cross_tenant_and_disabled(world, groups, client):
    a = groups[0]
    login(client, world.users["ostaff"])
    assert client.get(f"/t/{world.other.slug}/dongfanghong/").status_code == 200
    assert client.get(f"/t/{world.other.slug}/dongfanghong/groups/{a}").status_code == 404
    assert _post(client, f"/t/{world.other.slug}/dongfanghong/groups/{a}/duty",
                     {"kind": "attend", "occurred_on": "2026-01-01", "title": "x"}).status_code == 404
    assert client.get(f"/t/{world.street.slug}/dongfanghong/").status_code == 404  # no role there
    login(client, world.users["bstaff"])
    assert client.get(f"/t/{world.bare.slug}/dongfanghong/").status_code == 404


def test_enable_disable_for_fresh_tenant(world, client):
    from core import revisions
    from core.tenancy import operator_session

    login(client, world.users["bstaff"])
    url = f"/t/{world.bare.slug}/dongfanghong/"
    assert client.get(url).status_code == 404
    with operator_session("test") as s:
        registry().set_enabled(s, world.bare, "dongfanghong", True)
    revisions.poll(force=True)
    assert client.get(url).status_code == 200
    with operator_session("test") as s:
        registry().set_enabled(s, world.bare, "dongfanghong", False)
    revisions.poll(force=True)
    assert client.get(url).status_code == 404


def _post(client, path, data=None):
    return post_form(client, path, data, follow_redirects=False)
