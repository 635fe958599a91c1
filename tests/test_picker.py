"""Searchable pickers (issue 19): the JSON searches behind ``<Picker>`` and the forms that use it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from core.db import open_session
from core.models import User
from core.registry.models import Organization, PartyOrg, UserOrganization
from tests.helpers import tenant_id

ROOT = Path(__file__).resolve().parent.parent


def _an_org(slug: str = "dongfanghong") -> Organization:
    with open_session(tenant_id(slug)) as s:
        return s.scalars(select(Organization).order_by(Organization.id).limit(1)).one()


def test_organizations_by_part_of_the_name_a_page_at_a_time(as_user):
    client = as_user("dfh_staff")
    org = _an_org()
    part = org.name[2:6]
    r = client.get("/t/dongfanghong/pick/organizations", params={"q": part})
    assert r.status_code == 200
    body = r.json()
    assert org.id in [i["id"] for i in body["items"]] or body["more"]
    assert all(part in i["label"] or part in i["hint"] for i in body["items"])
    everything = client.get("/t/dongfanghong/pick/organizations").json()
    assert len(everything["items"]) == 20 and everything["more"] and everything["total"] > 400
    second = client.get("/t/dongfanghong/pick/organizations", params={"page": 2}).json()
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in everything["items"]}


def test_party_orgs_and_members(as_user):
    client = as_user("dfh_staff")
    with open_session(tenant_id("dongfanghong")) as s:
        po = s.scalars(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None)).order_by(PartyOrg.id).limit(1)).one()
    items = client.get("/t/dongfanghong/pick/party-orgs", params={"q": po.name}).json()["items"]
    assert po.id in [i["id"] for i in items]
    members = client.get("/t/dongfanghong/pick/members").json()
    assert members["items"] and all(set(i) == {"id", "label", "hint"} for i in members["items"])


def test_tenant_scoped_permission_checked_and_hostile_input(as_user, client, api_token):
    assert client.get("/t/dongfanghong/pick/organizations", follow_redirects=False).status_code in (302, 303, 401)
    wyh = as_user("wyh_staff")
    assert wyh.get("/t/dongfanghong/pick/organizations").status_code in (403, 404)
    ids = {i["id"] for i in wyh.get("/t/wangyuehu/pick/organizations", params={"q": ""}).json()["items"]}
    with open_session(tenant_id("dongfanghong")) as s:
        dfh_ids = set(s.scalars(select(Organization.id)))
    assert not ids & dfh_ids
    for bad in ({"page": "abc"}, {"page": "0"}, {"page": "99999999999"}, {"q": "x" * 500}):
        assert wyh.get("/t/wangyuehu/pick/organizations", params=bad).status_code == 422
    assert wyh.get("/t/wangyuehu/pick/members", params={"q": "%_'\"<script>"}).status_code == 200
    # the same search for API clients (bearer token), declared in the OpenAPI document
    r = client.get("/api/t/dongfanghong/pick/party-orgs", headers=api_token("dfh_staff"))
    assert r.status_code == 200 and r.json()["items"]
    assert "/api/t/{slug}/pick/organizations" in client.get("/schema/openapi.json").json()["paths"]


def test_an_org_secretary_finds_only_their_own_organizations(as_user):
    with open_session() as s:
        uid = s.scalar(select(User.id).where(User.username == "dfh_secretary"))
    with open_session(tenant_id("dongfanghong")) as s:
        own = set(s.scalars(select(UserOrganization.organization_id).where(UserOrganization.user_id == uid)))
    found = as_user("dfh_secretary").get("/t/dongfanghong/pick/organizations").json()
    assert {i["id"] for i in found["items"]} == own and found["total"] == len(own)


def test_every_form_picks_these_rows_through_the_one_picker():
    """No component lists organizations, party orgs or members in a <select> of its own."""
    offenders = []
    pattern = re.compile(r'<select name="(organization|organization_id|party_org|party_org_id|parent|member|'
                         r'to_party_org|attending_party_org)"')
    for path in [*ROOT.glob("core/**/*.jinja"), *ROOT.glob("plugins/**/*.jinja")]:
        if path.name in ("Picker.jinja",):
            continue
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not offenders, offenders


def test_a_small_list_stays_a_plain_select(as_user):
    """A picker with few options is a plain <select> (no data-picker): wangyuehu's party orgs."""
    page = as_user("wyh_staff").get("/t/wangyuehu/members/new").text
    select_tag = re.search(r'<select name="party_org"[^>]*>', page)
    assert select_tag is not None
    with open_session(tenant_id("wangyuehu")) as s:
        many = len(s.scalars(select(PartyOrg.id)).all()) > 30
    assert ("data-picker" in select_tag.group(0)) == many
