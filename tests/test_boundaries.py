"""Import boundaries (issue 9 item 5): a plugin that publishes an ``api`` module (the engines:
lists, assessment, activities, campaigns, funds; and the shared building blocks such as
membership) is reached from outside only through it; nobody imports another module's
``_private`` names or reads them off it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = tuple(sorted(p.parent.name for p in (ROOT / "plugins").glob("*/api.py")))


def _sources():
    for top in ("core", "plugins"):
        for path in sorted((ROOT / top).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _owner(path: Path) -> str | None:
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "plugins" and len(parts) > 2 else None


def _engine_part(module: str, names: list[str]) -> list[str]:
    """Which parts of an engine an import reaches: ``plugins.lists.service`` → ["service"];
    ``from plugins.lists import api, demo`` → ["api", "demo"]."""
    parts = module.split(".")
    if len(parts) >= 3:
        return [parts[2]]
    return names


def violations() -> list[str]:
    out = []
    for path, tree in _sources():
        rel = path.relative_to(ROOT).as_posix()
        owner = _owner(path)
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [a.name for a in node.names]
                imported.update(a.asname or a.name for a in node.names)
                out += [f"{rel}:{node.lineno} imports {node.module}.{n}" for n in names if _private(n)]
                targets = [(node.module, names)]
            elif isinstance(node, ast.Import):
                imported.update((a.asname or a.name).split(".")[0] for a in node.names)
                targets = [(a.name, []) for a in node.names]
            else:
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id in imported and _private(node.attr)):
                    out.append(f"{rel}:{node.lineno} reads {node.value.id}.{node.attr}")
                continue
            for module, names in targets:
                parts = module.split(".")
                if parts[0] != "plugins" or len(parts) < 2 or parts[1] not in ENGINES or parts[1] == owner:
                    continue
                out += [f"{rel}:{node.lineno} imports {module} ({p}): use plugins.{parts[1]}.api"
                        for p in _engine_part(module, names) if p != "api"]
    return out


def test_engines_are_reached_through_their_api_and_nothing_private_is_imported():
    assert {"lists", "assessment", "activities", "campaigns", "funds"} <= set(ENGINES)
    assert violations() == []


def test_the_scan_sees_a_violation(tmp_path, monkeypatch):
    """The scanner itself catches what it is for (guards against a test that cannot fail)."""
    sample = ast.parse("from plugins.lists import service\nfrom plugins.funds.models import BudgetLine\n"
                       "from core.tenancy import _tree\nfrom plugins.lists import api\n")
    monkeypatch.setattr(__name__ + "._sources", lambda: iter([(ROOT / "plugins/demo_program/x.py", sample)]))
    found = violations()
    assert len(found) == 3
    assert any("plugins.lists (service)" in v for v in found)
    assert any("_tree" in v for v in found)
