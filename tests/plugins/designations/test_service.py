"""The block's rules through its public api: proposals from a published assessment round (a
throw-away program registers the template and a kind with a FromAssessment rule), expiry, a
subject kind registered by another plugin, settings."""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pytest
from sqlalchemy import select

from core.db import open_session, scoped_session
from core.forms import FormErrors
from core.hookspecs import hookimpl
from core.plugins import registry
from plugins.assessment import api as assessment
from plugins.designations import Settings, api
from plugins.designations.models import Designation
from tests.helpers import post_form, text_of, unique

from .conftest import make_org

TEMPLATE = assessment.AssessmentTemplate(
    key="testdz.site", label="测试阵地评选", target_kind="party_org", period_kind="year",
    grade_bands=(("三个一流", 90), ("达标", 75), ("未达标", 0)),
    sections=(assessment.Section("all", "综合", (assessment.Criterion("venue", "阵地建设", 100),)),))
KIND = api.DesignationKind("testdz.demo_site", "测试示范阵地", ("party_org",), levels=("street",),
                           validity_months=12, from_assessment=(api.FromAssessment("testdz.site", grades=("三个一流",)),))


@pytest.fixture
def program():
    module = ModuleType("testprog_dz")
    module.register_assessment_templates = hookimpl(lambda tenant: [TEMPLATE])
    module.register_designation_kinds = hookimpl(lambda tenant: [KIND])
    with registry().installed(module, "testprog_dz"):
        yield module


def _publish(w, scores: dict[int, str]) -> int:
    with scoped_session(w.a.id) as s:
        s.info["username"] = "test"
        rnd = assessment.create_round(s, w.a, {"template": "testdz.site", "period": "2026", "target_mode": "chosen",
                                               "targets": list(scores), "title": unique("2026年度阵地评选")})
        for step in ("open", "start_scoring"):
            assessment.transition(s, w.a, rnd, step)
        for sheet in assessment.sheets_of(s, rnd):
            assessment.save_scores(s, assessment.system_access(), sheet, {"venue": (scores[sheet.target_id], "实地查看")})
        for step in ("submit_review", "publish"):
            assessment.transition(s, w.a, rnd, step)
        return rnd.id


def test_published_result_proposes_and_staff_confirm(world, program, client):
    from tests.helpers import login

    w = world
    round_id = _publish(w, {w.branch: "95", w.joint: "80"})
    with open_session(w.a.id) as s:
        props = list(s.scalars(select(Designation).where(Designation.source_key.like(f"assessment:{round_id}:%"))))
        assert [(d.subject_id, d.status, d.kind) for d in props] == [(w.branch, "proposed", "testdz.demo_site")]
        assert "三个一流" in props[0].basis
        pid = props[0].id
        # idempotent
        assert api.propose_from_round(s, w.a, assessment.published_round(s, round_id), dt.date.today()) == []
    login(client, w.users["staff"])
    page = text_of(client.get(f"/t/{w.a.slug}/designations", params={"status": "proposed"}).text)
    assert "测试示范阵地" in page and "待确认" in page
    r = post_form(client, f"/t/{w.a.slug}/designations/{pid}/review/confirm", follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.a.id) as s:
        d = s.get(Designation, pid)
        assert d.status == "active" and d.reviewed_by == w.users["staff"]
        assert [x.id for x in api.in_force(s, dt.date.today(), kind="testdz.demo_site")] == [pid]


def test_expiry_and_blocked(world):
    w = world
    org = make_org(w.a.id, unique("到期测试公司"))
    today = dt.date(2026, 6, 1)
    with scoped_session(w.a.id) as s:
        d = api.create(s, w.a, {"kind": "designations.red_workshop", "subject_kind": "organization",
                                "subject_id": org, "level": "street", "awarded_on": "2024-06-10"}, today, "t",
                       status="active")
        assert d.expires_on == dt.date(2026, 6, 10)
        assert [x.id for x in api.expiring(s, today, 30)] == [d.id]
        assert api.is_in_force(d, today) and not api.is_in_force(d, dt.date(2026, 6, 11))
        assert api.blocked(s, w.a, "organization", org) == ""
        entry, revoked = api.list_organization(s, w.a, {"organization_id": org, "reason": "侵权滥权"}, today, "t")
        assert [x.id for x in revoked] == [d.id] and d.revoked_by_entry_id == entry.id
        assert "侵权滥权" in api.blocked(s, w.a, "organization", org)
        assert api.blacklist_entry(s, org).id == entry.id
        with pytest.raises(FormErrors) as exc:
            api.create(s, w.a, {"kind": "designations.clean_enterprise", "subject_kind": "organization",
                                "subject_id": org, "level": "street"}, today, "t")
        assert "不能授予称号" in exc.value.errors["subject"]
        s.rollback()


def test_a_plugin_registers_a_subject_kind(world):
    w = world
    from core.registry.models import Cluster

    def names(session, ids):
        return dict(session.execute(select(Cluster.id, Cluster.name).where(Cluster.id.in_(list(ids)))).all())

    def options(session, q="", limit=500):
        return list(session.execute(select(Cluster.id, Cluster.name).limit(limit)))

    module = ModuleType("testprog_dz_subject")
    module.register_designation_subjects = hookimpl(lambda tenant: [api.SubjectType("testplace", "测试场所", names,
                                                                                     options, "clusters/{id}")])
    module.register_designation_kinds = hookimpl(lambda tenant: [api.DesignationKind(
        "testdz.place", "测试场所称号", ("testplace",), needs_review=False)])
    with scoped_session(w.a.id) as s:
        cl = Cluster(cluster_type="core.group", name=unique("测试场所"))
        s.add(cl)
        s.flush()
        cl_id = cl.id
    with registry().installed(module, "testprog_dz_subject"), scoped_session(w.a.id) as s:
        d = api.create(s, w.a, {"kind": "testdz.place", "subject_kind": "testplace", "subject_id": cl_id,
                                "level": "street"}, dt.date(2026, 6, 1), "t")
        assert (d.status, d.subject_name) == ("active", names(s, [cl_id])[cl_id])
        s.rollback()


def test_settings_reasons_are_validated_and_extensible():
    assert Settings(blacklist_reasons="违法经营，偷逃税款;侵权滥权、违法经营、拖欠工资").blacklist_reasons == \
        "违法经营、偷逃税款、侵权滥权、拖欠工资"
    with pytest.raises(ValueError, match="请至少填写一项黑名单事由"):
        Settings(blacklist_reasons="、 、")


def test_sites_are_a_subject_kind_where_the_tenant_runs_sites(world):
    from plugins.sites import api as sites
    from tests.worlds import make_tenants

    t = make_tenants("dzs", [("s", "称号站点测试街道", "street", "yuelu")], plugins=("designations", "sites"))["s"]
    org = make_org(t.id, unique("站点管理公司"))
    today = dt.date(2026, 6, 1)
    with scoped_session(t.id) as s:
        site = sites.create_site(s, t, {"kind": "sites.red_station", "name": unique("红色驿站"),
                                        "manager_kind": "organization", "manager_id": org})
        site_id = site.id
    with scoped_session(t.id) as s:
        d = api.create(s, t, {"kind": "designations.demo_venue", "subject_kind": "site", "subject_id": site_id,
                              "level": "street"}, today, "t")
        assert (d.subject_kind, d.subject_name) == ("site", site.name)
        _entry, revoked = api.list_organization(s, t, {"organization_id": org, "reason": "违法经营"}, today, "t")
        assert [x.id for x in revoked] == [d.id]  # the site's manager is on the blacklist
        assert "不能授予称号" in api.blocked(s, t, "site", site_id)
    # without the sites block the kind is unknown
    with scoped_session(world.a.id) as s, pytest.raises(FormErrors) as exc:
        api.create(s, world.a, {"kind": "designations.demo_venue", "subject_kind": "site", "subject_id": site_id,
                                "level": "street"}, today, "t")
    assert exc.value.errors["subject"] == "请选择本辖区的授予对象"


def test_reminders_for_expiring_expired_and_pending(world):
    from core.notify.reminders import collect

    w = world
    today = dt.date(2026, 6, 1)
    org = make_org(w.a.id, unique("提醒测试公司"))
    with scoped_session(w.a.id) as s:
        soon = api.create(s, w.a, {"kind": "designations.red_workshop", "subject_kind": "organization",
                                   "subject_id": org, "level": "street", "awarded_on": "2024-06-20"}, today, "t",
                          status="active")
        gone = api.create(s, w.a, {"kind": "designations.red_workshop", "subject_kind": "organization",
                                   "subject_id": org, "level": "district", "awarded_on": "2024-05-20"}, today, "t",
                          status="active")
        pending = api.create(s, w.a, {"kind": "designations.clean_enterprise", "subject_kind": "organization",
                                      "subject_id": org, "level": "street"}, today, "t")
        ids = (soon.id, gone.id, pending.id)
    with open_session(w.a.id) as s:
        keys = {r.key: r for r in collect(s, w.a, today)}
    assert f"designations.expiry:{ids[0]}:2026-06-20:soon" in keys
    expired = keys[f"designations.expiry:{ids[1]}:2026-05-20:expired"]
    assert expired.overdue and "已于 2026-05-20 到期" in expired.title
    assert keys[f"designations.review:{ids[2]}"].link == f"designations/{ids[2]}"
