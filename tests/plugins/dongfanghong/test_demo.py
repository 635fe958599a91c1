"""The demo street 东方红街道: 3 joint groups over its two-new party orgs, leaders, 专干, duties."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from core import clock
from core.db import scoped_session
from core.registry.models import ClusterLeader, Member
from core.registry.services import clusters as cl
from core.tenancy import tree
from plugins.dongfanghong import demo, venues
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import (
    Butler,
    Cooperation,
    Cultivation,
    DutyEntry,
    Nomination,
)
from plugins.membership.api import DuesRemittance as DuesRecord
from tests.helpers import login


def _figures(s):
    groups = svc.joint_groups(s)
    pmap = svc.group_party_org_ids(s, [g.id for g in groups])
    return ([g.name for g in groups], sum(len(v) for v in pmap.values()),
            s.scalar(select(func.count()).select_from(DutyEntry)), s.scalar(select(func.count()).select_from(ClusterLeader)),
            s.scalar(select(func.count()).select_from(Nomination)), s.scalar(select(func.count()).select_from(Butler)))


def test_demo_groups_and_idempotence(database):
    t = tree().by_slug["dongfanghong"]
    with scoped_session(t.id) as s:
        two_new = svc.two_new_party_orgs(s)
        if not two_new:  # no demo registry in this build: nothing to check
            return
        names, assigned, *_ = before = _figures(s)
        assert names == ["第一联组", "第二联组", "第三联组"]
        # the seed's 191 two-new party orgs, all in a group (other tests may add party orgs later)
        assert assigned == 191 <= len(two_new)
        types = cl.cluster_types(t)
        for g in svc.joint_groups(s):
            assert cl.check_cluster(s, g, types) == []  # 1 组长 + 2 副组长
            assert all(l.letter_no.startswith("东红联聘") for l in cl.leaders_of(s, g))
        staff = svc.staff_of(s, [g.id for g in svc.joint_groups(s)])
        assert "dfh_staff" in {u.username for u in staff.values()}
        demo.load(s, t)
        assert _figures(s) == before


def test_dashboard_for_demo_staff(database, client):
    login(client, "dfh_staff")
    r = client.get("/t/dongfanghong/dongfanghong/")
    assert r.status_code == 200 and "街道覆盖情况" in r.text and "第一联组" in r.text


def _program_figures(s):
    from plugins.funds.models import Disbursement
    from plugins.lists.models import ListResource

    count = lambda model, *where: s.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return {
        "profiles": sum(1 for x in s.scalars(select(Member.extra)) if any(k.startswith("dongfanghong.") for k in x or {})),
        "cultivations": dict(s.execute(select(
            Cultivation.direction, func.count()).group_by(Cultivation.direction)).all()),
        "cobuild": count(Cooperation, Cooperation.kind == "community"), "cooperation": count(Cooperation),
        "checks": Counter(c.status for c in venues.checks(s)),
        "dues": count(DuesRecord), "proposals": count(Disbursement, Disbursement.source == "dongfanghong"),
        "sectors": set(s.scalars(select(ListResource.provider_kind).where(ListResource.provider_kind.in_(
            ("government", "education", "medical", "finance", "talent"))))),
    }


def test_demo_exercises_the_projects_and_guarantees(database):
    t = tree().by_slug["dongfanghong"]
    with scoped_session(t.id) as s:
        if not svc.two_new_party_orgs(s):
            return
        before = _program_figures(s)
        assert before["profiles"] > 100
        assert set(before["cultivations"]) == {"to_backbone", "to_member"}
        assert before["cobuild"] >= 3 and before["cooperation"] > before["cobuild"]
        assert {"applied", "failed", "passed"} <= set(before["checks"])
        assert before["dues"] > 0 and before["proposals"] > 0
        assert before["sectors"] == {"government", "education", "medical", "finance", "talent"}
        demo.load(s, t)
        assert _program_figures(s) == before


def _service_figures(s):
    from plugins.activities.models import Activity, ActivityParticipant, ActivitySpeaker
    from plugins.assessment.models import AssessmentRound
    from plugins.lists.models import ListDemand
    from plugins.sites.api import Site

    tickets = list(s.execute(select(Site.grade, ListDemand.triage_level, ListDemand.action_tag)
                             .join(Site, Site.id == ListDemand.station_id)).all())
    golden = list(s.scalars(select(Activity).where(Activity.activity_type.in_(
        ("dongfanghong.salon", "dongfanghong.training")))))
    held = [a.id for a in golden if a.status == "held"]
    return {
        "levels": {lvl for lvl, _, _ in tickets}, "triage": {t for _, t, _ in tickets if t},
        "actions": {a for _, _, a in tickets if a}, "tickets": len(tickets),
        "golden": len(golden), "speakers": s.scalar(select(func.count()).select_from(ActivitySpeaker).where(
            ActivitySpeaker.activity_id.in_([a.id for a in golden] or [0]))),
        "attended": s.scalar(select(func.count()).select_from(ActivityParticipant).where(
            ActivityParticipant.activity_id.in_(held or [0]), ActivityParticipant.attendance == "present")),
        "meetings": s.scalar(select(func.count()).select_from(Activity).where(
            Activity.activity_type == "dongfanghong.group_meeting")),
        "ranking": list(s.scalars(select(AssessmentRound.state).where(
            AssessmentRound.template_key == "dongfanghong.group_ranking"))),
    }


def test_demo_exercises_the_gold_services_and_the_ranking(database):
    """金口碑: tickets at street and community stations, all three triage levels and special actions;
    金品质: salons / trainings with speakers and attendance; 联组会商; a published group ranking."""
    t = tree().by_slug["dongfanghong"]
    with scoped_session(t.id) as s:
        if not svc.two_new_party_orgs(s):
            return
        before = _service_figures(s)
        assert before["levels"] == {"street", "community"}
        assert before["triage"] == {"onsite", "integrate", "escalate"}
        assert before["actions"] == {"solve", "deed", "advice"}
        assert before["golden"] >= 2 and before["speakers"] >= before["golden"] and before["attended"] > 0
        assert before["meetings"] >= 3 and before["ranking"] == ["published"]
        cards = svc.dashboard(s, t, svc.joint_groups(s), ("assessment",), clock.today(), 0, {svc.SEE_ALL})
        assert all(c.score for c in cards)
        demo.load(s, t)
        assert _service_figures(s) == before
