"""Hostile values answer 4xx, never 500: NUL and control characters, ids no row can have, years
and amounts out of range, deeply nested JSON — refused once, centrally (core.web.inputs), on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import open_session
from core.forms import MAX_ID, invisible_only, row_id, text_problem
from core.models import User
from core.permissions import PLATFORM, PLATFORM_ADMIN
from core.tenancy import tree
from core.web.inputs import MAX_JSON_DEPTH, _json_depth, _value_problem
from tests.helpers import login, post_form
from tests.routes import RowPicker, make_tenant, make_user, send, tenant_routes

PASSWORD = "hostile-pass-2024"
HUGE_IDS = [2**31, 2**63, 10**30]
#: reference fields of forms that take an id, a code or a name
REF_FIELDS = ["parent", "party_org", "organization", "lead_organization", "lead_party_org", "group",
              "station", "cluster", "instructor", "member", "target", "ref", "line", "user"]


# --- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x00b", "\x0b", "x\x1b[31m", "\ud800", "\x7f"])
def test_control_characters_are_refused(text):
    assert text_problem(text) == "含有不允许的控制字符"


@pytest.mark.parametrize("text", ["\u200b", "\u200f\u200e", " \u200b ", "\ufeff", "\u3164", "\u2060\u2800"])
def test_names_of_invisible_characters_only_are_refused(text):
    assert invisible_only(text) and text_problem(text) == "不能只包含不可见字符"


@pytest.mark.parametrize("text", ["张三", "第一行\n第二行\r\n\t缩进", "", "   ", "a\u200bb", "العربية"])
def test_ordinary_text_passes(text):
    assert text_problem(text) is None


def test_row_ids_are_bounded_ascii_integers():
    assert row_id("12") == 12 and row_id(MAX_ID) == MAX_ID
    for bad in (MAX_ID + 1, 0, -1, "²", "１２", "1e3", "", None, "99999999999999999999"):
        assert row_id(bad) is None, bad


@pytest.mark.parametrize("key,value", [
    ("organization_id", "2147483648"), ("ids", 10**30), ("parent_id", -1),
    ("year", "-1"), ("year", "0"), ("year", "99999999999"), ("period_year", 3000),
    ("amount", str(10**30)), ("amount", 1e30), ("budget_fen", 10**20), ("amount", "1" + "0" * 50),
    ("points", 2**63), ("title", "a\x00"),
])
def test_values_out_of_range_are_named(key, value):
    assert _value_problem(key, value)


@pytest.mark.parametrize("key,value", [
    ("organization_id", "2147483647"), ("year", "2026"), ("amount", "12.50"), ("amount", 10**12),
    ("contact_phone", "13800138000"), ("id_number", "110105194910010021"), ("q", "1" * 60),
    ("points", 2**62), ("organization", "914301047072939837"),
])
def test_ordinary_values_pass(key, value):
    assert _value_problem(key, value) is None


def test_json_depth_is_measured_without_parsing():
    assert _json_depth(b'{"a": [1, {"b": "[[[[[["}]}') == 3
    assert _json_depth(b"[" * 1000 + b"]" * 1000) == 1000


# --- through the app --------------------------------------------------------------------------------


def test_a_nul_in_a_search_is_a_422_naming_the_field(client, api_token):
    headers = api_token("dfh_staff")
    r = client.get("/api/t/dongfanghong/organizations?q=%00", headers=headers)
    assert r.status_code == 422 and "q" in r.json()["extra"]["errors"]
    login(client, "dfh_staff")
    for path in ("/t/dongfanghong/organizations?q=%00", "/t/dongfanghong/members?q=a%00b",
                 "/t/dongfanghong/lists/?q=%00"):
        r = client.get(path)
        assert r.status_code == 422 and "q：含有不允许的控制字符" in r.text, path


@pytest.mark.parametrize("year", ["-1", "0", "99999999999"])
def test_years_out_of_range_are_refused(client, api_token, year):
    login(client, "dfh_admin")
    headers = api_token("dfh_admin")
    for path in ("/t/dongfanghong/funds/", "/t/dongfanghong/funds/ledger", "/t/dongfanghong/lists/",
                 "/t/dongfanghong/assessment/", "/t/dongfanghong/campaigns/", "/t/dongfanghong/dongfanghong/huoshui"):
        r = client.get(f"{path}?year={year}")
        assert r.status_code in (404, 422), (path, r.status_code)
    r = client.get(f"/api/t/dongfanghong/funds/lines?year={year}", headers=headers)
    assert r.status_code == 422 and "year" in r.json()["extra"]["errors"]


def test_json_nested_1000_deep_and_huge_numbers_are_refused(client, api_token):
    headers = {**api_token("dfh_admin"), "content-type": "application/json"}
    url = "/api/t/dongfanghong/organizations"
    r = client.post(url, content=b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}", headers=headers)
    assert r.status_code == 422 and "嵌套过深" in r.text
    assert _json_depth(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) == MAX_JSON_DEPTH
    r = client.post(url, content=b'{"name": "x", "employees": ' + str(10**30).encode() + b"}", headers=headers)
    assert r.status_code == 422 and "employees" in r.json()["extra"]["errors"]
    r = client.post(url, content=b"x" * (1 << 21), headers=headers)
    assert r.status_code == 413


def test_a_nul_in_a_form_is_refused_and_nothing_is_saved(client):
    from core.registry.models import Organization

    login(client, "dfh_staff")
    r = post_form(client, "/t/dongfanghong/organizations/new",
                  {"name": "空字节\x00公司", "kind": "enterprise"}, follow_redirects=False)
    assert r.status_code == 422 and "name" in r.text
    r = post_form(client, "/t/dongfanghong/organizations/new",
                  {"name": "\u200f\u200b", "kind": "enterprise"}, follow_redirects=False)
    assert r.status_code == 422 and "不可见字符" in r.text
    with open_session(tree().by_slug["dongfanghong"].id) as s:
        assert not s.scalars(select(Organization.id).where(Organization.name.like("空字节%"))).all()


@pytest.fixture(scope="module")
def world(app, database):
    street = make_tenant("hostile-", "恶意输入街道", "yuelu", demo=True)
    _name, headers = make_user("hostile_admin_", PASSWORD, [(PLATFORM_ADMIN, PLATFORM)])
    with open_session() as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
    rows = RowPicker(database["owner_url"], [street.id], make_in=street.id, user_id=admin_id,
                     tenant_value=street.id)
    return street, _name, headers, rows


def test_path_ids_no_row_can_have_answer_404_on_every_route(app, client, world):
    street, username, headers, _rows = world
    login(client, username, PASSWORD)
    wrong = []
    for route in tenant_routes(app):
        ints = [n for n, t in route.params if t == "int"]
        if not ints:
            continue
        for huge in HUGE_IDS:
            values = {n: (huge if t == "int" else "x") for n, t in route.params}
            r = send(client, route, route.url(street.slug, values), headers=headers)
            if r.status_code != 404:
                wrong.append(f"{route} {huge} → {r.status_code}")
    assert not wrong, "\n".join(wrong)


def test_reference_fields_naming_no_row_never_fail_a_write(app, client, world):
    """Every write route, pages and API, with real rows in its path and reference fields (id,
    code or name) holding numbers no row can have: a 4xx or a success, never a 5xx."""
    street, username, headers, rows = world
    login(client, username, PASSWORD)
    form = {key: str(2**31) for key in REF_FIELDS} | {"name": "引用测试", "title": "引用测试"}
    failures = []
    for route in tenant_routes(app):
        if not route.writes:
            continue
        values, _owner = rows.values(route)
        url = route.url(street.slug, values)
        if route.api:
            body = send(client, route, url, headers=headers).request  # the valid minimal body
            r = client.request(route.method, url, headers=headers,
                               json={**(_json(body) or {}), **{k: 2**40 for k in REF_FIELDS}})
        else:
            r = send(client, route, url, form=form)
        if r.status_code >= 500:
            failures.append(f"{route} → {r.status_code}")
    assert not failures, "\n".join(failures)


def _json(request) -> dict | None:
    import json

    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
