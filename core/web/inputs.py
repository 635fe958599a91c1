"""Hostile values are refused once, here, before any handler runs (422 naming the field).

:func:`check_request` is the app's ``before_request``: it reads the query string, a form
(url-encoded or multipart) and a JSON body, and refuses

* text with NUL or other control characters (tab, LF and CR are fine), lone surrogates, or
  made only of invisible characters (zero-width spaces, direction marks …) — see
  :func:`core.forms.text_problem`;
* a row id (``id``, ``*_id``, ``*_ids``, ``ids``) that no row can have: not 1 … 2³¹−1;
* a year (``year``, ``*_year``) outside 1900 … 2200, an amount (``amount``, ``*_fen``,
  ``budget`` …) beyond ±10¹³;
* any JSON integer beyond 64 bits, JSON nested deeper than :data:`MAX_JSON_DEPTH`, or a JSON
  body larger than :data:`MAX_JSON_BYTES` (413).

Path ids are bounded by the tenant routers' guard (:func:`core.web.app._ids_in_range`, 404).
What still reaches the database as an impossible value is answered 422 by
:func:`core.web.errors.bad_value` — never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException

from core.forms import MAX_ID, text_problem

MAX_JSON_BYTES = 1 << 20
MAX_JSON_DEPTH = 32
INT64 = 2**63 - 1
YEARS = (1900, 2200)
MAX_AMOUNT = 10**13

_ID_KEY = re.compile(r"^(?:id|ids|.+_ids?)$")
_YEAR_KEY = re.compile(r"^(?:year|.+_year|year_.+)$")
_AMOUNT_KEY = re.compile(r"^(?:amount|budget|.+_amount|amount_.+|.+_fen|.+_yuan|.+_budget)$")
_INTEGER = re.compile(r"^\s*[-+]?[0-9]+\s*$")
_NUMBER = re.compile(r"^\s*[-+]?[0-9]+(?:\.[0-9]*)?\s*$")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]")


class Unprocessable(HTTPException):
    status_code = 422


def _number(key: str, value: Any) -> tuple[int | None, bool]:
    """(the integer ``value`` stands for, whether it is a JSON integer) — None if not a number."""
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return value, True
    if isinstance(value, float):
        return (int(value) if abs(value) < 1e300 else INT64 + 1), False
    if isinstance(value, str) and len(value) < 40:
        if _INTEGER.match(value):
            return int(value), False
        if _AMOUNT_KEY.match(key) and _NUMBER.match(value):
            return int(float(value)), False
    elif isinstance(value, str) and _INTEGER.match(value):
        return INT64 + 1, False  # 40 digits or more
    return None, False


def _value_problem(key: str, value: Any) -> str | None:
    """Why ``value`` of field ``key`` is refused, or None."""
    if isinstance(value, str) and (problem := text_problem(value)):
        return problem
    number, json_int = _number(key, value)
    if number is None:
        return None
    if _ID_KEY.match(key) and not 0 <= number <= MAX_ID:
        return f"编号应为 1–{MAX_ID} 的整数"
    if _YEAR_KEY.match(key) and not YEARS[0] <= number <= YEARS[1]:
        return f"年份应在 {YEARS[0]}–{YEARS[1]} 之间"
    if _AMOUNT_KEY.match(key) and abs(number) > MAX_AMOUNT:
        return "金额过大，请核对"
    if json_int and abs(number) > INT64:
        return "数值超出范围"
    return None


def _json_depth(body: bytes) -> int:
    """Nesting depth of a JSON text, without parsing it (strings cannot hide brackets)."""
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", body))
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(field, value) of every scalar in a decoded JSON document; the field is the nearest key."""
    stack: list[tuple[str, Any]] = [(key, value)]
    while stack:
        k, v = stack.pop()
        if isinstance(v, dict):
            for name, item in v.items():
                yield "", name  # keys are text too
                stack.append((str(name), item))
        elif isinstance(v, list):
            stack.extend((k, item) for item in v)
        else:
            yield k, v


async def _fields(request: Request) -> Iterator[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in request.query_params.multi_items():
        items += [("", key), (key, value)]
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.headers.get("content-length"):
        return iter(items)
    content_type, _ = request.content_type
    if content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        form = await request.form()
        for key, value in form.multi_items():
            items += [("", key)] + ([(key, value)] if isinstance(value, str) else [])
    elif content_type.endswith("json"):
        body = await request.body()
        if len(body) > MAX_JSON_BYTES:
            raise HTTPException(status_code=413, detail=f"请求内容过大（上限 {MAX_JSON_BYTES // 1024} KB）")
        if _json_depth(body) > MAX_JSON_DEPTH:
            raise Unprocessable(detail=f"请求内容嵌套过深（最多 {MAX_JSON_DEPTH} 层）",
                                extra={"errors": {"body": "嵌套过深"}})
        if body.strip():
            try:
                items += list(_walk(msgspec.json.decode(body)))
            except msgspec.DecodeError:
                raise Unprocessable(detail="请求内容不是有效的 JSON",
                                    extra={"errors": {"body": "不是有效的 JSON"}}) from None
    return iter(items)


async def check_request(request: Request) -> None:
    """``before_request`` of the app: 422 naming every refused field, else nothing."""
    errors: dict[str, str] = {}
    for key, value in await _fields(request):
        problem = _value_problem(key, value)
        if problem:
            errors.setdefault(key or "字段名", f"{key or '字段名'}：{problem}")
    if errors:
        raise Unprocessable(detail="提交的内容有误：" + "；".join(errors.values()), extra={"errors": errors})
