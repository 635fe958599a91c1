"""``liandong plugin new NAME``: a working plugin copied from ``plugins/example``.

The example plugin is the template. Every file of it is copied to ``<parent>/<name>/``
(``parent`` = ``--dest`` or ``plugins/`` of this checkout) with plain text substitution:
``plugins.example`` → the new package's import path, ``example`` → ``<name>`` wherever it
stands as a word of its own (permission names ``example:*``, table ``example_notices``,
revision ``example_0001`` and its branch label, component prefix ``example:``, the
``example-count`` CLI command, ``example.css`` …), and the meta label/description.

Where the package and its test go:

* default (``parent`` is this checkout's ``plugins/``): the package is ``plugins.<name>``
  and its test ``tests/plugins/<name>/test_<name>.py`` joins the project's test suite;
* ``--dest DIR`` elsewhere: the package is the top-level ``<name>`` (a separately
  distributed plugin; ``DIR`` must be on ``sys.path`` or the package installed) and its test
  lives inside it, ``DIR/<name>/tests/test_<name>.py``.

The generated test checks the plugin without a database (hooks valid, permissions, roles,
migration branch, settings, components) and, once the plugin is installed under the
``liandong.plugins`` entry point and migrated, through the web with the project's fixtures.
"""

from __future__ import annotations

import keyword
import re
import shutil
import sys
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path

from core.config import REPO_ROOT

#: the template
EXAMPLE = REPO_ROOT / "plugins" / "example"
#: where plugins of this checkout live (default ``--dest``) and the project's tests
PLUGINS_DIR = REPO_ROOT / "plugins"
TESTS_DIR = REPO_ROOT / "tests"

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MIN_LEN = 2
#: ``<name>_0001`` must fit alembic's VARCHAR(32) ``alembic_version.version_num``
MAX_LEN = 27
#: names that would collide with the core: its plugin names, tenant URL segments, packages
RESERVED = {
    "core", "registry", "plugins", "plugin", "tests", "migrations", "static", "components",
    "api", "admin", "audit", "login", "logout", "schema", "t", "me", "liandong",
    "organizations", "party_orgs", "members", "instructors", "clusters", "coverage", "imports",
}
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}

_WORD = r"(?<![A-Za-z0-9]){}(?![A-Za-z0-9])"


def installed_plugins() -> set[str]:
    """Names under the ``liandong.plugins`` entry point group (without importing them)."""
    from core.plugins import CORE_PLUGINS

    return {ep.name for ep in entry_points(group="liandong.plugins")} | set(CORE_PLUGINS)


def validate_name(name: str, parent: Path, top_level: bool) -> None:
    """Raise ``ValueError`` with a clear message if ``name`` cannot be a new plugin."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(
            f"invalid plugin name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (e.g. 'notices' or 'party_day')"
        )
    if not MIN_LEN <= len(name) <= MAX_LEN:
        raise ValueError(
            f"invalid plugin name {name!r}: it must be {MIN_LEN} to {MAX_LEN} characters long "
            f"(the migration id '{name}_0001' must fit alembic's 32-character version column)"
        )
    if keyword.iskeyword(name):
        raise ValueError(f"invalid plugin name {name!r}: it is a Python keyword")
    if name in RESERVED:
        raise ValueError(f"invalid plugin name {name!r}: the name is reserved by the core")
    if name in installed_plugins() or (PLUGINS_DIR / name).exists():
        raise ValueError(f"a plugin named {name!r} already exists")
    if top_level and (name in sys.stdlib_module_names or find_spec(name) is not None):
        raise ValueError(
            f"invalid plugin name {name!r}: a module of that name is already importable; "
            "a top-level plugin package would shadow it"
        )
    target = parent / name
    if target.exists():
        raise ValueError(f"{target} already exists")
    if parent.exists() and not parent.is_dir():
        raise ValueError(f"{parent} is not a directory")


def _substitute(text: str, name: str, package: str, relpath: str) -> str:
    # terms are global words: the new plugin gets its own
    text = re.sub(r'\b(Term\(|term\()"notice"', rf'\1"{name}_notice"', text)
    text = text.replace("plugins.example", package)
    text = text.replace("plugins/example", f"plugins/{name}")
    text = re.sub(_WORD.format("example"), name, text)
    text = re.sub(_WORD.format("Example"), name.capitalize(), text)
    text = re.sub(_WORD.format("EXAMPLE"), name.upper(), text)
    if relpath == "__init__.py":  # the package itself: its docstring and meta
        text = re.sub(
            r'\A"""(.*?)"""',
            f'"""{name.capitalize()} plugin, scaffolded by ``liandong plugin new {name}`` from the\n'
            "example plugin (a notice board). Reshape it into your program; docs/plugins.md\n"
            'explains every hook."""',
            text,
            count=1,
            flags=re.S,
        )
        text = re.sub(r'(meta = PluginMeta\(.*?\blabel=)"[^"]*"', rf'\1"{name}（新插件）"', text,
                      count=1, flags=re.S)
        text = re.sub(r'(meta = PluginMeta\(.*?\bdescription=)"[^"]*"',
                      r'\1"由 liandong plugin new 生成：发布和查看本辖区公告。"', text, count=1, flags=re.S)
    return text


def _copy_tree(src: Path, dst: Path, name: str, package: str) -> list[Path]:
    created: list[Path] = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in SKIP_DIRS for part in rel.parts) or path.suffix in SKIP_SUFFIXES:
            continue
        out = dst / Path(*(re.sub(_WORD.format("example"), name, part) for part in rel.parts))
        if path.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # images, fonts: copied as they are
            shutil.copyfile(path, out)
        else:
            out.write_text(_substitute(text, name, package, rel.as_posix()), encoding="utf-8")
        created.append(out)
    return created


def scaffold(name: str, dest: str | Path | None = None) -> list[Path]:
    """Create the plugin ``name`` under ``dest`` (default ``plugins/``); return the files written."""
    parent = Path(dest).expanduser().resolve() if dest else PLUGINS_DIR.resolve()
    in_checkout = parent == PLUGINS_DIR.resolve()
    validate_name(name, parent, top_level=not in_checkout)
    package = f"plugins.{name}" if in_checkout else name
    if in_checkout:
        test_dir = TESTS_DIR / "plugins" / name
        if test_dir.exists():
            raise ValueError(f"{test_dir} already exists")
    else:
        test_dir = parent / name / "tests"

    created = _copy_tree(EXAMPLE, parent / name, name, package)
    test_dir.mkdir(parents=True, exist_ok=True)
    init = test_dir / "__init__.py"
    if not init.exists():
        init.write_text("", encoding="utf-8")
        created.append(init)
    test_file = test_dir / f"test_{name}.py"
    test_file.write_text(TEST_TEMPLATE.replace("__NAME__", name).replace("__PACKAGE__", package),
                         encoding="utf-8")
    created.append(test_file)
    return created


TEST_TEMPLATE = '''\
"""Tests of the __NAME__ plugin (generated by ``liandong plugin new __NAME__``).

The first tests need no database. The web tests run once the plugin is installed (entry
point ``__NAME__ = "__PACKAGE__"`` under ``[project.entry-points."liandong.plugins"]``,
``pip install -e .``) and the Liandong test fixtures are available (tests/conftest.py).
"""

from __future__ import annotations

import importlib
import runpy
from importlib.metadata import entry_points

import pytest

from core.permissions import build_catalog
from core.plugins import PluginRegistry, SettingsError

NAME = "__NAME__"
PACKAGE = "__PACKAGE__"


@pytest.fixture(scope="module")
def plugin():
    return importlib.import_module(PACKAGE)


def test_meta_and_hooks_are_valid(plugin):
    reg = PluginRegistry(modules={NAME: plugin})  # runs pm.check_pending()
    assert reg.meta[NAME].name == NAME
    catalog = build_catalog(reg.pm)
    assert {f"{NAME}:read", f"{NAME}:write"} <= set(catalog.permissions)
    assert f"{NAME}:write" in catalog.roles["staff"].permissions
    assert f"{NAME}:write" not in catalog.roles["viewer"].permissions


def test_migration_is_on_its_own_branch(plugin):
    [versions] = PluginRegistry(modules={NAME: plugin}).hooks_of(NAME).register_migrations()
    [revision] = sorted(versions.glob("*.py"))
    ns = runpy.run_path(str(revision))
    assert ns["revision"] == f"{NAME}_0001"
    assert ns["branch_labels"] == (NAME,)
    assert ns["depends_on"] == "0001_core"


def test_components_and_static(plugin):
    hooks = PluginRegistry(modules={NAME: plugin}).hooks_of(NAME)
    [components], [static] = hooks.register_components(), hooks.register_static()
    assert (components / "Page.jinja").is_file() and (static / f"{NAME}.css").is_file()


def test_settings_are_validated(plugin):
    reg = PluginRegistry(modules={NAME: plugin})
    assert reg.validate_settings(NAME, {}).max_notices == 50
    with pytest.raises(SettingsError) as exc:
        reg.validate_settings(NAME, {"max_notices": "0"})
    assert exc.value.errors["max_notices"] == "最多保留公告数：不能小于 1"


# --- through the web: needs the plugin installed and the project's test fixtures ----------


@pytest.fixture
def web(request):
    if NAME not in {ep.name for ep in entry_points(group="liandong.plugins")}:
        pytest.skip(f"plugin {NAME} is not installed (add its entry point, pip install -e .)")
    try:
        as_user = request.getfixturevalue("as_user")
    except pytest.FixtureLookupError:
        pytest.skip("needs the Liandong test fixtures (tests/conftest.py)")
    from core.plugins import registry
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session, tree
    from tests.helpers import unique

    slug = unique(NAME.replace("_", "-")[:20] + "-")
    with operator_session() as s:
        create_tenant(s, TenantForm(slug=slug, name=f"测试街道{slug}", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    return as_user("yuelu_admin"), slug, registry()


def test_page_follows_enablement(web):
    from core.tenancy import operator_session, tree
    from tests.helpers import post_form, unique

    client, slug, reg = web
    assert client.get(f"/t/{slug}/{NAME}/").status_code == 404  # not enabled yet
    with operator_session() as s:
        reg.set_enabled(s, tree().by_slug[slug], NAME, True)
    page = client.get(f"/t/{slug}/{NAME}/")
    assert page.status_code == 200
    title = unique("通知")
    r = post_form(client, f"/t/{slug}/{NAME}/", {"title": title, "body": "内容"}, follow_redirects=False)
    assert r.status_code == 303
    assert title in client.get(f"/t/{slug}/{NAME}/").text
    r = post_form(client, f"/t/{slug}/{NAME}/", {"title": "", "body": ""})
    assert r.status_code == 422 and "请填写标题" in r.text
'''
