"""How campaigns, phases, tasks, report obligations, reports and task files read in histories
(see :mod:`core.history`)."""

from __future__ import annotations

from core.history import FILE_FIELDS, FILE_HIDDEN, Labels
from plugins.campaigns.models import (
    Campaign,
    CampaignAttachment,
    CampaignPhase,
    CampaignReport,
    CampaignTask,
    ReportObligation,
)
from plugins.campaigns.service import CADENCES, CAMPAIGN_STATUSES, TASK_STATUSES

LABELS = [
    Labels(Campaign, "计划", {"title": "名称", "year": "年度", "description": "说明", "start_on": "开始日期",
                            "status": "状态"},
           hidden={"template_key"}, choices={"status": CAMPAIGN_STATUSES}, actions={"export": "导出计划"}),
    Labels(CampaignPhase, "阶段", {"title": "名称", "position": "顺序"}, hidden={"campaign_id"}),
    Labels(CampaignTask, "任务",
           {"phase_title": "阶段", "title": "名称", "description": "说明", "deadline": "截止日期", "status": "状态",
            "evidence": "完成情况", "completed_on": "完成日期"},
           hidden={"campaign_id", "phase_id", "campaign_tenant_id", "campaign_title", "phase_position"},
           choices={"status": TASK_STATUSES}),
    Labels(ReportObligation, "报送事项",
           {"title": "名称", "cadence": "周期", "due_day": "截止日", "figure_labels": "数据项", "description": "说明",
            "active": "启用"},
           choices={"cadence": CADENCES}),
    Labels(CampaignReport, "报送",
           {"period": "期次", "body": "内容", "figures": "数据", "submitted_on": "报送日期", "late": "逾期"},
           hidden={"obligation_id", "obligation_title", "submitted_by_id"},
           title=lambda v: f"{v.get('obligation_title') or ''} {v.get('period') or ''}".strip()),
    Labels(CampaignAttachment, "任务附件", {"task_id": "任务", **FILE_FIELDS}, hidden=FILE_HIDDEN),
]
