"""Tables of the sites block: places (阵地、党群服务中心、驿站 …) and their photos."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, Timestamps
from core.uploads import StoredFile


class Site(TenantOwned, Timestamps, Base):
    """A place of a registered kind. The managing unit is a reference (``manager_kind`` tenant |
    party_org | organization, with its id) or only a name (``other``); its name is kept."""

    __tablename__ = "sites_sites"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "name"),
                      Index("ix_sites_sites_tenant_kind", "tenant_id", "kind", "active"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    grade: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    community: Mapped[str] = mapped_column(String(100), default="")
    opening_hours: Mapped[str] = mapped_column(String(100), default="")
    manager_kind: Mapped[str] = mapped_column(String(16), default="")
    manager_id: Mapped[int | None] = mapped_column(Integer)
    manager_name: Mapped[str] = mapped_column(String(200), default="")
    services: Mapped[str] = mapped_column(Text, default="")  # one per line
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[SitePhoto]] = relationship(back_populates="site", cascade="all, delete-orphan",
                                                   order_by="SitePhoto.id")

    @property
    def service_list(self) -> list[str]:
        return [s for s in self.services.split("\n") if s.strip()]


class SitePhoto(StoredFile, TenantOwned, Timestamps, Base):
    """A photo (or document) of a site, kept in the ``sites`` FileStore."""

    __tablename__ = "sites_photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites_sites.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    site: Mapped[Site] = relationship(back_populates="photos")


MODELS = [Site, SitePhoto]
