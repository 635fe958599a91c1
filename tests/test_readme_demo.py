"""The README's table of demo tenants says which tenant carries which plugins, as tenants/*.toml do."""

from __future__ import annotations

import re

from core.config import REPO_ROOT
from core.plugins import registry
from core.tenants_sync import load_specs


def test_readme_demo_table_matches_the_tenant_files():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Demo tenants and their programs", 1)[1].split("\n## ", 1)[0]
    rows = {m[1]: m[2] for m in re.finditer(r"^\| `([a-z0-9-]+)` \|[^|]*\|[^|]*\| (.*?) \|$", section, re.M)}
    reg = registry()
    expected = {}
    for spec in load_specs(REPO_ROOT / "tenants"):
        plugins: list[str] = []
        for name, conf in spec.plugins.items():
            if conf.get("enabled", True):  # with its dependencies, as set_enabled enables them
                plugins += [p for p in reg.dependency_closure(name) if p not in plugins]
        expected[spec.slug] = ", ".join(f"`{p}`" for p in plugins) or "—"
    assert rows == expected
