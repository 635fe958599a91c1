"""Value types a program plugin returns from ``register_reward_rules``.

A :class:`RewardRule` turns published assessment results into proposed reward disbursements:
when a round of ``template_key`` is published, every result whose rank (``rank_fen``) or grade
(``grade_fen``) earns money gets a disbursement in status ``requested`` — a proposal finance
still approves and pays. Amounts are integer fen (分): 500000 = ¥5,000.00.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class RewardRule:
    """``key`` is unique across programs ("<program>.<name>"); ``label`` titles the budget line
    (e.g. "优秀联组奖励"); ``rank_fen`` maps ranks (1, 2, 3 …; ties share a rank and the money)
    and ``grade_fen`` maps grade labels ("优秀", "五星") to fen. A result earns the larger of
    its rank amount and its grade amount; 0 means no proposal. ``category`` is the budget
    category of the line the proposal is drawn on (default ``"reward"``, 奖励)."""

    key: str
    label: str
    template_key: str
    grade_fen: Mapping[str, int] = field(default_factory=dict)
    rank_fen: Mapping[int, int] = field(default_factory=dict)
    category: str = "reward"

    def __post_init__(self) -> None:
        for name in ("grade_fen", "rank_fen"):
            values: dict[Any, int] = dict(getattr(self, name))
            for k, v in values.items():
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    raise ValueError(f"reward rule {self.key!r}: {name}[{k!r}] must be a non-negative int (fen)")
            object.__setattr__(self, name, MappingProxyType(values))

    def amount_for(self, rank: int | None, grade: str) -> int:
        """Fen earned by a result with ``rank`` and ``grade`` (0: nothing)."""
        return max(self.rank_fen.get(rank, 0) if rank is not None else 0, self.grade_fen.get(grade, 0))
