"""The lists engine through the web: pages, forms, permissions, tenancy, exports, attachments,
the district's escalation queue and the JSON API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session
from core.models import AuditEntry
from plugins.lists.models import ListAttachment, ListDemand, ListResource, ListWork
from plugins.sites.api import Site
from tests.helpers import login, post_form, text_of, unique
from tests.plugins.lists.conftest import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def user(client, world):
    """``user("staff")`` → the shared client logged in as that world user."""

    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


@pytest.fixture
def token(api_token, world):
    return lambda key: api_token(world.users[key])


def base(t) -> str:
    return f"/t/{t.slug}/lists"


def api(t) -> str:
    return f"/api/t/{t.slug}/lists"


def demand_form(w: World, org: str = "a", **over) -> dict:
    return {"organization_id": str(w.orgs[org]), "title": unique("需求"), "category": "policy", "urgency": "normal",
            "description": "企业需要政策辅导", **over}


def new_demand(c, w: World, **over) -> int:
    r = post_form(c, f"{base(w.street)}/demands/new", demand_form(w, **over), follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[-1])


def demand(w: World, demand_id: int, tenant=None) -> ListDemand | None:
    with open_session((tenant or w.street).id) as s:
        return s.get(ListDemand, demand_id)


def count(w: World, model, tenant=None) -> int:
    with open_session((tenant or w.street).id) as s:
        return s.scalar(select(func.count(model.id)))


def new_resource(c, w: World, **over) -> int:
    data = {"title": unique("资源"), "provider_kind": "department", "provider_name": "区人社局",
            "contact_name": "刘老师", "contact_phone": "13912345678", **over}
    r = post_form(c, f"{base(w.street)}/resources/new", data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[-1])


def nav_of(html: str) -> str:
    return text_of(html.split('id="sidenav"')[1].split("</nav>")[0])


# --- dashboard, nav, widget -------------------------------------------------------------------------


def test_dashboard_nav_and_widget(user, world):
    c = user("staff")
    new_demand(c, world)
    page = c.get(f"{base(world.street)}/dashboard")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "办理中" in text and "平均办结用时" in text and "按需求类别" in text and "现场办公快速解决" in text
    assert c.get(base(world.street)).status_code == 200  # /lists is the dashboard too
    nav = nav_of(page.text)
    for label in ("清单工作法", "需求清单", "资源清单", "项目清单", "服务站"):
        assert label in nav
    assert "下级上报事项" not in nav  # a street has no sub-tenants
    home = c.get(f"/t/{world.street.slug}/")
    assert '<section class="card widget"><h2>清单工作法</h2>' in home.text and "本年已解决" in home.text
    district = user("dstaff").get(f"{base(world.district)}/dashboard")
    assert district.status_code == 200 and "下级上报事项" in nav_of(district.text)
    assert world.street.name in district.text and world.street2.name in district.text  # per-street roll-up
    assert world.other_street.name not in district.text


def test_nav_names_follow_the_programs_scheme(user, world, program):
    page = user("staff").get(f"{base(world.street)}/demands")
    nav = nav_of(page.text)
    assert "任务清单" in nav and "工作服务站" in nav and "项目清单" not in nav
    assert "我为企业解个难" in page.text  # the special actions become a filter


# --- demands through pages -----------------------------------------------------------------------


def test_submit_form_errors_keep_input_and_save_nothing(user, world):
    c = user("staff")
    assert c.get(f"{base(world.street)}/demands/new").status_code == 200
    before = count(world, ListDemand)
    r = post_form(c, f"{base(world.street)}/demands/new",
                  {"organization_id": "", "title": " ", "category": "", "description": "保留这段描述"})
    assert r.status_code == 422
    for message in ("请选择提出需求的组织", "请填写需求标题", "请选择需求类别"):
        assert message in r.text
    assert "保留这段描述" in r.text
    r = post_form(c, f"{base(world.street)}/demands/new", demand_form(world, title="长" * 101, category="太空"))
    assert r.status_code == 422 and "需求标题最多 100 个字符" in r.text and "需求类别：无效的选项「太空」" in r.text
    assert count(world, ListDemand) == before


def test_demand_lifecycle_through_pages(user, world):
    c = user("staff")
    demand_id = new_demand(c, world, urgency="urgent")
    page = c.get(f"{base(world.street)}/demands/{demand_id}")
    assert page.status_code == 200
    assert "已提交" in text_of(page.text) and "变更记录" in page.text and "新增需求" in page.text
    url = f"{base(world.street)}/demands/{demand_id}"
    # an illegal transition: 422, the message, nothing changed
    r = post_form(c, f"{url}/rate", {"rating": "5"})
    assert r.status_code == 422 and "当前状态为「已提交」，不能评价" in r.text
    assert demand(world, demand_id).status == "submitted"
    assert post_form(c, f"{url}/accept", {"triage_level": "onsite"}, follow_redirects=False).status_code == 303
    assert post_form(c, f"{url}/start", {}, follow_redirects=False).status_code == 303
    r = post_form(c, f"{url}/resolve", {"resolution": " ", "triage_level": "onsite"})
    assert r.status_code == 422 and "请填写办理结果" in r.text
    assert post_form(c, f"{url}/resolve", {"resolution": "现场答复政策", "triage_level": "onsite"},
                     follow_redirects=False).status_code == 303
    r = post_form(c, f"{url}/comment", {"body": "已电话回访"}, follow_redirects=True)
    assert r.status_code == 200 and "已电话回访" in r.text
    d = demand(world, demand_id)
    assert (d.status, d.resolution, d.triage_level) == ("resolved", "现场答复政策", "onsite")
    # the requester rates
    sec = user("sec_a")
    r = post_form(sec, f"{url}/rate", {"rating": "9"})
    assert r.status_code == 422 and "评分须在 1–5 之间" in r.text
    r = post_form(sec, f"{url}/rate", {"rating": "5", "rating_comment": "很及时"}, follow_redirects=True)
    assert r.status_code == 200 and "感谢评价" in r.text and "很及时" in r.text
    assert (demand(world, demand_id).status, demand(world, demand_id).rating) == ("rated", 5)
    history = text_of(sec.get(url).text)
    assert "已评价" in history and "很及时" in history


def test_secretary_sees_only_their_organizations(user, world):
    staff = user("staff")
    other = new_demand(staff, world, org="b", title=unique("乙企业需求"))
    c = user("sec_a")
    form = c.get(f"{base(world.street)}/demands/new")
    assert form.status_code == 200 and str(world.orgs["a"]) in form.text and f'value="{world.orgs["b"]}"' not in form.text
    mine = new_demand(c, world, org="a")
    assert demand(world, mine).channel == "secretary"
    listing = c.get(f"{base(world.street)}/demands")
    assert f'data-id="{mine}"' in listing.text and f'data-id="{other}"' not in listing.text
    assert "仅显示您负责的组织提出的需求" in listing.text
    assert c.get(f"{base(world.street)}/demands/{other}").status_code == 404
    assert post_form(c, f"{base(world.street)}/demands/{other}/comment", {"body": "x"}).status_code == 404
    r = post_form(c, f"{base(world.street)}/demands/new", demand_form(world, org="b"))
    assert r.status_code == 422 and "只能为您负责的组织提交需求" in r.text
    # no triage rights
    assert post_form(c, f"{base(world.street)}/demands/{mine}/accept", {}).status_code == 403
    assert demand(world, mine).status == "submitted"
    # the secretary may still edit while 已提交
    r = post_form(c, f"{base(world.street)}/demands/{mine}/edit", demand_form(world, title="改过的标题"),
                  follow_redirects=False)
    assert r.status_code == 303 and demand(world, mine).title == "改过的标题"


def test_viewer_reads_but_cannot_write(user, world):
    staff = user("staff")
    demand_id = new_demand(staff, world)
    c = user("viewer")
    page = c.get(f"{base(world.street)}/demands/{demand_id}")
    assert page.status_code == 200 and "/accept" not in page.text and "发表留言" not in page.text
    before = count(world, ListDemand)
    assert post_form(c, f"{base(world.street)}/demands/new", demand_form(world)).status_code == 403
    assert post_form(c, f"{base(world.street)}/demands/{demand_id}/accept", {}).status_code == 403
    assert post_form(c, f"{base(world.street)}/demands/{demand_id}/comment", {"body": "x"}).status_code == 403
    assert post_form(c, f"{base(world.street)}/resources/new", {"title": "x"}).status_code == 403
    assert post_form(c, f"{base(world.street)}/stations", {"name": "x"}).status_code == 403
    assert count(world, ListDemand) == before
    assert demand(world, demand_id).status == "submitted"


def test_another_tenants_ids_answer_404(user, world, token, client):
    staff = user("staff")
    demand_id = new_demand(staff, world)
    res_id = new_resource(staff, world)
    c = user("s2staff")  # staff of the sister street: no role in this street
    for path in (f"{base(world.street2)}/demands/{demand_id}", f"{base(world.street2)}/resources/{res_id}",
                 f"{base(world.street)}/demands/{demand_id}", f"{base(world.street)}/dashboard"):
        assert c.get(path).status_code == 404, path
    assert post_form(c, f"{base(world.street2)}/demands/{demand_id}/accept", {}).status_code == 404
    headers = token("s2staff")
    assert client.get(f"{api(world.street2)}/demands/{demand_id}", headers=headers).status_code == 404
    assert client.post(f"{api(world.street2)}/demands/{demand_id}/accept", json={}, headers=headers).status_code == 404
    assert demand(world, demand_id).status == "submitted"


def test_matching_claims_and_work_items_through_pages(user, world):
    staff = user("staff")
    demand_id = new_demand(staff, world)
    res_id = new_resource(staff, world, capacity="3")
    url = f"{base(world.street)}/demands/{demand_id}"
    works = count(world, ListWork)
    r = post_form(staff, f"{url}/match", {"resource_ids": [str(res_id)], "owner_name": "", "triage_level": ""})
    assert r.status_code == 422 and "请填写责任人" in r.text and "请选择解决方式" in r.text
    assert count(world, ListWork) == works  # the refused match created no work item
    r = post_form(staff, f"{url}/match", {"resource_ids": [str(res_id)], "owner_name": "周专干",
                                          "triage_level": "coordinate", "deadline": "2999-01-01"},
                  follow_redirects=True)
    assert r.status_code == 200 and "已建立项目清单事项" in r.text and "周专干" in r.text
    assert demand(world, demand_id).status == "in_progress"
    # a provider claims the demand with their own resource; staff confirm it
    prov = user("provider")
    own = new_resource(prov, world, provider_kind="organization", provider_name="红星物业")
    page = prov.get(url)
    assert "用本单位资源认领该需求" in page.text
    r = post_form(prov, f"{url}/claim", {"resource_ids": [str(own)], "note": "可派两名电工"}, follow_redirects=True)
    assert r.status_code == 200 and "已认领，等待专干确认" in r.text
    with open_session(world.street.id) as s:
        work = s.scalar(select(ListWork).where(ListWork.demand_id == demand_id, ListWork.claim_side == "provider"))
    staff = user("staff")
    r = post_form(staff, f"{base(world.street)}/works/{work.id}/confirm", {"owner_name": "", "triage_level": "onsite"})
    assert r.status_code == 422 and "请填写责任人" in r.text
    r = post_form(staff, f"{base(world.street)}/works/{work.id}/confirm",
                  {"owner_name": "红星物业", "triage_level": "onsite"}, follow_redirects=False)
    assert r.status_code == 303
    r = post_form(staff, f"{base(world.street)}/works/{work.id}/confirm", {"owner_name": "x", "triage_level": "onsite"})
    assert r.status_code == 422 and "当前状态为「进行中」，不能确认认领" in r.text
    # the provider completes their item; the works list shows both
    prov = user("provider")
    r = post_form(prov, f"{base(world.street)}/works/{work.id}/complete", {"result": "已修好线路"},
                  follow_redirects=False)
    assert r.status_code == 303
    works = user("staff").get(f"{base(world.street)}/works", params={"status": "done"})
    assert works.status_code == 200 and f'data-id="{work.id}"' in works.text
    export = user("staff").get(f"{base(world.street)}/works/export")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and any(row[0] == work.id and row[13] == "已修好线路" for row in rows[1:])


def test_secretary_claims_a_resource_from_its_page(user, world):
    staff = user("staff")
    res_id = new_resource(staff, world)
    sec = user("sec_a")
    demand_id = new_demand(sec, world, org="a")
    page = sec.get(f"{base(world.street)}/resources/{res_id}")
    assert page.status_code == 200 and "为本组织的需求认领该资源" in page.text
    assert "139****5678" in page.text and "13912345678" not in page.text and "查看完整号码" not in page.text
    r = post_form(sec, f"{base(world.street)}/resources/{res_id}/claim", {"demand_id": ""})
    assert r.status_code == 422 and "请选择要认领该资源的需求" in r.text
    r = post_form(sec, f"{base(world.street)}/resources/{res_id}/claim", {"demand_id": str(demand_id)},
                  follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"/demands/{demand_id}")
    with open_session(world.street.id) as s:
        work = s.scalar(select(ListWork).where(ListWork.demand_id == demand_id))
    assert (work.status, work.claim_side) == ("claimed", "requester")


# --- resources, stations, exports ----------------------------------------------------------------------


def test_resources_pages_mask_reveal_and_export(user, world):
    c = user("staff")
    before = count(world, ListResource)
    r = post_form(c, f"{base(world.street)}/resources/new", {"title": "", "provider_kind": "department",
                                                            "provider_name": "x", "contact_phone": "123"})
    assert r.status_code == 422 and "请填写资源名称" in r.text and "手机号应为11位" in r.text
    assert count(world, ListResource) == before
    title = unique("创业担保贷款")
    res_id = new_resource(c, world, title=title, category="finance", capacity="2", valid_until="2999-12-31")
    listing = c.get(f"{base(world.street)}/resources", params={"q": title})
    assert listing.status_code == 200 and title in listing.text and "139****5678" in listing.text
    assert "13912345678" not in listing.text and "0 / 2" in listing.text
    page = c.get(f"{base(world.street)}/resources/{res_id}")
    assert "139****5678" in page.text and "查看完整号码" in page.text
    revealed = post_form(c, f"{base(world.street)}/resources/{res_id}/reveal", {})
    assert revealed.status_code == 200 and "13912345678" in revealed.text
    with open_session(world.street.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "lists.reveal",
                                                                AuditEntry.entity_id == str(res_id))) == 1
    export = c.get(f"{base(world.street)}/resources/export", params={"q": title})
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == title and rows[1][8] == "139****5678" and "13912345678" not in str(rows)
    r = post_form(c, f"{base(world.street)}/resources/{res_id}/status", {"status": "withdrawn"}, follow_redirects=True)
    assert "已撤回" in r.text
    assert post_form(user("viewer"), f"{base(world.street)}/resources/{res_id}/reveal", {}).status_code == 403


def test_demand_export_uses_the_filters(user, world):
    c = user("staff")
    tag = unique("导出")
    a = new_demand(c, world, title=f"{tag}甲", category="legal")
    new_demand(c, world, title=f"{tag}乙", category="policy")
    r = c.get(f"{base(world.street)}/demands/export", params={"q": tag, "category": "legal"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "需求标题", "提出组织", "类别")
    assert [(row[0], row[3]) for row in rows[1:]] == [(a, "法律")]
    listing = c.get(f"{base(world.street)}/demands", params={"q": tag})
    assert f"{tag}甲" in listing.text and f"{tag}乙" in listing.text and "导出 Excel" in listing.text


def test_demand_list_filters_by_cluster(user, world, token, client):
    """A cluster's demands: its current organization members' and those its current party-org
    members cover (not a member that has left); closed = not open; an unknown cluster is a field
    error (page: falls back, API: 422, export: back to the list); a secretary still sees only theirs."""
    from core.db import scoped_session
    from core.registry.models import (
        Cluster,
        ClusterMember,
        Organization,
        PartyOrg,
        PartyOrgCoverage,
    )

    tag = unique("组团")
    with scoped_session(world.street.id) as s:
        gone = Organization(name=f"已退出企业{tag}", kind="enterprise")
        outside = Organization(name=f"组外企业{tag}", kind="enterprise")
        po = PartyOrg(name=f"联合支部{tag}", org_type="branch")
        cluster = Cluster(cluster_type="test", name=f"测试联组{tag}")
        s.add_all([gone, outside, po, cluster])
        s.flush()
        s.add_all([PartyOrgCoverage(party_org_id=po.id, organization_id=world.orgs["b"]),
                   ClusterMember(cluster_id=cluster.id, organization_id=world.orgs["a"]),
                   ClusterMember(cluster_id=cluster.id, party_org_id=po.id),
                   ClusterMember(cluster_id=cluster.id, organization_id=gone.id, left_on=dt.date(2020, 1, 1))])
        cid, gone_id, outside_id = cluster.id, gone.id, outside.id
    with scoped_session(world.street2.id) as s:
        foreign = Cluster(cluster_type="test", name=f"他街联组{tag}")
        s.add(foreign)
        s.flush()
        foreign_id = foreign.id
    c = user("staff")
    a = new_demand(c, world, org="a", title=f"{tag}甲")
    b = new_demand(c, world, org="b", title=f"{tag}乙")
    for org_id, title in ((gone_id, "退出"), (outside_id, "组外")):
        new_demand(c, world, organization_id=str(org_id), title=f"{tag}{title}")
    assert post_form(c, f"{base(world.street)}/demands/{b}/reject", {"reason": "不属于服务范围"}).status_code in (200, 303)
    page = c.get(f"{base(world.street)}/demands", params={"q": tag, "cluster": cid})
    assert f'<option value="{cid}" selected>测试联组{tag}</option>' in page.text
    assert f'data-id="{a}"' in page.text and f'data-id="{b}"' in page.text
    assert f"{tag}退出" not in page.text and f"{tag}组外" not in page.text
    h = token("staff")

    def total(**params) -> int:
        r = client.get(f"{api(world.street)}/demands", params={"q": tag, **params}, headers=h)
        assert r.status_code == 200, r.text
        return r.json()["total"]

    assert (total(), total(cluster=cid), total(cluster=cid, status="open"), total(cluster=cid, status="closed"),
            total(cluster=cid, status="solved")) == (4, 2, 1, 1, 0)
    for bad in (foreign_id, 0, "x"):
        r = client.get(f"{api(world.street)}/demands", params={"cluster": bad}, headers=h)
        assert r.status_code == 422 and r.json()["extra"]["errors"] == {"cluster": "组团不存在"}
    fallback = c.get(f"{base(world.street)}/demands", params={"q": tag, "cluster": foreign_id})
    assert fallback.status_code == 200 and "组团不存在" in fallback.text and f"他街联组{tag}" not in fallback.text
    assert all(f"{tag}{t}" in fallback.text for t in ("甲", "乙", "退出", "组外"))
    x = c.get(f"{base(world.street)}/demands/export", params={"q": tag, "cluster": cid, "status": "closed"})
    assert [row[0] for row in list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))[1:]] == [b]
    x = c.get(f"{base(world.street)}/demands/export", params={"q": tag, "cluster": foreign_id}, follow_redirects=False)
    assert x.status_code in (302, 303) and "cluster" not in x.headers["location"] and "q=" in x.headers["location"]
    mine = user("sec_a").get(f"{base(world.street)}/demands", params={"q": tag, "cluster": cid}).text
    assert f'data-id="{a}"' in mine and f'data-id="{b}"' not in mine


def test_overdue_rows_are_highlighted(user, world):
    from tests.plugins.lists.test_service import submit

    old = submit(world, today=dt.date(2020, 1, 1), title=unique("陈年需求"))
    c = user("staff")
    listing = c.get(f"{base(world.street)}/demands", params={"sla": "overdue", "q": old.title})
    assert f'<tr class="lists-row-overdue" data-id="{old.id}">' in listing.text
    assert "超期" in text_of(listing.text)


def test_stations_page(user, world):
    c = user("staff")
    name = unique("街道工作服务站")
    r = post_form(c, f"{base(world.street)}/stations", {"name": "", "level": "street"})
    assert r.status_code == 422 and "请填写服务站名称" in r.text
    assert post_form(c, f"{base(world.street)}/stations", {"name": name, "level": "street"},
                     follow_redirects=False).status_code == 303
    with open_session(world.street.id) as s:
        st = s.scalar(select(Site).where(Site.kind == "lists.station", Site.name == name))
    page = c.get(f"{base(world.street)}/stations", params={"q": name})
    assert f"<td>{name}</td>" in page.text and "共 1 条" in page.text
    assert f"<td>{name}</td>" not in c.get(f"{base(world.street)}/stations",
                                          params={"q": name, "level": "community"}).text
    export = c.get(f"{base(world.street)}/stations/export", params={"q": name})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][1] == "名称" and [row[1:4] for row in rows[1:]] == [(name, "街道", None)]
    demand_id = new_demand(c, world, station_id=str(st.id))
    assert demand(world, demand_id).channel == "station"
    listing = c.get(f"{base(world.street)}/demands", params={"station": st.id})
    assert f'data-id="{demand_id}"' in listing.text
    post_form(c, f"{base(world.street)}/stations/{st.id}/active", {"active": "0"})
    r = post_form(c, f"{base(world.street)}/demands/new", demand_form(world, station_id=str(st.id)))
    assert r.status_code == 422 and "服务站不存在或已停用" in r.text


# --- attachments --------------------------------------------------------------------------------------


def test_attachments_upload_download_and_checks(user, world, tmp_path, monkeypatch, client):
    monkeypatch.setenv("LIANDONG_LISTS_UPLOAD_DIR", str(tmp_path))
    c = user("sec_a")
    demand_id = new_demand(c, world, org="a")
    url = f"{base(world.street)}/demands/{demand_id}/attachments"
    from tests.helpers import csrf

    def upload(name: str, data: bytes):
        return c.post(url, files={"file": (name, data, "application/octet-stream")},
                      data={"_csrf_token": csrf(c)}, follow_redirects=False)

    r = upload("营业执照.pdf", PDF)
    assert r.status_code == 303, r.text
    with open_session(world.street.id) as s:
        att = s.scalar(select(ListAttachment).where(ListAttachment.demand_id == demand_id))
    assert (att.filename, att.content_type, att.size) == ("营业执照.pdf", "application/pdf", len(PDF))
    assert (tmp_path / str(world.street.id) / att.stored_name).read_bytes() == PDF
    got = c.get(f"{base(world.street)}/attachments/{att.id}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    for name, data, message in (("run.exe", b"MZ\x90\x00", "不支持的文件类型"),
                                ("fake.pdf", b"<html>", "文件内容与扩展名「.pdf」不符"),
                                ("empty.png", b"", "文件是空的")):
        r = upload(name, data)
        assert r.status_code == 422 and message in r.text, name
    monkeypatch.setenv("LIANDONG_LISTS_UPLOAD_MAX_BYTES", "10")
    r = upload("big.pdf", PDF)
    assert r.status_code == 422 and "文件超过" in r.text
    with open_session(world.street.id) as s:
        assert s.scalar(select(func.count(ListAttachment.id)).where(ListAttachment.demand_id == demand_id)) == 1
    # another organization's secretary cannot fetch it
    other = user("sec_b")
    assert other.get(f"{base(world.street)}/attachments/{att.id}").status_code == 404
    assert user("s2staff").get(f"{base(world.street2)}/attachments/{att.id}").status_code == 404
    c = user("sec_a")
    assert post_form(c, f"{base(world.street)}/attachments/{att.id}/delete", {},
                     follow_redirects=False).status_code == 303
    assert not (tmp_path / str(world.street.id) / att.stored_name).exists()


# --- escalation through pages ---------------------------------------------------------------------------


def test_escalation_queue_of_the_district(user, world):
    c = user("staff")
    demand_id = new_demand(c, world, title=unique("用地协调"))
    url = f"{base(world.street)}/demands/{demand_id}"
    post_form(c, f"{url}/accept", {})
    r = post_form(c, f"{url}/escalate", {"escalation_reason": ""})
    assert r.status_code == 422 and "请填写上报说明" in r.text
    r = post_form(c, f"{url}/escalate", {"escalation_reason": "涉及区级规划"}, follow_redirects=True)
    assert r.status_code == 200 and f"已上报{world.district.name}" in r.text
    d = user("dstaff")
    queue = d.get(f"{base(world.district)}/escalations")
    assert queue.status_code == 200 and f'data-id="{demand_id}"' in queue.text and world.street.name in queue.text
    assert d.get(f"{base(world.district)}/dashboard").status_code == 200
    # the other district sees nothing of it
    o = user("ostaff")
    assert f'data-id="{demand_id}"' not in o.get(f"{base(world.other_district)}/escalations").text
    assert o.get(f"{base(world.other_district)}/escalations/{demand_id}").status_code == 404
    # the district answers
    d = user("dstaff")
    page = d.get(f"{base(world.district)}/escalations/{demand_id}")
    assert page.status_code == 200 and "涉及区级规划" in page.text
    r = post_form(d, f"{base(world.district)}/escalations/{demand_id}/answer", {"reply": ""})
    assert r.status_code == 422 and "请填写答复意见" in r.text
    r = post_form(d, f"{base(world.district)}/escalations/{demand_id}/answer", {"reply": "已协调规划部门"},
                  follow_redirects=True)
    assert r.status_code == 200 and "已协调规划部门" in r.text
    street_page = user("staff").get(url)
    assert "已协调规划部门" in street_page.text and "上级已答复" in street_page.text
    export = user("dstaff").get(f"{base(world.district)}/escalations/export")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert any(row[0] == demand_id and row[1] == world.street.name for row in rows[1:])
    # a street viewer cannot answer at the district (no role there)
    assert user("viewer").get(f"{base(world.district)}/escalations").status_code == 404


# --- JSON API -----------------------------------------------------------------------------------------


def test_api_round_trip(client, token, world, program):
    h = token("staff")
    r = client.get(f"{api(world.street)}/scheme", headers=h)
    assert r.status_code == 200 and r.json()["work_lists"] == [{"key": "task", "label": "任务清单"}]
    body = {"organization_id": world.orgs["a"], "title": unique("接口需求"), "category": "incubation",
            "urgency": "urgent", "action_tag": "deed"}
    r = client.post(f"{api(world.street)}/demands", json=body, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["category_label"], created["urgency_label"], created["action_label"], created["status"]) == (
        "企业孵化", "紧急", "我为企业办实事", "submitted")
    demand_id = created["id"]
    r = client.post(f"{api(world.street)}/demands", json={**body, "title": "", "category": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {
        "title": "请填写需求标题", "category": "需求类别：无效的选项「x」"}
    r = client.post(f"{api(world.street)}/demands/{demand_id}/resolve", json={"resolution": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"status": "当前状态为「已提交」，不能办结"}
    r = client.post(f"{api(world.street)}/demands/{demand_id}/accept", json={"triage_level": "onsite"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    res = client.post(f"{api(world.street)}/resources", json={
        "title": unique("接口资源"), "provider_kind": "department", "provider_name": "区科技局",
        "contact_phone": "13700001111"}, headers=h)
    assert res.status_code == 201 and res.json()["contact_phone"] == "137****1111"
    r = client.post(f"{api(world.street)}/demands/{demand_id}/works", json={
        "resource_ids": [res.json()["id"]], "owner_name": "接口专干", "owner_role": "企业服务员",
        "triage_level": "coordinate"}, headers=h)
    assert r.status_code == 201 and r.json()["kind_label"] == "任务清单" and r.json()["owner_role_label"] == "企业服务员"
    work_id = r.json()["id"]
    r = client.post(f"{api(world.street)}/works/{work_id}/complete", json={"result": "已办"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = client.post(f"{api(world.street)}/demands/{demand_id}/resolve", json={"resolution": "已孵化"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = client.post(f"{api(world.street)}/demands/{demand_id}/rate", json={"rating": 4}, headers=token("sec_a"))
    assert r.status_code == 200 and r.json()["rating"] == 4
    full = client.get(f"{api(world.street)}/demands/{demand_id}", headers=h).json()
    assert [w["id"] for w in full["works"]] == [work_id] and full["status_label"] == "已评价"
    r = client.get(f"{api(world.street)}/demands", params={"action": "deed", "status": "rated"}, headers=h)
    assert demand_id in [d["id"] for d in r.json()["items"]]
    r = client.post(f"{api(world.street)}/demands/{demand_id}/comments", json={"body": "接口留言"}, headers=h)
    assert r.status_code == 201 and r.json()["body"] == "接口留言"
    c = client.get(f"{api(world.street)}/counters", headers=h).json()
    assert c["solved"] >= 1 and {r["key"] for r in c["by_category"]} >= {"policy", "incubation", "legal"}
    assert client.get(f"{api(world.street)}/works", headers=h).status_code == 200
    assert client.get(f"{api(world.street)}/stations", headers=h).status_code == 200


def test_api_permissions(client, token, world):
    h = token("viewer")
    assert client.get(f"{api(world.street)}/demands", headers=h).status_code == 200
    body = {"organization_id": world.orgs["a"], "title": unique("越权"), "category": "policy"}
    before = count(world, ListDemand)
    assert client.post(f"{api(world.street)}/demands", json=body, headers=h).status_code == 403
    assert client.post(f"{api(world.street)}/stations", json={"name": "x"}, headers=h).status_code == 403
    assert client.get(f"{api(world.street)}/demands").status_code == 401
    assert count(world, ListDemand) == before
    r = client.post(f"{api(world.street)}/demands", json=body, headers=token("sec_b"))
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"organization_id": "只能为您负责的组织提交需求"}
    # the district answers through the API; the other district gets 404
    staff = token("staff")
    d = client.post(f"{api(world.street)}/demands", json=body, headers=staff).json()
    client.post(f"{api(world.street)}/demands/{d['id']}/accept", json={}, headers=staff)
    r = client.post(f"{api(world.street)}/demands/{d['id']}/escalate", json={"escalation_reason": "接口上报"},
                    headers=staff)
    assert r.status_code == 200 and r.json()["escalation_status"] == "pending"
    q = client.get(f"{api(world.district)}/escalations", headers=token("dstaff")).json()
    assert d["id"] in [e["demand"]["id"] for e in q]
    assert client.post(f"{api(world.other_district)}/escalations/{d['id']}/answer", json={"reply": "x"},
                       headers=token("ostaff")).status_code == 404
    r = client.post(f"{api(world.district)}/escalations/{d['id']}/answer", json={"reply": "接口答复"},
                    headers=token("dstaff"))
    assert r.status_code == 200 and r.json()["escalation_reply"] == "接口答复"


def test_edit_pages_and_patch(user, world, token, client):
    c = user("staff")
    demand_id = new_demand(c, world, title=unique("待修改"))
    page = c.get(f"{base(world.street)}/demands/{demand_id}/edit")
    assert page.status_code == 200 and 'name="title"' in page.text and "待修改" in page.text
    res_id = new_resource(c, world, capacity="2")
    page = c.get(f"{base(world.street)}/resources/{res_id}/edit")
    assert page.status_code == 200 and "13912345678" in page.text  # editors see the full number in the form
    r = post_form(c, f"{base(world.street)}/resources/{res_id}/edit",
                  {"title": "改名的资源", "provider_kind": "social", "provider_name": "志愿者协会", "capacity": "x"})
    assert r.status_code == 422 and "可服务次数须为整数" in r.text
    r = post_form(c, f"{base(world.street)}/resources/{res_id}/edit",
                  {"title": "改名的资源", "provider_kind": "social", "provider_name": "志愿者协会"},
                  follow_redirects=False)
    assert r.status_code == 303
    with open_session(world.street.id) as s:
        res = s.get(ListResource, res_id)
        assert (res.title, res.provider_kind, res.capacity, res.contact_phone_enc) == ("改名的资源", "social", None, None)
    h = token("staff")
    r = client.patch(f"{api(world.street)}/demands/{demand_id}", json={"urgency": "critical"}, headers=h)
    assert r.status_code == 200 and r.json()["urgency"] == "critical"
    assert r.json()["due_on"] == (demand(world, demand_id).submitted_on + dt.timedelta(days=3)).isoformat()
    r = client.patch(f"{api(world.street)}/resources/{res_id}", json={"status": "withdrawn", "capacity": 4}, headers=h)
    assert r.status_code == 200 and (r.json()["status"], r.json()["capacity"], r.json()["available"]) == (
        "withdrawn", 4, False)
    r = client.patch(f"{api(world.street)}/resources/{res_id}", json={"title": ""}, headers=h)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"title": "请填写资源名称"}
    # once accepted, a demand can no longer be edited
    post_form(c, f"{base(world.street)}/demands/{demand_id}/accept", {})
    assert c.get(f"{base(world.street)}/demands/{demand_id}/edit").status_code == 403
    r = client.patch(f"{api(world.street)}/demands/{demand_id}", json={"title": "再改"}, headers=h)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"status": "当前状态为「已受理」，不能修改"}


def test_secretary_and_provider_pages(user, world):
    sec = user("sec_a")
    assert sec.get(f"{base(world.street)}/dashboard").status_code == 200
    assert sec.get(f"{base(world.street)}/works").status_code == 200
    assert sec.get(f"{base(world.street)}/stations").status_code == 200
    assert sec.get(f"{base(world.street)}/escalations").status_code == 200  # an empty queue for a street
    prov = user("provider")
    listing = prov.get(f"{base(world.street)}/resources", params={"mine": "1"})
    assert listing.status_code == 200 and "只看本单位" in listing.text
    assert prov.get(f"{base(world.street)}/resources/new").status_code == 200
    assert prov.get(f"{base(world.street)}/demands/new").status_code == 403


def test_actions_are_offered_only_when_they_can_succeed(user, world):
    """办结 is not offered while a work item is open (the page says why); after claiming, the
    claim form gives way to a note, and a second pending claim by the same person is refused."""
    staff = user("staff")
    res_id = new_resource(staff, world, capacity="3")
    sec = user("sec_a")
    demand_id = new_demand(sec, world, org="a")
    url = f"{base(world.street)}/demands/{demand_id}"
    assert 'id="claim"' in sec.get(url).text
    r = post_form(sec, f"{url}/claim", {"resource_ids": [str(res_id)]}, follow_redirects=False)
    assert r.status_code == 303
    page = sec.get(url).text
    assert 'id="claim"' not in page and "您已认领该需求，待专干确认后再认领其他资源" in page
    r = post_form(sec, f"{url}/claim", {"resource_ids": [str(res_id)]})
    assert r.status_code == 422 and "您已认领该需求" in r.text
    with open_session(world.street.id) as s:
        work_id = s.scalar(select(ListWork.id).where(ListWork.demand_id == demand_id))
    staff = user("staff")
    r = post_form(staff, f"{base(world.street)}/works/{work_id}/confirm",
                  {"owner_name": "周专干", "triage_level": "coordinate"}, follow_redirects=False)
    assert r.status_code == 303
    page = staff.get(url).text
    assert demand(world, demand_id).status == "in_progress"
    assert 'id="resolve-form"' not in page and "暂不能办结" in page and "完成或取消后才能办结" in page
