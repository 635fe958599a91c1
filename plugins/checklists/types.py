"""Value types of the checklists block: templates programs register and subject kinds.

A :class:`ChecklistTemplate` is a list of :class:`ItemSpec` (optionally grouped into chapters,
篇章) that a checklist of a subject is checked against; an item with ``evidence_required`` cannot
be marked compliant (达标) without an evidence file. A :class:`SubjectKind` says what a checklist
may be attached to (a cluster, an organization, a party org, a site …) and how to find such a
row: its name by id, and the choices of a form. Keys are stored in the database: keep them stable
and prefix them with your plugin's name (``"jinhua.liuzhuan"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


@dataclass(frozen=True)
class ItemSpec:
    """One item of a template: ``key`` unique in the template, ``label`` (what is checked),
    ``evidence_required`` (a file must prove it), ``chapter`` (篇章, "" for none) and
    ``guidance`` (how it is checked)."""

    key: str
    label: str
    evidence_required: bool = False
    chapter: str = ""
    guidance: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_]{1,40}", self.key):
            raise ValueError(f"checklist item key {self.key!r}: 1-40 of a-z, 0-9, _")
        if not self.label or len(self.label) > 200:
            raise ValueError(f"checklist item {self.key!r}: a label of 1-200 characters")


@dataclass(frozen=True)
class ChecklistTemplate:
    """``key`` unique across programs; ``subject_kinds`` the kinds a checklist of it may be
    attached to (empty: any); ``items`` in order (chapters in the order they first appear);
    ``na_allowed=False``: no item may be marked 不适用, so the checklist passes only when every
    item is 达标 (copied into each checklist as ``Checklist.na_allowed``)."""

    key: str
    label: str
    items: tuple[ItemSpec, ...]
    subject_kinds: tuple[str, ...] = ()
    description: str = ""
    order: int = 100
    na_allowed: bool = True

    def __post_init__(self) -> None:
        if not KEY.match(self.key) or len(self.key) > 80:
            raise ValueError(f"checklist template key {self.key!r} must be like 'program.name' (≤ 80)")
        if not self.items:
            raise ValueError(f"checklist template {self.key!r} has no items")
        keys = [i.key for i in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError(f"checklist template {self.key!r} repeats an item key")
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "subject_kinds", tuple(self.subject_kinds))

    @property
    def chapters(self) -> list[str]:
        out: list[str] = []
        for i in self.items:
            if i.chapter and i.chapter not in out:
                out.append(i.chapter)
        return out


@dataclass(frozen=True)
class SubjectKind:
    """What a checklist may be attached to. ``name_of(session, id)`` → the row's name when it
    exists and the session sees it (else ``None``); ``options(session)`` → ``[(id, name)]`` for
    forms; ``path`` the row's page relative to the tenant with ``{id}`` (``"party-orgs/{id}"``)."""

    key: str
    label: str
    name_of: Callable[[Any, int], str | None]
    options: Callable[[Any], list[tuple[int, str]]]
    path: str = ""
    order: int = 100

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_.]{0,31}", self.key):
            raise ValueError(f"subject kind key {self.key!r}: ≤ 32 of a-z, 0-9, _, .")


def model_kind(key: str, label: str, model: type, path: str = "", *, active: Callable[[], Any] | None = None,
               order: int = 100, limit: int = 2000) -> SubjectKind:
    """A :class:`SubjectKind` of a table with ``id`` and ``name`` (``active()``: a where clause
    limiting the form's choices, e.g. not dissolved)."""
    from sqlalchemy import select

    def name_of(session, row_id: int) -> str | None:
        row = session.get(model, row_id)
        return None if row is None else row.name

    def options(session) -> list[tuple[int, str]]:
        stmt = select(model.id, model.name)
        if active is not None:
            stmt = stmt.where(active())
        return [(i, n) for i, n in session.execute(stmt.order_by(model.name, model.id).limit(limit))]

    return SubjectKind(key, label, name_of, options, path, order)


__all__ = ["ChecklistTemplate", "ItemSpec", "SubjectKind", "model_kind"]
