"""How sites and their photos read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.sites.models import Site, SitePhoto
from plugins.sites.service import MANAGER_KINDS, kinds


def _kinds(tenant) -> dict[str, str]:
    return {k: v.label for k, v in kinds(tenant).items()}


LABELS = [
    Labels(Site, "阵地与站点",
           {"kind": "类型", "name": "名称", "grade": "等级", "address": "地址", "community": "所在社区（村）",
            "opening_hours": "开放时间", "manager_kind": "管理单位类型", "manager_id": "管理单位编号",
            "manager_name": "管理单位", "services": "服务项目", "opened_on": "启用日期", "active": "在用",
            "note": "备注"},
           hidden={"manager_id"}, choices={"kind": _kinds, "manager_kind": MANAGER_KINDS},
           actions={"export": "导出阵地与站点"}),
    Labels(SitePhoto, "阵地照片",
           {"site_id": "阵地与站点", "description": "说明", "filename": "文件名", "content_type": "文件类型",
            "size": "大小（字节）", "sha256": "校验值", "stored_name": "存储名", "uploaded_by_id": "上传人"},
           hidden={"sha256", "stored_name", "content_type"}, title="filename"),
]
