"""Form and input errors shared by pages, the API and imports."""

from __future__ import annotations


class FormErrors(ValueError):
    """Field → Chinese message. Raised before anything is written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
