"""How the registry's tables read in histories and the audit log (see :mod:`core.history`)."""

from __future__ import annotations

from collections.abc import Iterable

from core.history import FILE_FIELDS, FILE_HIDDEN, Labels
from core.registry.importer import JOB_STATES, ImportJob
from core.registry.mapping import ImportMapping
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    CoverageSnapshot,
    Instructor,
    InstructorAssignment,
    InstructorVisit,
    InstructorVisitAttachment,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.registry.schemas import MEMBER_FIELDS, ORGANIZATION_FIELDS, PARTY_ORG_FIELDS, FieldSpec


def _specs(specs: Iterable[FieldSpec]) -> tuple[dict[str, str], dict[str, dict]]:
    """Field labels and choice tables of a form's specs."""
    specs = list(specs)
    return ({s.key: s.label for s in specs}, {s.key: dict(s.choices) for s in specs if s.kind == "choice"})


def _cluster_types(tenant):
    from core.registry.services.clusters import BUILTIN_CLUSTER_TYPE, cluster_types

    return cluster_types(tenant) if tenant else {BUILTIN_CLUSTER_TYPE.key: BUILTIN_CLUSTER_TYPE}


def cluster_type_labels(tenant) -> dict[str, str]:
    """Cluster type key → label for ``tenant`` (its programs' types and the built-in one)."""
    return {key: ct.label for key, ct in _cluster_types(tenant).items()}


def _leader_titles(tenant) -> dict[str, str]:
    out: dict[str, str] = {}
    for ct in _cluster_types(tenant).values():  # the tenant's programs' types before the built-in one
        for rule in ct.leaders:
            out.setdefault(rule.title, rule.label)
    return out


def _member_kind_labels(tenant) -> dict[str, str]:
    from core.registry.services.clusters import kind_labels, member_kinds

    return kind_labels(member_kinds(tenant))


def _attribute_labels(tenant) -> dict[str, str]:
    from core.registry.services.clusters import COMPLETE_KEY, COMPLETED_ON_KEY

    out = {COMPLETE_KEY: "组建完成", COMPLETED_ON_KEY: "组建完成日期"}
    for ct in _cluster_types(tenant).values():
        for key, label in ct.attributes:
            out.setdefault(key, label)
    return out


_org_fields, _org_choices = _specs(ORGANIZATION_FIELDS)
_party_fields, _party_choices = _specs(PARTY_ORG_FIELDS)
_member_fields, _member_choices = _specs(MEMBER_FIELDS)
EXTRA_LABEL = "扩展信息"


def _code_list(name: str):
    def labels(tenant) -> dict[str, str]:
        from core.registry.extensions import code_list

        return code_list(tenant, name)
    return labels


def _extra_keys(entity: str):
    """Labels of the extra fields (``register_extra_fields``) of ``entity`` for the tenant."""
    def labels(tenant) -> dict[str, str]:
        from core.registry.extensions import extra_fields

        return {f.key: f.label for f in extra_fields(tenant, entity)} if tenant else {}
    return labels


_org_choices["industry"] = _code_list("industries")
_party_choices["formation_mode"] = _code_list("formation_modes")

LABELS = [
    Labels(Organization, "两新组织",
           {**_org_fields, "extra": EXTRA_LABEL, "contact_phone_enc": "联系电话", "community_tenant_id": "所属社区（辖区）",
            "party_org_id": "党组织", "instructor_id": "党建指导员", "start_on": "开始日期", "end_on": "结束日期"},
           choices=_org_choices, refs={"party_org_id": "party_orgs", "instructor_id": "instructors"},
           keys={"extra": _extra_keys("organization")},
           actions={"covered": "纳入党组织覆盖", "uncovered": "移出党组织覆盖", "instructor_assign": "分配党建指导员",
                    "instructor_end": "结束党建指导员分配", "instructor_delete": "删除党建指导员分配",
                    "export": "导出两新组织"}),
    Labels(PartyOrg, "党组织",
           {**_party_fields, "extra": EXTRA_LABEL, "parent_id": "上级党组织", "organization_id": "覆盖组织"},
           keys={"extra": _extra_keys("party_org")}, choices=_party_choices, refs={"organization_id": "organizations"},
           actions={"cover": "新增覆盖组织", "uncover": "移除覆盖组织"}),
    Labels(PartyOrgCoverage, "党组织覆盖", {"party_org_id": "党组织", "organization_id": "组织"},
           title="organization_id"),
    Labels(Member, "党员",
           {**_member_fields, "extra": EXTRA_LABEL, "id_number_enc": "身份证号", "phone_enc": "手机号", "party_org_id": "所在党组织",
            "organization_id": "工作单位"},
           keys={"extra": _extra_keys("member")}, choices=_member_choices, actions={"reveal": "查看完整身份证号和手机号",
                                             "export_full": "导出党员（含完整身份证号和手机号）"}),
    Labels(Instructor, "党建指导员",
           {"name": "姓名", "user_id": "平台账号", "unit": "派出单位", "phone_enc": "手机号", "active": "在岗",
            "organization_id": "组织", "start_on": "开始日期", "end_on": "结束日期"},
           refs={"organization_id": "organizations"},
           actions={"assign": "分配组织", "end_assignment": "结束组织分配", "delete_assignment": "删除组织分配"}),
    Labels(InstructorAssignment, "指导员分配",
           {"instructor_id": "党建指导员", "organization_id": "组织", "start_on": "开始日期", "end_on": "结束日期"},
           title="organization_id"),
    Labels(InstructorVisit, "指导员走访",
           {"instructor_id": "党建指导员", "organization_id": "走访组织", "visited_on": "走访日期",
            "findings": "发现的问题与情况", "follow_up": "跟进措施", "follow_up_done": "跟进已完成",
            "attachment_id": "附件", **FILE_FIELDS},
           hidden=FILE_HIDDEN, refs={"attachment_id": "instructor_visit_attachments"},
           actions={"attach": "上传走访附件", "detach": "删除走访附件"},
           title=lambda v: f"{v['visited_on']} 走访" if v.get("visited_on") else ""),
    Labels(InstructorVisitAttachment, "走访附件", {"visit_id": "走访记录", **FILE_FIELDS}, hidden=FILE_HIDDEN),
    Labels(Cluster, "{cluster}",
           {"cluster_type": "类型", "name": "名称", "area": "片区/范围", "lead_organization_id": "牵头单位",
            "lead_party_org_id": "牵头党组织", "description": "简介", "attributes": "其他信息",
            "archived_on": "归档日期"},
           choices={"cluster_type": cluster_type_labels}, keys={"attributes": _attribute_labels}),
    Labels(ClusterLeader, "{cluster}负责人",
           {"cluster_id": "所属组团", "title": "职务", "person_name": "姓名", "member_id": "党员",
            "organization_id": "所在单位", "user_id": "平台账号", "appointed_on": "任职日期", "letter_no": "聘书编号",
            "ended_on": "离任日期"},
           choices={"title": _leader_titles}, title="person_name"),
    Labels(ClusterMember, "{cluster}成员",
           {"cluster_id": "所属组团", "organization_id": "两新组织", "party_org_id": "党组织", "joined_on": "加入日期",
            "left_on": "退出日期", "member_kind": "成员类型", "ref_id": "成员编号", "member_tenant_id": "成员所属辖区"},
           choices={"member_kind": _member_kind_labels}, refs={"member_tenant_id": "tenants"},
           title=("organization_id", "party_org_id", "ref_id")),
    Labels(CoverageSnapshot, "覆盖情况月度快照", {"month": "月份", "figures": "数据"},
           title=lambda v: str(v.get("month") or "")[:7]),
    Labels(UserOrganization, "书记账号关联", {"user_id": "用户", "organization_id": "组织"}, title="user_id"),
    Labels(ImportJob, "台账导入",
           {"user_id": "用户", "username": "用户名", "entity": "导入内容", "filename": "文件名", "file_kind": "文件类型",
            "encoding": "编码", "size": "大小（字节）", "state": "状态", "total_rows": "总行数",
            "processed_rows": "已处理行数", "created_count": "新增", "updated_count": "更新",
            "unchanged_count": "未变", "error_count": "有误", "skipped_count": "跳过", "problems": "问题",
            "more_problems": "其余问题数", "ignored_columns": "未使用的列", "message": "说明", "finished_at": "完成时间",
            "columns": "列对应", "valid_only": "只导入无误的行"},
           hidden={"content", "error_file"}, choices={"state": JOB_STATES}, actions={"commit": "导入台账"}, title="filename"),
    Labels(ImportMapping, "导入列对应", {"entity": "导入内容", "signature": "表头特征", "headers": "表头",
                                    "mapping": "列对应"},
           hidden={"signature"}, title="entity"),
]
