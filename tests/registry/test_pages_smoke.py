"""Every registry page renders: each GET route of every registry web module, detail pages
included, for several roles — 200 where the role may open it, 403 where it may not.

The routes are read from the modules (``core.registry.WEB_MODULES``), so a new page is
covered as soon as it exists; a path parameter the test cannot fill fails the test.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets

import pytest
from sqlalchemy import delete, select

from core import crypto
from core.db import scoped_session
from core.models import User
from core.permissions import authorizer
from core.registry import WEB_MODULES, _web, importer
from core.registry.importer import ImportJob
from core.registry.models import (
    Cluster,
    ClusterMember,
    InstructorAssignment,
    InstructorVisit,
    InstructorVisitAttachment,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.registry.services import instructors as instructor_svc
from core.tenancy import tree
from core.validators import generate_credit_code, generate_id_number
from tests.helpers import tenant_id, text_of, unique

DFH, YUELU = "dongfanghong", "yuelu"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: (user, tenant) — the roles of a street, and a viewer and an admin one level up
USERS = [("dfh_admin", DFH), ("dfh_staff", DFH), ("dfh_instructor", DFH), ("dfh_secretary", DFH),
         ("yuelu_viewer", DFH), ("yuelu_admin", YUELU)]

WRITE_OR_OWN = {"registry:write", "registry:write_own"}
#: object-level rules a handler applies on top of its route permission
EXTRA_RULES = {
    "/organizations/new": {"registry:write"},
    "/organizations/{org_id:int}/edit": WRITE_OR_OWN,
    "/members/new": WRITE_OR_OWN,
    "/members/{member_id:int}/edit": WRITE_OR_OWN,
}
#: query strings that make a page show more of itself
QUERIES = {
    "/organizations": "?kind=enterprise&coverage=covered&flag=has_union",
    "/party-orgs": "?view=list&term=overdue",
    "/members": "?status=full&mobile=no&lost_contact=0",
    "/instructors/visits": "?follow_up=open&date_from=2020-01-01",
    "/coverage/orgs": "?metric=org_covered&kind=enterprise",
    "/clusters": "?status=all",
    # exports of the world's rows only: the whole street's ledger is exported by other tests
    "/members/export": "?organization={org_id}",
    "/organizations/export": "?q=冒烟测试企业",
}


def get_routes() -> list[tuple[str, str | None]]:
    out = []
    for module in WEB_MODULES:
        for handler in _web(module).ROUTES:
            if "GET" in handler.http_methods:
                for path in handler.paths:
                    out.append((path, handler.opt.get("permission")))
    return sorted(out)


def _rng() -> random.Random:
    return random.Random(secrets.randbits(64))


@pytest.fixture(scope="module")
def world(database, tmp_path_factory):
    """One of everything in 东方红街道, reachable by each role (the secretary's own organization)."""
    from core.registry import files

    previous_dir = os.environ.get("LIANDONG_REGISTRY_UPLOAD_DIR")
    os.environ["LIANDONG_REGISTRY_UPLOAD_DIR"] = str(tmp_path_factory.mktemp("visit-files"))
    tid = tenant_id(DFH)
    with scoped_session(tid) as s:
        users = dict(s.execute(select(User.username, User.id).where(
            User.username.in_(["dfh_secretary", "dfh_instructor"]))).all())
        org = Organization(name=unique("冒烟测试企业"), credit_code=generate_credit_code(_rng()), kind="enterprise",
                           sub_kind="llc", industry="I", has_union=True)
        s.add(org)
        s.flush()
        po = PartyOrg(name=unique("冒烟测试支部"), org_type="branch", formation_mode="single",
                      term_ends_on=dt.date(2020, 6, 30), founded_on=dt.date(2017, 6, 30))
        s.add(po)
        s.flush()
        s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=org.id))
        idn = generate_id_number(_rng(), dt.date(1980, 3, 3), True)
        member = Member(name=unique("冒烟党员"), status="full", full_on=dt.date(2010, 7, 1),
                        probationary_on=dt.date(2009, 7, 1), party_org_id=po.id, organization_id=org.id,
                        id_number_enc=crypto.encrypt(idn), id_number_hash=crypto.blind_index(idn, "id_number"))
        s.add(member)
        instructor = instructor_svc.instructor_of_user(s, users["dfh_instructor"])
        if instructor is None:
            instructor = instructor_svc.create_instructor(s, {"name": unique("指导员"), "username": "dfh_instructor"},
                                                          tid)
        instructor.active = True
        s.flush()
        instructor_svc.assign(s, instructor, {"organization": str(org.id), "start_on": "2020-01-01"})
        visit = InstructorVisit(instructor_id=instructor.id, organization_id=org.id,
                                visited_on=dt.date(2024, 1, 5), findings="<b>未建团组织</b>", follow_up="跟进")
        s.add(visit)
        s.flush()
        attachment = files.store(s, visit, "走访照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, None)
        # the core's own type: a program's (联组) has counts other tests check
        cluster = Cluster(cluster_type="core.group", name=unique("冒烟组团"))
        s.add(cluster)
        s.flush()
        s.add(ClusterMember(cluster_id=cluster.id, organization_id=org.id, joined_on=dt.date(2024, 1, 1)))
        link = UserOrganization(user_id=users["dfh_secretary"], organization_id=org.id)
        s.add(link)
        s.flush()
        ids = {"org_id": org.id, "po_id": po.id, "member_id": member.id, "instructor_id": instructor.id,
               "visit_id": visit.id, "attachment_id": attachment.id, "cluster_id": cluster.id, "entity": "members",
               "idn": idn}
    # a district's cluster that names this street's organization: the street's read-only view
    district = tree().by_slug["yuelu"].id
    with scoped_session(district) as s:
        s.info["skip_audit"] = True
        shared = Cluster(cluster_type="core.group", name=unique("冒烟区级组团"))
        s.add(shared)
        s.flush()
        s.add(ClusterMember(cluster_id=shared.id, organization_id=ids["org_id"], member_tenant_id=tid,
                            joined_on=dt.date(2024, 1, 1)))
        ids["shared_cluster_id"] = shared.id
    with scoped_session(tid) as s:
        s.info["skip_audit"] = True
        job = ImportJob(entity="organizations", filename="冒烟.xlsx", file_kind="xlsx", state="checked",
                        total_rows=3, processed_rows=3, created_count=2, error_count=1,
                        problems=[[3, "类别", "无效的选项「不存在」"]],
                        columns={"headers": ["单位全称", "性质"], "mapping": ["name", "kind"], "source": "proposed",
                                 "samples": [["冒烟企业"], ["民营企业"]]},
                        error_file=b"PK\x03\x04 error workbook")
        s.add(job)
        s.flush()
        ids["job_id"] = job.id
    yield ids
    # leave 东方红街道 as the demo made it (other tests count its party orgs and rows)
    files.discard(attachment)
    with scoped_session(district) as s:
        s.info["skip_audit"] = True
        s.execute(delete(ClusterMember).where(ClusterMember.cluster_id == ids["shared_cluster_id"]))
        s.execute(delete(Cluster).where(Cluster.id == ids["shared_cluster_id"]))
    with scoped_session(tid) as s:
        s.info["skip_audit"] = True
        for model, column, key in (
                (UserOrganization, UserOrganization.organization_id, "org_id"),
                (InstructorVisitAttachment, InstructorVisitAttachment.id, "attachment_id"),
                (InstructorVisit, InstructorVisit.id, "visit_id"),
                (InstructorAssignment, InstructorAssignment.organization_id, "org_id"),
                (ClusterMember, ClusterMember.cluster_id, "cluster_id"),
                (Cluster, Cluster.id, "cluster_id"),
                (Member, Member.id, "member_id"),
                (PartyOrgCoverage, PartyOrgCoverage.party_org_id, "po_id"),
                (PartyOrg, PartyOrg.id, "po_id"),
                (Organization, Organization.id, "org_id"),
                (ImportJob, ImportJob.id, "job_id")):
            s.execute(delete(model).where(column == ids[key]))
    if previous_dir is None:
        os.environ.pop("LIANDONG_REGISTRY_UPLOAD_DIR", None)
    else:
        os.environ["LIANDONG_REGISTRY_UPLOAD_DIR"] = previous_dir


def fill(path: str, ids: dict) -> str:
    out = path
    if "/clusters/shared/" in path and "shared_cluster_id" in ids:  # a district's cluster, not the street's own
        out = out.replace("{cluster_id:int}", str(ids["shared_cluster_id"]))
    for key in ("org_id", "po_id", "member_id", "instructor_id", "visit_id", "attachment_id", "cluster_id", "job_id"):
        out = out.replace("{%s:int}" % key, str(ids[key]))
    out = out.replace("{entity:str}", ids["entity"])
    assert "{" not in out, f"no value for a path parameter of {path}: add it to the world fixture"
    return out


def expected_status(path: str, permission: str | None, perms: frozenset[str]) -> int:
    if path.startswith("/imports"):  # open to a holder of any import kind's permission (core.registry.importer)
        kinds = importer.kinds_for_user(tenant_id(DFH), perms)
        if path.startswith("/imports/jobs/{job_id"):  # the world's job: an organizations import by staff
            if "organizations" not in kinds:
                return 403 if not kinds or not importer.limited(perms) else 404
            return 200
        if "{entity" in path:  # filled with "members"
            return 200 if "members" in kinds else 403
        return 200 if kinds else 403
    if permission and permission not in perms:
        return 403
    extra = EXTRA_RULES.get(path)
    if extra and not (extra & perms):
        return 403
    return 200


def test_every_get_route_is_known():
    routes = get_routes()
    assert len(routes) >= 30
    for path, permission in routes:
        assert permission, f"{path} has no permission"
        fill(path, {k: 1 for k in ("org_id", "po_id", "member_id", "instructor_id", "visit_id", "attachment_id",
                                   "cluster_id", "job_id")} | {"entity": "members"})


@pytest.mark.parametrize("username,slug", USERS, ids=[u for u, _ in USERS])
def test_every_registry_page_renders(world, as_user, username, slug):
    client = as_user(username)
    with scoped_session() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
    perms = authorizer.effective_permissions(user_id, tenant_id(slug))
    assert "registry:read" in perms
    failures, opened = [], 0
    for path, permission in get_routes():
        if slug != DFH and "{" in path:
            continue  # the district has no registry rows of its own: its lists, not DFH's details
        url = f"/t/{slug}" + fill(path, world) + QUERIES.get(path, "").format(**world)
        r = client.get(url)
        want = expected_status(path, permission, perms)
        if r.status_code != want:
            failures.append(f"{url}: {r.status_code}, expected {want}: {text_of(r.text)[:200]}")
            continue
        if want != 200:
            continue
        opened += 1
        kind = r.headers.get("content-type", "")
        if path.endswith(("/export", ".xlsx")):
            if not kind.startswith(XLSX) or not r.content.startswith(b"PK"):
                failures.append(f"{url}: not an xlsx ({kind})")
        elif path.endswith("/attachments/{attachment_id:int}"):
            if kind != "image/png" or not r.content.startswith(b"\x89PNG"):
                failures.append(f"{url}: not the stored photo ({kind})")
        elif path.endswith("/status"):
            if r.json().get("id") != world["job_id"]:
                failures.append(f"{url}: wrong job status {r.text[:200]}")
        elif "/pick/" in path:  # the pickers' JSON search (core/registry/web/pick.py)
            if not kind.startswith("application/json") or "items" not in r.json():
                failures.append(f"{url}: not a picker answer ({kind})")
        else:
            if not kind.startswith("text/html") or "</html>" not in r.text:
                failures.append(f"{url}: not a page ({kind})")
            if "<b>未建团组织</b>" in r.text:  # user text is escaped everywhere
                failures.append(f"{url}: unescaped user text")
            if world["idn"] in r.text:  # never the full ID number without an audited reveal
                failures.append(f"{url}: full ID number shown")
    assert not failures, "\n".join(failures)
    assert opened >= (10 if slug == DFH else 8)


def test_secretary_sees_own_rows_and_no_others(world, as_user):
    """The detail pages the secretary opened above are their own; a row outside answers 404."""
    client = as_user("dfh_secretary")
    with scoped_session(tenant_id(DFH)) as s:
        user_id = s.scalar(select(User.id).where(User.username == "dfh_secretary"))
        own = select(UserOrganization.organization_id).where(UserOrganization.user_id == user_id)
        other = s.scalar(select(Organization.id).where(Organization.id.not_in(own)).limit(1))
        other_member = s.scalar(select(Member.id).where(Member.organization_id.not_in(own)).limit(1))
    assert client.get(f"/t/{DFH}/organizations/{other}").status_code == 404
    assert client.get(f"/t/{DFH}/organizations/{other}/edit").status_code == 404
    assert client.get(f"/t/{DFH}/members/{other_member}").status_code == 404
    page = client.get(f"/t/{DFH}/members")
    assert page.status_code == 200 and "您是组织书记" in page.text
