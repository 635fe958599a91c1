"""The registry's import kinds beyond organizations, party orgs and members (issue 13):
instructors with the organizations they guide, party-org coverage, and clusters with their
members. Registered by :func:`core.registry.register_import_kinds` like any plugin's kinds.

Each kind is one :class:`~core.registry.importer.ImportKind`: fields with Chinese labels, a
cleaner, and a ``batch(run, rows)`` that matches rows with existing records (so a file
imported twice writes nothing the second time) and calls ``run.upsert``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from core import clock, crypto
from core.registry.importer import ENTITIES, EXAMPLE_MARK, ImportKind, ImportRun, split_list
from core.registry.models import (
    Cluster,
    ClusterMember,
    Instructor,
    InstructorAssignment,
    PartyOrgCoverage,
)
from core.registry.schemas import FieldSpec, clean

# --- instructors -------------------------------------------------------------------------------

INSTRUCTOR_FIELDS = (
    FieldSpec("name", "姓名", required=True, max_length=50),
    FieldSpec("unit", "派出单位", max_length=100),
    FieldSpec("phone", "手机号", "mobile"),
    FieldSpec("active", "在岗", "bool"),
    FieldSpec("organizations", "负责组织", "ref", max_length=5000,
              help="指导的两新组织：统一社会信用代码或组织名称，多个用“、”分隔；须已在系统中"),
    FieldSpec("start_on", "指导开始日期", "date"),
)


def clean_instructor_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    if raw.get("active") is None or str(raw.get("active")).strip() == "":
        raw = {**raw, "active": "是"}  # an instructor listed in a ledger is serving
    return clean(list(INSTRUCTOR_FIELDS), raw)


def _instructor_batch(run: ImportRun, rows: list) -> None:
    names = set()
    with_unit = "unit" in run.present
    for row in rows:
        if "name" in row.errors:
            continue
        row.key = (row.values["name"], row.values.get("unit", "") if with_unit else None)
        if not run.duplicate(row, ("instructor", *row.key), "name"):
            names.add(row.values["name"])
    existing: dict[str, list[Instructor]] = {}
    if names:
        for obj in run.session.scalars(select(Instructor).where(Instructor.name.in_(names))):
            existing.setdefault(obj.name, []).append(obj)
    if "phone" in run.present:
        run.present.add("phone_enc")
    today = clock.today()
    for row in rows:
        if row.key is None:
            continue
        name, unit = row.key
        matches = [o for o in existing.get(name, []) if unit is None or (o.unit or "") == unit]
        if len(matches) > 1:
            row.errors.setdefault("name", f"系统中有多个名为「{name}」的指导员，请填写派出单位以区分")
        obj = matches[0] if len(matches) == 1 else None
        org_ids: set[int] = set()
        for part in split_list(row.values.get("organizations")):
            found, problem = run.reference("organization", part)
            if problem:
                row.errors.setdefault("organizations", problem)
            elif found:
                org_ids.add(found)
        if row.errors:
            continue
        phone = row.values.get("phone")
        if obj is None or ("phone" in run.present and crypto.decrypt(obj.phone_enc) != (phone or None)):
            row.values["phone_enc"] = crypto.encrypt(phone) if phone else None
        current: set[int] = set()
        if obj is not None and org_ids:
            current = set(run.session.scalars(select(InstructorAssignment.organization_id).where(
                InstructorAssignment.instructor_id == obj.id,
                or_(InstructorAssignment.end_on.is_(None), InstructorAssignment.end_on > today))))
        new = org_ids - current
        outcome, written = run.upsert(row, obj, also_changed=bool(new))
        if run.writing and new:
            if outcome == "created":
                run.session.flush()
            for org_id in sorted(new):
                run.session.add(InstructorAssignment(instructor_id=written.id, organization_id=org_id,
                                                     start_on=row.values.get("start_on") or today))


INSTRUCTORS = ImportKind(
    "instructors", "党建指导员", Instructor, INSTRUCTOR_FIELDS, clean_instructor_row, "instructors",
    ("name",), {}, {},
    {"name": EXAMPLE_MARK + "王指导", "unit": "区委组织部", "phone": "13700137000", "active": "是",
     "organizations": ENTITIES["organizations"].example["credit_code"], "start_on": "2024-03-01"},
    synonyms={"姓名": ("指导员", "指导员姓名", "党建指导员", "党建指导员姓名"),
              "派出单位": ("单位", "工作单位", "所在单位", "选派单位"),
              "手机号": ("联系电话", "电话", "手机", "联系方式"),
              "在岗": ("是否在岗", "状态"),
              "负责组织": ("联系企业", "指导企业", "指导组织", "联系组织", "负责企业", "包联企业", "包联组织"),
              "指导开始日期": ("开始日期", "选派日期", "派驻日期", "开始时间")},
    batch=_instructor_batch, guide="按姓名（填写了派出单位时按姓名和派出单位）识别指导员；负责组织只增加，不会移除。",
    extra_keys=("phone", "organizations", "start_on"),
)

# --- party-org coverage ------------------------------------------------------------------------

COVERAGE_FIELDS = (
    FieldSpec("party_org", "党组织名称", "ref", required=True),
    FieldSpec("organization", "覆盖组织", "ref", required=True,
              help="被覆盖的两新组织：统一社会信用代码或组织名称（每行一个）；须已在系统中"),
)


def _coverage_batch(run: ImportRun, rows: list) -> None:
    for row in rows:
        for key in ("party_org", "organization"):
            if key in row.errors or not row.values.get(key):
                continue
            found, problem = run.reference(key, str(row.values[key]))
            if problem:
                row.errors.setdefault(key, problem)
            row.values[f"{key}_id"] = found
        if row.errors:
            continue
        row.key = (row.values["party_org_id"], row.values["organization_id"])
        run.duplicate(row, ("coverage", *row.key), "organization")
    pairs = [r.key for r in rows if r.key and not r.errors]
    existing = {}
    if pairs:
        po_ids = {p for p, _ in pairs}
        for link in run.session.scalars(select(PartyOrgCoverage).where(PartyOrgCoverage.party_org_id.in_(po_ids))):
            existing[(link.party_org_id, link.organization_id)] = link
    for row in rows:
        if row.errors or row.key is None:
            continue
        run.upsert(row, existing.get(row.key))


COVERAGE = ImportKind(
    "coverage", "党组织覆盖关系", PartyOrgCoverage, COVERAGE_FIELDS, lambda raw: clean(list(COVERAGE_FIELDS), raw),
    "coverage", ("party_org", "organization"), {},
    {"party_org": "party_org_id", "organization": "organization_id"},
    {"party_org": EXAMPLE_MARK + "长沙某某科技有限公司党支部",
     "organization": ENTITIES["organizations"].example["credit_code"]},
    synonyms={"党组织名称": ("党组织", "所在党组织", "覆盖党组织", "党支部"),
              "覆盖组织": ("组织名称", "企业名称", "单位名称", "被覆盖组织", "覆盖企业", "覆盖单位", "统一社会信用代码")},
    batch=_coverage_batch, guide="每行一对党组织和组织；已有的覆盖关系不变，不会移除文件中没有的关系。",
)

# --- clusters and their members ----------------------------------------------------------------

CLUSTER_MEMBER_FIELDS = (
    FieldSpec("cluster", "组团名称", required=True, max_length=200),
    FieldSpec("cluster_type", "组团类型", "ref", required=True, help="联组、党建联盟等（本辖区启用的组团类型）"),
    FieldSpec("organization", "成员组织", "ref", help="统一社会信用代码或组织名称；与成员党组织填写其一"),
    FieldSpec("party_org", "成员党组织", "ref", help="党组织名称；与成员组织填写其一"),
    FieldSpec("joined_on", "加入日期", "date"),
)


def _cluster_types(run: ImportRun) -> dict[str, Any]:
    from core.registry.services.clusters import cluster_types
    from core.tenancy import tree

    tenant_id = run.session.info.get("tenant_id")
    return run.cached(("cluster_types",), lambda: cluster_types(tree().by_id[tenant_id]))


def _clean_cluster_member(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = clean(list(CLUSTER_MEMBER_FIELDS), raw)
    if not errors and not values.get("organization") and not values.get("party_org"):
        errors["organization"] = "成员组织：请填写成员组织或成员党组织"
    if values.get("organization") and values.get("party_org"):
        errors["party_org"] = "成员党组织：每行只填一个成员（成员组织或成员党组织）"
    return values, errors


def _cluster_member_batch(run: ImportRun, rows: list) -> None:
    from core.registry.services.clusters import MEMBER_KINDS, exclusive_conflict

    types = _cluster_types(run)
    by_label = {ct.label: key for key, ct in types.items()} | {key: key for key in types}
    today = clock.today()
    for row in rows:
        if row.errors:
            continue
        type_key = by_label.get(str(row.values["cluster_type"]))
        if type_key is None:
            row.errors["cluster_type"] = (f"无效的选项「{row.values['cluster_type']}」，可选："
                                          + "、".join(ct.label for ct in types.values()))
            continue
        ct = types[type_key]
        kind = "organization" if row.values.get("organization") else "party_org"
        if kind not in ct.member_kinds:
            row.errors[kind] = f"{ct.label}只能包含" + "、".join(MEMBER_KINDS[k] for k in ct.member_kinds)
            continue
        found, problem = run.reference(kind, str(row.values[kind]))
        if problem:
            row.errors[kind] = problem
            continue
        name = row.values["cluster"]
        cluster = run.cached(("cluster", type_key, name), lambda t=type_key, n=name: run.session.scalar(
            select(Cluster).where(Cluster.cluster_type == t, Cluster.name == n, Cluster.archived_on.is_(None))
            .order_by(Cluster.id).limit(1)) or False)
        if run.duplicate(row, ("cluster_member", type_key, name, kind, found), kind):
            continue
        column = ClusterMember.organization_id if kind == "organization" else ClusterMember.party_org_id
        member = None
        if cluster:
            member = run.session.scalar(select(ClusterMember).where(
                ClusterMember.cluster_id == cluster.id, column == found,
                or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > today)).limit(1))
        if member is None and ct.exclusive_members:
            other = exclusive_conflict(run.session, cluster or Cluster(cluster_type=type_key), kind, found)
            if other and other != name:
                row.errors[kind] = f"已在{ct.label}「{other}」中，同一时间只能属于一个{ct.label}"
                continue
        if member is None and not cluster and run.writing:
            cluster = Cluster(cluster_type=type_key, name=name, attributes={})
            run.session.add(cluster)
            run.session.flush()
            run.ref_cache[("cluster", type_key, name)] = cluster
        row.values.update(cluster_id=cluster.id if cluster else None,
                          organization_id=found if kind == "organization" else None,
                          party_org_id=found if kind == "party_org" else None,
                          joined_on=row.values.get("joined_on") or (member.joined_on if member else today))
        run.upsert(row, member)


CLUSTER_MEMBERS = ImportKind(
    "cluster_members", "组团及成员", ClusterMember, CLUSTER_MEMBER_FIELDS, _clean_cluster_member, "clusters",
    ("cluster", "cluster_type"), {}, {},
    {"cluster": EXAMPLE_MARK + "某某片区联组", "cluster_type": "联组",
     "organization": ENTITIES["organizations"].example["credit_code"], "party_org": "", "joined_on": "2024-03-01"},
    synonyms={"组团名称": ("联组名称", "联盟名称", "组团", "联组", "党建联盟", "党建联盟名称"),
              "组团类型": ("类型", "组团类别"),
              "成员组织": ("成员单位", "成员企业", "组织名称", "企业名称", "单位名称"),
              "成员党组织": ("党组织", "党组织名称", "成员党支部"),
              "加入日期": ("加入时间", "入盟日期")},
    batch=_cluster_member_batch,
    guide="每行一个组团成员；组团按类型和名称识别，没有的自动新建（组长等请在组团页面设置）；已是成员的不变。",
    extra_keys=("cluster", "cluster_type", "organization", "party_org"),
)


def registry_kinds(tenant=None) -> list[ImportKind]:
    """The registry's kinds; for a tenant, with its code lists and extra fields
    (:func:`core.registry.extensions.import_kind`)."""
    from core.registry.extensions import import_kind

    entities = [import_kind(k, tenant) for k in ENTITIES.values()] if tenant is not None else list(ENTITIES.values())
    return [*entities, INSTRUCTORS, COVERAGE, CLUSTER_MEMBERS]
