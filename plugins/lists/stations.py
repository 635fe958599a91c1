"""Service stations (服务站): where demands are taken in, street or community level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.forms import FormErrors
from plugins.lists.access import Access
from plugins.lists.inputs import Checker
from plugins.lists.models import ListStation
from plugins.lists.states import STATION_LEVELS


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


def create_station(session: Session, access: Access, raw: Mapping[str, Any]) -> ListStation:
    access.require("write")
    values = clean_station(raw)
    if session.scalar(select(ListStation.id).where(ListStation.name == values["name"])):
        raise FormErrors({"name": "该服务站已存在"})
    station = ListStation(**values)
    session.add(station)
    try:
        session.flush()
    except IntegrityError as exc:
        raise FormErrors({"name": "该服务站已存在"}) from exc
    return station


def set_station_active(session: Session, access: Access, station: ListStation, active: bool) -> ListStation:
    access.require("write")
    station.active = active
    session.flush()
    return station


def stations(session: Session, active_only: bool = False) -> list[ListStation]:
    stmt = select(ListStation).order_by(ListStation.level.desc(), ListStation.name)
    if active_only:
        stmt = stmt.where(ListStation.active.is_(True))
    return list(session.scalars(stmt))
