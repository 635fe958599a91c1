"""Tenant tree administration, plugin enablement per tenant, users and roles, audit log."""

import re

from sqlalchemy import select

from core.db import open_session
from core.models import AuditEntry, Tenant
from plugins.example.models import Notice
from tests.helpers import login, post_form, tenant_id, text_of, unique


def _new_street(client, name="测试街道") -> tuple[int, str]:
    slug = unique("st-")
    r = post_form(client, "/t/yuelu/admin/tenants/new",
                  {"name": name, "slug": slug, "level": "street", "parent_id": str(tenant_id("yuelu"))},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    with open_session() as s:
        return s.scalar(select(Tenant.id).where(Tenant.slug == slug)), slug


def test_district_admin_creates_edits_archives_a_street(client):
    login(client, "yuelu_admin")
    tid, slug = _new_street(client, "银盆岭街道")
    assert "银盆岭街道" in client.get("/t/yuelu/admin/tenants").text
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/edit",
                  {"name": "银盆岭街道（新）", "level": "street", "parent_id": str(tenant_id("yuelu")),
                   "term_cluster": "片区联组"}, follow_redirects=False)
    assert r.status_code == 303
    with open_session() as s:
        t = s.get(Tenant, tid)
        assert t.name == "银盆岭街道（新）" and t.terms == {"cluster": "片区联组"}
    assert post_form(client, f"/t/yuelu/admin/tenants/{tid}/archive", {"archived": "1"},
                     follow_redirects=False).status_code == 303
    assert client.get(f"/t/{slug}/").status_code == 404
    assert post_form(client, f"/t/yuelu/admin/tenants/{tid}/archive", {"archived": "0"},
                     follow_redirects=False).status_code == 303
    assert client.get(f"/t/{slug}/").status_code == 200


def test_tenant_form_errors_are_field_level_and_nothing_is_saved(client):
    login(client, "yuelu_admin")
    r = post_form(client, "/t/yuelu/admin/tenants/new",
                  {"name": "", "slug": "Bad Slug!", "level": "planet", "parent_id": str(tenant_id("yuelu"))})
    assert r.status_code == 422
    assert "请填写名称" in r.text and "标识须为" in r.text and "请选择有效的层级" in r.text
    r = post_form(client, "/t/yuelu/admin/tenants/new",
                  {"name": "重复", "slug": "dongfanghong", "level": "street", "parent_id": str(tenant_id("yuelu"))})
    assert r.status_code == 422 and "该标识已被使用" in r.text
    # a district admin cannot hang a tenant under another district or make a root
    r = post_form(client, "/t/yuelu/admin/tenants/new",
                  {"name": "越界", "slug": unique("x-"), "level": "street", "parent_id": str(tenant_id("nanhu"))})
    assert r.status_code == 422
    r = post_form(client, "/t/yuelu/admin/tenants/new",
                  {"name": "顶级", "slug": unique("x-"), "level": "city", "parent_id": "root"})
    assert r.status_code == 422 and "只有平台管理员" in r.text


def test_enable_plugin_takes_effect_without_restart_and_keeps_data(client):
    login(client, "yuelu_admin")
    tid, slug = _new_street(client)
    assert client.get(f"/t/{slug}/example/").status_code == 404
    assert "公告" not in client.get(f"/t/{slug}/").text
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/toggle", {"enabled": "1"})
    assert r.status_code == 200 and "已启用" in r.text
    page = client.get(f"/t/{slug}/")
    assert "公告栏" in page.text  # nav item and dashboard widget
    assert client.get(f"/t/{slug}/example/").status_code == 200
    assert post_form(client, f"/t/{slug}/example/", {"title": "保留的公告"},
                     follow_redirects=False).status_code == 303
    post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/toggle", {"enabled": "0", "confirm": "1"})
    assert client.get(f"/t/{slug}/example/").status_code == 404
    assert "保留的公告" not in client.get(f"/t/{slug}/").text
    with open_session(tid) as s:
        assert "保留的公告" in s.scalars(select(Notice.title)).all()  # disabling keeps data
    post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/toggle", {"enabled": "1"})
    assert "保留的公告" in client.get(f"/t/{slug}/example/").text


def test_plugin_settings_are_validated_and_applied(client):
    login(client, "yuelu_admin")
    tid, slug = _new_street(client)
    post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/toggle", {"enabled": "1"})
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/settings",
                  {"board_title": "", "max_notices": "abc"})
    assert r.status_code == 422
    assert "栏目名称：必填" in r.text and "最多保留公告数：须为数字" in r.text
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/settings",
                  {"board_title": "社区通知", "max_notices": "1", "show_widget": "1"})
    assert r.status_code == 200 and "设置已保存" in r.text
    assert "社区通知" in client.get(f"/t/{slug}/").text
    post_form(client, f"/t/{slug}/example/", {"title": "第一条"})
    r = post_form(client, f"/t/{slug}/example/", {"title": "第二条"})
    assert r.status_code == 422 and "公告数量已达上限" in r.text
    # a form (or client) that leaves a field out keeps that field's saved value
    r = post_form(client, f"/t/yuelu/admin/tenants/{tid}/plugins/example/settings",
                  {"max_notices": "3", "show_widget": "1"})
    assert r.status_code == 200 and "设置已保存" in r.text
    assert "社区通知" in client.get(f"/t/{slug}/").text


def test_plugins_api_for_district_admin(client, api_token):
    headers = api_token("yuelu_admin")
    login(client, "yuelu_admin")
    tid, _slug = _new_street(client)
    r = client.put(f"/api/t/yuelu/tenants/{tid}/plugins/example", json={"enabled": True}, headers=headers)
    assert r.status_code == 200
    assert next(p for p in r.json() if p["name"] == "example")["enabled"] is True
    r = client.put(f"/api/t/yuelu/tenants/{tid}/plugins/example", json={"settings": {"max_notices": 0}},
                   headers=headers)
    assert r.status_code == 422 and "max_notices" in r.json()["extra"]["errors"]
    r = client.put(f"/api/t/yuelu/tenants/{tid}/plugins/example", json={"settings": {"board_title": "街道公告"}},
                   headers=headers)
    assert r.status_code == 200
    r = client.put(f"/api/t/yuelu/tenants/{tid}/plugins/example", json={"settings": {"max_notices": 2}},
                   headers=headers)
    saved = next(p for p in r.json() if p["name"] == "example")["settings"]
    assert r.status_code == 200 and saved["max_notices"] == 2 and saved["board_title"] == "街道公告"
    assert client.put(f"/api/t/yuelu/tenants/{tenant_id('nanhu')}/plugins/example", json={"enabled": True},
                      headers=headers).status_code == 404


def test_users_roles_and_audit(client):
    login(client, "yuelu_admin")
    username = unique("u")
    r = post_form(client, "/t/yuelu/admin/users/new",
                  {"username": username, "display_name": "新专干", "password": "short",
                   "role": "staff", "tenant_id": str(tenant_id("dongfanghong"))})
    assert r.status_code == 422 and "密码至少 10 位" in r.text
    r = post_form(client, "/t/yuelu/admin/users/new",
                  {"username": username, "display_name": "新专干", "password": "goodpass123",
                   "role": "staff", "tenant_id": str(tenant_id("dongfanghong"))})
    assert r.status_code == 200 and f"已创建用户 {username}" in r.text
    r = post_form(client, "/t/yuelu/admin/users/grant",
                  {"username": username, "role": "platform_admin", "tenant_id": "*"})
    assert r.status_code == 422  # a district admin cannot mint platform admins
    r = post_form(client, "/t/yuelu/admin/users/grant",
                  {"username": username, "role": "viewer", "tenant_id": str(tenant_id("nanhu"))})
    assert r.status_code == 422 and "本辖区范围内" in r.text
    audit = client.get("/t/yuelu/audit?action=role.grant&user=yuelu_admin").text
    assert username in audit
    with open_session(tenant_id("dongfanghong")) as s:
        s.info["tenant_ids"] = (tenant_id("dongfanghong"),)
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "role.grant",
                                                     AuditEntry.summary.contains(username))).all()
        assert entries and entries[0].username == "yuelu_admin"
    # the new user logs in and lands in 东方红街道 with staff rights only
    client.cookies.clear()
    login(client, username, "goodpass123")
    assert client.get("/t/dongfanghong/example/").status_code == 200
    assert client.get("/t/yuelu/").status_code == 404


def test_audit_log_filters_and_before_after(client):
    login(client, "yuelu_admin")
    tid, _slug = _new_street(client, "审计街道")
    post_form(client, f"/t/yuelu/admin/tenants/{tid}/edit",
              {"name": "审计街道二", "level": "street", "parent_id": str(tenant_id("yuelu"))})
    page = client.get(f"/t/yuelu/audit?action=tenants.update&tenant={tid}").text
    assert "审计街道" in page and "审计街道二" in page
    shown = text_of(page)
    assert "修改辖区" in shown and "名称 审计街道 " in shown and "名称 审计街道二" in shown
    assert "tenants.update" not in shown and not re.search(r"\d{4}-\d\d-\d\dT\d", shown)
    assert '<option value="tenants.update" selected>修改辖区</option>' in page  # the filter, by name
    empty = client.get(f"/t/yuelu/audit?action=tenants.update&tenant={tid}&date_to=2000-01-01").text
    assert "没有符合条件的记录" in empty
    login(client, "dfh_staff")
    assert "审计街道" not in client.get("/t/dongfanghong/audit").text


def test_disabling_a_program_asks_first_and_says_what_disappears(client):
    login(client, "yuelu_admin")
    tid, slug = _new_street(client)
    toggle = f"/t/yuelu/admin/tenants/{tid}/plugins/example/toggle"
    post_form(client, toggle, {"enabled": "1"})
    listing = client.get(f"/t/yuelu/admin/tenants/{tid}/plugins").text
    assert f'href="/t/yuelu/admin/tenants/{tid}/plugins/example/disable"' in listing  # a link, not a one-click post
    # a post without the confirmation changes nothing: it leads to the question
    r = post_form(client, toggle, {"enabled": "0"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/t/yuelu/admin/tenants/{tid}/plugins/example/disable"
    assert client.get(f"/t/{slug}/example/").status_code == 200
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    gone = text_of(page.text.split("data-disappears", 1)[1].split("</ul>", 1)[0])
    assert "菜单“公告栏”及其页面" in gone
    assert "已有数据和设置会保留" in page.text and "data-confirm-disable" in page.text
    r = post_form(client, toggle, {"enabled": "0", "confirm": "1"})
    assert r.status_code == 200 and "已停用" in r.text
    assert client.get(f"/t/{slug}/example/").status_code == 404
    # disabled: nothing left to confirm
    r = client.get(f"/t/yuelu/admin/tenants/{tid}/plugins/example/disable", follow_redirects=False)
    assert r.status_code == 303


def test_plugin_page_speaks_in_program_names(client):
    login(client, "yuelu_admin")
    dfh = tenant_id("dongfanghong")
    page = client.get(f"/t/yuelu/admin/tenants/{dfh}/plugins").text
    assert "0.1.0" not in text_of(page) and "依赖：" not in page
    assert "以下程序依赖它：" in page and "需要同时启用：" in page
    # a program others still need: the question says why it cannot be disabled, offers no button
    page = client.get(f"/t/yuelu/admin/tenants/{dfh}/plugins/lists/disable").text
    assert "暂不能停用" in page and "data-confirm-disable" not in page
    # another district's street, an unknown program: 404
    assert client.get(f"/t/yuelu/admin/tenants/{tenant_id('nanhu')}/plugins/example/disable").status_code == 404
    assert client.get(f"/t/yuelu/admin/tenants/{dfh}/plugins/nope/disable").status_code == 404


def test_the_example_plugin_is_offered_only_for_development(database, client, api_token):
    """Without LIANDONG_DEV_PLUGINS the example (a template for developers) is not offered;
    where a tenant has it enabled it stays listed, so it can be disabled."""
    from litestar.testing import TestClient

    from core.config import get_settings
    from core.web.app import create_app

    login(client, "yuelu_admin")
    tid, _slug = _new_street(client)
    app = create_app(get_settings().model_copy(update={"dev_plugins": False}))
    with TestClient(app, raise_server_exceptions=False) as prod:
        login(prod, "yuelu_admin")
        page = prod.get(f"/t/yuelu/admin/tenants/{tid}/plugins").text
        assert 'id="plugin-example"' not in page and 'id="plugin-lists"' in page
        assert post_form(prod, f"/t/yuelu/admin/tenants/{tid}/plugins/example/toggle",
                         {"enabled": "1"}).status_code == 404
        headers = api_token("yuelu_admin")
        assert prod.put(f"/api/t/yuelu/tenants/{tid}/plugins/example", json={"enabled": True},
                        headers=headers).status_code == 404
        assert "example" not in {p["name"] for p in prod.get(f"/api/t/yuelu/tenants/{tid}/plugins",
                                                             headers=headers).json()}
        dfh = prod.get(f"/t/yuelu/admin/tenants/{tenant_id('dongfanghong')}/plugins").text
        assert 'id="plugin-example"' in dfh  # enabled there: still listed, to be disabled
    assert 'id="plugin-example"' in client.get(f"/t/yuelu/admin/tenants/{tid}/plugins").text  # dev: offered
