"""The example plugin (公告栏) through the web: pages, API, settings and per-tenant enablement.

东方红街道 has the plugin enabled in the demo configuration; checks that switch it on and off
use a fresh street under 岳麓区 (reached by yuelu_admin), so they never depend on, or change,
what other tests see.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import open_session
from core.plugins import registry
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import TenantInfo, operator_session, tree
from tests.helpers import post_form, tenant_id, text_of, unique

BOARD = "/t/dongfanghong/example/"
API = "/api/t/dongfanghong/example/notices"


def notices(slug: str, title: str | None = None) -> list:
    from plugins.example.models import Notice

    with open_session(tenant_id(slug)) as s:
        stmt = select(Notice).order_by(Notice.id)
        if title is not None:
            stmt = stmt.where(Notice.title == title)
        return list(s.scalars(stmt))


def count(slug: str) -> int:
    from plugins.example.models import Notice

    with open_session(tenant_id(slug)) as s:
        return s.scalar(select(func.count()).select_from(Notice))


def post_notice(client, title: str, body: str = "请准时参加。", **extra):
    return post_form(client, BOARD, {"title": title, "body": body, **extra}, follow_redirects=False)


@pytest.fixture
def staff(as_user):
    return as_user("dfh_staff")


# --- pages --------------------------------------------------------------------------------


def test_board_lists_and_creates_notices(staff):
    title = unique("党员大会通知")
    r = post_notice(staff, title, "本周五下午三点在街道党群服务中心召开。")
    assert r.status_code == 303 and r.headers["location"] == "/t/dongfanghong/example"
    [row] = notices("dongfanghong", title)
    assert row.body == "本周五下午三点在街道党群服务中心召开。" and row.pinned is False
    page = staff.get(BOARD)
    assert page.status_code == 200
    assert title in page.text and "本周五下午三点" in page.text
    assert registry().settings(tenant_id("dongfanghong"), "example").board_title in page.text


def test_board_search_and_pinned(staff):
    pinned, other = unique("置顶公告"), unique("普通公告")
    assert post_notice(staff, pinned, pinned="1").status_code == 303
    assert post_notice(staff, other).status_code == 303
    assert notices("dongfanghong", pinned)[0].pinned is True
    page = staff.get(BOARD, params={"q": pinned})
    assert page.status_code == 200
    assert f"{pinned}</h2>" in page.text and other not in page.text
    assert '<span class="tag on">置顶</span>' + pinned in page.text


def test_board_form_errors_in_chinese_and_nothing_saved(staff):
    before = count("dongfanghong")
    r = post_notice(staff, "   ", "正文保留在表单里")
    assert r.status_code == 422
    assert "请填写标题" in r.text
    assert "正文保留在表单里" in r.text  # the user's input is kept
    r = post_notice(staff, "长" * 101)
    assert r.status_code == 422 and "标题最多 100 个字符" in r.text
    r = post_notice(staff, unique("正文太长"), "字" * 5001)
    assert r.status_code == 422 and "正文最多 5000 个字符" in r.text
    assert count("dongfanghong") == before


def test_delete_notice(staff):
    title = unique("待删除公告")
    post_notice(staff, title)
    [row] = notices("dongfanghong", title)
    r = post_form(staff, f"{BOARD}{row.id}/delete", follow_redirects=False)
    assert r.status_code == 303
    assert notices("dongfanghong", title) == []
    assert title not in staff.get(BOARD).text
    r = post_form(staff, f"{BOARD}{row.id}/delete", follow_redirects=False)
    assert r.status_code == 404  # already gone


def test_another_tenants_notice_is_404(staff, as_user):
    title = unique("东方红内部公告")
    post_notice(staff, title)
    [row] = notices("dongfanghong", title)
    client = as_user("yuelu_admin")  # 岳麓区 has the board too, but this notice is 东方红's
    assert client.get("/t/yuelu/example/").status_code == 200
    assert f"{title}</h2>" not in client.get("/t/yuelu/example/", params={"q": title}).text  # not listed
    r = post_form(client, f"/t/yuelu/example/{row.id}/delete", follow_redirects=False)
    assert r.status_code == 404
    assert len(notices("dongfanghong", title)) == 1


def test_read_only_role_cannot_post_or_delete(as_user, staff):
    title = unique("指导员可见公告")
    post_notice(staff, title)
    [row] = notices("dongfanghong", title)
    client = as_user("dfh_instructor")  # example:read only
    page = client.get(BOARD)
    assert page.status_code == 200 and title in page.text
    assert 'name="title"' not in page.text and "/delete" not in page.text  # no write controls
    before = count("dongfanghong")
    r = post_form(client, BOARD, {"title": unique("越权公告")}, follow_redirects=False)
    assert r.status_code == 403
    r = post_form(client, f"{BOARD}{row.id}/delete", follow_redirects=False)
    assert r.status_code == 403
    assert count("dongfanghong") == before


def test_dashboard_widget_and_nav(staff):
    title = unique("工作台公告")
    post_notice(staff, title)
    settings = registry().settings(tenant_id("dongfanghong"), "example")
    home = staff.get("/t/dongfanghong/")
    assert home.status_code == 200
    assert f'<section class="card widget"><h2>{settings.board_title}</h2>' in home.text
    assert title in home.text  # the newest notice is listed in the card
    assert 'href="/t/dongfanghong/example"' in home.text  # nav item and "查看全部"
    assert settings.board_title in text_of(home.text.split('id="sidenav"')[1].split("</nav>")[0])


# --- API -----------------------------------------------------------------------------------


def test_api_create_list_get_delete(client, api_token):
    headers = api_token("dfh_staff")
    title = unique("接口公告")
    r = client.post(API, json={"title": title, "body": "经接口发布", "pinned": True}, headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["title"] == title and created["body"] == "经接口发布" and created["pinned"] is True
    assert notices("dongfanghong", title)[0].id == created["id"]

    r = client.get(API, params={"q": title}, headers=headers)
    assert r.status_code == 200 and [n["id"] for n in r.json()] == [created["id"]]
    r = client.get(f"{API}/{created['id']}", headers=headers)
    assert r.status_code == 200 and r.json() == created

    r = client.delete(f"{API}/{created['id']}", headers=headers)
    assert r.status_code == 204
    assert client.get(f"{API}/{created['id']}", headers=headers).status_code == 404
    assert notices("dongfanghong", title) == []


def test_api_errors(client, api_token):
    headers = api_token("dfh_staff")
    before = count("dongfanghong")
    r = client.post(API, json={"title": " ", "body": ""}, headers=headers)
    assert r.status_code == 422
    assert r.json()["detail"] == "提交的内容有误"
    assert r.json()["extra"]["errors"] == {"title": "请填写标题"}
    assert client.get(API).status_code == 401  # no token
    r = client.post(API, json={"title": unique("越权")}, headers=api_token("dfh_instructor"))
    assert r.status_code == 403
    assert count("dongfanghong") == before


def test_api_another_tenants_id_is_404(client, api_token):
    r = client.post(API, json={"title": unique("东方红接口公告")}, headers=api_token("dfh_staff"))
    notice_id = r.json()["id"]
    yuelu = api_token("yuelu_admin")
    assert client.get(f"/api/t/yuelu/example/notices/{notice_id}", headers=yuelu).status_code == 404
    assert client.delete(f"/api/t/yuelu/example/notices/{notice_id}", headers=yuelu).status_code == 404
    wyh = api_token("wyh_staff")  # no role in 东方红
    assert client.get(f"{API}/{notice_id}", headers=wyh).status_code == 404
    assert client.get(f"{API}/{notice_id}", headers=api_token("dfh_staff")).status_code == 200


# --- enablement and settings, on a fresh street -------------------------------------------


@pytest.fixture
def street(database) -> TenantInfo:
    slug = unique("board-")
    with operator_session() as s:
        create_tenant(s, TenantForm(slug=slug, name=f"公告测试街道{slug}", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    return tree().by_slug[slug]


def admin_post(client, street: TenantInfo, action: str, data: dict, via: str = "yuelu"):
    """The admin form's POST; a change is answered by a redirect (followed) to the plugins page."""
    return post_form(client, f"/t/{via}/admin/tenants/{street.id}/plugins/example/{action}", data)


def nav_of(html: str) -> str:
    return html.split('id="sidenav"')[1].split("</nav>")[0]


def test_wangyuehu_board_is_404_while_disabled(as_user):
    wyh = tenant_id("wangyuehu")
    if registry().is_enabled(wyh, "example"):
        pytest.skip("another test enabled the board for 望月湖街道")
    client = as_user("wyh_staff")
    assert client.get("/t/wangyuehu/").status_code == 200
    assert client.get("/t/wangyuehu/example/").status_code == 404
    assert 'href="/t/wangyuehu/example"' not in client.get("/t/wangyuehu/").text


def test_enable_settings_disable_through_the_admin_ui(as_user, api_token, street):
    client = as_user("yuelu_admin")
    board = f"/t/{street.slug}/example/"
    headers = api_token("yuelu_admin")
    assert client.get(board).status_code == 404
    assert client.get(f"/api/t/{street.slug}/example/notices", headers=headers).status_code == 404
    assert f'href="/t/{street.slug}/example"' not in client.get(f"/t/{street.slug}/").text

    r = admin_post(client, street, "toggle", {"enabled": "1"})
    assert [h.status_code for h in r.history] == [303]  # POST/redirect/GET: F5 does not toggle again
    assert r.status_code == 200 and "已启用：公告栏（示例插件）" in r.text
    page = client.get(board)
    assert page.status_code == 200 and "暂无公告" in page.text  # enabling posts nothing
    assert client.get(f"/api/t/{street.slug}/example/notices", headers=headers).status_code == 200

    # settings: the title shows in the nav, the widget and the page; the limit is enforced
    new_title = unique("片区公告")[:30]
    r = admin_post(client, street, "settings", {"board_title": new_title, "max_notices": "2", "show_widget": "1"})
    assert r.status_code == 200 and "设置已保存" in r.text
    home = client.get(f"/t/{street.slug}/")
    assert new_title in text_of(nav_of(home.text))
    assert f'<section class="card widget"><h2>{new_title}</h2>' in home.text
    assert new_title in client.get(board).text
    kept, kept2 = unique("保留公告"), unique("保留公告")
    for title in (kept, kept2):
        r = post_form(client, board, {"title": title}, follow_redirects=False)
        assert r.status_code == 303
    r = post_form(client, board, {"title": unique("超出上限")}, follow_redirects=False)
    assert r.status_code == 422 and "公告数量已达上限（2 条），请先删除旧公告" in r.text
    assert count(street.slug) == 2

    r = admin_post(client, street, "settings", {"board_title": new_title, "max_notices": "0"})
    assert r.status_code == 422 and "最多保留公告数：不能小于 1" in r.text
    assert registry().settings(street.id, "example").max_notices == 2  # nothing saved
    r = admin_post(client, street, "settings", {"board_title": new_title, "max_notices": "2"})  # widget off
    assert r.status_code == 200
    home = client.get(f"/t/{street.slug}/")
    assert new_title in text_of(nav_of(home.text))
    assert f'<section class="card widget"><h2>{new_title}</h2>' not in home.text

    # disable: 404 again, nav item gone, data kept; enabling again brings it back
    r = admin_post(client, street, "toggle", {"enabled": "0", "confirm": "1"})
    assert r.status_code == 200 and "已停用：公告栏（示例插件）" in r.text
    assert client.get(board).status_code == 404
    assert client.get(f"/api/t/{street.slug}/example/notices", headers=headers).status_code == 404
    assert post_form(client, board, {"title": unique("停用后")}, follow_redirects=False).status_code == 404
    assert new_title not in text_of(nav_of(client.get(f"/t/{street.slug}/").text))
    titles = [n.title for n in notices(street.slug)]
    assert sorted(titles) == sorted([kept, kept2])  # kept, and disabling posted nothing
    admin_post(client, street, "toggle", {"enabled": "1"})
    page = client.get(board)
    assert page.status_code == 200 and kept in page.text
    assert registry().settings(street.id, "example").board_title == new_title  # settings kept too


def test_other_district_cannot_manage_the_street(as_user, street):
    client = as_user("nanhu_admin")  # tenant_admin of 南湖新区: the street is outside its subtree
    assert admin_post(client, street, "toggle", {"enabled": "1"}, via="nanhu").status_code == 404
    assert admin_post(client, street, "toggle", {"enabled": "1"}).status_code == 404  # no role in 岳麓区
    viewer = as_user("yuelu_viewer")  # a role in 岳麓区, but not tenant:manage
    assert admin_post(viewer, street, "toggle", {"enabled": "1"}).status_code == 403
    assert not registry().is_enabled(street.id, "example")
