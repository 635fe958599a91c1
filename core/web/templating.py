"""One autoescaping Jinja environment, handed to the jinjax catalog.

jinjax's own default environment does not escape; ours does. Components live in
``core/components`` (no prefix) and in each plugin's folder under the plugin's name as
prefix (``example:Page``). Request data never goes into globals: pages get a
:class:`core.web.context.Ctx` as an argument.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import jinja2
import jinjax
from markupsafe import Markup

from core import clock, i18n
from core.web.components import Catalog

COMPONENTS = Path(__file__).resolve().parent.parent / "components"


#: a <Picker> of more options than this becomes a search box (app.js); smaller lists stay a plain <select>
PICKER_THRESHOLD = 30


def localtime(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """UTC in the database, Asia/Shanghai on the page."""
    return "" if value is None else clock.local(value).strftime(fmt)


def gettext(__string: str, **variables) -> Markup:
    """``_()`` in templates, bound once: what jinja's newstyle gettext returns in this
    (always autoescaping) environment — the translation marked safe, ``%``-formatted with the
    escaped ``variables`` — without its two hops through the template context per call."""
    return Markup(i18n.gettext(__string)) % variables


def build_catalog(reg, *, auto_reload: bool = False) -> jinjax.Catalog:
    """The component catalog of ``reg`` (a :class:`core.plugins.PluginRegistry`)."""
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        auto_reload=auto_reload,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["_"] = gettext
    env.filters["localtime"] = localtime
    env.globals["picker_threshold"] = PICKER_THRESHOLD
    env.filters["tojson_attr"] = lambda v: Markup.escape(__import__("json").dumps(v, ensure_ascii=False))
    reg.pm.hook.prepare_jinja_env(env=env)
    catalog = Catalog(jinja_env=env, auto_reload=auto_reload)
    catalog.add_folder(COMPONENTS)
    for name, path in reg.each("register_components"):
        catalog.add_folder(Path(path), prefix=name)
    return catalog


def plugin_static_dirs(reg) -> list[tuple[str, Path]]:
    """(plugin name, folder) of every plugin that serves static files (the core's too)."""
    return [(name, Path(path)) for name, path in reg.each("register_static")]


@lru_cache(maxsize=4)
def plugin_stylesheets(reg) -> dict[str, str]:
    """Plugin name → URL of ``<name>.css`` in its static folder, for plugins that ship one."""
    return {name: f"/static/{name}/{name}.css" for name, path in plugin_static_dirs(reg)
            if (path / f"{name}.css").exists()}
