"""How the changsha program's rows read in change histories and the audit log (see core.history)."""

from __future__ import annotations

from core.history import Labels
from plugins.changsha.models import Association, GroupCensus, Platform, PlatformUnit, Point
from plugins.changsha.program import GROUP_LABELS
from plugins.changsha.service import ASSOCIATION_KINDS, POINT_STATUSES, UNIT_KINDS

LABELS = [
    Labels(Point, "楼宇商圈党建点提质升级", {"cluster_id": "党建点", "existing": "已建成党建点", "status": "状态",
                                     "centre_site_id": "党群服务中心", "target_year": "计划完成年度", "note": "备注"},
           choices={"status": POINT_STATUSES}, title="cluster_id"),
    Labels(GroupCensus, "新就业群体底数", {"year": "年度", "group_key": "群体", "headcount": "从业人数",
                                     "party_members": "其中党员", "platform_ids": "主要平台",
                                     "department_unit_id": "主管部门", "note": "备注"},
           choices={"group_key": GROUP_LABELS}, title=("group_key", "year")),
    Labels(Association, "新就业群体协会（联盟）", {"organization_id": "协会（联盟）", "group_key": "群体", "kind": "类型"},
           choices={"group_key": GROUP_LABELS, "kind": ASSOCIATION_KINDS}, title="organization_id"),
    Labels(Platform, "互联网平台企业", {"name": "名称", "hq_local": "总部在长沙", "organization_id": "总部",
                                 "hq_city": "总部所在城市", "groups": "服务群体", "note": "备注"}, title="name"),
    Labels(PlatformUnit, "平台企业在长机构", {"platform_id": "平台企业", "organization_id": "机构", "unit_kind": "机构类型"},
           choices={"unit_kind": UNIT_KINDS}, title="organization_id"),
]
