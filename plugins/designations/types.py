"""Value types programs return from the designations block's hooks.

A :class:`DesignationKind` is a title a tenant gives (示范点, 红色车间, 党员示范岗, 清廉民企 …):
what it can be given to (subject kinds), at which levels, whether an application is reviewed
first, how long it is valid, and — optionally — which published assessment results propose it
(:class:`FromAssessment`). A :class:`SubjectType` says how the block finds a subject row by
``(kind, id)``: the registry's organizations, party orgs and members are built in; a plugin with
rows of its own (``sites``) registers its type through ``register_designation_subjects``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: the supervision blacklist's reasons (001 NH-4), the default of the tenant setting
DEFAULT_REASONS = "违法经营、偷逃税款、侵权滥权"


def split_reasons(value: str) -> list[str]:
    """"违法经营、偷逃税款；侵权滥权" → the reasons, in order, without repeats."""
    out: list[str] = []
    for part in re.split(r"[、,，;；\n\r]+", value or ""):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


#: levels a designation is given at, key → label (the seeds: 街道 / 区 / 市)
LEVELS = {"street": "街道级", "district": "区级", "city": "市级"}


@dataclass(frozen=True)
class FromAssessment:
    """Published results of rounds of ``template_key`` whose grade is in ``grades`` (or, with
    ``top_n``, whose rank is ≤ ``top_n``) propose this designation for the result's target; staff
    confirm or dismiss each proposal. ``level`` is the proposed level."""

    template_key: str
    grades: tuple[str, ...] = ()
    top_n: int | None = None
    level: str = "street"

    def __post_init__(self) -> None:
        if not self.grades and not self.top_n:
            raise ValueError(f"FromAssessment({self.template_key!r}): give grades or top_n")
        if self.level not in LEVELS:
            raise ValueError(f"FromAssessment({self.template_key!r}): unknown level {self.level!r}")
        object.__setattr__(self, "grades", tuple(self.grades))

    def matches(self, grade: str, rank: int | None) -> bool:
        return (bool(grade) and grade in self.grades) or (
            self.top_n is not None and rank is not None and rank <= self.top_n)


@dataclass(frozen=True)
class DesignationKind:
    """``key`` is stored with every designation: keep it stable and prefix it with your plugin's
    name (``"nanhu.red_workshop"``). ``subjects`` are subject kinds (``organization``,
    ``party_org``, ``member``, or a registered one such as ``site``); ``levels`` the levels it is
    given at; ``needs_review`` sends an application through 审核 (otherwise it is in force once
    recorded); ``validity_months`` the default validity (``None``: no expiry). ``evidence`` names
    the proof a title of this kind must carry before it is approved or confirmed (at least one
    evidence file: 清廉民企 — 清廉条款写入企业章程的章程修正案或股东会决议); "" = none required."""

    key: str
    label: str
    subjects: tuple[str, ...] = ("organization",)
    levels: tuple[str, ...] = tuple(LEVELS)
    needs_review: bool = True
    validity_months: int | None = None
    description: str = ""
    from_assessment: tuple[FromAssessment, ...] = ()
    order: int = 100
    evidence: str = ""

    def __post_init__(self) -> None:
        if not self.key or len(self.key) > 64:
            raise ValueError(f"designation kind key {self.key!r}: 1–64 characters")
        if not self.label or len(self.label) > 100:
            raise ValueError(f"designation kind {self.key!r}: label of 1–100 characters")
        if not self.subjects:
            raise ValueError(f"designation kind {self.key!r}: give at least one subject kind")
        bad = [lv for lv in self.levels if lv not in LEVELS]
        if bad or not self.levels:
            raise ValueError(f"designation kind {self.key!r}: levels must be among {tuple(LEVELS)}")
        if self.validity_months is not None and not 1 <= self.validity_months <= 1200:
            raise ValueError(f"designation kind {self.key!r}: validity_months 1–1200 or None")
        object.__setattr__(self, "subjects", tuple(self.subjects))
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "from_assessment", tuple(self.from_assessment))


@dataclass(frozen=True)
class SubjectRef:
    """What the block shows of a subject: its name and its page (relative to the tenant)."""

    kind: str
    id: int
    name: str
    path: str = ""


@dataclass(frozen=True)
class SubjectType:
    """How to find subjects of one kind in the session's tenant.

    * ``names(session, ids)`` → ``{id: name}`` for the ids that exist (and are visible);
    * ``options(session, q, limit)`` → ``[(id, name)]`` to choose from (a form's drop-down);
    * ``path`` → the subject's page relative to the tenant, ``"{id}"`` replaced
      (``"organizations/{id}"``);
    * ``organizations(session, id)`` → the organizations whose blacklisting blocks the subject:
      it is refused a designation (and loses its designations) when **all** of them are on the
      blacklist — an organization itself, the organizations a party org covers; ``None``: the
      blacklist does not concern it.
    """

    key: str
    label: str
    names: Callable[[Any, Sequence[int]], dict[int, str]]
    options: Callable[[Any, str, int], list[tuple[int, str]]]
    path: str = ""
    organizations: Callable[[Any, int], list[int]] | None = None
    order: int = 100
