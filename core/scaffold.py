"""``liandong plugin new NAME [--engine ENGINE]``: a small working plugin from templates.

The templates live in ``core/scaffolds/``: ``default/`` is a neutral plugin (label = the name,
a setting, read/write permissions granted to the core roles, a menu entry, a table of records
with its migration branch, a page with a form, an API status route, a dashboard card and a
test; no commands, no filters, no notices). With ``--engine`` the plugin is a program on that
engine instead (``_engine/`` and ``<engine>/``): it depends on the engine, implements its
registration hook and builds its page and card on the engine's public ``api.py``.
``_common/`` is shared by both. Every ``__NAME__`` / ``__PACKAGE__`` in a template (and in its path) is replaced; the
``.tmpl`` suffix is dropped; ``test.py.tmpl`` becomes the plugin's test. ``_engine/`` holds
what the engine templates share (status page, card, API route, test); ``__ENGINE__`` and
``__HOOK__`` name the engine and its registration hook.

Where the package and its test go:

* default (``parent`` is this checkout's ``plugins/``): the package is ``plugins.<name>``
  and its test ``tests/plugins/<name>/test_<name>.py`` joins the project's test suite;
* ``--dest DIR`` elsewhere: the package is the top-level ``<name>`` (a separately
  distributed plugin; ``DIR`` must be on ``sys.path`` or the package installed) and its test
  lives inside it, ``DIR/<name>/tests/test_<name>.py``.
"""

from __future__ import annotations

import keyword
import re
import sys
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path

from core.config import REPO_ROOT

#: the templates: default/ and one folder per engine
TEMPLATES = Path(__file__).resolve().parent / "scaffolds"
#: engines ``--engine`` offers → the hook a program configures each with
ENGINES = {
    "activities": "register_activity_types",
    "lists": "register_list_schemes",
    "assessment": "register_assessment_templates",
    "campaigns": "register_campaign_templates",
    "funds": "register_reward_rules",
}
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
TEST_TEMPLATE = "test.py.tmpl"


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


def available_engines() -> list[str]:
    """Engines whose template folder exists (their ``api.py`` is what the templates build on)."""
    return [e for e in ENGINES if (TEMPLATES / e).is_dir()]


def _templates(engine: str | None) -> dict[str, Path]:
    """Relative path (``.tmpl`` dropped) → template file; the engine's override the default's."""
    folders = [TEMPLATES / "_common"] + (
        [TEMPLATES / "_engine", TEMPLATES / engine] if engine else [TEMPLATES / "default"])
    out: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.tmpl")):
            out[path.relative_to(folder).as_posix().removesuffix(".tmpl")] = path
    return out


def _fill(text: str, name: str, package: str, engine: str | None = None) -> str:
    if engine:
        text = text.replace("__ENGINE__", engine).replace("__HOOK__", ENGINES[engine])
    return text.replace("__PACKAGE__", package).replace("__NAME__", name)


def scaffold(name: str, dest: str | Path | None = None, engine: str | None = None) -> list[Path]:
    """Create the plugin ``name`` under ``dest`` (default ``plugins/``); return the files written."""
    if engine is not None and engine not in available_engines():
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(available_engines())}")
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

    created: list[Path] = []
    for rel, template in _templates(engine).items():
        out = test_dir / f"test_{name}.py" if rel == "test.py" else parent / name / _fill(rel, name, package)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_fill(template.read_text(encoding="utf-8"), name, package, engine), encoding="utf-8")
        created.append(out)
    init = test_dir / "__init__.py"
    if not init.exists():
        init.write_text("", encoding="utf-8")
        created.append(init)
    return created
