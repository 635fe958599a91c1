"""Form and input errors shared by pages, the API and imports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FormErrors(ValueError):
    """Field → Chinese message. Raised before anything is written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def text(raw: Mapping[str, Any], key: str, default: str = "") -> str:
    """One input value as stripped text: the last of a repeated form field, ``default`` when it
    is missing, ``""`` for ``None`` (form data and JSON bodies alike)."""
    value = raw.get(key, default)
    if isinstance(value, list):
        value = value[-1] if value else default
    return "" if value is None else str(value).strip()
