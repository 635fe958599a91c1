"""Value types programs return from the units plugin's hooks (see :mod:`plugins.units.hookspecs`).

A :class:`UnitKind` names a kind of unit (成员单位, 行业部门, 驻街单位 …). A :class:`PairingKind`
names a kind of pairing (结对共建, 联点, 帮扶, 联系走访 …) and carries its **rules**:

* ``min_pairings`` — every holder the rule names (the units of ``holder_unit_kinds`` and the
  users holding one of ``holder_roles`` in the tenant) must hold at least this many running
  pairings of the kind ("每名党工委班子成员至少联点 1 个两新党组织", "每个区直部门至少帮扶 1 个");
* ``visits`` per ``period`` (``week`` | ``month`` | ``quarter`` | ``half_year`` | ``year``, as in
  :mod:`core.periods`) — every running pairing of the
  kind must have at least this many visits recorded in the period ("成员单位每季至少走访 1 次").

A number left ``None`` is the tenant's setting (the plugin's settings, shown as such on the gaps
page); a program that takes its numbers from a seed document states them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import periods

#: period kinds a visit rule counts in (core.periods: week, month, quarter, half_year, year)
PERIODS = dict(periods.KINDS)
HOLDER_TYPES = {"unit": "单位", "user": "平台用户", "member": "党员"}
TARGET_TYPES = {"organization": "两新组织", "party_org": "党组织"}


@dataclass(frozen=True)
class UnitKind:
    """``key`` is unique across plugins ("<plugin>.<name>" for a program's own kinds)."""

    key: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class PairingKind:
    """A kind of pairing and its rules (see the module docstring). ``holder_types`` /
    ``target_types`` restrict who may hold a pairing of this kind and what it reaches."""

    key: str
    label: str
    holder_types: tuple[str, ...] = ("unit", "user", "member")
    target_types: tuple[str, ...] = ("organization", "party_org")
    holder_unit_kinds: tuple[str, ...] = ()
    holder_roles: tuple[str, ...] = ()
    min_pairings: int | None = None
    visits: int | None = None
    period: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not set(self.holder_types) <= set(HOLDER_TYPES) or not self.holder_types:
            raise ValueError(f"pairing kind {self.key!r}: holder_types must be a subset of {sorted(HOLDER_TYPES)}")
        if not set(self.target_types) <= set(TARGET_TYPES) or not self.target_types:
            raise ValueError(f"pairing kind {self.key!r}: target_types must be a subset of {sorted(TARGET_TYPES)}")
        if self.period is not None and self.period not in PERIODS:
            raise ValueError(f"pairing kind {self.key!r}: period must be one of {sorted(PERIODS)}")
        for name in ("min_pairings", "visits"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"pairing kind {self.key!r}: {name} must be a non-negative int or None")


@dataclass(frozen=True)
class Rule:
    """A pairing kind's rules with the tenant's settings filled in (what the gaps are checked
    against); ``from_settings`` names the numbers that came from the tenant's settings."""

    kind: PairingKind
    min_pairings: int
    visits: int
    period: str
    from_settings: tuple[str, ...] = ()
