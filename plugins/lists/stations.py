"""Service stations (服务站): where demands are taken in, street or community level.

Since ``lists_0002`` a station is a site of kind ``lists.station`` in the sites building block
(``plugins.sites``), registered by this engine with ``register_site_kinds`` (its label is the
scheme's ``station_label``, its grades the levels 街道 / 社区（村）). A demand taken at a station
references ``sites_sites.id``. This module keeps the engine's own vocabulary (``level`` is the
site's ``grade``) and writes through :mod:`plugins.sites.api`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.tenancy import tree
from plugins.lists.inputs import Checker
from plugins.lists.states import STATION_LEVELS
from plugins.sites.api import Site, SiteKind, create_site, set_active

if TYPE_CHECKING:
    from plugins.lists.access import Access

STATION_KIND = "lists.station"


def station_kind(label: str) -> SiteKind:
    return SiteKind(STATION_KIND, label, grades=tuple(STATION_LEVELS.items()), grade_label="层级",
                    services=("需求接单", "政策咨询", "资源对接"), order=15,
                    description="清单工作法的工作服务站：前移端口，集成式接单。")


def _label(tenant) -> str:
    from plugins.lists.schemes import scheme_for

    return scheme_for(tenant).station_label


def clean_station(raw: Mapping[str, Any]) -> dict[str, Any]:
    c = Checker()
    values = {
        "name": c.text(raw, "name", "服务站名称", 100, required=True),
        "level": c.choice(raw, "level", "层级", STATION_LEVELS, required=True, default="street"),
        "community": c.text(raw, "community", "所在社区（村）", 100),
        "address": c.text(raw, "address", "地址", 200),
    }
    c.done()
    return values


def create_station(session: Session, access: Access, raw: Mapping[str, Any]) -> Site:
    """Open a station: a site of kind ``lists.station`` (``level`` → its grade)."""
    access.require("write")
    values = clean_station(raw)
    if session.scalar(select(Site.id).where(Site.kind == STATION_KIND, Site.name == values["name"])):
        raise FormErrors({"name": "该服务站已存在"})
    tenant = tree().by_id[session.info["tenant_id"]]
    try:
        return create_site(session, tenant, {"kind": STATION_KIND, "name": values["name"], "grade": values["level"],
                                             "community": values["community"], "address": values["address"],
                                             "active": "1"}, own_kind=station_kind(_label(tenant)))
    except FormErrors as exc:  # the sites block's keys → this form's
        raise FormErrors({{"grade": "level"}.get(k, k): v for k, v in exc.errors.items()}) from None


def set_station_active(session: Session, access: Access, station: Site, active: bool) -> Site:
    access.require("write")
    return set_active(session, station, active)


STATION_ORDER = Site.id


def station_select():
    return select(Site).where(Site.kind == STATION_KIND)


def stations(session: Session, active_only: bool = False) -> list[Site]:
    stmt = station_select().order_by(Site.grade.desc(), Site.name)
    if active_only:
        stmt = stmt.where(Site.active.is_(True))
    return list(session.scalars(stmt))


def get_station(session: Session, station_id: int) -> Site | None:
    site = session.get(Site, station_id)
    return site if site is not None and site.kind == STATION_KIND else None
