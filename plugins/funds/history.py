"""How budget lines and disbursements read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels, plugin_labels
from plugins.funds.models import BudgetLine, Disbursement
from plugins.funds.service import CATEGORIES, STATUSES, TARGET_KINDS, yuan

SOURCES = {"manual": "人工申请", "reward": "奖励规则"}


def _sources(tenant) -> dict[str, str]:
    """Manual, reward rules, or the program plugin that requested it."""
    return {**plugin_labels(tenant), **SOURCES}

LABELS = [
    Labels(BudgetLine, "预算",
           {"year": "年度", "target_kind": "对象类型", "target_name": "对象", "category": "类别", "title": "名称",
            "amount_fen": "金额（元）", "note": "备注"},
           hidden={"target_id"}, choices={"category": CATEGORIES, "target_kind": TARGET_KINDS},
           formats={"amount_fen": yuan}, actions={"export": "导出经费"}),
    Labels(Disbursement, "拨付",
           {"line_id": "预算", "amount_fen": "金额（元）", "purpose": "用途", "payee": "收款方", "status": "状态",
            "requested_on": "申请日期", "requested_by": "申请人", "decided_on": "审批日期", "decided_by": "审批人",
            "paid_on": "拨付日期", "reject_reason": "驳回原因", "source": "来源"},
           hidden={"source_key"}, choices={"status": STATUSES, "source": _sources}, formats={"amount_fen": yuan},
           title="purpose"),
]
