"""Pagination shared by list pages and list APIs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000  # beyond any list; keeps OFFSET within the database's integer range


@dataclass
class PageOf:
    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, (self.total + self.page_size - 1) // self.page_size)


def paginate(session: Session, stmt: Select, page: int = 1, page_size: int = PAGE_SIZE) -> PageOf:
    page = min(max(1, page), MAX_PAGE)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(page_size).offset((page - 1) * page_size)))
    return PageOf(items, total, page, page_size)


def paginate_list(items: list[Any], page: int = 1, page_size: int = PAGE_SIZE) -> PageOf:
    """One page of rows already in memory (a ranking, a computed view), bounded like ``paginate``."""
    page = min(max(1, page), MAX_PAGE)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    return PageOf(items[(page - 1) * page_size: page * page_size], len(items), page, page_size)
