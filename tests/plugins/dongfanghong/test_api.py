"""The program's JSON API: every page has its endpoint in the OpenAPI schema, with the page's
permissions and scoping (another group's 组长 gets 404), instants with their UTC offset."""

from __future__ import annotations

import re

from core.db import scoped_session
from plugins.dongfanghong import service as svc

PATHS = ("/groups/{group_id}", "/groups/{group_id}/links", "/qiangji", "/qiangji/orgs/{party_org_id}",
         "/qiangji/orgs/{party_org_id}/cross", "/qiangji/cultivations", "/huoshui", "/cooperation", "/venues",
         "/guarantees", "/butlers", "/nominations", "/phases", "/platform")


def test_every_page_has_its_api_with_the_same_rules(world, groups, client, api_token):
    base = f"/api/t/{world.street.slug}/dongfanghong"
    a, b = groups[0], groups[1]
    with scoped_session(world.street.id) as s:
        po_a = sorted(svc.group_party_org_ids(s, [a])[a])[0]
    schema = client.get("/schema/openapi.json").json()["paths"]
    for p in PATHS:
        assert f"/api/t/{{slug}}/dongfanghong{p}" in schema, p
        for op in schema[f"/api/t/{{slug}}/dongfanghong{p}"].values():
            assert {"401", "403", "404", "422"} <= set(op["responses"]), p
    h = api_token(world.users["staff"])
    for path in ("/qiangji", "/qiangji/cultivations", "/huoshui", "/cooperation", "/venues", "/guarantees",
                 "/butlers", "/nominations", "/phases", "/platform", f"/groups/{a}", f"/qiangji/orgs/{po_a}"):
        r = client.get(base + path, headers=h)
        assert r.status_code == 200, (path, r.text[:300])
    group = client.get(base + f"/groups/{a}", headers=h).json()
    assert po_a in group["party_org_ids"] and group["duty_min_per_month"] == 1
    assert re.search(r"T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", group["created_at"])
    rows = client.get(base + "/qiangji", headers=h).json()
    assert {r["party_org_id"] for r in rows} == set(world.party_orgs)
    assert client.get(base + "/guarantees?year=1800", headers=h).status_code == 422
    # the same scoping as the pages: a 组长 sees their own group's party orgs only
    h = api_token(world.users["leader_b"])
    assert client.get(base + f"/groups/{a}", headers=h).status_code == 404
    assert client.get(base + f"/qiangji/orgs/{po_a}", headers=h).status_code == 404
    mine = {r["party_org_id"] for r in client.get(base + "/qiangji", headers=h).json()}
    with scoped_session(world.street.id) as s:
        assert mine == set(svc.group_party_org_ids(s, [b])[b])
    assert client.post(base + f"/groups/{a}/links", json={"party_org_id": 1}, headers=h).status_code == 404
    # writes: a viewer may read but not record a 双向进入
    h = api_token(world.users["viewer"])
    r = client.post(base + f"/qiangji/orgs/{po_a}/cross", headers=h, json={
        "member_id": 1, "direction": "party_to_management", "party_post": "member", "management_post": "经理",
        "started_on": "2026-01-01"})
    assert r.status_code == 403
