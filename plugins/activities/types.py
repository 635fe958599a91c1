"""Value types a program plugin returns from ``register_activity_types`` to configure the engine.

An :class:`ActivityType` says what a kind of activity is called, who may organize it (a party
org, a cluster, the tenant itself), whether it has speakers, and — optionally — a
:class:`Cadence`: how often each organizer of a kind *must* hold it (主题党日: every branch once
a month; 支部党员大会: once a quarter …). Cadence-bound types drive the "due" reminders and the
per-period counts other plugins read through :mod:`plugins.activities.api`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import periods

#: who may organize an activity
ORGANIZER_KINDS = {"party_org": "党组织", "cluster": "联建组织", "tenant": "本级"}
#: cadence periods and their labels
PERIODS = dict(periods.EVERY)  # week, month, quarter, half_year, year (core.periods)
#: party org types that hold 三会一课 and 主题党日 (core.registry.choices.PARTY_ORG_TYPES)
BRANCH_TYPES = ("branch", "joint_branch", "functional_branch")


@dataclass(frozen=True)
class Cadence:
    """How often each organizer of kind ``applies_to`` must hold an activity of the type.

    ``times`` activities per ``period`` (ISO week / calendar month / quarter / half-year / year, in
    Asia/Shanghai dates). Which organizers owe it: every live party org (``applies_to=
    "party_org"``) — or only those whose ``org_type`` is in ``party_org_types`` —, every
    live cluster (optionally of ``cluster_types``), or the tenant itself.
    """

    period: str
    times: int = 1
    applies_to: str = "party_org"
    party_org_types: tuple[str, ...] = ()
    cluster_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"cadence period must be one of {list(PERIODS)}, not {self.period!r}")
        if self.applies_to not in ORGANIZER_KINDS:
            raise ValueError(f"cadence applies_to must be one of {list(ORGANIZER_KINDS)}")
        if self.times < 1:
            raise ValueError("cadence times must be at least 1")
        object.__setattr__(self, "party_org_types", tuple(self.party_org_types))
        object.__setattr__(self, "cluster_types", tuple(self.cluster_types))

    @property
    def label(self) -> str:
        """E.g. ``每月 1 次``."""
        return f"{PERIODS[self.period]} {self.times} 次"


@dataclass(frozen=True)
class ActivityType:
    """A kind of activity a program registers (主题党日, 金品质沙龙, 一月一课一片一实践 …).

    ``key`` is stored on each activity: keep it stable and namespaced for program types
    (``"nanhu.monthly_lesson"``). A program type with the key of a built-in type replaces it
    for the tenant (e.g. to change its cadence). ``group`` groups types on pages (``"三会一课"``).
    Any activity may name co-organizers (共同组织单位: other party orgs or clusters); a ``joint``
    type needs at least one (001's 理论知识联学、组织生活联过 are held together by two sides).
    """

    key: str
    label: str
    organizer_kinds: tuple[str, ...] = ("party_org", "cluster", "tenant")
    cadence: Cadence | None = None
    has_speakers: bool = False
    description: str = ""
    group: str = ""
    order: int = 100
    joint: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "organizer_kinds", tuple(self.organizer_kinds))
        if not self.key or len(self.key) > 64:
            raise ValueError("activity type key must have 1–64 characters")
        if not self.organizer_kinds or any(k not in ORGANIZER_KINDS for k in self.organizer_kinds):
            raise ValueError(f"activity type {self.key!r}: organizer kinds must be among {list(ORGANIZER_KINDS)}")
        if self.cadence is not None and self.cadence.applies_to not in self.organizer_kinds:
            raise ValueError(f"activity type {self.key!r}: its cadence applies to "
                             f"{self.cadence.applies_to!r}, who may not organize it")

    def allows(self, kind: str) -> bool:
        return kind in self.organizer_kinds

    @property
    def organizers_label(self) -> str:
        return "、".join(ORGANIZER_KINDS[k] for k in self.organizer_kinds)


PARTY_ORG_ONLY = ("party_org",)

#: the engine's own types: 三会一课, 主题党日, trainings and salons — used unless a tenant switches
#: them off in the plugin settings (then only its programs' types apply)
BUILTIN_TYPES: tuple[ActivityType, ...] = (
    ActivityType("theme_day", "主题党日", PARTY_ORG_ONLY, Cadence("month", party_org_types=BRANCH_TYPES),
                 description="党支部每月相对固定一天开展主题党日活动", order=10),
    ActivityType("branch_assembly", "支部党员大会", PARTY_ORG_ONLY,
                 Cadence("quarter", party_org_types=BRANCH_TYPES), group="三会一课",
                 description="一般每季度召开一次", order=20),
    ActivityType("branch_committee", "支委会", PARTY_ORG_ONLY, Cadence("month", party_org_types=BRANCH_TYPES),
                 group="三会一课", description="一般每月召开一次", order=21),
    ActivityType("group_meeting", "党小组会", PARTY_ORG_ONLY, group="三会一课",
                 description="一般每月召开一次（党小组不单独建档，不设提醒）", order=22),
    ActivityType("party_lecture", "党课", PARTY_ORG_ONLY, Cadence("quarter", party_org_types=BRANCH_TYPES),
                 has_speakers=True, group="三会一课", description="每季度至少一次，记录讲课人", order=23),
    ActivityType("training", "培训", has_speakers=True, description="业务培训、党务培训", order=60),
    ActivityType("salon", "沙龙", has_speakers=True, description="主题沙龙、座谈交流", order=61),
)


# --- periods ---------------------------------------------------------------------------------------


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar period (``week``/``month``/``quarter``/``half_year``/``year``, see
    :mod:`core.periods`) containing ``day``: its first and last date, both inclusive."""
    return periods.bounds(period, day)


def period_label(period: str, start: dt.date) -> str:
    """``2026年第10周（3月2日—3月8日）``, ``2026年3月``, ``2026年第一季度``, ``2026年上半年``, ``2026年度``."""
    return periods.containing(period, start).label


# --- attendance ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRate:
    """Attendance figures of one activity or of an organizer's activities in a period.

    ``expected`` (应到) = present + absent + leaves not approved; approved leaves (准假) and
    undecided leaves and unrecorded participants are left out. ``rate`` = present / expected,
    ``None`` when nobody is expected.
    """

    present: int = 0
    absent: int = 0
    leave_approved: int = 0
    leave_rejected: int = 0
    leave_pending: int = 0
    pending: int = 0  # attendance not recorded

    @property
    def participants(self) -> int:
        return self.present + self.absent + self.leave + self.pending

    @property
    def leave(self) -> int:
        return self.leave_approved + self.leave_rejected + self.leave_pending

    @property
    def expected(self) -> int:
        return self.present + self.absent + self.leave_rejected

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None
