"""Bad paging and filter values in the query string: pages fall back with a warning, the API
answers 422 naming the field — never a 400 from the framework's type check or a 500."""

from __future__ import annotations

DFH = "dongfanghong"
LISTS = ["organizations", "party-orgs", "members", "instructors", "instructors/visits", "instructors/uncovered",
         "clusters", "coverage/orgs"]
BAD_PAGES = {"page": ["abc", "-1", "0", "1.5", "99999999999999999999"],
             "page_size": ["abc", "0", "-5", "201", "１０"]}


def test_api_answers_422_naming_the_field(client, api_token):
    h = api_token("dfh_staff")
    wrong = []
    for path in LISTS:
        for key, values in BAD_PAGES.items():
            for value in values:
                r = client.get(f"/api/t/{DFH}/{path}", params={key: value}, headers=h)
                errors = r.json().get("extra", {}).get("errors", {}) if r.status_code == 422 else {}
                if set(errors) != {key} or "的整数" not in errors[key]:
                    wrong.append(f"{path}?{key}={value}: {r.status_code} {r.text[:120]}")
        ok = client.get(f"/api/t/{DFH}/{path}", params={"page": "2", "page_size": "3"}, headers=h)
        if ok.status_code != 200 or (ok.json()["page"], ok.json()["page_size"]) != (2, 3):
            wrong.append(f"{path}: good values refused: {ok.status_code}")
    assert not wrong, "\n".join(wrong)


def test_api_filter_values_are_checked(client, api_token):
    h = api_token("dfh_staff")
    cases = [("organizations", {"kind": "bogus"}, "kind"), ("organizations", {"flag": "has_union,nope"}, "flag"),
             ("party-orgs", {"venue_class": "9"}, "venue_class"), ("party-orgs", {"term": "soon"}, "term"),
             ("members", {"status": "member"}, "status"), ("members", {"lost_contact": "yes"}, "lost_contact"),
             ("clusters", {"status": "old"}, "status"), ("instructors", {"active": "x"}, "active"),
             ("instructors/visits", {"date_from": "2024-13-01", "instructor": "x"}, "date_from"),
             ("coverage/orgs", {"metric": "nope", "tenant": "abc"}, "metric"),
             ("members", {"party_org": "不存在的党支部xyz"}, "party_org"),
             ("members", {"organization": "不存在的企业xyz"}, "organization"),
             ("instructors/visits", {"organization": "不存在的企业xyz"}, "organization")]
    for path, params, key in cases:
        r = client.get(f"/api/t/{DFH}/{path}", params=params, headers=h)
        assert r.status_code == 422 and key in r.json()["extra"]["errors"], (path, params, r.text[:200])
    assert set(client.get(f"/api/t/{DFH}/coverage/orgs", params={"metric": "nope", "tenant": "abc"},
                          headers=h).json()["extra"]["errors"]) == {"metric", "tenant"}
    r = client.get(f"/api/t/{DFH}/organizations", params={"kind": "social", "flag": "has_union,not_has_youth_league"},
                   headers=h)
    assert r.status_code == 200


def test_pages_fall_back_with_a_warning(as_user):
    client = as_user("dfh_staff")
    for path in LISTS:
        url = f"/t/{DFH}/{path}"
        for key, value in (("page", "abc"), ("page", "-1"), ("page_size", "abc"), ("page", "99999999999999999999")):
            extra = {"coverage/orgs": {"metric": "total"}, "party-orgs": {"view": "list"}}.get(path, {})
            r = client.get(url, params={key: value, **extra})
            assert r.status_code == 200, (path, key, value, r.status_code)
            assert "已按默认值显示" in r.text and f"收到「{value[:20]}」" in r.text, (path, key, value)
    r = client.get(f"/t/{DFH}/coverage/orgs", params={"metric": "nope"})
    assert r.status_code == 200 and "统计指标：未知的指标「nope」" in r.text


def test_the_pager_keeps_the_filters_and_the_page_size(client):
    import html
    import re

    from tests.helpers import login

    login(client, "dfh_staff")
    page = client.get(f"/t/{DFH}/organizations", params={"kind": "enterprise", "page_size": "10", "page": "2"})
    assert page.status_code == 200
    links = [html.unescape(h) for h in re.findall(r'class="pager".*?</nav>', page.text, re.S)]
    assert links and "page=1" in links[0] and "page=3" in links[0]
    assert "page_size=10" in links[0] and "kind=enterprise" in links[0] and links[0].count("page=") == 2
