"""The "两个覆盖" dashboard card: figures equal the coverage API's, every number links to its
drill-down, ``coverage:read`` gates it, a district rolls up and names its lowest-covered streets.

A fresh district ("cw…") under yuelu with five streets; yuelu_admin reaches the subtree.
Organizational coverage: A 2/3, B 1/4, C 1/1, E 1/3, F has no organizations.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.helpers import unique

#: street key → [(kind, covered, formal members)]
STREETS = {
    "a": [("enterprise", True, 0), ("enterprise", False, 3), ("social", True, 0)],
    "b": [("enterprise", True, 0), ("enterprise", False, 0), ("enterprise", False, 1), ("social", False, 0)],
    "c": [("enterprise", True, 0)],
    "e": [("social", True, 0), ("social", False, 0), ("social", False, 0)],
    "f": [],
}


@pytest.fixture(scope="module")
def district(database):
    from core import revisions
    from core.db import scoped_session
    from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session, tree

    tag = unique("cw")
    with operator_session("test") as s:
        d = create_tenant(s, TenantForm(slug=f"{tag}-d", name=f"卡片区{tag}", level="district",
                                        parent_id=tree().by_slug["yuelu"].id))
        d_id = d.id
    revisions.poll(force=True)
    ids = {"d": d_id}
    with operator_session("test") as s:
        for key in STREETS:
            ids[key] = create_tenant(s, TenantForm(slug=f"{tag}-{key}", name=f"{key.upper()}街道{tag}",
                                                   level="street", parent_id=d_id)).id
    revisions.poll(force=True)
    for key, orgs in STREETS.items():
        with scoped_session(ids[key]) as s:
            s.info["username"] = "test"
            for i, (kind, covered, full) in enumerate(orgs):
                o = Organization(name=f"{key}{i}{tag}", kind=kind)
                s.add(o)
                s.flush()
                if covered:
                    p = PartyOrg(name=f"{key}{i}支部{tag}", org_type="branch", formation_mode="single")
                    s.add(p)
                    s.flush()
                    s.add(PartyOrgCoverage(party_org_id=p.id, organization_id=o.id))
                s.add_all(Member(name=f"党员{j}", status="full", organization_id=o.id) for j in range(full))
    return {"ids": ids, "tag": tag, "slugs": {k: f"{tag}-{k}" for k in ids}}


def _card(html: str) -> str | None:
    """The coverage card of a dashboard page, or None."""
    m = re.search(r'<section class="card widget"><h2>两个覆盖</h2>(.*?)</section>', html, re.S)
    return m.group(1) if m else None


def _links(card: str) -> dict[str, str]:
    """href → shown text of every drill-down link."""
    return {unescape(h): t.strip() for h, t in re.findall(r'<a href="([^"]*coverage/orgs[^"]*)">([^<]*)</a>', card)}


def _pct(rate) -> str:
    return "—" if rate is None else "%.1f%%" % rate


def test_district_card_equals_the_api_and_links_to_drilldowns(district, as_user, api_token, monkeypatch):
    from core.registry.services import coverage as cov

    calls = []
    real = cov.counts_by_tenant
    monkeypatch.setattr(cov, "counts_by_tenant", lambda *a, **k: calls.append(1) or real(*a, **k))
    slug, ids = district["slugs"]["d"], district["ids"]
    client = as_user("yuelu_admin")
    page = client.get(f"/t/{slug}/")
    assert page.status_code == 200
    assert len(calls) == 1  # one count over the subtree, nothing else
    card = _card(page.text)
    assert card is not None
    api = client.get(f"/api/t/{slug}/coverage", headers=api_token("yuelu_admin")).json()["figures"]
    assert api["all"]["total"] == 11 and api["all"]["org_covered"] == 5
    assert (api["enterprise"]["org_rate"], api["social"]["org_rate"]) == (50.0, 40.0)
    links = _links(card)
    base = f"/t/{slug}/coverage/orgs?"
    for metric, rate in (("org_covered", "org_rate"), ("work_covered", "work_rate")):
        assert links[f"{base}metric={metric}"] == _pct(api["all"][rate])
        for kind in ("enterprise", "social"):
            assert links[f"{base}metric={metric}&kind={kind}"] == _pct(api[kind][rate])
    assert links[f"{base}metric=should_build"] == str(api["all"]["should_build"]) == "1"
    assert links[f"{base}metric=uncovered_no_instructor"] == str(api["all"]["uncovered_no_instructor"]) == "6"
    # the three lowest organizational coverage rates: B 25%, E 33.3%, A 66.7% (not C, not F without orgs)
    lowest = re.findall(r'<a href="/t/([^/"]+)/coverage">', card.split("coverage-lowest", 1)[1].split("</ul>")[0])
    assert lowest == [district["slugs"][k] for k in ("b", "e", "a")]
    assert links[f"{base}metric=org_covered&tenant={ids['b']}"] == "25.0%"
    assert links[f"{base}metric=org_uncovered&tenant={ids['b']}"] == "3"
    # a link opens the drill-down listing exactly that many organizations
    drill = client.get(f"/api/t/{slug}/coverage/orgs", params={"metric": "org_uncovered", "tenant": ids["b"]},
                       headers=api_token("yuelu_admin")).json()
    assert drill["total"] == 3
    assert client.get(f"{base}metric=should_build").status_code == 200


def test_street_card_has_its_own_figures_and_no_ranking(district, as_user, api_token):
    slug = district["slugs"]["a"]
    client = as_user("yuelu_admin")
    card = _card(client.get(f"/t/{slug}/").text)
    assert card is not None and "coverage-lowest" not in card
    api = client.get(f"/api/t/{slug}/coverage", headers=api_token("yuelu_admin")).json()["figures"]
    links = _links(card)
    assert links[f"/t/{slug}/coverage/orgs?metric=org_covered"] == _pct(api["all"]["org_rate"]) == "66.7%"
    assert links[f"/t/{slug}/coverage/orgs?metric=org_covered&kind=enterprise"] == "50.0%"
    assert links[f"/t/{slug}/coverage/orgs?metric=should_build"] == "1"


def test_only_with_coverage_read(district, as_user, monkeypatch):
    from core.registry.services import coverage as cov

    assert _card(as_user("yuelu_viewer").get(f"/t/{district['slugs']['d']}/").text) is not None
    calls = []
    monkeypatch.setattr(cov, "counts_by_tenant", lambda *a, **k: calls.append(1))
    secretary = as_user("dfh_secretary")  # registry:read without coverage:read
    page = secretary.get("/t/dongfanghong/")
    assert page.status_code == 200 and _card(page.text) is None
    assert calls == []  # nothing counted for a card nobody sees
