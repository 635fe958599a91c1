"""Checks shared by the building-block engines' tests: every engine hook is documented in
docs/plugins.md (a ``#### name`` section with the signature and an ``@hookimpl`` example), and the
``register_*`` examples there run and return valid values."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugins.md"


def engine_hooks(hookspecs: ModuleType) -> list[str]:
    marker = "liandong_spec"
    return sorted(n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, marker))


def sections() -> dict[str, str]:
    """``#### name`` heading → its text up to the next heading."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^(#{2,4} .*)$", text, flags=re.M)
    return {h[5:].strip(): body for h, body in zip(parts[1::2], parts[2::2], strict=False) if h.startswith("#### ")}


def check_documented(hook: str) -> str:
    body = sections().get(hook)
    assert body is not None, f"docs/plugins.md has no '#### {hook}' section"
    assert f"def {hook}(" in body, f"the '#### {hook}' section does not show the signature"
    assert "@hookimpl" in body, f"the '#### {hook}' section has no example implementation"
    return body


def example_result(hook: str, **kwargs):
    """Run the ``@hookimpl`` example of ``hook`` from the docs and call it."""
    body = check_documented(hook)
    blocks = [b for b in re.findall(r"```python\n(.*?)```", body, re.S) if "@hookimpl" in b]
    namespace: dict = {}
    exec(compile(blocks[0], f"docs/plugins.md#{hook}", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace[hook](**kwargs)
