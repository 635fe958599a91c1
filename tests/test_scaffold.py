"""``liandong plugin new``: core.scaffold copies plugins/example into a working, renamed plugin."""

from __future__ import annotations

import importlib
import os
import re
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import core.scaffold as scaffold_module
from core.config import REPO_ROOT
from core.permissions import build_catalog
from core.plugins import PluginRegistry
from core.scaffold import scaffold

EXAMPLE = REPO_ROOT / "plugins" / "example"
WORD = re.compile(r"(?<![A-Za-z0-9])[Ee]xample(?![A-Za-z0-9])")


def example_files() -> list[Path]:
    return sorted(p.relative_to(EXAMPLE) for p in EXAMPLE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


@pytest.fixture
def forget_modules():
    """Generated packages are imported by name: drop them from sys.modules afterwards."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.split(".")[0].startswith("tmpplug"):
            del sys.modules[name]
    importlib.invalidate_caches()


def test_scaffold_writes_a_renamed_copy_of_the_example(tmp_path):
    created = scaffold("tmpplug", tmp_path)
    root = tmp_path / "tmpplug"
    assert all(p.is_file() for p in created)
    rel = {p.relative_to(root) for p in created}
    expected = {Path(*(WORD.sub("tmpplug", part) for part in f.parts)) for f in example_files()}
    assert expected | {Path("tests/__init__.py"), Path("tests/test_tmpplug.py")} == rel
    assert Path("migrations/versions/tmpplug_0001_notices.py") in rel
    assert Path("static/tmpplug.css") in rel
    assert not list(root.rglob("__pycache__"))

    init = (root / "__init__.py").read_text(encoding="utf-8")
    assert 'name="tmpplug"' in init and 'label="tmpplug（新插件）"' in init
    assert 'Permission("tmpplug:read", "查看公告")' in init and '"tmpplug:write"' in init
    assert '"tmpplug:Widget"' in init and '@cli.command("tmpplug-count")' in init
    assert "from tmpplug.models import Notice" in init  # --dest elsewhere: a top-level package
    assert 'Term("tmpplug_notice", "公告"' in init
    assert "plugins.example" not in init
    models = (root / "models.py").read_text(encoding="utf-8")
    assert '__tablename__ = "tmpplug_notices"' in models
    migration = (root / "migrations/versions/tmpplug_0001_notices.py").read_text(encoding="utf-8")
    assert 'revision = "tmpplug_0001"' in migration and 'branch_labels = ("tmpplug",)' in migration
    assert 'depends_on = "0001_core"' in migration and 'enable_tenant_rls("tmpplug_notices")' in migration
    page = (root / "components/Page.jinja").read_text(encoding="utf-8")
    assert "ctx.can(\"tmpplug:write\")" in page and "ctx.url('tmpplug/%d/delete'" in page
    routes = (root / "routes.py").read_text(encoding="utf-8")
    assert '{"permission": "tmpplug:read"}' in routes and 'render("tmpplug:Page"' in routes
    # nothing named after the example is left, except the docstring saying where it came from
    for path in created:
        text = path.read_text(encoding="utf-8").replace("example plugin (a notice board)", "")
        assert not WORD.search(text), (path, WORD.findall(text))


def test_copy_skips_caches_and_keeps_binary_files(tmp_path):
    src = tmp_path / "src"
    (src / "__pycache__").mkdir(parents=True)
    (src / "__pycache__" / "example.cpython-311.pyc").write_bytes(b"\x00\x01")
    (src / "stale.pyc").write_bytes(b"\x00")
    (src / "static").mkdir()
    (src / "static" / "example.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    (src / "example_help.txt").write_text("see plugins.example and example:Page", encoding="utf-8")
    created = scaffold_module._copy_tree(src, tmp_path / "out", "tmpplug", "tmpplug")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in created) == [
        "static/tmpplug.png", "tmpplug_help.txt"]
    assert (tmp_path / "out" / "static" / "tmpplug.png").read_bytes() == b"\x89PNG\r\n\x1a\n\xff\xfe"
    assert (tmp_path / "out" / "tmpplug_help.txt").read_text(encoding="utf-8") == "see tmpplug and tmpplug:Page"


def test_generated_package_imports_and_registers(tmp_path, monkeypatch, forget_modules):
    created = scaffold("tmpplug", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("tmpplug")
    assert module.meta.name == "tmpplug"
    assert module.meta.label == "tmpplug（新插件）"
    reg = PluginRegistry(modules={"tmpplug": module})  # check_pending() passes
    assert reg.names == ["tmpplug"]
    catalog = build_catalog(reg.pm)
    assert {"tmpplug:read", "tmpplug:write"} <= set(catalog.permissions)
    assert "tmpplug:write" in catalog.roles["staff"].permissions
    assert "example:read" not in catalog.permissions
    assert reg.validate_settings("tmpplug", {}).board_title == "公告栏"

    [versions] = reg.hooks_of("tmpplug").register_migrations()  # by convention
    assert versions == tmp_path / "tmpplug" / "migrations" / "versions"
    [revision_file] = versions.glob("*.py")
    ns = runpy.run_path(str(revision_file))
    assert (ns["revision"], ns["down_revision"], ns["branch_labels"], ns["depends_on"]) == (
        "tmpplug_0001", None, ("tmpplug",), "0001_core")
    # alembic accepts it next to the core and the example: a separate branch, no id clash
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("version_locations", " ".join(
        [str(REPO_ROOT / "migrations" / "versions"), str(EXAMPLE / "migrations" / "versions"), str(versions)]))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_revision("tmpplug@head").revision == "tmpplug_0001"
    assert "tmpplug_0001" in script.get_heads() and "example_0001" in script.get_heads()

    [components] = reg.hooks_of("tmpplug").register_components()
    [static] = reg.hooks_of("tmpplug").register_static()
    assert (components / "Page.jinja").is_file() and (static / "tmpplug.css").is_file()
    test_file = tmp_path / "tmpplug" / "tests" / "test_tmpplug.py"
    assert test_file in created
    source = test_file.read_text(encoding="utf-8")
    compile(source, str(test_file), "exec")
    assert 'NAME = "tmpplug"' in source and 'PACKAGE = "tmpplug"' in source


def _subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANDONG_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(tmp_path)])
    env["LIANDONG_SECRET_KEY"] = "scaffold-test-secret-key"
    env["LIANDONG_DATABASE_URL"] = f"sqlite:///{tmp_path / 'scaffold.db'}"
    env["LIANDONG_MIGRATION_DATABASE_URL"] = env["LIANDONG_DATABASE_URL"]
    return env


def test_generated_test_passes(tmp_path):
    scaffold("tmpplug", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "tmpplug"), "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=tmp_path, env=_subprocess_env(tmp_path), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout and "1 skipped" in result.stdout  # web part: not installed here


END_TO_END = """
import sys
from sqlalchemy import func, select
from litestar.testing import TestClient

import plugins.example
import tmpplug
from core import migrate
from core.plugins import PluginRegistry, set_registry

reg = PluginRegistry(modules={"example": plugins.example, "tmpplug": tmpplug})
set_registry(reg)
migrate.upgrade()
from core.demo import load_demo
from core.tenancy import operator_session, tree
from core.web.app import create_app
from tests.helpers import login, post_form

load_demo(echo=lambda *a: None)
dfh = tree().by_slug["dongfanghong"]
with TestClient(create_app()) as client:
    login(client, "dfh_staff")
    assert client.get("/t/dongfanghong/tmpplug/").status_code == 404, "enabled too early"
    with operator_session() as s:
        assert reg.set_enabled(s, dfh, "tmpplug", True) == ["tmpplug"]
    page = client.get("/t/dongfanghong/tmpplug/")
    assert page.status_code == 200, page.text
    r = post_form(client, "/t/dongfanghong/tmpplug/", {"title": "生成插件的公告", "body": "正文"},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "生成插件的公告" in client.get("/t/dongfanghong/tmpplug/").text
    r = post_form(client, "/t/dongfanghong/tmpplug/", {"title": ""})
    assert r.status_code == 422 and "请填写标题" in r.text
    home = client.get("/t/dongfanghong/")
    assert 'href="/t/dongfanghong/tmpplug"' in home.text
from tmpplug.models import Notice
from core.db import open_session
with open_session(dfh.id) as s:
    assert s.scalar(select(func.count()).select_from(Notice)) == 1
migrate.downgrade(target="tmpplug@base")
print("END-TO-END OK")
"""


def _tenants_with_example_only(dest: Path) -> Path:
    """The demo tenants, minus the plugins the end-to-end world does not install."""
    dest.mkdir()
    for spec in (REPO_ROOT / "tenants").glob("*.toml"):
        kept, skipping = [], False
        for line in spec.read_text(encoding="utf-8").splitlines():
            if line.startswith("["):
                skipping = line.startswith("[plugins.") and line.strip() != "[plugins.example]"
            if not skipping:
                kept.append(line)
        (dest / spec.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    return dest


def test_generated_plugin_works_end_to_end(tmp_path):
    """Migrate a scratch SQLite database with the new plugin, enable it, use its page, downgrade."""
    scaffold("tmpplug", tmp_path)
    script = tmp_path / "end_to_end.py"
    script.write_text(textwrap.dedent(END_TO_END), encoding="utf-8")
    env = _subprocess_env(tmp_path)
    env["LIANDONG_TENANTS_DIR"] = str(_tenants_with_example_only(tmp_path / "tenants"))
    result = subprocess.run([sys.executable, str(script)], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "END-TO-END OK" in result.stdout, result.stdout + result.stderr


def test_default_destination_is_the_checkout(tmp_path, monkeypatch):
    plugins_dir, tests_dir = tmp_path / "plugins", tmp_path / "tests"
    plugins_dir.mkdir()
    monkeypatch.setattr(scaffold_module, "PLUGINS_DIR", plugins_dir)
    monkeypatch.setattr(scaffold_module, "TESTS_DIR", tests_dir)
    created = scaffold("tmpplug3", None)
    assert plugins_dir / "tmpplug3" / "__init__.py" in created
    init = (plugins_dir / "tmpplug3" / "__init__.py").read_text(encoding="utf-8")
    assert "from plugins.tmpplug3.models import Notice" in init
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
    assert (tmp_path / "tmpplug2" / "migrations" / "versions" / "tmpplug2_0001_notices.py").is_file()
    assert (tmp_path / "tmpplug2" / "tests" / "test_tmpplug2.py").is_file()
    assert 'tmpplug2 = "tmpplug2"' in result.output  # outside the checkout: a package of its own
    result = CliRunner().invoke(cli, ["plugin", "new", "Bad-Name", "--dest", str(tmp_path)])
    assert result.exit_code == 1 and "invalid plugin name 'Bad-Name'" in result.output
    result = CliRunner().invoke(cli, ["plugin", "new", "tmpplug2", "--dest", str(tmp_path)])
    assert result.exit_code == 1 and "already exists" in result.output
