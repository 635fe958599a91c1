"""Every hook in core/hookspecs.py is documented in docs/plugins.md and tested in tests/test_hooks.py.

Adding a hook without its ``### <name>`` section (with its signature) or without a
``test_<name>…`` function fails here, and so does a section for a hook that no longer exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins.md"
HOOK_TESTS = ROOT / "tests" / "test_hooks.py"


def hook_names() -> list[str]:
    marker = f"{hookspecs.hookspec.project_name}_spec"
    return sorted(name for name, obj in vars(hookspecs).items() if callable(obj) and hasattr(obj, marker))


def doc_sections() -> dict[str, str]:
    """``### name`` heading → the text up to the next heading of level 2 or 3."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    sections = {}
    for heading, body in zip(parts[1::2], parts[2::2], strict=False):
        if heading.startswith("### "):
            sections[heading[4:].strip()] = body
    return sections


def hook_test_names() -> set[str]:
    tree = ast.parse(HOOK_TESTS.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_hookspecs_are_found():
    names = hook_names()
    assert {"register_routes", "register_nav_items", "on_plugin_enabled"} <= set(names)
    assert len(names) >= 15


@pytest.mark.parametrize("hook", hook_names())
def test_hook_is_documented(hook):
    sections = doc_sections()
    assert hook in sections, f"docs/plugins.md has no '### {hook}' section"
    body = sections[hook]
    assert f"def {hook}(" in body, f"the '### {hook}' section does not show the hook's signature"
    assert "@hookimpl" in body, f"the '### {hook}' section has no example implementation"


@pytest.mark.parametrize("hook", hook_names())
def test_hook_has_a_test(hook):
    names = hook_test_names()
    assert any(re.search(rf"(?<![a-z]){hook}(?![a-z])", n) for n in names), (
        f"tests/test_hooks.py has no test function whose name contains {hook!r}"
    )


def test_no_section_for_a_hook_that_does_not_exist():
    headings = set(doc_sections())
    hooks = set(hook_names())
    stale = {h for h in headings if re.fullmatch(r"(register|prepare|on)_[a-z_]+", h) and h not in hooks}
    assert not stale, f"docs/plugins.md documents hooks that core/hookspecs.py does not have: {stale}"
