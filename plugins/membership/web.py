"""Plumbing shared by the membership pages and API: permissions, scope, errors, OpenAPI statuses."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock
from core.audit import record
from core.excel import xlsx_response
from core.forms import FormErrors
from core.plugins import registry
from core.web.context import Ctx
from core.web.openapi import ErrorBody as ErrorOut  # the one error body (422: extra may be a list)
from plugins.membership.scope import Scope

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "membership:read"}
TRANSFER = {"permission": "membership:transfer"}
DUES = {"permission": "membership:dues"}
POINTS = {"permission": "membership:points"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}



def _spec(text: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorOut, description=text)


#: statuses every tenant API route can answer besides its success
READ_ERRORS = {401: _spec("未登录或令牌无效"), 403: _spec("没有权限"), 404: _spec("辖区、插件或记录不存在")}
WRITE_ERRORS = {**READ_ERRORS, 422: _spec("提交的内容有误：extra.errors 为字段 → 中文说明")}


def api(write: bool = False) -> dict[str, Any]:
    return {"sync_to_thread": True, "tags": ["membership"], "responses": WRITE_ERRORS if write else READ_ERRORS}


def settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "membership")


def scope(ctx: Ctx, db: Session) -> Scope:
    return Scope.of(db, ctx.user.id, ctx.perms)


def require(ctx: Ctx, permission: str) -> None:
    if not ctx.can(permission):
        raise PermissionDeniedException("没有权限")


def unprocessable(exc: FormErrors) -> HTTPException:
    return HTTPException(status_code=422, detail="提交的内容有误", extra={"errors": exc.errors})


def fields(data: dict[str, Any]) -> dict[str, str]:
    out = {}
    for k, v in data.items():
        if k == "_csrf_token":
            continue
        if isinstance(v, list):
            v = v[-1] if v else ""
        out[k] = "" if v is None else str(v).strip()
    return out


def xlsx(db: Session, name: str, sheet: str, headers: list[str], rows: list[list[Any]], entity: str) -> Response:
    response = xlsx_response(f"{name}-{clock.today().isoformat()}.xlsx", sheet, headers, rows)
    record(db, "membership.export", entity=entity, summary=f"导出{name} {len(rows)} 条")
    db.commit()
    return response
