"""The assessment engine's public API for program plugins: published results (reads) and rounds
(writes).

Programs reach the assessment engine only through this module (never
``plugins.assessment.service``). Reads see what the session's scope allows (a street's
session: its own; a district roll-up session: its subtree); only published rounds, which never
change, are visible to them.

Example (funds: reward the groups graded 优秀 in 2026)::

    from plugins.assessment import api as assessment

    for r in assessment.published_results(session, template_key="dongfanghong.group_ranking", year=2026):
        if r.grade == "优秀":
            propose_reward(r.target_kind, r.target_id, reason=f"{r.round_title}第{r.rank}名")

Writes flush and leave the commit to the caller. Bad input raises
:class:`core.forms.FormErrors` keyed by the field names below with Chinese messages, before
anything is written; a refused round step is keyed ``state``.

Fields of a round (:func:`create_round`)
    ``template`` (a template key, required) · ``period`` (e.g. ``"2026"``, ``"2026-Q3"``,
    required; the template's period kind) · ``target_mode`` (``all`` | ``chosen``) · ``targets``
    (ids, with ``chosen``) · ``title`` (≤ 200, default from template and period) ·
    ``cluster_type`` (cluster targets, when the template does not fix one) · ``note`` (≤ 5000).

Round steps (:func:`transition`): ``open`` → ``start_scoring`` → ``submit_review`` →
``publish`` (or ``return_scoring``); publishing ranks, grades and calls ``on_round_published``.

Scores (:func:`save_scores`): criterion key → value text or (value, evidence); errors keyed
``scores.<key>`` / ``evidence.<key>``.

Example (a program scoring and publishing its yearly ranking)::

    rnd = assessment.create_round(session, tenant, {"template": "myprogram.ranking", "period": "2026",
                                                    "target_mode": "all"})
    for action in ("open", "start_scoring"):
        assessment.transition(session, tenant, rnd, action)
    for sheet in assessment.sheets_of(session, rnd):
        assessment.save_scores(session, assessment.system_access(), sheet, {"venue": ("18", "阵地照片")})
    for action in ("submit_review", "publish"):
        assessment.transition(session, tenant, rnd, action)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.forms import FormErrors
from plugins.assessment import service as _svc
from plugins.assessment.models import AssessmentRound, AssessmentSheet
from plugins.assessment.results import (
    PublishedRound,
    Result,
    latest_result,
    published_results,
    published_round,
    published_rounds,
)
from plugins.assessment.types import (
    STAR_GRADE_BANDS,
    AssessmentTemplate,
    Criterion,
    GradeBand,
    Section,
    TargetKind,
)

__all__ = [
    "STAR_GRADE_BANDS", "STATES", "Access", "AssessmentRound", "AssessmentSheet", "AssessmentTemplate", "Criterion", "GradeBand",
    "PublishedRound", "Result", "Section", "TARGET_KINDS", "TargetKind", "access_of", "create_round", "latest_result", "load_demo",
    "published_results", "published_round", "published_rounds", "save_scores", "sheets_of", "system_access",
    "templates", "transition",
]

Access = _svc.Access
#: round states, key → label (draft, open, scoring, review, published)
STATES = _svc.STATES
#: target kinds, key → label: organization, party_org, cluster, member, tenant (the tenants right
#: below the round's: a district scoring its streets), unit (through ``register_assessment_target_kinds``)
TARGET_KINDS = _svc.TARGET_KINDS


def access_of(ctx) -> Access:
    """The signed-in principal of a request ``ctx`` with their assessment rights."""
    return _svc.Access.of(ctx)


def system_access(username: str = "system") -> Access:
    """A principal with every assessment right (demo data, scheduled jobs)."""
    return _svc.Access.system(username)


def templates(session: Session, tenant) -> dict[str, AssessmentTemplate]:
    """key → template ``tenant`` can open rounds of: its programs' registered ones and its own
    built in the UI (archived ones left out). ``period_kind`` says how often a round runs."""
    return {k: e.value for k, e in _svc.template_entries(session, tenant).items() if not e.archived}


def create_round(session: Session, tenant, fields: Mapping[str, Any]) -> AssessmentRound:
    """A draft round with a sheet per target (fields: see the module docstring)."""
    return _svc.create_round(session, tenant, fields)


def transition(session: Session, tenant, rnd: AssessmentRound, action: str) -> AssessmentRound:
    """Take one round step (see the module docstring)."""
    return _svc.transition(session, tenant, rnd, action)


def sheets_of(session: Session, rnd: AssessmentRound) -> list[AssessmentSheet]:
    """The round's sheets (one per target)."""
    return _svc.sheets_of(session, rnd)


def save_scores(session: Session, access: Access, sheet: AssessmentSheet, values: Mapping[str, Any],
                kind: str = "assessor", comment: str | None = None) -> None:
    """Enter scores by criterion key (``"18.5"`` or ``("18.5", "evidence")``; blank clears).
    ``kind`` ``assessor`` needs the round in scoring, ``self`` the round open. All-or-nothing."""
    keys = {c.id: c.key for c in sheet.round.template.criteria}
    try:
        _svc.save_scores_by_key(session, access, sheet, values, kind, comment)
    except FormErrors as exc:
        raise FormErrors({_public(k, keys): v for k, v in exc.errors.items()}) from None


def _public(key: str, keys: Mapping[int, str]) -> str:
    for prefix, name in (("score_", "scores"), ("evidence_", "evidence")):
        if key.startswith(prefix) and key[len(prefix):].isdigit() and int(key[len(prefix):]) in keys:
            return f"{name}.{keys[int(key[len(prefix):])]}"
    return key


def load_demo(session: Session, tenant, today: dt.date | None = None) -> None:
    """The engine's generic demo rounds for ``tenant`` (once: it looks for its own rows); a program's demo
    calls it first when it builds on them."""
    from plugins.assessment.demo import load_demo as _load

    _load(session, tenant, today)
