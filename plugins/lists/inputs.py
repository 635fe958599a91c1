"""Reading and checking the lists' input: :class:`Checker` collects every field's Chinese error
before anything is written; phone numbers are stored encrypted with a blind index."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from core import crypto
from core.forms import FormErrors, text
from core.validators import normalize_mobile, validate_mobile
from plugins.lists.models import ListResource
from plugins.lists.types import EffectiveScheme


def id_list(raw: Mapping[str, Any], key: str) -> list[int] | None:
    """Integer ids from a form list / JSON list / comma string; ``None`` if one is not a number."""
    value = raw.get(key)
    if value is None or value == "":
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    out: list[int] = []
    for item in items:
        s = str(item).strip()
        if not s:
            continue
        if not s.isdigit():
            return None
        out.append(int(s))
    return list(dict.fromkeys(out))


class Checker:
    """Collects field errors; :meth:`done` raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def text(self, raw: Mapping[str, Any], key: str, label: str, max_len: int, required: bool = False) -> str:
        value = text(raw, key)
        if required and not value:
            self.fail(key, f"请填写{label}")
        elif len(value) > max_len:
            self.fail(key, f"{label}最多 {max_len} 个字符")
        return value

    def choice(self, raw: Mapping[str, Any], key: str, label: str, options: Mapping[str, str],
               required: bool = False, default: str = "") -> str:
        value = text(raw, key) or default
        if not value:
            if required:
                self.fail(key, f"请选择{label}")
            return ""
        if value in options:
            return value
        by_label = next((k for k, v in options.items() if v == value), None)
        if by_label is None:
            self.fail(key, f"{label}：无效的选项「{value}」")
            return ""
        return by_label

    def date(self, raw: Mapping[str, Any], key: str, label: str, required: bool = False) -> dt.date | None:
        value = raw.get(key)
        if isinstance(value, dt.date):
            return value
        s = text(raw, key)
        if not s:
            if required:
                self.fail(key, f"请填写{label}")
            return None
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            self.fail(key, f"{label}格式应为 2024-05-01")
            return None

    def integer(self, raw: Mapping[str, Any], key: str, label: str, lo: int, hi: int,
                required: bool = False) -> int | None:
        value = raw.get(key)
        s = text(raw, key) if not isinstance(value, int) or isinstance(value, bool) else str(value)
        if not s:
            if required:
                self.fail(key, f"请填写{label}")
            return None
        if not re.fullmatch(r"-?\d+", s):
            self.fail(key, f"{label}须为整数")
            return None
        n = int(s)
        if not lo <= n <= hi:
            self.fail(key, f"{label}须在 {lo}–{hi} 之间")
            return None
        return n

    def done(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}")


def clean_phone(c: Checker, raw: Mapping[str, Any], key: str = "contact_phone") -> str | None:
    value = text(raw, key)
    if not value:
        return None
    compact = re.sub(r"\s+", "", value)
    if LANDLINE_RE.fullmatch(compact):
        return compact
    problem = validate_mobile(compact)
    if problem:
        c.fail(key, f"联系电话：{problem}（座机请写成 0731-88888888）")
        return None
    return normalize_mobile(compact)


def phone_of(res: ListResource) -> str:
    try:
        return crypto.decrypt(res.contact_phone_enc) or ""
    except crypto.DecryptionError:
        return ""


def masked_phone(res: ListResource) -> str:
    return crypto.mask_phone(phone_of(res)) or ""


def set_phone(res: ListResource, phone: str | None) -> None:
    res.contact_phone_enc = crypto.encrypt(phone) if phone else None
    res.contact_phone_hash = crypto.blind_index(phone, "phone") if phone else None


def triage_field(c: Checker, scheme: EffectiveScheme, raw: Mapping[str, Any], required: bool, default: str = "") -> str:
    return c.choice(raw, "triage_level", "解决方式", scheme.options("triage_levels"), required=required,
                    default=default)
