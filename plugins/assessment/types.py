"""Value types of the assessment engine (考核评议).

A program plugin describes each evaluation it runs as an :class:`AssessmentTemplate` and
returns it from ``register_assessment_templates``: who is assessed (``target_kind``), how
often (``period_kind``), the criteria tree (:class:`Section` → :class:`Criterion`), how a
total is computed (``scoring``) and how totals map to grades (:class:`GradeBand`).

Arithmetic (also in README.md):

* ``scoring="points"`` — each criterion has ``max_points``; the assessor gives 0 … max
  points; the total is the sum; full marks = Σ max_points (100 for a 100-point sheet, 12
  for 12分制).
* ``scoring="weighted"`` — each criterion has a ``weight`` (any positive numbers: 30/30/40
  or 0.3/0.3/0.4); the assessor rates it 0 … ``rating_max`` (e.g. 100, or 5 stars); the
  total is Σ(rating / rating_max × weight) / Σ weight × ``scale_max``.

Entered values have at most two decimals. Totals are computed exactly with
:class:`~decimal.Decimal` and rounded once, at the end, to ``precision`` decimals (0–2)
half-up (四舍五入). Ranks and grades use the rounded total, so two targets that show the
same total share a rank.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core import periods


class _Labels(dict):
    """Target kind → label; a kind a plugin registers under its own key reads as that key where
    no tenant is at hand (pages of a tenant use :func:`plugins.assessment.service.kind_labels`)."""

    def __missing__(self, key: str) -> str:
        return key


#: who a round assesses. ``tenant``: the tenants right below the round's (a district scoring its
#: streets, JH-5 一年一述职); ``unit`` — and any ``"<plugin>.<name>"`` key — is resolved through
#: ``register_assessment_target_kinds`` (the ``units`` block registers ``unit``: 成员单位、行业部门,
#: NH-3)
TARGET_KINDS = _Labels({"organization": "两新组织", "party_org": "党组织", "cluster": "组团", "member": "党员",
                        "tenant": "下级辖区", "unit": "单位"})
#: the kinds the engine resolves itself (the others come from ``register_assessment_target_kinds``)
BUILTIN_TARGET_KINDS = ("organization", "party_org", "cluster", "member", "tenant")


def registered_kind_key(key: str) -> bool:
    """A key a plugin may register a target kind under: ``unit`` or ``"<plugin>.<name>"`` (≤ 20)."""
    import re

    return key == "unit" or (len(key) <= 20 and re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", key) is not None)


@dataclass(frozen=True)
class TargetKind:
    """Who else a round may assess (``register_assessment_target_kinds``): the ``units`` block's
    units (key ``unit``) …

    ``options(session, tenant) -> [(id, name)]``: the targets a round of ``tenant`` may take
    (``session`` is scoped to it); ``href(id) -> path | ""``: the target's page relative to the
    tenant (``"units/12"``); ``own_ids(session, user_id) -> set[int]``: the targets a user answers
    for (self-assessment, appeals), empty by default.
    """

    key: str
    label: str
    options: Any
    href: Any = None
    own_ids: Any = None

    def __post_init__(self) -> None:
        if not registered_kind_key(self.key):
            raise ValueError(f"TargetKind key {self.key!r} must be 'unit' or '<plugin>.<name>' (≤ 20 characters)")
PERIOD_KINDS = dict(periods.KINDS)  # week, month, quarter, half_year, year (core.periods)
SCORING_MODES = {"points": "按分值计分（逐项打分后相加）", "weighted": "按权重计分（逐项评分后加权）"}

ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    """A finite Decimal from an int, str or Decimal (floats via their shortest repr)."""
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, float):
        out = Decimal(repr(value))
    else:
        out = Decimal(str(value).strip())
    if not out.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return out


def quantize(value: Decimal, precision: int) -> Decimal:
    """Round half-up (四舍五入) to ``precision`` decimals."""
    return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Criterion:
    """One scored item. ``evidence``: what the assessor must record as proof (佐证材料要求);
    when it is set, a score without evidence text is refused."""

    key: str
    label: str
    max_points: Decimal = ZERO
    weight: Decimal = ZERO
    evidence: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_points", dec(self.max_points))
        object.__setattr__(self, "weight", dec(self.weight))


@dataclass(frozen=True)
class Section:
    """A group of criteria (一级指标), e.g. 阵地建设 / 规范管理 / 作用发挥."""

    key: str
    label: str
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))


@dataclass(frozen=True)
class GradeBand:
    """A total ≥ ``min_total`` earns ``label`` (the highest band that fits wins)."""

    label: str
    min_total: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_total", dec(self.min_total))


def band(value: GradeBand | Sequence[Any]) -> GradeBand:
    return value if isinstance(value, GradeBand) else GradeBand(str(value[0]), dec(value[1]))


def bands(values: Iterable[GradeBand | Sequence[Any]]) -> tuple[GradeBand, ...]:
    """Bands sorted from the highest threshold down; accepts ``("优秀", 90)`` pairs."""
    return tuple(sorted((band(v) for v in values), key=lambda b: b.min_total, reverse=True))


DEFAULT_GRADE_BANDS = bands([("优秀", 90), ("良好", 75), ("一般", 60), ("较差", 0)])
STAR_GRADE_BANDS = bands([("五星", 90), ("四星", 80), ("三星", 70), ("二星", 60), ("一星", 0)])


def grade_for(total: Decimal | None, grade_bands: Sequence[GradeBand]) -> str:
    """The label of the highest band whose threshold ``total`` reaches; "" if none does."""
    if total is None:
        return ""
    for b in sorted(grade_bands, key=lambda b: b.min_total, reverse=True):
        if total >= b.min_total:
            return b.label
    return ""


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """Standard competition ranking (1, 2, 2, 4): higher totals first, equal totals share a
    rank and the next rank skips. Returns the rank of each input, in input order."""
    ordered = sorted(totals, reverse=True)
    first: dict[Decimal, int] = {}
    for i, t in enumerate(ordered, start=1):
        first.setdefault(t, i)
    return [first[t] for t in totals]


@dataclass(frozen=True)
class AssessmentTemplate:
    """One kind of evaluation a program runs (e.g. 联组考核评优, 书记述职评议, 五星三强).

    ``key`` is globally unique and stable ("<program>.<name>"): results are queried by it.
    ``cluster_type`` (only for ``target_kind="cluster"``) restricts targets to clusters of
    that type. ``self_assessment``: the target's secretary may enter a self-assessment while
    the round is open (shown beside the assessors' scores; it does not change the total).
    """

    key: str
    label: str
    target_kind: str
    period_kind: str
    sections: tuple[Section, ...]
    grade_bands: tuple[GradeBand, ...] = DEFAULT_GRADE_BANDS
    scoring: str = "points"
    scale_max: Decimal = Decimal(100)
    rating_max: Decimal = Decimal(100)
    precision: int = 2
    cluster_type: str = ""
    self_assessment: bool = False
    description: str = ""
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "grade_bands", bands(self.grade_bands))
        object.__setattr__(self, "scale_max", dec(self.scale_max))
        object.__setattr__(self, "rating_max", dec(self.rating_max))
        object.__setattr__(self, "cluster_type", self.cluster_type or "")
        problems = self.problems()
        if problems:
            raise ValueError(f"assessment template {self.key!r}: " + "; ".join(problems))

    # --- checks ---------------------------------------------------------------------------

    def problems(self) -> list[str]:
        out = []
        if not self.key or len(self.key) > 100:
            out.append("key must be 1–100 characters")
        if not self.label:
            out.append("label is required")
        if self.target_kind not in TARGET_KINDS and not registered_kind_key(self.target_kind):
            out.append(f"target_kind must be one of {sorted(TARGET_KINDS)} or a registered '<plugin>.<name>'")
        if self.cluster_type and self.target_kind != "cluster":
            out.append("cluster_type only applies to target_kind='cluster'")
        if self.period_kind not in PERIOD_KINDS:
            out.append(f"period_kind must be one of {sorted(PERIOD_KINDS)}")
        if self.scoring not in SCORING_MODES:
            out.append(f"scoring must be one of {sorted(SCORING_MODES)}")
        if not 0 <= self.precision <= 2:
            out.append("precision must be 0, 1 or 2")
        criteria = self.criteria
        if not criteria:
            out.append("at least one criterion is needed")
        keys = [c.key for c in criteria]
        if len(set(keys)) != len(keys):
            out.append("criterion keys must be unique")
        for c in criteria:
            if self.scoring == "points" and c.max_points <= 0:
                out.append(f"criterion {c.key!r} needs max_points > 0")
            if self.scoring == "weighted" and c.weight <= 0:
                out.append(f"criterion {c.key!r} needs weight > 0")
            if c.max_points != quantize(c.max_points, 2) or c.weight != quantize(c.weight, 4):
                out.append(f"criterion {c.key!r}: max_points has at most 2 decimals, weight at most 4")
        if self.scoring == "weighted" and (self.scale_max <= 0 or self.rating_max <= 0):
            out.append("scale_max and rating_max must be > 0")
        if not self.grade_bands:
            out.append("at least one grade band is needed")
        labels = [b.label for b in self.grade_bands]
        mins = [b.min_total for b in self.grade_bands]
        if len(set(labels)) != len(labels) or len(set(mins)) != len(mins) or not all(labels):
            out.append("grade bands need distinct labels and thresholds")
        return out

    # --- derived ------------------------------------------------------------------------

    @property
    def criteria(self) -> list[Criterion]:
        return [c for s in self.sections for c in s.criteria]

    @property
    def full_marks(self) -> Decimal:
        """The total of a perfect sheet."""
        if self.scoring == "points":
            return sum((c.max_points for c in self.criteria), ZERO)
        return self.scale_max

    def entry_max(self, criterion: Criterion) -> Decimal:
        """The highest value an assessor may enter for ``criterion``."""
        return criterion.max_points if self.scoring == "points" else self.rating_max

    def total(self, values: dict[str, Decimal]) -> Decimal | None:
        """The rounded total of a sheet whose entries are ``values`` (criterion key → value);
        ``None`` while any criterion is unscored."""
        criteria = self.criteria
        if any(c.key not in values for c in criteria):
            return None
        if self.scoring == "points":
            raw = sum((values[c.key] for c in criteria), ZERO)
        else:
            weights = sum((c.weight for c in criteria), ZERO)
            raw = sum((values[c.key] / self.rating_max * c.weight for c in criteria), ZERO) / weights * self.scale_max
        return quantize(raw, self.precision)

    def grade(self, total: Decimal | None) -> str:
        return grade_for(total, self.grade_bands)

    def definition(self) -> dict[str, Any]:
        """Everything that decides how a sheet is scored, as plain JSON (for versioning)."""
        return {
            "key": self.key, "label": self.label, "description": self.description,
            "target_kind": self.target_kind, "cluster_type": self.cluster_type,
            "period_kind": self.period_kind, "scoring": self.scoring,
            "scale_max": str(self.scale_max), "rating_max": str(self.rating_max),
            "precision": self.precision, "self_assessment": self.self_assessment,
            "grade_bands": [[b.label, str(b.min_total)] for b in self.grade_bands],
            "sections": [
                {"key": s.key, "label": s.label,
                 "criteria": [{"key": c.key, "label": c.label, "max_points": str(quantize(c.max_points, 2)),
                               "weight": str(quantize(c.weight, 4)), "evidence": c.evidence,
                               "description": c.description} for c in s.criteria]}
                for s in self.sections
            ],
        }

    def fingerprint(self) -> str:
        blob = json.dumps(self.definition(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def template_value(row: Any) -> AssessmentTemplate:
    """The stored version as a value (the arithmetic lives on :class:`AssessmentTemplate`)."""
    sections: list[Section] = []
    current: tuple[str, str] | None = None
    items: list[Criterion] = []
    for c in row.criteria:
        if current is not None and c.section_key != current[0]:
            sections.append(Section(current[0], current[1], tuple(items)))
            items = []
        current = (c.section_key, c.section_label)
        items.append(Criterion(c.key, c.label, c.max_points, c.weight, c.evidence, c.description))
    if current is not None:
        sections.append(Section(current[0], current[1], tuple(items)))
    return AssessmentTemplate(
        key=row.key, label=row.label, target_kind=row.target_kind, period_kind=row.period_kind,
        sections=tuple(sections), grade_bands=tuple(GradeBand(label, dec(m)) for label, m in row.grade_bands),
        scoring=row.scoring, scale_max=row.scale_max, rating_max=row.rating_max, precision=row.precision,
        cluster_type=row.cluster_type, self_assessment=row.self_assessment, description=row.description,
    )
