"""How templates, criteria, rounds, sheets, scores, appeals and evidence files read in histories
(see :mod:`core.history`)."""

from __future__ import annotations

from core.history import FILE_FIELDS, FILE_HIDDEN, Labels
from plugins.assessment.models import (
    AssessmentAppeal,
    AssessmentAttachment,
    AssessmentCriterion,
    AssessmentRound,
    AssessmentScore,
    AssessmentSheet,
    AssessmentTemplateVersion,
)
from plugins.assessment.service import APPEAL_OUTCOMES, APPEAL_STATUSES, SCORE_KINDS, STATES
from plugins.assessment.types import PERIOD_KINDS, SCORING_MODES, TARGET_KINDS

SOURCES = {"program": "项目注册", "custom": "自定义"}


def _bands(value) -> str:
    return "、".join(f"{label}≥{low}" for label, low in value) if isinstance(value, list) else str(value)


def _cluster_types(tenant) -> dict[str, str]:
    from core.registry.history import cluster_type_labels

    return cluster_type_labels(tenant)


LABELS = [
    Labels(AssessmentTemplateVersion, "考核模板",
           {"key": "模板标识", "version": "版本", "source": "来源", "label": "名称", "description": "说明",
            "target_kind": "考核对象", "cluster_type": "组团类型", "period_kind": "周期", "scoring": "计分方式",
            "scale_max": "满分", "rating_max": "评分上限", "precision": "保留小数位", "self_assessment": "自评",
            "grade_bands": "等次", "archived": "已停用"},
           hidden={"fingerprint"},
           choices={"source": SOURCES, "target_kind": TARGET_KINDS, "period_kind": PERIOD_KINDS,
                    "scoring": SCORING_MODES, "cluster_type": _cluster_types},
           formats={"grade_bands": _bands}),
    Labels(AssessmentCriterion, "考核指标",
           {"template_id": "考核模板", "position": "顺序", "section_key": "分组标识", "section_label": "分组",
            "key": "指标标识", "label": "指标", "max_points": "分值", "weight": "权重", "evidence": "佐证要求",
            "description": "说明"}),
    Labels(AssessmentRound, "考核",
           {"template_id": "考核模板", "template_key": "模板标识", "title": "考核名称", "target_kind": "考核对象",
            "cluster_type": "组团类型", "period_kind": "周期", "period": "考核期间", "period_start": "期间开始",
            "period_end": "期间结束", "state": "状态", "note": "备注", "opened_at": "开启时间",
            "published_at": "发布时间", "published_by": "发布人"},
           choices={"state": STATES, "target_kind": TARGET_KINDS, "period_kind": PERIOD_KINDS,
                    "cluster_type": _cluster_types},
           actions={"export": "导出考核"}),
    Labels(AssessmentSheet, "考核表",
           {"round_id": "考核", "target_kind": "考核对象类型", "target_id": "考核对象编号", "target_name": "考核对象",
            "comment": "评语", "self_comment": "自评说明", "self_submitted_at": "自评提交时间", "total": "总分",
            "self_total": "自评总分", "grade": "等次", "rank": "名次"},
           hidden={"target_id"}, choices={"target_kind": TARGET_KINDS}, title="target_name"),
    Labels(AssessmentScore, "评分",
           {"sheet_id": "考核表", "criterion_id": "指标", "kind": "类别", "value": "分值", "evidence": "佐证",
            "scored_by_id": "评分账号", "scored_by": "评分人"},
           choices={"kind": SCORE_KINDS}, title="criterion_id"),
    Labels(AssessmentAppeal, "申诉",
           {"round_id": "考核", "sheet_id": "考核表", "body": "申诉内容", "submitted_by_id": "申诉账号",
            "submitted_by": "申诉人", "status": "处理状态", "outcome": "处理结果", "resolution": "处理意见",
            "resolved_by": "处理人", "resolved_at": "处理时间"},
           choices={"status": APPEAL_STATUSES, "outcome": APPEAL_OUTCOMES}, title="sheet_id"),
    Labels(AssessmentAttachment, "佐证文件", {"sheet_id": "考核表", "kind": "类别", "uploaded_by": "上传人",
                                          **FILE_FIELDS, "uploaded_by_id": "上传账号"},
           hidden=FILE_HIDDEN, choices={"kind": SCORE_KINDS}),
]
