"""Value types of the membership building block: points rule sets (积分规则)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: member classes of 长沙 classified points (003 CS-4)
MEMBER_CLASSES = {"employed": "在职党员", "mobile": "流动党员", "retired": "离退休党员",
                  "new_group": "新就业群体党员"}


@dataclass(frozen=True)
class PointsRule:
    """One rule: ``points`` added (+) or deducted (−) per occurrence. ``classes`` limits the rule
    to members of those classes (empty: every member)."""

    key: str
    label: str
    points: int
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PointsRuleSet:
    """A scheme of points. ``base`` is what every member starts the year with (金华: 12);
    ``grades`` maps a grade label to the lowest yearly total that earns it, best first
    (e.g. ``(("五星", 12), ("四星", 10) …)``) — a tenant may override them in its settings."""

    key: str
    label: str
    rules: tuple[PointsRule, ...]
    base: int = 0
    grades: tuple[tuple[str, int], ...] = ()
    classified: bool = False
    description: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def rule(self, key: str) -> PointsRule | None:
        return next((r for r in self.rules if r.key == key), None)

    def rules_for(self, member_class: str) -> list[PointsRule]:
        return [r for r in self.rules if not r.classes or member_class in r.classes]

    def grade_for(self, total: int, grades: tuple[tuple[str, int], ...] | None = None) -> str:
        for label, minimum in grades or self.grades:
            if total >= minimum:
                return label
        return ""
