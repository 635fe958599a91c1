"""Value types a program plugin returns from ``register_list_schemes`` to configure the engine.

A :class:`ListScheme` names the lists (需求清单 / 资源清单 / 任务清单 …) and the vocabularies the
engine uses: demand categories, urgencies with their SLA days, triage levels, claimer roles,
special-action tags and the word for a service station. Everything has a default, so a program
only states what differs. Choices may be given as :class:`Choice`, ``("key", "标签")`` or a bare
``"标签"`` (key = label).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One entry of a vocabulary: ``key`` is stored in the database, ``label`` is shown."""

    key: str
    label: str


@dataclass(frozen=True)
class Urgency:
    """An urgency level and its service-level agreement: resolve within ``sla_days`` days."""

    key: str
    label: str
    sla_days: int


def choice(value: Any) -> Choice:
    if isinstance(value, Choice):
        return value
    if isinstance(value, str):
        return Choice(value, value)
    key, label = value
    return Choice(str(key), str(label))


def choices(values: Iterable[Any]) -> tuple[Choice, ...]:
    return tuple(choice(v) for v in values)


def urgency(value: Any) -> Urgency:
    if isinstance(value, Urgency):
        return value
    key, label, days = value
    return Urgency(str(key), str(label), int(days))


DEFAULT_CATEGORIES = choices([
    ("policy", "政策"), ("finance", "融资"), ("talent", "人才"), ("employment", "用工"),
    ("approval", "审批"), ("venue", "场地"), ("legal", "法律"), ("commute", "出行"), ("other", "其他"),
])
DEFAULT_URGENCIES = (Urgency("normal", "一般", 15), Urgency("urgent", "紧急", 7), Urgency("critical", "特急", 3))
DEFAULT_TRIAGE_LEVELS = choices([
    ("onsite", "现场办公快速解决"), ("coordinate", "整合资源协同解决"), ("escalate", "对上协调争取解决"),
])
DEFAULT_WORK_LISTS = (Choice("project", "项目清单"),)
DEFAULT_PROVIDER_KINDS = choices([
    ("department", "政府部门"), ("organization", "两新组织"), ("social", "社会机构"), ("other", "其他"),
])


@dataclass(frozen=True)
class ListScheme:
    """How one program runs the lists method in a tenant.

    ``work_lists`` are the lists a matched demand becomes an item of: 任务清单 (东方红),
    项目清单 (长沙), or 服务清单 and 项目清单 (金华) — the user picks one when matching if
    there are several. ``escalation_level`` is the triage level an escalation to the parent
    tenant sets (when the scheme has it).
    """

    key: str
    label: str
    demand_list: str = "需求清单"
    resource_list: str = "资源清单"
    work_lists: tuple[Choice, ...] = DEFAULT_WORK_LISTS
    categories: tuple[Choice, ...] = DEFAULT_CATEGORIES
    urgencies: tuple[Urgency, ...] = DEFAULT_URGENCIES
    triage_levels: tuple[Choice, ...] = DEFAULT_TRIAGE_LEVELS
    claimer_roles: tuple[Choice, ...] = ()
    special_actions: tuple[Choice, ...] = ()
    provider_kinds: tuple[Choice, ...] = DEFAULT_PROVIDER_KINDS
    station_label: str = "服务站"
    escalation_level: str = "escalate"
    order: int = 100
    description: str = ""

    def __post_init__(self) -> None:
        for name in ("work_lists", "categories", "triage_levels", "claimer_roles", "special_actions",
                     "provider_kinds"):
            object.__setattr__(self, name, choices(getattr(self, name)))
        object.__setattr__(self, "urgencies", tuple(urgency(u) for u in self.urgencies))
        if not self.work_lists:
            raise ValueError(f"list scheme {self.key!r}: at least one work list is needed")
        if not self.categories or not self.urgencies or not self.triage_levels:
            raise ValueError(f"list scheme {self.key!r}: categories, urgencies and triage levels may not be empty")


DEFAULT_SCHEME = ListScheme(key="lists.default", label="清单工作法", order=1000,
                            description="需求清单、资源清单、项目清单（未启用具体项目时的默认配置）")


def _union(lists: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
    out: dict[str, Any] = {}
    for items in lists:
        for item in items:
            out.setdefault(item.key, item)
    return tuple(out.values())


@dataclass(frozen=True)
class EffectiveScheme:
    """The union of a tenant's schemes: what its pages and rules use.

    Vocabularies are merged by key (the first scheme's label wins); list names come from the
    first scheme (by ``order``); an urgency defined by several schemes takes the shortest SLA.
    """

    schemes: tuple[ListScheme, ...]
    demand_list: str
    resource_list: str
    work_lists: tuple[Choice, ...]
    categories: tuple[Choice, ...]
    urgencies: tuple[Urgency, ...]
    triage_levels: tuple[Choice, ...]
    claimer_roles: tuple[Choice, ...]
    special_actions: tuple[Choice, ...]
    provider_kinds: tuple[Choice, ...]
    station_label: str
    escalation_level: str
    labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, schemes: Iterable[ListScheme]) -> EffectiveScheme:
        ordered = sorted({s.key: s for s in schemes}.values(), key=lambda s: (s.order, s.key)) or [DEFAULT_SCHEME]
        first = ordered[0]
        urgencies: dict[str, Urgency] = {}
        for s in ordered:
            for u in s.urgencies:
                prev = urgencies.get(u.key)
                urgencies[u.key] = u if prev is None else replace(prev, sla_days=min(prev.sla_days, u.sla_days))
        merged = cls(
            schemes=tuple(ordered),
            demand_list=first.demand_list,
            resource_list=first.resource_list,
            work_lists=_union(s.work_lists for s in ordered),
            categories=_union(s.categories for s in ordered),
            urgencies=tuple(urgencies.values()),
            triage_levels=_union(s.triage_levels for s in ordered),
            claimer_roles=_union(s.claimer_roles for s in ordered),
            special_actions=_union(s.special_actions for s in ordered),
            provider_kinds=_union(s.provider_kinds for s in ordered),
            station_label=first.station_label,
            escalation_level=first.escalation_level,
        )
        labels = {name: {c.key: c.label for c in getattr(merged, name)}
                  for name in ("work_lists", "categories", "urgencies", "triage_levels", "claimer_roles",
                               "special_actions", "provider_kinds")}
        object.__setattr__(merged, "labels", labels)
        return merged

    def label(self, vocabulary: str, key: str | None) -> str:
        """The label of ``key`` in ``vocabulary`` (e.g. ``"categories"``); unknown keys show as is."""
        if not key:
            return ""
        return self.labels[vocabulary].get(key, key)

    def options(self, vocabulary: str) -> dict[str, str]:
        return dict(self.labels[vocabulary])

    def sla_days(self, urgency_key: str) -> int:
        for u in self.urgencies:
            if u.key == urgency_key:
                return u.sla_days
        raise KeyError(urgency_key)

    @property
    def work_list_label(self) -> str:
        """The nav/page title of the work items: the single list's name, or a combined one."""
        return self.work_lists[0].label if len(self.work_lists) == 1 else "、".join(w.label for w in self.work_lists)
