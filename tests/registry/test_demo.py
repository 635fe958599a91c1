"""The demo registry generator (core.registry.demo): determinism, seed figures, validity,
idempotent loading into a fresh tenant, and the large-scale generator on both backends."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, select, text

from core import crypto, validators
from core.registry import demo, scale
from core.registry.choices import MEMBER_STATUSES
from core.registry.demo import build_plan, coverage_by_kind, instructor_targets, plan_figures
from core.registry.schemas import clean_member, clean_organization, clean_party_org
from tests.helpers import unique

TODAY = dt.date.today()
DEMO_SLUGS = [*demo.PROFILES, "some-new-street"]


@pytest.fixture(scope="module")
def plans() -> dict[str, demo.Plan]:
    return {slug: build_plan(slug, name="测试街道", today=TODAY) for slug in DEMO_SLUGS}


# --- the pure generator ------------------------------------------------------------------------


def test_same_seed_same_plan_other_seed_other_plan():
    a = build_plan("wangyuehu", today=TODAY).as_dict()
    b = build_plan("wangyuehu", today=TODAY).as_dict()
    assert a == b
    generic_a = build_plan("street-x", name="某街道", today=TODAY).as_dict()
    generic_b = build_plan("street-x", name="某街道", today=TODAY).as_dict()
    assert generic_a == generic_b
    other = build_plan("street-y", name="某街道", today=TODAY).as_dict()
    assert [o["name"] for o in other["organizations"]] != [o["name"] for o in generic_a["organizations"]]


def test_only_streets_get_a_generic_registry():
    assert build_plan("some-district", level="district") is None
    assert build_plan("some-city", level="city") is None
    assert build_plan("some-street", level="street") is not None


def test_dongfanghong_has_191_two_new_party_orgs(plans):
    plan = plans["dongfanghong"]
    roots = [i for i, p in enumerate(plan.party_orgs) if p["parent"] is None]
    assert len(roots) == 1
    root = plan.party_orgs[roots[0]]
    assert root["org_type"] == "committee" and root["name"] == "东方红街道两新综合党委"
    under_root = [p for p in plan.party_orgs if p["parent"] is not None]
    assert len(under_root) == 191
    assert all(p["dissolved_on"] is None for p in under_root)
    types = {p["org_type"] for p in under_root}
    assert {"branch", "joint_branch", "general_branch"} <= types
    width: dict[int, int] = {}
    for po, _ in plan.coverage:
        width[po] = width.get(po, 0) + 1
    by_mode: dict[str, set[int]] = {}
    for i, p in enumerate(plan.party_orgs):
        by_mode.setdefault(p["formation_mode"], set()).add(width.get(i, 0))
    assert by_mode["single"] <= {0, 1} and 1 in by_mode["single"]
    assert by_mode["joint"] <= {2, 3, 4, 5} and len(by_mode["joint"]) > 1
    assert "building" in by_mode
    assert 400 <= len(plan.organizations) <= 440
    assert 1300 <= len(plan.members) <= 1550
    assert {m["status"] for m in plan.members} == set(MEMBER_STATUSES)
    assert sum(m["mobile"] == "in" for m in plan.members) >= 5
    assert sum(m["mobile"] == "out" for m in plan.members) >= 5
    assert any(m["transfer_state"] == "pending" for m in plan.members)
    assert len(plan.instructors) == 6 and plan.assignments and plan.visits
    assert sum(p["is_weak"] for p in plan.party_orgs) == 6
    assert sum(p["is_model"] for p in plan.party_orgs) == 8
    assert {p["venue_class"] for p in plan.party_orgs} == {None, 1, 2, 3}
    communities = {o["community"] for o in plan.organizations}
    assert "东方红社区" in communities
    names = [o["name"] for o in plan.organizations]
    assert len(set(names)) == len(names)
    assert any(n.startswith("长沙") and n.endswith("有限公司") for n in names)
    assert any(n.startswith("岳麓区") and n.endswith("社会工作服务中心") for n in names)
    assert plan.user_links and plan.instructors[0]["username"] == "dfh_instructor"


def test_nanhu_coverage_is_965_and_946_with_38_new_branches(plans):
    plan = plans["nanhu"]
    rates = {k: round(100 * c / t, 1) for k, (c, t) in coverage_by_kind(plan).items()}
    assert rates == {"social": 96.5, "enterprise": 94.6}
    assert coverage_by_kind(plan) == {"social": (193, 200), "enterprise": (473, 500)}
    year_ago = TODAY - dt.timedelta(days=365)
    new = [p for p in plan.party_orgs if p["founded_on"] > year_ago]
    assert len(new) == 38
    assert all(p["org_type"] in ("branch", "joint_branch") for p in new)
    # "有党员两新组织党支部组建率100%": every organization with members is covered
    figures = plan_figures(plan, TODAY)
    assert figures["all"]["members_no_org"] == 0 and figures["all"]["should_build"] == 0
    # the stored trend rises over the year
    first = plan_figures(plan, TODAY - dt.timedelta(days=330))
    assert first["all"]["org_covered"] < figures["all"]["org_covered"]


def test_coverage_helper_on_hand_built_rows():
    party_org = {"dissolved_on": None, "is_weak": False}
    plan = demo.Plan(
        organizations=[{"kind": "enterprise", "status": "operating"}, {"kind": "enterprise", "status": "operating"},
                       {"kind": "social", "status": "operating"}, {"kind": "social", "status": "closed"},
                       {"kind": "social", "status": "operating"}],
        party_orgs=[party_org, {**party_org, "dissolved_on": TODAY}, {**party_org, "is_weak": True}],
        coverage=[(0, 0), (0, 1), (1, 2), (2, 4), (0, 3)],
    )
    assert coverage_by_kind(plan) == {"enterprise": (2, 2), "social": (1, 2)}
    assert instructor_targets(plan) == {2, 4}


def test_yuelu_has_13_active_instructors_covering_every_uncovered_or_weak_org(plans):
    plan = plans["yuelu"]
    active = [i for i, ins in enumerate(plan.instructors) if ins["active"]]
    assert len(active) == 13
    assert len(plan.instructors) > 13  # a former one, assignments ended
    open_assigned = {a["organization"] for a in plan.assignments
                     if a["end_on"] is None and a["instructor"] in active}
    targets = instructor_targets(plan)
    assert targets and targets <= open_assigned
    assert any(plan.party_orgs[po]["is_weak"] for po, org in plan.coverage if org in targets)
    assert plan_figures(plan, TODAY)["all"]["uncovered_no_instructor"] == 0
    for i in active:
        assert any(a["instructor"] == i for a in plan.assignments)


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_every_row_passes_the_registry_rules(plans, slug):
    plan = plans[slug]
    codes = [o["credit_code"] for o in plan.organizations]
    assert len(set(codes)) == len(codes)
    for org in plan.organizations:
        assert validators.validate_credit_code(org["credit_code"]) is None, org["credit_code"]
        values, errors = clean_organization({**org})
        assert errors == {}, (org, errors)
    names = [p["name"] for p in plan.party_orgs]
    assert len(set(names)) == len(names)
    for po in plan.party_orgs:
        raw = {k: v for k, v in po.items() if k != "parent"}
        values, errors = clean_party_org(raw)
        assert errors == {}, (po, errors)
        assert po["secretary_name"], po["name"]
    id_numbers = [m["id_number"] for m in plan.members if m["id_number"]]
    assert len(set(id_numbers)) == len(id_numbers)
    order = ["applied_on", "activist_on", "candidate_on", "probationary_on", "full_on"]
    for m in plan.members:
        if m["id_number"]:
            assert validators.validate_id_number(m["id_number"]) is None
            assert validators.birth_date_from_id(m["id_number"]) == m["birth_date"]
        if m["phone"]:
            assert validators.validate_mobile(m["phone"]) is None
        dates = [m[k] for k in order if m[k] is not None]
        assert dates == sorted(dates) and all(d <= TODAY for d in dates)
        raw = {k: v for k, v in m.items() if k not in ("party_org", "organization")}
        values, errors = clean_member(raw)
        assert errors == {}, (m, errors)
    for a in plan.assignments:
        assert a["start_on"] <= TODAY and (a["end_on"] is None or a["start_on"] <= a["end_on"] <= TODAY)
    for v in plan.visits:
        assert v["visited_on"] <= TODAY


def test_scale_column_lists_match_the_models():
    from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage

    for model, columns in ((Organization, scale.ORG_COLUMNS), (PartyOrg, scale.PO_COLUMNS),
                           (PartyOrgCoverage, scale.COVERAGE_COLUMNS), (Member, scale.MEMBER_COLUMNS)):
        # a column left out takes its server default (``extra``: the plugins' fields, '{}')
        defaulted = {c.name for c in model.__table__.c if c.server_default is not None}
        assert set(columns) == set(model.__table__.c.keys()) - defaulted, model.__tablename__
        assert len(columns) == len(set(columns))
        types = dict(zip(columns, scale._pg_types(model.__tablename__, columns), strict=True))
        assert types["id"] == types["tenant_id"] == "int4"
    assert scale._pg_types("members", ["party_org_id", "lost_contact", "birth_date", "created_at", "name"]) == [
        "int4", "bool", "date", "timestamptz", "text"]


# --- loading into the database -------------------------------------------------------------------


def _new_tenant(slug: str, name: str, level: str, parent_slug: str):
    from core import revisions
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session, tree

    with operator_session("test") as s:
        tenant = create_tenant(s, TenantForm(slug=slug, name=name, level=level,
                                             parent_id=tree().by_slug[parent_slug].id))
        info = {"id": tenant.id, "slug": tenant.slug, "name": tenant.name, "level": tenant.level,
                "parent_id": tenant.parent_id}
    revisions.poll(force=True)
    return type("TenantInfoLike", (), info)()


def _counts(tenant_id: int) -> dict[str, int]:
    from core.db import scoped_session
    from core.registry.models import REGISTRY_TABLES

    with scoped_session(tenant_id) as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in REGISTRY_TABLES}


def test_load_into_a_fresh_street_is_valid_and_idempotent(database):
    from core.db import scoped_session
    from core.registry.models import Instructor, Member, Organization, PartyOrg
    from core.registry.services.coverage import counts_by_tenant

    tenant = _new_tenant(unique("demo-"), "演示新街道", "street", "yuelu")
    with scoped_session(tenant.id) as s:
        demo.load_demo_registry(s, tenant)
    first = _counts(tenant.id)
    assert first["organizations"] >= 20 and first["party_orgs"] >= 10 and first["members"] >= 40
    assert first["party_org_coverage"] and first["instructors"] and first["instructor_assignments"]
    assert first["coverage_snapshots"] == 12
    with scoped_session(tenant.id) as s:
        demo.load_demo_registry(s, tenant)
    assert _counts(tenant.id) == first

    plan = build_plan(tenant.slug, name=tenant.name, region="hunan")
    with scoped_session(tenant.id) as s:
        orgs = s.scalars(select(Organization)).all()
        assert {o.tenant_id for o in orgs} == {tenant.id}
        assert sorted(o.name for o in orgs) == sorted(o["name"] for o in plan.organizations)
        for org in orgs:
            assert validators.validate_credit_code(org.credit_code) is None
            if org.contact_phone_enc:
                phone = crypto.decrypt(org.contact_phone_enc)
                assert validators.validate_mobile(phone) is None
                assert org.contact_phone_hash == crypto.blind_index(phone, "phone")
        members = s.scalars(select(Member)).all()
        assert len(members) == len(plan.members)
        for m in members:
            if m.id_number_enc:
                idn = crypto.decrypt(m.id_number_enc)
                assert validators.validate_id_number(idn) is None
                assert validators.birth_date_from_id(idn) == m.birth_date
                assert m.id_number_hash == crypto.blind_index(idn, "id_number")
            dates = [d for d in (m.applied_on, m.activist_on, m.candidate_on, m.probationary_on, m.full_on) if d]
            assert dates == sorted(dates)
        party_orgs = s.scalars(select(PartyOrg)).all()
        roots = [p for p in party_orgs if p.parent_id is None]
        assert [r.name for r in roots] == ["演示新街道两新综合党委"]
        by_id = {p.id: p for p in party_orgs}
        assert all(p.parent_id is None or p.parent_id in by_id for p in party_orgs)
        assert all(i.phone_enc and validators.validate_mobile(crypto.decrypt(i.phone_enc)) is None
                   for i in s.scalars(select(Instructor)))
        # the stored rows give the figures the plan promised (same rules as the coverage page)
        live = counts_by_tenant(s, [tenant.id])[tenant.id]
        expected = plan_figures(plan, TODAY)
        for kind in ("enterprise", "social", "all"):
            assert live[kind].values == expected[kind], kind


def test_yuelu_story_survives_the_database(database):
    """The 002 plan written into a fresh district: 13 active instructors, nothing uncovered left alone."""
    from core.db import scoped_session
    from core.registry.models import Instructor
    from core.registry.services.coverage import counts_by_tenant

    tenant = _new_tenant(unique("demo-d-"), "演示区", "district", "yuelu")
    plan = build_plan("yuelu", name="岳麓区", today=TODAY)
    with scoped_session(tenant.id) as s:
        counts = demo.write_plan(s, tenant.id, plan)
    assert counts["instructors"] == 14
    with scoped_session(tenant.id) as s:
        assert s.scalar(select(func.count()).select_from(Instructor).where(Instructor.active.is_(True))) == 13
        figures = counts_by_tenant(s, [tenant.id])[tenant.id]
        assert figures["all"]["uncovered_no_instructor"] == 0
        assert figures["all"]["org_uncovered"] > 0
        assert figures["all"].values == plan_figures(plan, TODAY)["all"]
    # another tenant's session sees none of it
    with scoped_session(None, ()) as s:
        assert s.scalar(select(func.count()).select_from(Instructor)) == 0


def test_generic_street_under_jinhua_uses_zhejiang_places(database):
    from core.db import scoped_session
    from core.registry.models import Organization

    tenant = _new_tenant(unique("demo-j-"), "金华某街道", "street", "jinhua")
    with scoped_session(tenant.id) as s:
        demo.load_demo_registry(s, tenant)
        codes = s.scalars(select(Organization.credit_code)).all()
        assert codes and all(c[2:6] == "3307" for c in codes)


def test_district_without_profile_gets_nothing(database):
    from core.db import scoped_session

    tenant = _new_tenant(unique("demo-x-"), "无演示数据区", "district", "yuelu")
    with scoped_session(tenant.id) as s:
        demo.load_demo_registry(s, tenant)
    assert _counts(tenant.id)["organizations"] == 0


# --- the scale generator ---------------------------------------------------------------------------


def _scale_counts(engine, prefix: str) -> dict[str, int]:
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(
            text("SELECT id FROM tenants WHERE slug LIKE :p"), {"p": f"{prefix}-%"})]
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config('app.tenant_ids', :s, true)"), {"s": ",".join(map(str, ids))})
        out = {"tenants": len(ids)}
        for table in ("organizations", "party_orgs", "party_org_coverage", "members"):
            out[table] = conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE tenant_id IN "  # noqa: S608
                                           f"({','.join(map(str, ids)) or 'NULL'})")).scalar()
        return out


def _drop_scale(engine, prefix: str) -> None:
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM tenants WHERE slug LIKE :p"), {"p": f"{prefix}-%"})]
        if not ids:
            return
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config('app.tenant_ids', :s, true)"), {"s": ",".join(map(str, ids))})
        in_ids = ",".join(map(str, ids))
        for stmt in ("DELETE FROM members WHERE tenant_id IN ({})",
                     "DELETE FROM party_org_coverage WHERE tenant_id IN ({})",
                     "DELETE FROM party_orgs WHERE tenant_id IN ({}) AND parent_id IS NOT NULL",
                     "DELETE FROM party_orgs WHERE tenant_id IN ({})",
                     "DELETE FROM organizations WHERE tenant_id IN ({})",
                     "DELETE FROM tenants WHERE id IN ({})"):
            conn.execute(text(stmt.format(in_ids)))
        conn.execute(text("DELETE FROM tenants WHERE slug = :s"), {"s": prefix})


def _check_scale(engine, prefix: str, result) -> None:
    assert result.tenants == 3 and result.organizations == 150
    counts = _scale_counts(engine, prefix)
    assert counts["tenants"] == 3 and counts["organizations"] == 150
    assert counts["party_orgs"] == result.party_orgs > 3
    assert counts["party_org_coverage"] == result.coverage > 100
    assert counts["members"] == result.members > 100
    # each tenant's coverage figures are kept, equal to a count of its organizations
    with engine.begin() as conn:
        kept = dict(conn.execute(text("SELECT tenant_id, figures FROM coverage_summaries WHERE tenant_id IN :ids")
                                 .bindparams(bindparam("ids", expanding=True)), {"ids": result.tenant_ids}).all())
        operating = dict(conn.execute(text(
            "SELECT tenant_id, count(*) FROM organizations WHERE status = 'operating' AND tenant_id IN :ids "
            "GROUP BY tenant_id").bindparams(bindparam("ids", expanding=True)), {"ids": result.tenant_ids}).all())
    assert set(kept) == set(result.tenant_ids)
    for tid, figures in kept.items():
        figures = json.loads(figures) if isinstance(figures, str) else figures
        assert figures["all"]["total"] == operating.get(tid, 0) > 0


def test_generate_scale_sqlite():
    from core import migrate
    from core.db import get_engine

    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='liandong-scale-')) / 'scale.db'}"
    migrate.upgrade(url)
    result = scale.generate_scale(url, 3, 50, seed=1)
    engine = get_engine(url)
    _check_scale(engine, "scale", result)
    with engine.begin() as conn:
        parent = conn.execute(text("SELECT id, level FROM tenants WHERE slug = 'scale'")).one()
        assert parent.level == "district"
        streets = conn.execute(text("SELECT slug, level, parent_id FROM tenants WHERE parent_id = :p ORDER BY slug"),
                               {"p": parent.id}).all()
        assert [s.slug for s in streets] == ["scale-0001", "scale-0002", "scale-0003"]
        assert {s.level for s in streets} == {"street"}
        code = conn.execute(text("SELECT credit_code FROM organizations LIMIT 1")).scalar()
        assert validators.validate_credit_code(code) is None
        enc = conn.execute(text("SELECT id_number_enc FROM members LIMIT 1")).scalar()
        assert validators.validate_id_number(crypto.decrypt(enc)) is None
    again = scale.generate_scale(url, 3, 50, seed=1)  # resumes: nothing left to do
    assert again.tenants == 0 and again.organizations == 0
    assert _scale_counts(engine, "scale")["organizations"] == 150


def test_generate_scale_on_the_test_database(database):
    """PostgreSQL: COPY as the owner (superuser here), and the staged path as a role under RLS."""
    from core.db import get_engine, open_session
    from core.registry.models import Organization

    if database["backend"] != "postgresql":
        pytest.skip("PostgreSQL only (the SQLite path is covered above)")
    owner = get_engine(database["owner_url"])
    app = get_engine(database["app_url"])
    direct, staged = unique("scd"), unique("scs")
    try:
        # one batch per tenant, two worker processes
        result = scale.generate_scale(owner, 3, 50, seed=2, prefix=direct, batch_orgs=50, workers=2)
        _check_scale(owner, direct, result)
        # the application role is subject to row-level security: COPY FROM would be refused
        result = scale.generate_scale(app, 3, 50, seed=2, prefix=staged, copy_mode="auto")
        _check_scale(owner, staged, result)
        # the app sees the rows through its tenant scope only
        with open_session(result.tenant_ids[0]) as s:
            assert s.scalar(select(func.count()).select_from(Organization)) == 50
        with open_session(None, ()) as s:
            assert s.scalar(select(func.count()).select_from(Organization)
                            .where(Organization.tenant_id.in_(result.tenant_ids))) == 0
    finally:
        _drop_scale(owner, direct)
        _drop_scale(owner, staged)
