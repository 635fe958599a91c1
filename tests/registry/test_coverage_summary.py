"""Coverage figures kept per tenant (issue 20, P2d) equal a full recount after random writes
— ORM objects, bulk statements, an import through the web, deletes — on both databases; the
district's dashboard reads them; a stale day is counted live; ``coverage rebuild`` repairs."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, select, update

from core import clock
from core.db import scoped_session
from core.registry.models import (
    CoverageSummary,
    Instructor,
    InstructorAssignment,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.registry.services import coverage as cov
from core.registry.services import coverage_summary
from tests.worlds import make_tenants, make_users


@pytest.fixture(scope="module")
def world(database):
    tenants = make_tenants("cs", [("d", "覆盖维护测试区", "district", "yuelu"),
                                  ("a", "覆盖维护甲街道", "street", "d"),
                                  ("b", "覆盖维护乙街道", "street", "d")])
    users, _ids = make_users("cs", [("admin", "tenant_admin", tenants["d"]), ("staff", "staff", tenants["a"])])
    return {"tenants": tenants, "users": users}


def _maintained(tenant_id: int) -> dict | None:
    with scoped_session(tenant_id) as s:
        row = s.scalar(select(CoverageSummary).where(CoverageSummary.tenant_id == tenant_id))
        return None if row is None else {"as_of": row.as_of, "figures": row.figures}


def _recount(tenant_id: int) -> dict:
    with scoped_session(tenant_id) as s:
        figs = cov.counts_by_tenant(s, [tenant_id]).get(tenant_id) or cov.empty_figures()
        return cov.figures_json(figs)


def _assert_current(*tenant_ids: int) -> None:
    for tid in tenant_ids:
        kept = _maintained(tid)
        assert kept is not None and kept["as_of"] == clock.today(), tid
        assert kept["figures"] == _recount(tid), tid


def _random_writes(rng: random.Random, tenant_id: int, steps: int) -> None:
    """Each step one transaction of one random kind of write."""
    today = clock.today()
    for step in range(steps):
        with scoped_session(tenant_id) as s:
            s.info["username"] = "test"
            orgs = s.scalars(select(Organization).order_by(Organization.id)).all()
            pos = s.scalars(select(PartyOrg).order_by(PartyOrg.id)).all()
            action = rng.choice(["org", "org", "party", "members", "status", "active", "dissolve",
                                 "instructor", "end_assignment", "delete_org", "bulk_update", "bulk_delete",
                                 "member_status"])
            if action == "org" or not orgs:
                s.add(Organization(name=f"随机组织{step}-{rng.random():.6f}", status="operating",
                                   kind=rng.choice(["enterprise", "social"]),
                                   party_work_active=rng.random() < 0.3))
            elif action == "party":
                po = PartyOrg(name=f"随机支部{step}-{rng.random():.6f}", org_type="branch", formation_mode="single")
                s.add(po)
                s.flush()
                for o in rng.sample(orgs, min(len(orgs), rng.choice([1, 1, 2, 3]))):
                    s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=o.id))
            elif action == "members":
                o = rng.choice(orgs)
                for i in range(rng.randint(1, 4)):
                    s.add(Member(name=f"党员{step}{i}", organization_id=o.id,
                                 status=rng.choice(["full", "full", "probationary", "applicant"])))
            elif action == "member_status":
                m = s.scalars(select(Member).limit(5)).all()
                if m:
                    rng.choice(m).status = rng.choice(["full", "probationary", "transferred_out"])
            elif action == "status":
                rng.choice(orgs).status = rng.choice(["operating", "closed"])
            elif action == "active":
                o = rng.choice(orgs)
                o.party_work_active = not o.party_work_active
            elif action == "dissolve" and pos:
                rng.choice(pos).dissolved_on = today - dt.timedelta(days=rng.choice([1, 0, -5]))
            elif action == "instructor":
                ins = Instructor(name=f"指导员{step}")
                s.add(ins)
                s.flush()
                s.add(InstructorAssignment(instructor_id=ins.id, organization_id=rng.choice(orgs).id,
                                           start_on=today - dt.timedelta(days=rng.choice([0, 3, 30]))))
            elif action == "end_assignment":
                a = s.scalars(select(InstructorAssignment).limit(3)).all()
                if a:
                    rng.choice(a).end_on = today - dt.timedelta(days=1)
            elif action == "delete_org":
                s.delete(rng.choice(orgs))
            elif action == "bulk_update":
                s.execute(update(Organization).where(Organization.id == rng.choice(orgs).id)
                          .values(party_work_active=True))
            elif action == "bulk_delete":
                s.execute(delete(PartyOrgCoverage).where(PartyOrgCoverage.organization_id == rng.choice(orgs).id))


def test_random_writes_keep_the_figures_equal_to_a_recount(world):
    a, b, d = (world["tenants"][k] for k in "abd")
    rng = random.Random(20)
    _random_writes(rng, a.id, 60)
    _random_writes(rng, b.id, 25)
    _assert_current(a.id, b.id)
    with scoped_session(a.id) as s:  # a rolled-back transaction changes nothing
        s.add(Organization(name="回滚的组织", status="operating", kind="enterprise"))
        s.flush()
        s.rollback()
    _assert_current(a.id)
    # the district's dashboard reads the kept rows and adds up to a live count of the subtree
    from core.tenancy import tree

    t = tree()
    scope = t.descendant_ids(d.id)
    with scoped_session(d.id, scope) as s:
        board = cov.dashboard(s, d, t)
        live = cov.sum_figures(cov.counts_by_tenant(s, scope).values())
    assert {k: board.figures[k].values for k in cov.KINDS} == {k: live[k].values for k in cov.KINDS}
    assert board.figures["all"]["total"] > 0


def test_an_import_through_the_pages_keeps_them_current(world, as_user):
    a = world["tenants"]["a"]
    client = as_user(world["users"]["staff"])
    wb = Workbook()
    ws = wb.active
    ws.append(["组织名称", "类别", "经营状态"])
    for i in range(7):
        ws.append([f"导入维护组织{i}", "非公企业", "在营"])
    buf = io.BytesIO()
    wb.save(buf)
    from tests.helpers import csrf

    r = client.post(f"/t/{a.slug}/imports", data={"entity": "organizations", "_csrf_token": csrf(client)},
                    files={"file": ("组织.xlsx", buf.getvalue(),
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    done = client.post(r.headers["location"] + "/confirm", data={"_csrf_token": csrf(client)}, follow_redirects=True)
    assert done.status_code == 200
    with scoped_session(a.id) as s:
        assert s.scalar(select(Organization.id).where(Organization.name == "导入维护组织6")) is not None
    _assert_current(a.id)


def test_a_stale_day_is_counted_live_and_rebuild_repairs(world):
    a = world["tenants"]["a"]
    with scoped_session(a.id) as s:  # a row of yesterday with wrong figures: not used
        row = s.scalar(select(CoverageSummary).where(CoverageSummary.tenant_id == a.id))
        row.as_of = clock.today() - dt.timedelta(days=1)
        row.figures = {"all": {"total": 999_999}}
    with scoped_session(a.id) as s:
        got = cov.figures_by_tenant(s, [a.id])[a.id]
        assert cov.figures_json(got) == _recount(a.id)
    import click
    from click.testing import CliRunner

    from core.plugins import registry

    cli = click.Group()
    registry().pm.hook.register_commands(cli=cli)  # as `liandong` does at start
    result = CliRunner().invoke(cli, ["coverage", "rebuild", "--tenant", a.slug])
    assert result.exit_code == 0, result.output
    assert "1 tenant(s) recounted" in result.output
    _assert_current(a.id)
    assert CliRunner().invoke(cli, ["coverage", "rebuild", "--tenant", "no-such-tenant"]).exit_code != 0


def test_the_daily_job_recounts_every_tenant(world):
    from core.registry import register_periodic_tasks

    job = next(j for j in register_periodic_tasks() if j.name == "registry.coverage_summaries")
    b = world["tenants"]["b"]
    with scoped_session(b.id) as s:
        s.execute(update(CoverageSummary).values(as_of=clock.today() - dt.timedelta(days=1)))
    with scoped_session(b.id) as s:
        assert job.run(s, b) == 1
    _assert_current(b.id)
    assert coverage_summary.WATCHED  # the tables whose writes are noted
