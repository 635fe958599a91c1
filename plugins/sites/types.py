"""Value types of the sites block: the kinds of place plugins register.

A :class:`SiteKind` names a kind of place (阵地, 党群服务中心, 红色驿站 …), its optional grades
(阵地 一类/二类/三类, a service station's 街道/社区 level) and the services such a place usually
offers (suggestions for the form). Keys are stored with every site: keep them stable and prefix
them with your plugin's name (``"lists.station"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SiteKind:
    key: str
    label: str
    grades: tuple[tuple[str, str], ...] = ()
    grade_label: str = "等级"
    services: tuple[str, ...] = ()
    description: str = ""
    order: int = 100

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z0-9_]+", self.key) or len(self.key) > 40:
            raise ValueError(f"site kind key {self.key!r} must be like 'plugin.name' (≤ 40)")
        object.__setattr__(self, "grades", tuple((str(k), str(v)) for k, v in self.grades))
        for k, _v in self.grades:
            if not re.fullmatch(r"[a-z0-9_]{1,16}", k):
                raise ValueError(f"site kind {self.key!r}: grade key {k!r} must be 1-16 of a-z, 0-9, _")
        object.__setattr__(self, "services", tuple(self.services))

    @property
    def grade_map(self) -> dict[str, str]:
        return dict(self.grades)
