"""``liandong plugin new``: core.scaffold writes a small, neutral, working plugin from core/scaffolds/."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import core.scaffold as scaffold_module
from core.config import REPO_ROOT
from core.permissions import build_catalog
from core.plugins import PluginRegistry
from core.scaffold import scaffold


@pytest.fixture
def forget_modules():
    """Generated packages are imported by name: drop them from sys.modules afterwards."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.split(".")[0].startswith("tmpplug"):
            del sys.modules[name]
    importlib.invalidate_caches()


def test_default_scaffold_is_neutral_and_small(tmp_path):
    created = scaffold("tmpplug", tmp_path)
    root = tmp_path / "tmpplug"
    assert {p.relative_to(tmp_path).as_posix() for p in created} == {
        "tmpplug/__init__.py", "tmpplug/models.py", "tmpplug/history.py",
        "tmpplug/migrations/versions/tmpplug_0001_records.py",
        "tmpplug/routes.py", "tmpplug/components/Page.jinja", "tmpplug/components/Widget.jinja",
        "tmpplug/static/tmpplug.css", "tmpplug/tests/__init__.py", "tmpplug/tests/test_tmpplug.py"}
    init = (root / "__init__.py").read_text(encoding="utf-8")
    assert len(init.splitlines()) < 40
    assert 'meta = PluginMeta(name="tmpplug", label="tmpplug"' in init  # label = the name
    # no notices, no shared filter, no command, no terms, no tables: nothing to tear down
    for leftover in ("Notice", "notice", "公告", "prepare_jinja_env", "register_commands", "Term(",
                     "register_models", "register_routes", "example"):
        assert leftover not in init, leftover
    assert '__tablename__ = "tmpplug_records"' in (root / "models.py").read_text(encoding="utf-8")
    migration = (root / "migrations/versions/tmpplug_0001_records.py").read_text(encoding="utf-8")
    assert 'revision = "tmpplug_0001"' in migration and 'branch_labels = ("tmpplug",)' in migration
    assert 'depends_on = "0001_core"' in migration and 'enable_tenant_rls("tmpplug_records")' in migration
    for path in created:
        text = path.read_text(encoding="utf-8")
        assert "__NAME__" not in text and "__PACKAGE__" not in text and "example" not in text, path


def test_generated_package_imports_and_registers(tmp_path, monkeypatch, forget_modules):
    scaffold("tmpplug", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("tmpplug")
    reg = PluginRegistry(modules={"tmpplug": module})  # check_pending() passes
    assert reg.names == ["tmpplug"] and reg.meta["tmpplug"].label == "tmpplug"
    catalog = build_catalog(reg.pm)
    assert {"tmpplug:read", "tmpplug:write"} <= set(catalog.permissions)
    assert "tmpplug:write" in catalog.roles["staff"].permissions
    assert "tmpplug:write" not in catalog.roles["viewer"].permissions
    assert reg.validate_settings("tmpplug", {}).title == "tmpplug"
    own = reg.hooks_of("tmpplug")  # by convention (models and routes are not imported here:
    # their table would join the suite's metadata; tests/test_plugin_quickstart.py serves them)
    [versions] = own.register_migrations()
    assert versions == tmp_path / "tmpplug" / "migrations" / "versions"
    [components], [static] = own.register_components(), own.register_static()
    assert (components / "Page.jinja").is_file() and (static / "tmpplug.css").is_file()
    # alembic accepts the branch next to the core and the example: no id clash
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("version_locations", " ".join(
        [str(REPO_ROOT / "migrations" / "versions"), str(REPO_ROOT / "plugins/example/migrations/versions"),
         str(versions)]))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_revision("tmpplug@head").revision == "tmpplug_0001"


def _subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANDONG_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(tmp_path)])
    env["LIANDONG_SECRET_KEY"] = "scaffold-test-secret-key"
    env["LIANDONG_DATABASE_URL"] = f"sqlite:///{tmp_path / 'scaffold.db'}"
    env["LIANDONG_MIGRATION_DATABASE_URL"] = env["LIANDONG_DATABASE_URL"]
    return env


def test_generated_test_passes_without_a_database(tmp_path):
    scaffold("tmpplug", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "tmpplug"), "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=tmp_path, env=_subprocess_env(tmp_path), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout and "1 skipped" in result.stdout  # web part: not installed here


def test_default_destination_is_the_checkout(tmp_path, monkeypatch):
    plugins_dir, tests_dir = tmp_path / "plugins", tmp_path / "tests"
    plugins_dir.mkdir()
    monkeypatch.setattr(scaffold_module, "PLUGINS_DIR", plugins_dir)
    monkeypatch.setattr(scaffold_module, "TESTS_DIR", tests_dir)
    created = scaffold("tmpplug3", None)
    assert plugins_dir / "tmpplug3" / "__init__.py" in created
    test_file = tests_dir / "plugins" / "tmpplug3" / "test_tmpplug3.py"
    assert test_file in created and (tests_dir / "plugins" / "tmpplug3" / "__init__.py") in created
    source = test_file.read_text(encoding="utf-8")
    compile(source, str(test_file), "exec")
    assert 'PACKAGE = "plugins.tmpplug3"' in source
    assert not (plugins_dir / "tmpplug3" / "tests").exists()
    # a second run refuses: the plugin exists
    with pytest.raises(ValueError, match="already exists"):
        scaffold("tmpplug3", None)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Notices", "lowercase letters"),
        ("my-plugin", "lowercase letters"),
        ("1st", "lowercase letters"),
        ("_hidden", "lowercase letters"),
        ("a", "2 to 27 characters"),
        ("x" * 28, "2 to 27 characters"),
        ("class", "Python keyword"),
        ("lambda", "Python keyword"),
        ("example", "already exists"),
        ("core", "reserved"),
        ("admin", "reserved"),
        ("json", "would shadow it"),
        ("pytest", "would shadow it"),
    ],
)
def test_invalid_names_are_refused(tmp_path, name, message):
    with pytest.raises(ValueError, match=message):
        scaffold(name, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_existing_folder_is_refused(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="already exists"):
        scaffold("taken", tmp_path)
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]


def test_cli_plugin_new(tmp_path):
    from core.cli import cli

    result = CliRunner().invoke(cli, ["plugin", "new", "tmpplug2", "--dest", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"created {tmp_path / 'tmpplug2' / '__init__.py'}" in result.output
    assert (tmp_path / "tmpplug2" / "tests" / "test_tmpplug2.py").is_file()
    assert 'tmpplug2 = "tmpplug2"' in result.output  # outside the checkout: a package of its own
    result = CliRunner().invoke(cli, ["plugin", "new", "Bad-Name", "--dest", str(tmp_path)])
    assert result.exit_code == 1 and "invalid plugin name 'Bad-Name'" in result.output
    result = CliRunner().invoke(cli, ["plugin", "new", "tmpplug2", "--dest", str(tmp_path)])
    assert result.exit_code == 1 and "already exists" in result.output


def test_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        scaffold("tmpplug4", tmp_path, engine="nosuch")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", list(scaffold_module.ENGINES))
def test_engine_template_depends_registers_and_uses_only_the_public_api(tmp_path, engine):
    created = scaffold("tmpplug5", tmp_path, engine=engine)
    root = tmp_path / "tmpplug5"
    init = (root / "__init__.py").read_text(encoding="utf-8")
    assert f'depends=("{engine}",)' in init and f"def {scaffold_module.ENGINES[engine]}(tenant)" in init
    assert {"__init__.py", "routes.py", "status.py", "components/Page.jinja", "components/Widget.jinja"} <= {
        p.relative_to(root).as_posix() for p in created if root in p.parents}
    sources = "\n".join(p.read_text(encoding="utf-8") for p in created if p.suffix == ".py")
    assert f"from plugins.{engine} import api as {engine}" in sources
    imports = re.findall(r"^\s*(?:from|import) (plugins\.[a-z_.]+)", sources, re.M)
    assert imports and all(i == f"plugins.{engine}" or i.endswith(".api") for i in imports), imports
    for path in created:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"__[A-Z]+__", text.replace("__init__", "").replace("__future__", "")), path
