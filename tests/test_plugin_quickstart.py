"""The quick start of docs/plugins.md, end to end, for the default scaffold and every ``--engine``.

As a contributor would: ``liandong plugin new``; the entry point installed (the metadata
``pip install -e .`` writes, in a scratch folder on ``PYTHONPATH``); ``liandong db upgrade``;
then, in a fresh process, the generated plugins' own tests — enable for a new street, the page
answers, the menu entry and card appear, disable → 404 — together with the core sweeps every
plugin must pass (docs/plugins.md, Testing). Nothing in the checkout is written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from core.cli import cli
from core.config import REPO_ROOT
from core.scaffold import available_engines

SWEEPS = ["tests/test_permission_matrix.py", "tests/test_get_purity.py", "tests/test_isolation_routes.py",
          "tests/test_history_labels.py",  # every generated table reads in Chinese
          # the generated tables: one alembic branch each, models equal to their migrations
          "tests/test_migrations.py::test_each_plugin_has_its_own_branch",
          "tests/test_migrations.py::test_models_match_migrations"]


def _install_entry_points(site: Path, names: list[str]) -> None:
    """What ``pip install`` leaves for the plugin manager: a dist-info with the entry points."""
    dist = site / "quickstart_plugins-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: quickstart-plugins\nVersion: 0.1.0\n",
                                   encoding="utf-8")
    lines = "".join(f"{n} = {n}\n" for n in names)
    (dist / "entry_points.txt").write_text(f"[liandong.plugins]\n{lines}", encoding="utf-8")


def test_quick_start_end_to_end(tmp_path):
    # the docs' example and a program on each engine (the activities one records through its api)
    plugins = {"party_day": None, "monthly_lesson": "activities"}
    plugins |= {f"qs_{engine}": engine for engine in available_engines() if engine != "activities"}
    runner = CliRunner()
    for name, engine in plugins.items():
        args = ["plugin", "new", name, "--dest", str(tmp_path)] + (["--engine", engine] if engine else [])
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert f'{name} = "{name}"' in result.output  # the entry point to add
    site = tmp_path / "site"
    _install_entry_points(site, list(plugins))

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANDONG_") or k == "LIANDONG_TEST_DB"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(tmp_path), str(site)])
    env["LIANDONG_SECRET_KEY"] = "quickstart-test-secret-key"
    upgrade_env = dict(env, LIANDONG_DATABASE_URL=f"sqlite:///{tmp_path / 'qs.db'}")
    upgrade_env["LIANDONG_MIGRATION_DATABASE_URL"] = upgrade_env["LIANDONG_DATABASE_URL"]
    result = subprocess.run([sys.executable, "-c", "from core.cli import main; main()", "db", "upgrade"],
                            cwd=REPO_ROOT, env=upgrade_env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "role permissions" in result.stdout, result.stdout + result.stderr

    # the generated tests and the sweeps, with the project's fixtures (tests/conftest.py)
    generated = [str(tmp_path / name / "tests") for name in plugins]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--noconftest", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "-n", "0", "-q", "-rs", *generated, *SWEEPS],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    for name in plugins:  # their web tests ran: the plugin was installed, nothing skipped
        assert f"{name} is not installed" not in out and f"test_{name}.py" not in out.split("short test summary")[-1]
