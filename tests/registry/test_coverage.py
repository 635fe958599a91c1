"""Two coverages (CORE-5): arithmetic on hand-built cases, drill-downs, roll-ups, snapshots, charts.

A fresh district ("cov…") is created under yuelu with two streets; yuelu_admin reaches the
whole subtree. Street A holds the hand-built cases below, street B a little more, the
district one organization of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core import clock
from tests.helpers import post_form, unique

# expected figures of street A (see the ``world`` fixture)
A_ENTERPRISE = {
    "total": 8, "org_covered": 4, "org_uncovered": 4, "work_covered": 6, "work_uncovered": 2,
    "has_members": 5, "has_effect": 2, "three_haves": 1, "should_build": 2, "members_no_org": 2,
    "uncovered_no_instructor": 3, "has_instructor": 1,
}
A_SOCIAL = {
    "total": 2, "org_covered": 1, "org_uncovered": 1, "work_covered": 1, "work_uncovered": 1,
    "has_members": 0, "has_effect": 0, "three_haves": 0, "should_build": 0, "members_no_org": 0,
    "uncovered_no_instructor": 1, "has_instructor": 0,
}
# street B: one covered enterprise, one uncovered with 3 formal members
B_ENTERPRISE = {
    "total": 2, "org_covered": 1, "org_uncovered": 1, "work_covered": 1, "work_uncovered": 1,
    "has_members": 1, "has_effect": 0, "three_haves": 0, "should_build": 1, "members_no_org": 1,
    "uncovered_no_instructor": 1, "has_instructor": 0,
}


def _tenant(session, slug, name, level, parent_id):
    from core.services.tenants import TenantForm, create_tenant

    return create_tenant(session, TenantForm(slug=slug, name=name, level=level, parent_id=parent_id))


@pytest.fixture(scope="module")
def world(database):
    """district D > streets A, B; organizations, party orgs, members, instructors."""
    from core import revisions
    from core.db import scoped_session
    from core.registry.models import (
        Instructor,
        InstructorAssignment,
        Member,
        Organization,
        PartyOrg,
        PartyOrgCoverage,
    )
    from core.tenancy import operator_session, tree

    tag = unique("cov")
    with operator_session("test") as s:
        d = _tenant(s, f"{tag}-d", f"测试区{tag}", "district", tree().by_slug["yuelu"].id)
    revisions.poll(force=True)  # the parent must be in the tree before children are added
    with operator_session("test") as s:
        a = _tenant(s, f"{tag}-a", f"甲街道{tag}", "street", d.id)
        b = _tenant(s, f"{tag}-b", f"乙街道{tag}", "street", d.id)
        ids = {"d": d.id, "a": a.id, "b": b.id}
    revisions.poll(force=True)
    today = dt.date.today()
    names: dict[str, int] = {}

    def org(s, key, kind="enterprise", status="operating", active=False):
        o = Organization(name=f"{key}{tag}", kind=kind, status=status, party_work_active=active)
        s.add(o)
        s.flush()
        names[key] = o.id
        return o

    def party(s, name, orgs, dissolved=None, mode="single", org_type="branch"):
        p = PartyOrg(name=f"{name}{tag}", org_type=org_type, formation_mode=mode, dissolved_on=dissolved,
                     dissolved_reason="撤销" if dissolved else "")
        s.add(p)
        s.flush()
        for o in orgs:
            s.add(PartyOrgCoverage(party_org_id=p.id, organization_id=o.id))
        return p

    def members(s, o, n, status="full"):
        for i in range(n):
            s.add(Member(name=f"党员{i}", status=status, organization_id=o.id))

    with scoped_session(a.id) as s:
        s.info["username"] = "test"
        e1 = org(s, "E1", active=True)  # own branch, 3 members, active: 三有
        party(s, "E1党支部", [e1])
        members(s, e1, 3)
        e2, e3, e4 = org(s, "E2"), org(s, "E3"), org(s, "E4")
        soc1 = org(s, "SOC1", kind="social")
        party(s, "联合党支部", [e2, e3, e4, soc1], mode="joint", org_type="joint_branch")
        members(s, e2, 4)  # 4 formal members, only a joint branch: 应建未建
        members(s, e3, 1, "probationary")
        e5 = org(s, "E5")  # only a dissolved party org: uncovered
        party(s, "已撤销支部", [e5], dissolved=today - dt.timedelta(days=1))
        members(s, e5, 2)
        e6 = org(s, "E6")  # uncovered, active instructor
        e7 = org(s, "E7", active=True)  # uncovered, party work active
        e8 = org(s, "E8", status="closed")  # closed: never counted
        members(s, e8, 5)
        e9 = org(s, "E9")  # uncovered, ended instructor, 3 formal members + an applicant
        members(s, e9, 3)
        members(s, e9, 1, "applicant")
        org(s, "SOC2", kind="social")
        ins = Instructor(name="指导员甲")
        s.add(ins)
        s.flush()
        s.add(InstructorAssignment(instructor_id=ins.id, organization_id=e6.id, start_on=today - dt.timedelta(days=30)))
        s.add(InstructorAssignment(instructor_id=ins.id, organization_id=e9.id, start_on=today - dt.timedelta(days=90),
                                   end_on=today - dt.timedelta(days=10)))
        _ = e4, e7
    with scoped_session(b.id) as s:
        s.info["username"] = "test"
        f1 = org(s, "F1")
        party(s, "F1党支部", [f1])
        f2 = org(s, "F2")
        members(s, f2, 3)
    with scoped_session(d.id) as s:
        s.info["username"] = "test"
        org(s, "DSOC", kind="social")
    return {"ids": ids, "tag": tag, "orgs": names, "slugs": {k: f"{tag}-{k}" for k in ids}}


def _figures(session):
    from core.registry.services import coverage as cov

    per = cov.counts_by_tenant(session)
    return cov.sum_figures(per.values())


def test_arithmetic_on_hand_built_cases(world):
    from core.db import open_session

    with open_session(world["ids"]["a"]) as s:
        figs = _figures(s)
    assert figs["enterprise"].values == A_ENTERPRISE
    assert figs["social"].values == A_SOCIAL
    assert figs["all"]["total"] == 10 and figs["all"]["org_covered"] == 5 and figs["all"]["work_covered"] == 7
    assert figs["enterprise"].org_rate == 50.0 and figs["enterprise"].work_rate == 75.0
    assert figs["all"].org_rate == 50.0 and figs["all"].work_rate == 70.0


def test_api_figures_and_page(world, as_user, api_token):
    from core.db import open_session

    slug = world["slugs"]["a"]
    r = as_user("yuelu_admin").get(f"/api/t/{slug}/coverage", headers=api_token("yuelu_admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    ent = {k: v for k, v in body["figures"]["enterprise"].items() if k not in ("org_rate", "work_rate")}
    assert ent == A_ENTERPRISE
    assert body["figures"]["all"]["org_rate"] == 50.0
    assert body["by_child"] == []
    assert len(body["trend"]) == 12
    page = as_user("yuelu_admin").get(f"/t/{slug}/coverage")
    assert page.status_code == 200
    assert "两个覆盖" in page.text and "应建未建" in page.text and "三有" in page.text
    # every number is a link to its drill-down
    assert f'href="/t/{slug}/coverage/orgs?metric=should_build"' in page.text
    assert f"E2{world['tag']}" in page.text  # listed under 应建未建
    with open_session(world["ids"]["a"]) as s:
        assert _figures(s)["all"]["total"] == 10  # reading changed nothing


def _drill(client, headers, slug, metric, kind="", tenant=None, own=False):
    params = {"metric": metric, "page_size": 200}
    if kind:
        params["kind"] = kind
    if tenant:
        params["tenant"] = tenant
    if own:
        params["own"] = "true"
    r = client.get(f"/api/t/{slug}/coverage/orgs", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_drilldown_lists_match_the_numbers(world, client, api_token):
    from core.registry.services.coverage import METRICS

    headers = api_token("yuelu_admin")
    slug, tag = world["slugs"]["a"], world["tag"]
    expected = {"enterprise": A_ENTERPRISE, "social": A_SOCIAL}
    for kind, figures in expected.items():
        for metric in METRICS:
            body = _drill(client, headers, slug, metric, kind)
            assert body["total"] == figures[metric] == len(body["items"]), (kind, metric)
    names = lambda body: {i["name"].removesuffix(tag) for i in body["items"]}  # noqa: E731
    assert names(_drill(client, headers, slug, "should_build")) == {"E2", "E9"}
    assert names(_drill(client, headers, slug, "org_covered")) == {"E1", "E2", "E3", "E4", "SOC1"}
    assert names(_drill(client, headers, slug, "members_no_org")) == {"E5", "E9"}
    assert names(_drill(client, headers, slug, "uncovered_no_instructor")) == {"E5", "E7", "E9", "SOC2"}
    assert names(_drill(client, headers, slug, "work_covered", "enterprise")) == {"E1", "E2", "E3", "E4", "E6", "E7"}
    assert "E8" not in names(_drill(client, headers, slug, "total"))
    # bad query values: 422 naming each field, in Chinese
    r = client.get(f"/api/t/{slug}/coverage/orgs", params={"metric": "nope", "page_size": "abc", "tenant": "x"},
                   headers=headers)
    assert r.status_code == 422 and set(r.json()["extra"]["errors"]) == {"metric", "page_size", "tenant"}
    assert "未知的指标「nope」" in r.json()["extra"]["errors"]["metric"]


def test_drilldown_page_and_excel(world, as_user):
    client = as_user("yuelu_admin")
    slug, tag = world["slugs"]["a"], world["tag"]
    r = client.get(f"/t/{slug}/coverage/orgs", params={"metric": "should_build"})
    assert r.status_code == 200
    assert len(re.findall(r'class="org-row"', r.text)) == 2
    assert f"E2{tag}" in r.text and f"E9{tag}" in r.text and f"E1{tag}" not in r.text
    assert "联合党支部" in r.text  # E2 is covered by the joint branch, yet should build its own
    x = client.get(f"/t/{slug}/coverage/orgs", params={"metric": "members_no_org", "format": "xlsx"})
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "组织名称"
    assert sorted(r[0] for r in rows[1:]) == [f"E5{tag}", f"E9{tag}"]


def test_drilldown_pages_count_in_one_pass_and_agree_with_the_figures(world):
    """Every page of every figure: the rows in name order, the same total on each page (also
    past the last page, and when the caller passes the figure as ``total``)."""
    from core.db import open_session
    from core.registry.services import coverage as cov
    from core.tenancy import tree

    d = world["ids"]["d"]
    scope = tree().descendant_ids(d)
    with open_session(d, scope) as s:
        figures = _figures(s)["all"]
        for metric in cov.METRICS:
            stmt = cov.drilldown_query(metric, tenant_ids=scope)
            everything = [(r.org.id, r.n_members, r.n_full, r.covered, r.instructed)
                          for r in cov.iter_drilldown(s, stmt)]
            assert len(everything) == figures[metric], metric
            paged = []
            for page in range(1, len(everything) // 3 + 3):  # pages of 3, then one past the end
                rows, total = cov.drilldown_page(s, stmt, page, 3)
                assert total == figures[metric], (metric, page)
                paged += [(r.org.id, r.n_members, r.n_full, r.covered, r.instructed) for r in rows]
                names = [r.org.name for r in rows]
                assert names == sorted(names)
            assert paged == everything, metric
            rows, total = cov.drilldown_page(s, stmt, 1, 3, total=figures[metric])
            assert total == figures[metric] and [r.org.id for r in rows] == [e[0] for e in everything[:3]]
    assert figures["total"] == 13 and figures["should_build"] == 3


def test_rollup_over_district_sums_streets(world, as_user, api_token):
    slug_d = world["slugs"]["d"]
    client = as_user("yuelu_admin")
    body = client.get(f"/api/t/{slug_d}/coverage", headers=api_token("yuelu_admin")).json()
    rows = {r["tenant_id"]: r for r in body["by_child"]}
    a, b, d = world["ids"]["a"], world["ids"]["b"], world["ids"]["d"]
    assert set(rows) == {a, b, d}
    assert rows[d]["own"] is True and rows[a]["own"] is False
    assert rows[a]["figures"]["all"]["total"] == 10 and rows[b]["figures"]["all"]["total"] == 2
    assert rows[d]["figures"]["all"]["total"] == 1
    total = body["figures"]["all"]
    for metric in A_ENTERPRISE:
        assert total[metric] == sum(r["figures"]["all"][metric] for r in rows.values()), metric
        assert body["figures"]["enterprise"][metric] == A_ENTERPRISE[metric] + B_ENTERPRISE[metric], metric
    assert total["total"] == 13 and total["org_covered"] == 6
    assert total["org_rate"] == round(6 * 100 / 13, 1)
    # the drill-down of a child row lists exactly that street's organizations
    drill = _drill(client, api_token("yuelu_admin"), slug_d, "should_build", tenant=b)
    assert drill["total"] == 1 and drill["items"][0]["name"] == f"F2{world['tag']}"
    own = _drill(client, api_token("yuelu_admin"), slug_d, "total", tenant=d, own=True)
    assert [i["name"] for i in own["items"]] == [f"DSOC{world['tag']}"]
    # page: a table row and two bars (organizational and work coverage) per child
    page = client.get(f"/t/{slug_d}/coverage")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg"):page.text.index("</svg>")]
    assert len(re.findall(r'<rect class="bar"', svg)) == 3 * 2
    assert "组织覆盖率" in svg and "工作覆盖率" in svg and world["tag"] in svg
    assert "<title" in svg and 'role="img"' in svg


def _statements(session):
    """A list that records the SQL ``session`` sends from now on (minus the RLS scope)."""
    from sqlalchemy import event

    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "set_config" not in statement:
            sent.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", record)
    return sent, lambda: event.remove(session.get_bind(), "before_cursor_execute", record)


def test_drilldown_after_the_dashboard_reuses_its_figures(world):
    """The coverage page counts the subtree, then previews "应建未建": that preview (and any
    drill-down of a figure the session just counted) takes its total from the figures — no
    count, and no query at all for a 0 — and lists exactly the rows of a drill-down that
    counts by itself, for every metric, kind and tenant set."""
    from core.db import open_session
    from core.registry.services import coverage as cov
    from core.tenancy import tree

    a, b, d = world["ids"]["a"], world["ids"]["b"], world["ids"]["d"]
    scope = tree().descendant_ids(d)
    cases = [(m, k, ids) for m in cov.METRICS for k in cov.KINDS for ids in ((a,), (b,), (d,), scope)]

    def page(s, metric, kind, ids):
        rows, total = cov.drilldown_page(s, cov.drilldown_query(metric, kind, ids), 1, 50)
        return total, [(r.org.id, r.n_members, r.n_full, r.covered, r.instructed) for r in rows]

    with open_session(d, scope) as s:  # counting by itself (nothing counted in this session)
        plain = {case: page(s, *case) for case in cases}
        assert cov.counted_total(s, "total", "all", scope, clock.today()) is None
    with open_session(d, scope) as s:
        board = cov.dashboard(s, tree().by_id[d], tree())
        sent, stop = _statements(s)
        try:
            for case in cases:
                del sent[:]
                assert page(s, *case) == plain[case], case
                total = plain[case][0]
                assert len(sent) == (1 if total else 0), (case, sent)
                assert not any("OVER ()" in q for q in sent), case  # the total was known
            assert plain[("should_build", "all", scope)][0] == board.figures["all"]["should_build"] > 0
            del sent[:]  # a search is not a figure: counted as before
            rows, total = cov.drilldown_page(s, cov.drilldown_query("total", tenant_ids=scope, q="E"), 1, 50)
            assert total == len(rows) > 0 and any("OVER ()" in q for q in sent)
        finally:
            stop()
        # another day's figures, or tenants that were not counted, are not reused
        assert cov.counted_total(s, "total", "all", scope, clock.today() - dt.timedelta(days=1)) is None
        assert cov.counted_total(s, "total", "all", (*scope, 999_999_999), clock.today()) is None
        assert cov.counted_total(s, "total", "all", scope, clock.today()) == board.figures["all"]["total"]


def test_counted_figures_are_forgotten_on_write_and_at_the_end_of_the_transaction(world):
    from core.db import open_session
    from core.registry.models import Organization
    from core.registry.services import coverage as cov

    a = world["ids"]["a"]
    with open_session(a) as s:
        before = cov.counts_by_tenant(s)[a]["all"]["total"]
        assert cov.counted_total(s, "total", "all", None, clock.today()) == before
        s.add(Organization(name=f"临时{world['tag']}", kind="enterprise"))
        s.flush()  # this transaction now has one more organization than it counted
        assert cov.counted_total(s, "total", "all", None, clock.today()) is None
        rows, total = cov.drilldown_page(s, cov.drilldown_query("total", tenant_ids=(a,)), 1, 200)
        assert total == len(rows) == before + 1
        cov.counts_by_tenant(s)
        s.rollback()
        assert cov.counted_total(s, "total", "all", None, clock.today()) is None


def test_district_figures_equal_each_streets_own_count_summed(world):
    """The district roll-up (one statement over the subtree) gives the same numbers as
    counting each tenant in a session of its own and adding them up."""
    from core.db import open_session
    from core.registry.services import coverage as cov
    from core.tenancy import tree

    d = world["ids"]["d"]
    scope = tree().descendant_ids(d)
    with open_session(d, scope) as s:
        board = cov.dashboard(s, tree().by_id[d], tree())
    separately = []
    for tid in scope:
        with open_session(tid) as s:
            separately.append(cov.counts_by_tenant(s).get(tid, cov.empty_figures()))
    summed = cov.sum_figures(separately)
    assert {k: summed[k].values for k in cov.KINDS} == {k: board.figures[k].values for k in cov.KINDS}
    for row in board.by_child:
        ids = (row.tenant.id,) if row.own else tree().descendant_ids(row.tenant.id)
        part = cov.sum_figures(separately[scope.index(t)] for t in ids)
        assert {k: part[k].values for k in cov.KINDS} == {k: row.figures[k].values for k in cov.KINDS}

def test_street_cannot_see_outside_its_subtree(world, as_user, api_token):
    a, b = world["slugs"]["a"], world["slugs"]["b"]
    client = as_user("yuelu_admin")
    # drill-down into a sibling street from a street page: 404
    r = client.get(f"/t/{a}/coverage/orgs", params={"metric": "total", "tenant": world["ids"]["b"]})
    assert r.status_code == 404
    r = client.get(f"/api/t/{a}/coverage/orgs", params={"metric": "total", "tenant": world["ids"]["d"]},
                   headers=api_token("yuelu_admin"))
    assert r.status_code == 404
    # users of other tenants do not see this district at all
    other = as_user("dfh_admin")
    assert other.get(f"/t/{b}/coverage").status_code == 404
    assert other.get(f"/api/t/{b}/coverage", headers=api_token("dfh_admin")).status_code == 404
    # dongfanghong's own figures never include these organizations
    body = other.get("/api/t/dongfanghong/coverage", headers=api_token("dfh_admin")).json()
    ids = {i["name"] for i in _drill(other, api_token("dfh_admin"), "dongfanghong", "total")["items"]}
    assert not any(world["tag"] in n for n in ids)
    assert body["tenant_id"] != world["ids"]["a"]


def test_permissions(world, as_user):
    slug = world["slugs"]["d"]
    secretary = as_user("dfh_secretary")  # registry:read without coverage:read
    assert secretary.get("/t/dongfanghong/coverage").status_code == 403
    viewer = as_user("yuelu_viewer")  # coverage:read but not registry:write
    assert viewer.get(f"/t/{slug}/coverage").status_code == 200
    r = post_form(viewer, f"/t/{slug}/coverage/snapshot")
    assert r.status_code == 403


def test_snapshots_idempotent_and_trend_sums_subtree(world, as_user, api_token):
    from core.db import open_session, scoped_session
    from core.registry.models import CoverageSnapshot, Organization
    from core.registry.services import coverage as cov

    a, b, d = world["ids"]["a"], world["ids"]["b"], world["ids"]["d"]
    month = cov.month_start()
    last = cov.last_months(2)[0]
    with scoped_session(a) as s:
        first = cov.take_snapshot(s, a, month)
        assert first.figures["enterprise"] == A_ENTERPRISE
    with scoped_session(a) as s:
        s.add(Organization(name=f"新增{world['tag']}", kind="enterprise"))
    with scoped_session(a) as s:
        again = cov.take_snapshot(s, a, month + dt.timedelta(days=9))  # any day of the month
        assert again.id == first.id and again.figures["enterprise"]["total"] == 9
        n = s.scalar(select(func.count()).select_from(CoverageSnapshot).where(CoverageSnapshot.tenant_id == a))
        assert n == 1
        cov.take_snapshot(s, a, last)  # an older month for the trend
    # the page button snapshots the whole subtree (registry:write), once per month
    client = as_user("yuelu_admin")
    for _ in range(2):
        r = post_form(client, f"/t/{world['slugs']['d']}/coverage/snapshot", follow_redirects=False)
        assert r.status_code == 303
    with open_session(d, (a, b, d)) as s:
        rows = s.execute(select(CoverageSnapshot.tenant_id, func.count()).where(CoverageSnapshot.month == month)
                         .group_by(CoverageSnapshot.tenant_id)).all()
        assert dict(rows) == {a: 1, b: 1, d: 1}
    body = client.get(f"/api/t/{world['slugs']['d']}/coverage", headers=api_token("yuelu_admin")).json()
    points = {p["month"]: p for p in body["trend"]}
    now = points[month.strftime("%Y-%m")]
    assert now["tenants"] == 3
    for metric in ("total", "org_covered", "work_covered", "should_build"):
        assert now["figures"]["all"][metric] == body["figures"]["all"][metric]
    assert now["figures"]["all"]["total"] == 10 + 1 + 2 + 1
    older = points[last.strftime("%Y-%m")]
    assert older["tenants"] == 1 and older["figures"]["all"]["total"] == 11
    assert sum(1 for p in body["trend"] if p["figures"]) == 2
    page = client.get(f"/t/{world['slugs']['d']}/coverage").text
    trend_svg = page[page.index('id="coverage-trend-title"') - 300:]
    trend_svg = trend_svg[:trend_svg.index("</svg>")]
    assert len(re.findall(r'<circle class="point"', trend_svg)) == 2 * 2
    assert "最近快照" in page and "生成本月快照" in page


def test_api_snapshot_needs_registry_write(world, client, api_token):
    slug = world["slugs"]["b"]
    r = client.post(f"/api/t/{slug}/coverage/snapshots", headers=api_token("yuelu_viewer"))
    assert r.status_code == 403
    r = client.post(f"/api/t/{slug}/coverage/snapshots", headers=api_token("yuelu_admin"))
    assert r.status_code == 201 and r.json() == {"month": dt.date.today().strftime("%Y-%m"), "tenants": 1}


def test_bar_chart_svg(app):
    from core.web.render import get_catalog

    html = get_catalog().render(
        "charts.BarChart", title="各街道覆盖率", categories=["东方红街道", "望月湖街道", "某某很长名称的街道办事处"],
        series=[{"label": "组织覆盖率", "values": [95.0, None, 100]},
                {"label": "工作覆盖率", "values": [97.5, 50.0, 120]}],
    )
    assert html.count('<rect class="bar"') == 6
    assert "<title id=\"bar-chart-title\">各街道覆盖率</title>" in html
    assert "东方红街道 · 组织覆盖率：95.0%" in html and "望月湖街道 · 组织覆盖率：无数据" in html
    assert "<script" not in html
    widths = [float(w) for w in re.findall(r'<rect class="bar"[^>]* width="([\d.]+)"', html)]
    assert widths[2] == 0  # no data → empty bar
    assert widths[4] == widths[5] == max(widths)  # 100 % and 120 % both fill the plot (capped)


def test_trend_chart_svg_with_gaps(app):
    from core.web.render import get_catalog

    html = get_catalog().render(
        "charts.TrendChart", title="趋势", labels=["2024-01", "2024-02", "2024-03", "2024-04"],
        series=[{"label": "组织覆盖率", "values": [90.0, None, 92.5, 93.0]}],
    )
    assert html.count('<circle class="point"') == 3
    assert html.count("<polyline") == 1  # the single point before the gap draws no line
    assert "2024-03 · 组织覆盖率：92.5%" in html
    empty = get_catalog().render("charts.TrendChart", title="趋势", labels=["2024-01"],
                                 series=[{"label": "组织覆盖率", "values": [None]}])
    assert "暂无快照数据" in empty
