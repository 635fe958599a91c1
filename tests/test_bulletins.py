"""Bulletins (通报制, JH-4): a district publishes to its streets, each street's people find it in
their inbox and confirm reading, the district sees who has not read, exports it; a street that
was not addressed sees nothing; the API does the same."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.helpers import login, post_form, tenant_id, text_of, unique


def display(username: str) -> str:
    from sqlalchemy import select

    from core.db import scoped_session
    from core.models import User

    with scoped_session() as s:
        u = s.scalar(select(User).where(User.username == username))
        return u.display_name or u.username


def publish(client, title: str, targets: list[str], **extra):
    data = {"title": title, "body": "各街道要按期完成党组织覆盖攻坚任务。", "category": "progress", **extra}
    return client.post("/t/yuelu/bulletins", data={**data, "targets": targets,
                                                   "_csrf_token": client.cookies.get("ld_csrf")},
                       follow_redirects=False)


def test_district_publishes_streets_confirm_and_the_district_sees_who_has_not_read(client):
    login(client, "yuelu_admin")
    client.get("/t/yuelu/bulletins/new")
    title = unique("覆盖攻坚进度通报")
    r = publish(client, title, [str(tenant_id("dongfanghong"))])
    assert r.status_code == 303, r.text
    bid = int(r.headers["location"].rsplit("/", 1)[1])
    client.post("/logout", data={"_csrf_token": client.cookies.get("ld_csrf")})

    login(client, "dfh_staff")
    inbox = client.get("/t/dongfanghong/inbox?unread=1").text
    assert title in inbox  # the bulletin reached the street staff's inbox
    listed = client.get("/t/dongfanghong/bulletins").text
    assert title in listed and "岳麓区" in listed
    detail = client.get(f"/t/dongfanghong/bulletins/{bid}")
    assert detail.status_code == 200 and "确认已阅" in detail.text
    assert post_form(client, f"/t/dongfanghong/bulletins/{bid}/read").status_code == 200
    assert "已确认阅读" in client.get(f"/t/dongfanghong/bulletins/{bid}").text
    assert title not in client.get("/t/dongfanghong/inbox?unread=1").text  # read in the inbox too
    client.post("/logout", data={"_csrf_token": client.cookies.get("ld_csrf")})

    login(client, "wyh_staff")  # a street not addressed
    assert client.get(f"/t/wangyuehu/bulletins/{bid}").status_code == 404
    assert title not in client.get("/t/wangyuehu/bulletins").text
    client.post("/logout", data={"_csrf_token": client.cookies.get("ld_csrf")})

    login(client, "yuelu_admin")
    page = text_of(client.get(f"/t/yuelu/bulletins/{bid}").text)
    assert "东方红街道" in page and display("dfh_staff2") in page  # not read yet: listed
    export = client.get(f"/t/yuelu/bulletins/{bid}/receipts/export")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    status = {r[1]: r[2] for r in rows if r and r[0] == "东方红街道"}
    assert status[display("dfh_staff")] == "已读" and status[display("dfh_staff2")] == "未读"
    listed = client.get("/t/yuelu/bulletins").text
    assert title in listed
    audit = client.get("/t/yuelu/audit").text
    assert "通报" in audit


def test_publishing_errors_are_field_level_and_nothing_is_saved(client):
    login(client, "yuelu_admin")
    client.get("/t/yuelu/bulletins/new")
    r = publish(client, "", [str(tenant_id("jinhua"))], body="")
    assert r.status_code == 422
    page = r.text
    assert "请填写标题" in page and "请填写正文" in page and "通报范围只能是本辖区以下的辖区" in page
    # a street has no tenant below it: it cannot publish
    client.post("/logout", data={"_csrf_token": client.cookies.get("ld_csrf")})
    login(client, "dfh_admin")
    r = post_form(client, "/t/dongfanghong/bulletins", {"title": "x", "body": "y", "targets": "all"})
    assert r.status_code == 422 and "没有下级辖区" in r.text


def test_bulletins_api(client, api_token):
    district, street = api_token("yuelu_admin"), api_token("dfh_staff2")
    title = unique("接口通报")
    r = client.post("/api/t/yuelu/bulletins", json={"title": title, "body": "正文", "targets": ["dongfanghong"]},
                    headers=district)
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    assert r.json()["targets"] == ["dongfanghong"]
    bad = client.post("/api/t/yuelu/bulletins", json={"title": "", "body": "", "targets": ["jinhua"]}, headers=district)
    assert bad.status_code == 422 and set(bad.json()["extra"]["errors"]) == {"title", "body", "targets"}
    got = client.get("/api/t/dongfanghong/bulletins", headers=street).json()
    mine = next(b for b in got if b["id"] == bid)
    assert mine["relation"] == "received" and mine["read_at"] is None
    assert client.post(f"/api/t/dongfanghong/bulletins/{bid}/read", headers=street).json()["read_at"]
    receipts = client.get(f"/api/t/yuelu/bulletins/{bid}/receipts", headers=district).json()
    assert receipts["read"] == 1 and receipts["total"] >= 4
    assert any(r["user"] == display("dfh_staff2") and r["read_at"] for r in receipts["readers"])
    # a street's staff may not see the district's receipts
    assert client.get(f"/api/t/dongfanghong/bulletins/{bid}/receipts", headers=street).status_code in (403, 404)
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert "/api/t/{slug}/bulletins/{bulletin_id}/receipts" in paths
