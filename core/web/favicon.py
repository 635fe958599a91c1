"""``/favicon.ico``: browsers ask for it on every page; it answers the core's SVG icon."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File

ICON = Path(__file__).resolve().parent.parent / "static" / "favicon.svg"


@get("/favicon.ico", include_in_schema=False, cache=False)
async def favicon() -> File:
    return File(ICON, media_type="image/svg+xml", content_disposition_type="inline",
                headers={"Cache-Control": "public, max-age=86400"})
