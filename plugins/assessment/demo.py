"""Demo data for a tenant that enabled the engine: one generic template and, if the tenant
has party orgs, one published round over four of them (with a tie, to show the ranking).

Deterministic (the round is the quarter before ``today``; scores are fixed) and idempotent
(nothing happens once the tenant has a template or a round). Programs bring their own
templates; this stays minimal.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import PartyOrg
from plugins.assessment import service as svc
from plugins.assessment.models import AssessmentTemplateVersion
from plugins.assessment.types import DEFAULT_GRADE_BANDS, AssessmentTemplate, Criterion, Section

DEMO_KEY = "demo-party-org-quarterly"

DEMO_TEMPLATE = AssessmentTemplate(
    key=DEMO_KEY,
    label="两新党组织党建工作季度考核（示例）",
    description="示例模板：按季度对两新党组织的基础工作、组织生活和作用发挥逐项打分，满分 100 分。",
    target_kind="party_org",
    period_kind="quarter",
    self_assessment=True,
    grade_bands=DEFAULT_GRADE_BANDS,
    sections=(
        Section("basics", "基础工作", (
            Criterion("venue", "活动阵地规范", 20, evidence="阵地照片、制度上墙情况"),
            Criterion("ledger", "台账资料完整", 20, evidence="党员名册、会议记录"),
        )),
        Section("life", "组织生活", (
            Criterion("meetings", "三会一课落实", 30, evidence="会议记录、签到表"),
        )),
        Section("role", "作用发挥", (
            Criterion("service", "服务企业发展", 30, evidence="典型事例"),
        )),
    ),
)

#: assessor points per target (criteria in order); the 2nd and 3rd tie on 84
DEMO_SCORES = [
    ("19", "18", "28", "27"),  # 92
    ("17", "16", "26", "25"),  # 84
    ("18", "17", "25", "24"),  # 84
    ("14", "15", "20", "19"),  # 68
]


def load_demo(session: Session, tenant, today: dt.date | None = None) -> None:
    # loaded already if its own template is stored (never "any template": a program may have its own)
    if session.scalar(select(AssessmentTemplateVersion.id).where(AssessmentTemplateVersion.key == DEMO_TEMPLATE.key)
                      .limit(1)):
        return
    version = svc.store_template(session, DEMO_TEMPLATE, source="custom")
    # branches before the street's root committee (the one without a parent)
    party_orgs = list(session.scalars(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None))
                                      .order_by(PartyOrg.parent_id.is_(None), PartyOrg.id).limit(len(DEMO_SCORES))))
    if not party_orgs:
        return
    period = svc.previous_period("quarter", today or clock.today())
    rnd = svc.create_round(session, tenant, {
        "template": version.key, "period": period.key, "target_mode": "chosen",
        "targets": [po.id for po in party_orgs],
        "note": "演示数据：示例考核轮次，含并列名次。",
    })
    access = svc.Access.system(session.info.get("username") or "demo")
    svc.transition(session, tenant, rnd, "open")
    svc.transition(session, tenant, rnd, "start_scoring")
    points_of = {po.id: DEMO_SCORES[i] for i, po in enumerate(party_orgs)}
    for sheet in svc.sheets_of(session, rnd):
        values = {c.key: (p, f"已查阅{c.evidence}") for c, p in zip(DEMO_TEMPLATE.criteria, points_of[sheet.target_id], strict=False)}
        svc.save_scores_by_key(session, access, sheet, values, comment="演示评语：工作扎实，台账规范。")
    svc.transition(session, tenant, rnd, "submit_review")
    svc.transition(session, tenant, rnd, "publish")

