"""Shared by the membership pages and API: permissions, scope, form fields.

Saving, field errors (422), flash messages, Excel exports and the API's declared error statuses
come from core (:mod:`core.web.forms`, :mod:`core.web.render`, :mod:`core.web.export`,
:mod:`core.web.openapi`)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body
from sqlalchemy.orm import Session

from core.plugins import registry
from core.web.context import Ctx
from plugins.membership.scope import Scope

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "membership:read"}
TRANSFER = {"permission": "membership:transfer"}
DUES = {"permission": "membership:dues"}
POINTS = {"permission": "membership:points"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}


#: keyword arguments of every API route (its error statuses are declared by core)
API = {"sync_to_thread": True, "tags": ["membership"]}


def settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "membership")


def scope(ctx: Ctx, db: Session) -> Scope:
    return Scope.of(db, ctx.user.id, ctx.perms)


def require(ctx: Ctx, permission: str) -> None:
    if not ctx.can(permission):
        raise PermissionDeniedException("没有权限")


def fields(data: dict[str, Any]) -> dict[str, str]:
    out = {}
    for k, v in data.items():
        if k == "_csrf_token":
            continue
        if isinstance(v, list):
            v = v[-1] if v else ""
        out[k] = "" if v is None else str(v).strip()
    return out

