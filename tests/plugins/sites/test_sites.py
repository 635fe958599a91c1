"""The sites block: CRUD with Chinese field errors and nothing half-saved, kinds from plugins,
photos, isolation, permissions, per-kind counts over a district, export/import, history, API."""

from __future__ import annotations

import io
from types import ModuleType

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.db import open_session
from core.hookspecs import hookimpl
from core.plugins import registry
from plugins.sites.api import SiteKind
from plugins.sites.models import Site, SitePhoto
from tests.helpers import csrf, login, post_form, text_of, unique

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def base(t) -> str:
    return f"/t/{t.slug}/sites"


def _create(c, w, **over) -> int:
    data = {"kind": "sites.red_station", "name": unique("红色驿站"), "opening_hours": "每天 8:00–22:00",
            "manager_name": "商圈党建联盟", "services": "休息饮水\n手机充电", "active": "1", **over}
    r = post_form(c, base(w.a), data, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:1500]
    return int(r.headers["location"].rsplit("/", 1)[-1])


def test_create_errors_and_flow(world, user):
    w = world
    c = user("staff")
    with open_session(w.a.id) as s:
        before = s.scalar(select(func.count(Site.id)))
    r = post_form(c, base(w.a), {"kind": "nope", "name": ""})
    t = text_of(r.text)
    assert r.status_code == 422 and "类型：请选择" in t and "名称：必填" in t
    r = post_form(c, base(w.a), {"kind": "sites.venue", "name": unique("活动室"), "manager": f"party_org:{w.b_party_org}",
                                 "opened_on": "2026-02-30"})
    t = text_of(r.text)
    assert r.status_code == 422 and "阵地类别：请选择一类阵地、二类阵地、三类阵地" in t
    assert "管理单位：请选择本辖区的党组织" in t and "启用日期：日期格式应为" in t
    with open_session(w.a.id) as s:
        assert s.scalar(select(func.count(Site.id))) == before
    name = unique("党员活动室")
    sid = _create(c, w, kind="sites.venue", name=name, grade="2", manager=f"party_org:{w.party_org}",
                  manager_name="")
    with open_session(w.a.id) as s:
        site = s.get(Site, sid)
        assert (site.grade, site.manager_kind, site.manager_id, site.service_list) == (
            "2", "party_org", w.party_org, ["休息饮水", "手机充电"])
    r = post_form(c, base(w.a), {"kind": "sites.venue", "name": name, "grade": "1"})
    assert r.status_code == 422 and f"名称：已有同名的党员活动阵地「{name}」" in r.text
    # update, deactivate, photos, history
    r = post_form(c, f"{base(w.a)}/{sid}", {"name": name, "grade": "1", "opening_hours": "周三下午",
                                           "manager": f"party_org:{w.party_org}", "active": "1"},
                  follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"{base(w.a)}/{sid}/photos", data={"_csrf_token": csrf(c), "description": "门牌"},
               files={"file": ("门牌.png", PNG, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"{base(w.a)}/{sid}/photos", data={"_csrf_token": csrf(c)},
               files={"file": ("a.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 422 and "照片：不支持的文件类型" in r.text
    with open_session(w.a.id) as s:
        photo = s.scalar(select(SitePhoto).where(SitePhoto.site_id == sid))
    assert c.get(f"{base(w.a)}/{sid}/photos/{photo.id}").content == PNG
    post_form(c, f"{base(w.a)}/{sid}/active", {"active": "0"})
    page = text_of(c.get(f"{base(w.a)}/{sid}").text)
    assert "一类阵地" in page and "停用" in page and "变更记录" in page and "阵地类别" in page
    assert "新增阵地照片" in page or "阵地照片" in page
    # list: search, filters, per-kind counts, export
    r = c.get(base(w.a), params={"q": name, "kind": "sites.venue", "active": "0"})
    assert r.status_code == 200 and name in r.text
    r = c.get(f"{base(w.a)}/export", params={"kind": "sites.venue"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:3] == ("类型", "名称", "等级")
    assert any(x[1] == name and x[2] == "一类阵地" and x[9] == "停用" for x in rows[1:])


def test_permissions_isolation(world, user):
    w = world
    c = user("staff")
    sid = _create(c, w)
    c = user("viewer")
    assert c.get(f"{base(w.a)}/{sid}").status_code == 200
    assert post_form(c, f"{base(w.a)}/{sid}", {"name": "x"}).status_code == 403
    assert post_form(c, base(w.a), {}).status_code == 403
    c = user("instructor")
    assert post_form(c, f"{base(w.a)}/{sid}/active", {"active": "0"}).status_code == 403
    c = user("staff_b")
    assert c.get(f"{base(w.b)}/{sid}").status_code == 404
    assert post_form(c, f"{base(w.b)}/{sid}", {"name": "x"}).status_code == 404
    assert c.get(f"{base(w.a)}/{sid}").status_code == 404


def test_counts_over_the_district(world, user):
    w = world
    c = user("staff")
    _create(c, w, kind="sites.gig_station")
    c = user("staff_b")
    r = post_form(c, base(w.b), {"kind": "sites.gig_station", "name": unique("零工驿站")}, follow_redirects=False)
    assert r.status_code == 303
    c = user("dviewer")
    t = text_of(c.get(f"{base(w.d)}/counts").text)
    assert w.a.name in t and w.b.name in t and "零工驿站" in t
    c = user("staff")
    t = text_of(c.get(base(w.a)).text)
    assert "零工驿站" in t
    r = c.get(f"/t/{w.a.slug}/")
    assert r.status_code == 200 and "阵地与站点" in r.text


def test_kind_hook_and_checklist_subject(world, user):
    """A plugin adds a kind; a site is a checklist subject (the sites block adds the kind)."""
    w = world
    module = ModuleType("testprog_sites")
    module.register_site_kinds = hookimpl(lambda tenant: [SiteKind("testst.red_home", "测试红色之家",
                                                                    grades=(("a", "甲"),))])
    from plugins.checklists import service as checklists
    from plugins.sites import service as svc

    with registry().installed(module, "testprog_sites"):
        assert svc.kinds(w.a)["testst.red_home"].grade_map == {"a": "甲"}
        c = user("staff")
        sid = _create(c, w, kind="testst.red_home", grade="a")
    assert "testst.red_home" not in svc.kinds(w.a)
    assert "site" in checklists.subject_kinds(w.a)
    c = user("staff")
    r = post_form(c, f"/t/{w.a.slug}/checklists", {"template_key": "checklists.sanxiang", "subject": f"site:{sid}"},
                  follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:1500]
    # the site of a kind no plugin registers any more is still listed under its key
    assert c.get(f"{base(w.a)}/{sid}").status_code == 200


def test_import_sites(world, client, api_token):
    w = world
    h = api_token(w.users["staff"])
    name = unique("爱心驿站")
    book = Workbook()
    for row in (["类型", "名称", "等级", "地址", "开放时间", "管理单位", "服务项目"],
                ["爱心驿站", name, "", "某路 1 号", "每天", f"阵地测试党支部{w.users['staff'][-6:]}", "休息；饮水"],
                ["党员活动阵地", unique("活动室"), "", "", "", "", ""],
                ["党员活动阵地", unique("活动室"), "二类阵地", "", "", "不存在的单位", ""]):
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    url = f"/api/t/{w.a.slug}/imports/sites_sites"
    body = client.post(url + "?dry_run=true", headers=h, files={"file": ("s.xlsx", buf.getvalue(), XLSX)}).json()
    assert body["created"] == 2 and body["errors"] == 1, body
    assert body["problems"][0]["column"] == "等级"
    body = client.post(f"/api/t/{w.a.slug}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=h).json()
    assert body["created"] == 2
    with open_session(w.a.id) as s:
        site = s.scalar(select(Site).where(Site.name == name))
        assert site.kind == "sites.love_station" and site.service_list == ["休息", "饮水"]


def test_api(world, client, api_token):
    w = world
    h = api_token(w.users["staff"])
    api = f"/api/t/{w.a.slug}/sites"
    assert any(k["key"] == "sites.venue" and k["grades"]["1"] == "一类阵地" for k in client.get(f"{api}/kinds",
                                                                                         headers=h).json())
    r = client.post(f"{api}/sites", headers=h, json={"kind": "sites.venue", "name": "x"})
    assert r.status_code == 422 and "grade" in r.json()["extra"]["errors"]
    r = client.post(f"{api}/sites", headers=h, json={"kind": "sites.red_home", "name": unique("红色之家"),
                                                     "services": ["学习", "休息"], "manager_kind": "tenant"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["manager_name"] == w.a.name
    r = client.post(f"{api}/sites/{sid}/photos", headers=h, files={"file": ("a.png", PNG, "image/png")})
    assert r.status_code == 201
    assert client.get(f"{api}/sites/{sid}", headers=h).json()["photos"][0]["filename"] == "a.png"
    hb = api_token(w.users["staff_b"])
    assert client.get(f"/api/t/{w.b.slug}/sites/sites/{sid}", headers=hb).status_code == 404
    assert client.post(f"/api/t/{w.b.slug}/sites/sites/{sid}/photos", headers=hb,
                       files={"file": ("a.png", PNG, "image/png")}).status_code == 404
    r = client.get(f"{api}/counts", headers=h)
    assert r.status_code == 200 and any(x["kind"] == "sites.red_home" and x["active"] >= 1 for x in r.json())
    spec = client.get("/schema/openapi.json").json()
    assert "/api/t/{slug}/sites/sites" in spec["paths"]


def test_documented_hook_and_example():
    from plugins.sites import hookspecs
    from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result

    for hook in engine_hooks(hookspecs):
        check_documented(hook)
    (kind,) = example_result("register_site_kinds", tenant=None)
    assert isinstance(kind, SiteKind) and kind.grade_map["city"] == "市级"


def test_manager_is_a_unit(world, user):
    """The managing unit may be a unit of the units block (成员单位, 驻街单位 …)."""
    from core.db import scoped_session
    from plugins.units import api as units

    w = world
    with scoped_session(w.a.id) as s:
        unit = units.create_unit(s, w.a, {"name": unique("区税务局"), "kind": "department"})
        s.flush()
        uid, uname = unit.id, unit.name
    c = user("staff")
    assert f'value="unit:{uid}"' in c.get(base(w.a)).text
    sid = _create(c, w, manager=f"unit:{uid}", manager_name="")
    with open_session(w.a.id) as s:
        site = s.get(Site, sid)
        assert (site.manager_kind, site.manager_id, site.manager_name) == ("unit", uid, uname)
    assert f"/units/{uid}" in c.get(f"{base(w.a)}/{sid}").text
    r = post_form(c, base(w.a), {"kind": "sites.red_station", "name": unique("驿站"), "manager": "unit:999999999"})
    assert r.status_code == 422 and "管理单位：请选择本辖区的单位" in text_of(r.text)
