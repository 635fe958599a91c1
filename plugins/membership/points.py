"""Points ledgers (积分): entries per member under the tenant's rule set."""

from __future__ import annotations

from core.plugins import registry
from plugins.membership.types import PointsRuleSet


def parse_grades(value: str) -> tuple[tuple[str, int], ...]:
    """``"五星:12,四星:10,一星:0"`` → ``(("五星", 12), ("四星", 10), ("一星", 0))``, best first.
    Empty → ``()`` (the rule set's own grades). Raises ``ValueError`` in Chinese."""
    value = (value or "").replace("，", ",").replace("：", ":").strip()
    if not value:
        return ()
    out: list[tuple[str, int]] = []
    for part in value.split(","):
        label, sep, number = part.strip().partition(":")
        label, number = label.strip(), number.strip()
        if not sep or not label or not number.lstrip("-").isdigit():
            raise ValueError(f"星级分档格式应为「五星:12,四星:10」，「{part.strip()}」无法识别")
        out.append((label, int(number)))
    minimums = [m for _l, m in out]
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
        raise ValueError("星级分档须从高到低排列，分数线各不相同")
    return tuple(out)


def rule_sets(tenant) -> dict[str, PointsRuleSet]:
    """Every rule set ``tenant``'s enabled plugins register (``register_points_rule_sets``)."""
    found: dict[str, PointsRuleSet] = {}
    for batch in registry().hooks_for(tenant.id).register_points_rule_sets(tenant=tenant):
        for rs in batch or ():
            found.setdefault(rs.key, rs)
    return found


def chosen_rule_set(tenant, settings) -> PointsRuleSet | None:
    """The tenant's rule set (setting ``points_rule_set``); ``None`` if no plugin registers it."""
    return rule_sets(tenant).get(settings.points_rule_set)
