"""jinjax with its per-call costs paid once per component (issue 20, P1/P3).

jinjax 0.68 compiles each component once (``use_cache``), but every component *call*
(``catalog.irender``, which every ``<Tag …/>`` in a template becomes) still:

* looks the component up again and rebuilds a :class:`jinjax.Component` from its cached
  metadata (``Component.from_cache``), copying the per-render globals out of a ContextVar;
* reads and copies the collected CSS/JS lists (two more ContextVars) to add the component's
  assets — none of ours has any;
* builds an :class:`jinjax.HTMLAttrs` of the arguments the component did not declare,
  whether or not the template uses ``attrs``;
* renders through ``Template.render``, whose ``new_context`` turns the template's globals
  (a ``ChainMap`` over the environment's) into a dict and a set — two walks of the chain
  per call.

:class:`Catalog` keeps, per (caller prefix, name), the resolved component, its template's
render function and its globals as a flat dict, and renders with exactly what jinjax would
pass (the declared arguments with their defaults, ``attrs`` when the template reads it,
``content``, ``__prefix``). Output is the same string; anything unusual (a component with
CSS/JS, ``_source``/``_content``/``_attrs``/``_file_ext`` arguments, ``auto_reload`` in
development) goes through jinjax's own ``irender``. The environment, autoescaping and the
component files are jinjax's and unchanged.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

import jinja2
import jinjax
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinjax.catalog import CallerWrapper
from jinjax.exceptions import MissingRequiredArgument
from jinjax.html_attrs import HTMLAttrs
from jinjax.jinjax import RENDER_CMD, JinjaX
from jinjax.utils import ARGS_PREFIX
from markupsafe import Markup

#: keyword arguments jinjax gives a meaning of its own: such calls take jinjax's path
_SPECIAL = frozenset({"_content", "__content", "_attrs", "__attrs", "_source", "__source",
                      "_file_ext", "__file_ext"})

#: ``catalog.render(…, _globals={…})``: the extra globals of the current render (jinjax keeps
#: them in a ContextVar too); ``None`` in the usual case, so nothing is merged
_render_globals: ContextVar[dict[str, t.Any] | None] = ContextVar("ld_jinjax_globals", default=None)


#: ``content`` of a component called without any (``<Tag …/>``): jinjax builds an equal,
#: never-modified wrapper of the empty string per call
_NO_CONTENT = CallerWrapper(caller=None, content="")


class _Resolved:
    """What a component call needs, worked out on its first call."""

    __slots__ = ("name", "prefix", "required", "optional", "uses_attrs", "render_func", "blocks",
                 "tmpl_name", "globals", "environment", "prototype", "declared", "fast", "base")

    def __init__(self, component: jinjax.Component, environment: jinja2.Environment) -> None:
        tmpl = component.tmpl
        self.name = component.name
        self.prefix = component.prefix
        self.required = tuple(component.required)
        self.optional = dict(component.optional)
        source = component.path.read_text(encoding="utf-8") if component.path else ""
        #: jinjax hands every component ``attrs``; building it is skipped where the source
        #: never mentions it (a template cannot read a variable it does not name)
        self.uses_attrs = "attrs" in source or not source
        self.render_func = tmpl.root_render_func
        self.blocks = tmpl.blocks
        self.tmpl_name = tmpl.name
        #: the template's globals (a ChainMap over the environment's), flattened once: the
        #: environment is complete before the first render
        self.globals = dict(tmpl.globals)
        self.environment = environment
        self.prototype = _prototype(environment, self.tmpl_name, self.blocks, self.globals)
        #: the argument names a call may pass for the short path (jinjax's own names excluded)
        self.declared = frozenset(self.required) | frozenset(self.optional)
        self.fast = not self.uses_attrs and not (self.declared & {"attrs", "content", ARGS_PREFIX})
        #: a call's context before its arguments: globals, the defaults, no content, the prefix
        self.base = {**self.globals, **self.optional, "content": _NO_CONTENT, ARGS_PREFIX: self.prefix}

    def new_context(self, parent: dict[str, t.Any]) -> Context:
        """What ``environment.context_class(env, parent, name, blocks, globals=…)`` returns,
        made from a prototype: its attribute values, fresh mutable ones per call."""
        proto = self.prototype
        if proto is None:
            env = self.environment
            return env.context_class(env, parent, self.tmpl_name, self.blocks, globals=self.globals)
        ctx = _new(Context)
        eval_ctx = _new(EvalContext)
        eval_ctx.__dict__.update(proto.eval_ctx.__dict__)
        ctx.__dict__.update(proto.__dict__)
        ctx.parent = parent
        ctx.vars = {}
        ctx.eval_ctx = eval_ctx
        ctx.exported_vars = set()
        ctx.blocks = {k: list(v) for k, v in proto.blocks.items()} if proto.blocks else {}
        return ctx


_new = object.__new__

#: the attributes of a jinja Context and EvalContext this module knows how to copy (jinja 3.1);
#: with any other set, contexts are made by the constructor
_CONTEXT_ATTRS = {"parent", "vars", "environment", "eval_ctx", "exported_vars", "name", "globals_keys", "blocks"}
_EVAL_CONTEXT_ATTRS = {"environment", "autoescape", "volatile"}


def _prototype(env: jinja2.Environment, name: str | None, blocks: dict, globals_: dict) -> Context | None:
    """A context made by jinja's constructor, to copy per call (``Context.__init__`` builds an
    EvalContext and a set of the globals' names each time: a third of a small component's
    cost); ``None`` when this jinja's contexts are not the plain objects expected."""
    if env.context_class is not Context:
        return None
    proto = Context(env, {}, name, blocks, globals=globals_)
    if set(proto.__dict__) != _CONTEXT_ATTRS or set(proto.eval_ctx.__dict__) != _EVAL_CONTEXT_ATTRS \
            or type(proto.eval_ctx) is not EvalContext:
        return None
    return proto


#: the global that component tags call (jinjax writes ``catalog.irender(…)``: an attribute
#: lookup and a bound method per call)
_IRENDER = "jinjax_irender"


class _DirectCalls(JinjaX):
    """jinjax's tag → call translation, calling the catalog's ``irender`` through a global."""

    def _build_call(self, tag: str, attrs_list: list[tuple[str, str]], content: str = "") -> str:
        call = super()._build_call(tag, attrs_list, content)
        return call.replace(f"{RENDER_CMD}(", f"{_IRENDER}(", 1)


class Catalog(jinjax.Catalog):
    """:class:`jinjax.Catalog` with a resolved-component cache (see the module's docstring)."""

    __slots__ = ("_resolved",)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._resolved: dict[tuple[str, str], _Resolved | None] = {}
        env = self.jinja_env
        env.extensions[JinjaX.identifier] = _DirectCalls(env)
        env.globals[_IRENDER] = self.irender

    def add_folder(self, root_path, *, prefix: str = "") -> None:
        super().add_folder(root_path, prefix=prefix)
        self._resolved.clear()  # a new folder may hold a name resolved elsewhere before

    def render(self, /, __name: str, *, caller: t.Callable | None = None, **kw: t.Any) -> str:
        if self.auto_reload:
            return super().render(__name, caller=caller, **kw)
        extra = kw.pop("_globals", kw.pop("__globals", None)) or None
        token = _render_globals.set(extra)
        try:
            if extra is not None:  # jinjax's path keeps them for its own irender calls
                kw["_globals"] = extra
                return super().render(__name, caller=caller, **kw)
            # jinjax resets the collected assets here; a render that meets a component with
            # assets goes through jinjax (irender below) and needs them reset
            self.collected_css = []
            self.collected_js = []
            out = self.irender(__name, caller=caller, **kw)
            if self._emit_assets_later:
                out = self._finalize_assets(out)
            return out
        finally:
            _render_globals.reset(token)

    def irender(self, /, __name: str, *, caller: t.Callable | None = None, **kw: t.Any) -> str:
        if self.auto_reload or not _SPECIAL.isdisjoint(kw):
            return super().irender(__name, caller=caller, **kw)
        prefix = kw.get(ARGS_PREFIX, "")
        key = (prefix, __name)
        try:
            entry = self._resolved[key]
        except KeyError:
            entry = self._resolved[key] = self._resolve(__name, prefix)
        if entry is None:  # has CSS/JS (or could not be resolved): jinjax's own path
            return super().irender(__name, caller=caller, **kw)
        kw.pop(ARGS_PREFIX, None)
        extra = _render_globals.get()
        if extra is None and entry.fast and entry.declared.issuperset(kw):
            # the usual call: declared arguments only, no attrs read, no render globals
            for name in entry.required:
                if name not in kw:
                    raise MissingRequiredArgument(entry.name, name)
            parent = {**entry.base, **kw}
            if caller is not None:
                parent["content"] = CallerWrapper(caller=caller, content="")
        else:
            parent = {**entry.globals, **extra} if extra else entry.globals.copy()
            for name in entry.required:
                if name not in kw:
                    raise MissingRequiredArgument(entry.name, name)
                parent[name] = kw.pop(name)
            for name, default in entry.optional.items():
                parent[name] = kw.pop(name, default)
            if entry.uses_attrs:
                parent["attrs"] = HTMLAttrs(kw)
            parent["content"] = _NO_CONTENT if caller is None else CallerWrapper(caller=caller, content="")
            parent[ARGS_PREFIX] = entry.prefix
        env = entry.environment
        ctx = entry.new_context(parent)
        try:
            html = "".join(entry.render_func(ctx))
        except Exception:
            env.handle_exception()
        return Markup(html.strip())

    def _resolve(self, name: str, prefix: str) -> _Resolved | None:
        component = self._get_component(name, **{ARGS_PREFIX: prefix})
        if component.css or component.js or component.tmpl is None:
            return None
        return _Resolved(component, self.jinja_env)
