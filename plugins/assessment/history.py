"""The change history of templates, rounds, sheets, scores and appeals, in words.

The core audit log stores column names and raw values; the pages show them the way the lists,
campaigns and funds engines do: which object, what was done, and labelled values (states,
target kinds and criteria by their Chinese names; bookkeeping columns left out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.models import AuditEntry
from core.web.templating import localtime
from plugins.assessment.models import AssessmentCriterion, AssessmentScore
from plugins.assessment.service import APPEAL_OUTCOMES, APPEAL_STATUSES, SCORE_KINDS, STATES
from plugins.assessment.types import PERIOD_KINDS, SCORING_MODES, TARGET_KINDS

ENTITIES = {"assessment_templates": "考核模板", "assessment_rounds": "考核", "assessment_sheets": "考核表",
            "assessment_scores": "评分", "assessment_appeals": "申诉", "assessment_attachments": "佐证文件"}
VERBS = {"create": "新建", "update": "修改", "delete": "删除"}
LABELS = {
    "key": "模板标识", "version": "版本", "source": "来源", "label": "名称", "description": "说明",
    "target_kind": "考核对象", "period_kind": "周期", "scoring": "计分方式", "scale_max": "满分",
    "rating_max": "评分上限", "precision": "保留小数位", "self_assessment": "自评", "grade_bands": "等次",
    "archived": "已停用", "title": "考核名称", "period": "考核期间", "period_start": "期间开始",
    "period_end": "期间结束", "state": "状态", "note": "备注", "opened_at": "开启时间", "published_at": "发布时间",
    "published_by": "发布人", "target_name": "考核对象", "comment": "评语", "self_comment": "自评说明",
    "self_submitted_at": "自评提交时间", "total": "总分", "self_total": "自评总分", "grade": "等次", "rank": "名次",
    "criterion_id": "指标", "kind": "类别", "value": "分值", "evidence": "佐证", "scored_by": "评分人",
    "body": "申诉内容", "submitted_by": "申诉人", "status": "处理状态", "outcome": "处理结果",
    "resolution": "处理意见", "resolved_by": "处理人", "resolved_at": "处理时间",
    "filename": "文件名", "content_type": "文件类型", "size": "大小（字节）", "uploaded_by": "上传人",
}
HIDDEN = {"id", "tenant_id", "created_at", "updated_at", "template_id", "template_key", "round_id", "sheet_id",
          "target_id", "cluster_type", "fingerprint", "scored_by_id", "submitted_by_id", "uploaded_by_id",
          "sha256", "stored_name"}
TIMES = {"opened_at", "published_at", "self_submitted_at", "resolved_at"}
CHOICES = {"state": STATES, "target_kind": TARGET_KINDS, "period_kind": PERIOD_KINDS, "scoring": SCORING_MODES,
           "kind": SCORE_KINDS, "status": APPEAL_STATUSES, "outcome": APPEAL_OUTCOMES,
           "source": {"program": "项目注册", "custom": "自定义"}}


@dataclass
class HistoryRow:
    created_at: Any
    username: str
    entity: str
    verb: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _value(key: str, value: Any, criteria: dict[int, str]) -> Any:
    if value is None or value == "":
        return "—"
    if key == "criterion_id":
        return criteria.get(value, value)
    if key in CHOICES:
        return CHOICES[key].get(value, value)
    if key == "grade_bands" and isinstance(value, list):
        return "、".join(f"{label}≥{low}" for label, low in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in TIMES and isinstance(value, str):
        try:
            return localtime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _readable(values: dict[str, Any] | None, criteria: dict[int, str]) -> dict[str, Any] | None:
    if not values:
        return None
    out = {LABELS.get(k, k): _value(k, v, criteria) for k, v in values.items() if k not in HIDDEN}
    return out or None


def history(session: Session, tenant_id: int, pairs: list[tuple[str, list[int]]], limit: int = 100
            ) -> list[HistoryRow]:
    """The newest ``limit`` audit rows of the given (table, ids) pairs of ``tenant_id``, in words."""
    conds = [(AuditEntry.entity == entity) & AuditEntry.entity_id.in_([str(i) for i in ids])
             for entity, ids in pairs if ids]
    if not conds:
        return []
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id, or_(*conds))
                                   .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))
    ids = {v.get("criterion_id") for e in entries for v in (e.before or {}, e.after or {})} - {None}
    criteria = dict(session.execute(select(AssessmentCriterion.id, AssessmentCriterion.label)
                                    .where(AssessmentCriterion.id.in_(ids))).all()) if ids else {}
    # a score has no name of its own: it is named after its criterion
    score_ids = {int(e.entity_id) for e in entries if e.entity == "assessment_scores" and e.entity_id}
    scored = dict(session.execute(select(AssessmentScore.id, AssessmentCriterion.label)
                                  .join(AssessmentCriterion, AssessmentCriterion.id == AssessmentScore.criterion_id)
                                  .where(AssessmentScore.id.in_(score_ids))).all()) if score_ids else {}
    return [HistoryRow(e.created_at, e.username, ENTITIES.get(e.entity, e.entity),
                       VERBS.get(e.action.rsplit(".", 1)[-1], e.action),
                       e.summary or (scored.get(int(e.entity_id), "") if e.entity == "assessment_scores" else ""),
                       _readable(e.before, criteria), _readable(e.after, criteria))
            for e in entries]
