"""Value types a program plugin returns from ``register_campaign_templates``.

A :class:`CampaignTemplate` is a phased plan (e.g. 东方红 四步走: 调查摸底 → 会议动员、成立联组 →
持续推进 → 总结提升、选树典型). Each :class:`PhaseTemplate` lists :class:`TaskTemplate` rows
with a default deadline, either as words resolved against the campaign's year
(``due="4月中旬"``, ``"6月底"``, ``"全年"`` — see :func:`plugins.campaigns.service.parse_deadline`)
or as ``offset_days`` after the campaign's start date.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskTemplate:
    """A task copied into every campaign started from the template.

    Exactly one of ``due`` (words like "4月中旬", or "2026-04-15") and ``offset_days``
    (days after the campaign's start date) decides the default deadline; with neither, the
    deadline is the end of the campaign's year.
    """

    title: str
    due: str = ""
    offset_days: int | None = None
    description: str = ""


@dataclass(frozen=True)
class PhaseTemplate:
    """One phase (阶段) of a plan, in order, with its tasks."""

    title: str
    tasks: tuple[TaskTemplate, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))


@dataclass(frozen=True)
class CampaignTemplate:
    """A phased plan a program offers. ``key`` is globally unique ("<program>.<name>")."""

    key: str
    label: str
    phases: tuple[PhaseTemplate, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "phases", tuple(self.phases))
