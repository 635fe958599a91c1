"""Money: stored as integer fen (分), typed and shown in yuan (元) with two decimals.

``parse_yuan`` reads what people type ("12.50", "1,234", "¥12.5元") into fen, exactly (Decimal,
never float); ``yuan`` / ``yuan_plain`` write fen back as "1,234.50" / "1234.50". ``Fen`` is
the type of a plugin setting holding an amount::

    class Settings(BaseModel):
        group_budget_fen: Fen = Field(2_000_000, title="每个联组年度工作经费（元）")

The admin form shows and takes such a setting in yuan (two decimals, a "元" suffix); a string is
read as yuan, an integer (``tenants/<slug>.toml``, the stored settings, the JSON API) as fen.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic.fields import FieldInfo

#: ¥ 100 billion: more than any budget line, well inside a 64-bit integer
MAX_FEN = 10**13


def parse_yuan(text: Any, *, allow_zero: bool = False) -> int:
    """Fen from what people type: "12.50", "12.5", "12", "1,234.56", "¥12.50", "12.50元".
    Raises ``ValueError`` with a Chinese message (empty, not a number, more than two decimals,
    negative / zero, too large). Exact: Decimal, never float."""
    s = re.sub(r"[\s,，¥￥]", "", "" if text is None else str(text))
    s = s.removesuffix("元")
    if not s:
        raise ValueError("请填写金额")
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError("金额格式不正确，请填写如 12.50 的数字（单位：元）")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError("金额格式不正确，请填写如 12.50 的数字（单位：元）") from None
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("金额最多保留两位小数（精确到分）")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError("金额必须大于 0")
    fen = int(value * 100)
    if fen > MAX_FEN:
        raise ValueError("金额过大，请核对")
    return fen


def yuan(fen: int | None) -> str:
    """"1,234.50" from 123450 (no float on the way)."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def yuan_plain(fen: int | None) -> str:
    """"1234.50": for form fields and exports."""
    return yuan(fen).replace(",", "")


class YuanInput:
    """Marks a settings field whose integer fen the admin form shows and takes in yuan."""

    def __repr__(self) -> str:
        return "YuanInput()"


def _fen(value: Any) -> Any:
    if isinstance(value, str):
        return parse_yuan(value, allow_zero=True)  # typed by a person: yuan
    return value  # an integer from the TOML, the database or the API: fen


#: a non-negative amount in fen, typed in yuan on the admin page
Fen = Annotated[int, BeforeValidator(_fen), Field(ge=0), YuanInput()]


def is_yuan_field(info: FieldInfo) -> bool:
    return any(isinstance(m, YuanInput) for m in info.metadata)
