"""Every route of the membership plugin (pages under /t/<slug>/membership, API under
/api/t/<slug>/membership); each area keeps its own module."""

from __future__ import annotations

from plugins.membership import routes_dues, routes_points, routes_transfers

PAGE_ROUTES = [*routes_transfers.PAGE_ROUTES, *routes_dues.PAGE_ROUTES, *routes_points.PAGE_ROUTES]
API_ROUTES = [*routes_transfers.API_ROUTES, *routes_dues.API_ROUTES, *routes_points.API_ROUTES]
