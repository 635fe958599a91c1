"""Panels other plugins add to a registry row's detail page (``register_detail_panels``): the
organization, party-org and member pages draw them under their own cards, before the history."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.plugins import registry
from core.web.context import Ctx


def collect_panels(ctx: Ctx, db: Session, subject_kind: str, subject_id: int) -> list:
    """The panels of the tenant's plugins for one row, those the user may see, in order."""
    panels = []
    for _plugin, batch in registry().each_for(ctx.tenant.id, "register_detail_panels", session=db,
                                              tenant=ctx.tenant, viewer=ctx, subject_kind=subject_kind,
                                              subject_id=subject_id):
        panels.extend(p for p in batch or () if not p.permission or ctx.can(p.permission))
    return sorted(panels, key=lambda p: (p.order, p.title))
