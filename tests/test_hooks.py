"""Every hook of core/hookspecs.py, exercised on its own (the way Datasette tests its hooks).

Each test builds a :class:`core.plugins.PluginRegistry` with small plugin modules written
here, so nothing depends on what the installed plugins happen to do. Per-tenant hooks are
checked on fresh street tenants: not called before the tenant enables the plugin, called
after, not called again once it is disabled. ``tests/test_hooks_documented.py`` requires a
``test_<hook>…`` function here for every hook.

The process-wide registry (``core.plugins.registry()``) and the component catalog are only
swapped inside the ``installed`` context manager, which always restores them.
"""

from __future__ import annotations

import types
from contextlib import contextmanager
from pathlib import Path

import click
import pluggy
import pytest
from click.testing import CliRunner
from jinjax.exceptions import ComponentNotFound
from litestar import get
from litestar.testing import TestClient
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

import plugins.example
from core import events  # noqa: F401  (after-commit cache invalidation, as in the app)
from core.db import open_session, scoped_session
from core.hookspecs import hookimpl
from core.models import TenantPlugin
from core.permissions import build_catalog
from core.plugin_types import (
    ClusterType,
    LeaderRule,
    NavItem,
    NoSettings,
    Permission,
    PluginMeta,
    Role,
    Term,
    Widget,
)
from core.plugins import PluginError, PluginRegistry, SettingsError, registry, set_registry
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import TenantInfo, operator_session, tree
from core.terms import default_terms, terms_for
from core.web.context import Ctx
from core.web.render import get_catalog, set_catalog
from tests.helpers import login, unique

# --- helpers -------------------------------------------------------------------------------


def make_plugin(name: str, *, depends: tuple[str, ...] = (), settings: type[BaseModel] = NoSettings,
                label: str | None = None, **hooks) -> types.ModuleType:
    """A plugin module named ``name`` implementing ``hooks`` (hook name → function)."""
    module = types.ModuleType(f"hooktest_{name}")
    module.meta = PluginMeta(name=name, label=label or f"测试插件{name}", depends=depends, settings=settings)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))
    return module


def flat(results) -> list:
    return [item for batch in results for item in (batch or ())]


def set_enabled(reg: PluginRegistry, tenant: TenantInfo, name: str, enabled: bool = True) -> list[str]:
    with operator_session() as s:
        return reg.set_enabled(s, tenant, name, enabled)


def new_street(prefix: str = "hk") -> TenantInfo:
    slug = unique(f"{prefix}-")
    with operator_session() as s:
        create_tenant(s, TenantForm(slug=slug, name=f"钩子测试街道{slug}", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    return tree().by_slug[slug]


@pytest.fixture
def street(database) -> TenantInfo:
    """A fresh street under 岳麓区 that has enabled nothing."""
    return new_street()


@contextmanager
def installed(reg: PluginRegistry, catalog=None):
    """Make ``reg`` (and ``catalog``) the process-wide ones for a moment; always restore."""
    old_reg, old_catalog = registry(), get_catalog()
    set_registry(reg)
    if catalog is not None:
        set_catalog(catalog)
    default_terms.cache_clear()
    try:
        yield reg
    finally:
        set_registry(old_reg)
        set_catalog(old_catalog)
        default_terms.cache_clear()


# --- start-up: registration, check_pending, meta ------------------------------------------


def test_check_pending_fails_loudly_for_a_misspelled_hookimpl():
    with pytest.raises(pluggy.PluginValidationError, match="register_route"):
        PluginRegistry(modules={"typo": make_plugin("typo", register_route=lambda: [])})


def test_check_pending_rejects_an_argument_the_hook_does_not_have():
    with pytest.raises(pluggy.PluginValidationError, match="tenant_id"):
        PluginRegistry(modules={"badarg": make_plugin("badarg", register_nav_items=lambda tenant_id: [])})


def test_registration_requires_meta_and_installed_dependencies():
    with pytest.raises(RuntimeError, match="lacks meta"):
        PluginRegistry(modules={"other": make_plugin("named_differently")})
    with pytest.raises(RuntimeError, match="uninstalled"):
        PluginRegistry(modules={"needy": make_plugin("needy", depends=("absent",))})
    reg = PluginRegistry(modules={"fine": make_plugin("fine")})
    assert reg.names == ["fine"]
    # the core parts are plugins of their own hooks, always registered
    assert {"core", "registry", "fine"} <= {reg.pm.get_name(p) for p in reg.pm.get_plugins()}


# --- installation-wide hooks --------------------------------------------------------------


def test_register_models_collects_model_classes():
    class FakeModel:  # a real model would add a table to Base.metadata
        pass

    reg = PluginRegistry(modules={"example": plugins.example,
                                  "hkm": make_plugin("hkm", register_models=lambda: [FakeModel])})
    models = flat(reg.pm.hook.register_models())
    from plugins.example.models import Notice

    assert FakeModel in models and Notice in models
    from core.db import Base

    assert "example_notices" in Base.metadata.tables


def test_register_migrations_adds_version_locations(tmp_path):
    from alembic.script import ScriptDirectory

    from core.migrate import alembic_config

    reg = PluginRegistry(modules={
        "hkmig": make_plugin("hkmig", register_migrations=lambda: tmp_path),
        "hknone": make_plugin("hknone", register_migrations=lambda: None),
    })
    with installed(reg):
        locations = alembic_config("sqlite://").get_main_option("version_locations").split(" ")
    assert str(tmp_path) in locations
    assert locations[0].endswith("migrations/versions") and len(locations) == 2  # core + hkmig
    # the installed example plugin: its own branch, labelled with its name, on top of the core
    script = ScriptDirectory.from_config(alembic_config())
    rev = script.get_revision("example@head")
    assert rev.revision.startswith("example_") and "example" in script.get_revision("example_0001").branch_labels
    assert "0001_core" in (script.get_revision("example_0001").dependencies or ())


def test_register_permissions_and_undeclared_grants():
    reg = PluginRegistry(modules={"hkp": make_plugin(
        "hkp", register_permissions=lambda: [Permission("hkp:read", "查看测试"), Permission("hkp:write", "编辑测试")])})
    catalog = build_catalog(reg.pm)
    assert catalog.permissions["hkp:read"].label == "查看测试"
    assert "tenant:view" in catalog.permissions  # the core's own
    assert {"hkp:read", "hkp:write"} <= set(catalog.roles["platform_admin"].permissions)
    bad = PluginRegistry(modules={"hkbad": make_plugin(
        "hkbad", register_roles=lambda: [Role("staff", permissions=("hkbad:undeclared",))])})
    with pytest.raises(RuntimeError, match="undeclared"):
        build_catalog(bad.pm)


def test_register_roles_merges_grants_and_adds_roles():
    reg = PluginRegistry(modules={"hkr": make_plugin(
        "hkr",
        register_permissions=lambda: [Permission("hkr:do", "办理测试")],
        register_roles=lambda: [Role("staff", permissions=("hkr:do",)),
                                Role("hkr_clerk", "测试办事员", ("tenant:view", "hkr:do"))],
    )})
    roles = build_catalog(reg.pm).roles
    assert "hkr:do" in roles["staff"].permissions
    assert "tenant:view" in roles["staff"].permissions  # the core's grant is kept
    assert roles["staff"].label == "专干"
    assert roles["hkr_clerk"].label == "测试办事员" and roles["hkr_clerk"].permissions == ("tenant:view", "hkr:do")
    assert "hkr:do" not in roles["viewer"].permissions


def test_register_components_under_the_plugin_prefix(tmp_path):
    from core.web.templating import build_catalog as build_components

    (tmp_path / "Hello.jinja").write_text('{#def name #}\n<p class="hello">你好，{{ name }}</p>\n', encoding="utf-8")
    reg = PluginRegistry(modules={"hkc": make_plugin("hkc", register_components=lambda: tmp_path)})
    catalog = build_components(reg)
    html = catalog.render("hkc:Hello", name="<b>张三</b>")
    assert '<p class="hello">你好，&lt;b&gt;张三&lt;/b&gt;</p>' in html  # autoescaped
    with pytest.raises(ComponentNotFound):
        catalog.render("Hello", name="x")  # only under the prefix


def test_register_static_folders(tmp_path):
    from core.web.templating import plugin_static_dirs

    reg = PluginRegistry(modules={
        "hks": make_plugin("hks", register_static=lambda: tmp_path),
        "hkn": make_plugin("hkn", register_static=lambda: None),
    })
    assert ("hks", tmp_path) in plugin_static_dirs(reg)
    assert all(name != "hkn" for name, _ in plugin_static_dirs(reg))
    # by convention: the package's static/ folder, without a hook
    assert not hasattr(plugins.example, "register_static")
    assert ("example", Path(plugins.example.__file__).parent / "static") in plugin_static_dirs(registry())
    # served at /static/<plugin>/ — see test_register_static_served_for_every_tenant below


def test_register_terms_defaults_and_tenant_overrides():
    reg = PluginRegistry(modules={"hkt": make_plugin(
        "hkt", register_terms=lambda: [Term("hkt_visit", "走访", "a visit")])})
    with installed(reg):
        defaults = default_terms()
        assert defaults["hkt_visit"] == "走访"
        assert defaults["cluster"] == "联组"  # the core's
        tenant = TenantInfo(1, "x", "某街道", "street", None, False, terms={"hkt_visit": "入企走访", "cluster": ""})
        terms = terms_for(tenant)
        assert terms["hkt_visit"] == "入企走访" and terms["cluster"] == "联组"  # empty override ignored
    assert "hkt_visit" not in default_terms()  # restored


def test_register_commands_adds_cli_commands(database):
    def register_commands(cli):
        @cli.command("hk-hello")
        @click.argument("who")
        def hello(who: str) -> None:
            click.echo(f"你好，{who}")

    reg = PluginRegistry(modules={"hkcli": make_plugin("hkcli", register_commands=register_commands)})
    group = click.Group("liandong")
    reg.pm.hook.register_commands(cli=group)
    result = CliRunner().invoke(group, ["hk-hello", "东方红"])
    assert result.exit_code == 0 and result.output.strip() == "你好，东方红"
    # the example plugin's command, through the installed registry
    group = click.Group("liandong")
    registry().pm.hook.register_commands(cli=group)
    result = CliRunner().invoke(group, ["example-count", "dongfanghong"])
    assert result.exit_code == 0 and result.output.strip().isdigit()
    result = CliRunner().invoke(group, ["example-count", "no-such-tenant"])
    assert result.exit_code != 0 and "unknown tenant" in result.output


def test_prepare_jinja_env_adds_filters():
    from core.web.templating import build_catalog as build_components

    def prepare_jinja_env(env):
        env.filters["hk_shout"] = lambda s: f"{s}！"

    reg = PluginRegistry(modules={"hkj": make_plugin("hkj", prepare_jinja_env=prepare_jinja_env)})
    env = build_components(reg).jinja_env
    assert env.from_string("{{ '注意' | hk_shout }}").render() == "注意！"
    assert env.autoescape is True  # plugins extend the shared, autoescaping environment
    assert "hk_shout" not in build_components(registry()).jinja_env.filters
    assert "excerpt" in build_components(registry()).jinja_env.filters  # the example's


# --- per-tenant hooks ----------------------------------------------------------------------


def test_register_cluster_types_only_for_enabled_tenants(street):
    calls = []

    def register_cluster_types(tenant):
        calls.append(tenant.id)
        return [ClusterType(key="hkct.joint", label=tenant.terms.get("cluster", "联组"),
                            leaders=(LeaderRule("leader", "组长", min=1, max=1),))]

    reg = PluginRegistry(modules={"hkct": make_plugin("hkct", register_cluster_types=register_cluster_types)})

    def keys(tenant):
        return [c.key for c in flat(reg.hooks_for(tenant.id).register_cluster_types(tenant=tenant))]

    assert "hkct.joint" not in keys(street) and calls == []
    assert set_enabled(reg, street, "hkct") == ["hkct"]
    assert "hkct.joint" in keys(street) and calls == [street.id]
    other = tree().by_slug["dongfanghong"]
    assert "hkct.joint" not in keys(other) and calls == [street.id]  # another tenant: not called
    set_enabled(reg, street, "hkct", False)
    assert "hkct.joint" not in keys(street) and calls == [street.id]


def test_register_import_kinds_only_for_enabled_tenants_and_through_the_importer(street):
    from core.registry import importer
    from core.registry.models import Organization
    from core.registry.schemas import FieldSpec, clean

    fields = (FieldSpec("name", "名称", required=True),)
    kind = importer.ImportKind("hkik_orgs", "测试台账", Organization, fields, lambda raw: clean(list(fields), raw),
                               "organizations", ("name",), {}, {}, {"name": "x"}, synonyms={"名称": ("测试名称甲",)})

    def register_import_kinds(tenant):
        return [kind]

    reg = PluginRegistry(modules={"hkik": make_plugin("hkik", register_import_kinds=register_import_kinds)})

    def slugs(tenant):
        return [k.slug for _name, kinds in reg.each_for(tenant.id, "register_import_kinds", tenant=tenant)
                for k in kinds]

    assert "hkik_orgs" not in slugs(street)
    set_enabled(reg, street, "hkik")
    assert "hkik_orgs" in slugs(street) and {"organizations", "instructors", "coverage"} <= set(slugs(street))
    assert "hkik_orgs" not in slugs(tree().by_slug["dongfanghong"])
    # its synonyms joined the one table
    assert "测试名称甲" in importer.synonyms.HEADERS["名称"]


def test_register_cluster_types_reach_the_registry_clusters(street):
    from core.registry.services.clusters import cluster_types

    def register_cluster_types(tenant):
        return [ClusterType(key="hkct2.alliance", label="测试党建联盟", member_kinds=("party_org",))]

    reg = PluginRegistry(modules={"hkct2": make_plugin("hkct2", register_cluster_types=register_cluster_types)})
    with installed(reg):
        types = cluster_types(street)
        assert "hkct2.alliance" not in types and "core.group" in types  # the built-in type: always
        set_enabled(reg, street, "hkct2")
        types = cluster_types(street)
        assert types["hkct2.alliance"].label == "测试党建联盟" and "core.group" in types
        assert "hkct2.alliance" not in cluster_types(tree().by_slug["dongfanghong"])


def test_register_nav_items_per_tenant_with_settings(street):
    class NavSettings(BaseModel):
        menu_label: str = Field("测试菜单", title="菜单名称", min_length=1, max_length=10)

    def register_nav_items(tenant, settings):
        return [NavItem(settings.menu_label, "hknav", permission="tenant:view", order=60)]  # its own settings

    reg = PluginRegistry(modules={"hknav": make_plugin("hknav", settings=NavSettings,
                                                       register_nav_items=register_nav_items)})

    def labels():
        return [i.label for _name, batch in reg.each_for(street.id, "register_nav_items", tenant=street)
                for i in batch]

    assert "测试菜单" not in labels()
    assert "工作台" in labels()  # the core's items are always there
    set_enabled(reg, street, "hknav")
    assert "测试菜单" in labels()
    with operator_session() as s:
        reg.save_settings(s, street.id, "hknav", {"menu_label": "改过的菜单"})
    assert "改过的菜单" in labels() and "测试菜单" not in labels()


def test_register_dashboard_widgets_get_a_tenant_session(street):
    from core.web.context import Ctx, CurrentUser

    seen = []

    def register_dashboard_widgets(session, tenant, settings, viewer):
        assert isinstance(settings, NoSettings) and viewer.can("tenant:view")
        seen.append((session, tenant.id, session.info.get("tenant_ids")))
        return [Widget("测试卡片", "hkw:Card", {"n": 1}, permission="tenant:view")]

    reg = PluginRegistry(modules={"hkw": make_plugin("hkw", register_dashboard_widgets=register_dashboard_widgets)})

    def widgets():
        with open_session(street.id) as s:
            ctx = Ctx(user=CurrentUser(0, "hooks", ""), tenant=street, perms=frozenset({"tenant:view"}))
            out = [w for _name, batch in reg.each_for(street.id, "register_dashboard_widgets",
                                                       session=s, tenant=street, viewer=ctx)
                   for w in batch if w.component.startswith("hkw:")]
            return s, out

    _, out = widgets()
    assert out == [] and seen == []
    set_enabled(reg, street, "hkw")
    s, out = widgets()
    assert [w.title for w in out] == ["测试卡片"]
    assert seen == [(s, street.id, (street.id,))]  # the caller's session, scoped to the tenant


def test_register_detail_panels_for_one_row_of_enabled_tenants(street):
    from core.web.context import Ctx, CurrentUser

    seen = []

    def register_detail_panels(session, tenant, settings, viewer, subject_kind, subject_id):
        assert isinstance(settings, NoSettings) and viewer.can("tenant:view")
        seen.append((session.info.get("tenant_ids"), subject_kind, subject_id))
        return [Widget(f"面板{subject_id}", "hkp:Panel", {"id": subject_id}, permission="tenant:view")]

    reg = PluginRegistry(modules={"hkp": make_plugin("hkp", register_detail_panels=register_detail_panels)})

    def panels(kind, ident):
        with open_session(street.id) as s:
            ctx = Ctx(user=CurrentUser(0, "hooks", ""), tenant=street, perms=frozenset({"tenant:view"}))
            return [p for _name, batch in reg.each_for(street.id, "register_detail_panels", session=s,
                                                       tenant=street, viewer=ctx, subject_kind=kind,
                                                       subject_id=ident)
                    for p in batch if p.component.startswith("hkp:")]

    assert panels("organization", 7) == [] and seen == []
    set_enabled(reg, street, "hkp")
    assert [p.title for p in panels("party_org", 9)] == ["面板9"]
    assert seen == [((street.id,), "party_org", 9)]


def test_register_demo_data_only_for_enabled_tenants(street):
    calls = []

    def register_demo_data(session, tenant):
        calls.append((tenant.id, session.info.get("tenant_id")))

    reg = PluginRegistry(modules={"hkd": make_plugin("hkd", register_demo_data=register_demo_data)})

    def load():  # what core.demo.load_demo does for each tenant
        with scoped_session(street.id) as s:
            reg.each_for(street.id, "register_demo_data", session=s, tenant=street)

    load()
    assert calls == []
    set_enabled(reg, street, "hkd")
    load()
    assert calls == [(street.id, street.id)]


def test_register_demo_data_of_the_example_is_idempotent(street):
    from plugins.example import register_demo_data
    from plugins.example.models import Notice

    for _ in range(2):
        with scoped_session(street.id) as s:
            register_demo_data(session=s, tenant=street)
    with open_session(street.id) as s:
        titles = list(s.scalars(select(Notice.title)))
    assert len(titles) == 2 and f"{street.name}两新组织党建工作会议通知" in titles


def test_on_plugin_enabled_reaches_every_installed_plugin(street):
    events_seen = []

    def on_plugin_enabled(session, tenant, plugin):
        events_seen.append(("on", tenant.id, plugin))

    reg = PluginRegistry(modules={
        "hkobs": make_plugin("hkobs", on_plugin_enabled=on_plugin_enabled),  # never enabled itself
        "hkbase": make_plugin("hkbase"),
        "hkchild": make_plugin("hkchild", depends=("hkbase",)),
    })
    assert set_enabled(reg, street, "hkchild") == ["hkbase", "hkchild"]
    assert events_seen == [("on", street.id, "hkbase"), ("on", street.id, "hkchild")]  # dependencies first
    assert set_enabled(reg, street, "hkchild") == []  # already on: nothing happens
    assert len(events_seen) == 2


def test_on_plugin_enabled_failure_rolls_back(street):
    def on_plugin_enabled(session, tenant, plugin):
        raise RuntimeError("拒绝启用")

    reg = PluginRegistry(modules={"hkfail": make_plugin("hkfail", on_plugin_enabled=on_plugin_enabled)})
    with pytest.raises(RuntimeError, match="拒绝启用"):
        set_enabled(reg, street, "hkfail")
    assert reg.enabled(street.id) == frozenset()
    with open_session(street.id) as s:
        assert s.scalar(select(TenantPlugin).where(TenantPlugin.tenant_id == street.id)) is None


def test_on_plugin_disabled_keeps_data(street):
    events_seen = []

    def on_plugin_disabled(session, tenant, plugin):
        events_seen.append(("off", tenant.id, plugin))

    reg = PluginRegistry(modules={
        "example": plugins.example,
        "hkoff": make_plugin("hkoff", on_plugin_disabled=on_plugin_disabled),
    })
    from plugins.example.models import Notice

    set_enabled(reg, street, "example")
    set_enabled(reg, street, "hkoff")
    assert set_enabled(reg, street, "hkoff", False) == ["hkoff"]
    assert events_seen == [("off", street.id, "hkoff")]
    assert set_enabled(reg, street, "hkoff", False) == []  # already off: no event
    assert len(events_seen) == 1
    with operator_session() as s:
        s.add(Notice(tenant_id=street.id, title="停用前的公告"))
    set_enabled(reg, street, "example", False)
    assert events_seen[-1] == ("off", street.id, "example")
    with open_session(street.id) as s:  # the example's notices are still there
        titles = list(s.scalars(select(Notice.title)))
    assert titles == ["停用前的公告"]
    with open_session(street.id) as s:
        row = s.scalar(select(TenantPlugin).where(TenantPlugin.tenant_id == street.id,
                                                  TenantPlugin.plugin == "example"))
    assert row is not None and row.enabled is False and row.version == plugins.example.meta.version


# --- enablement rules: dependencies, settings, caching -----------------------------------


def test_dependencies_enable_and_refuse_disable(street):
    reg = PluginRegistry(modules={
        "hkbase": make_plugin("hkbase", label="基础测试插件"),
        "hkchild": make_plugin("hkchild", label="依赖测试插件", depends=("hkbase",)),
    })
    assert reg.dependency_closure("hkchild") == ["hkbase", "hkchild"]
    assert set_enabled(reg, street, "hkchild") == ["hkbase", "hkchild"]
    assert reg.enabled(street.id) == {"hkbase", "hkchild"}
    with pytest.raises(PluginError) as exc:
        set_enabled(reg, street, "hkbase", False)
    assert str(exc.value) == "无法停用「基础测试插件」：已启用的「依赖测试插件」依赖它，请先停用它们"
    assert reg.enabled(street.id) == {"hkbase", "hkchild"}  # nothing changed
    assert set_enabled(reg, street, "hkchild", False) == ["hkchild"]
    assert set_enabled(reg, street, "hkbase", False) == ["hkbase"]
    assert reg.enabled(street.id) == frozenset()
    with pytest.raises(PluginError, match="未安装插件「nope」"):
        set_enabled(reg, street, "nope")


class LimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field("标题", title="栏目名称", min_length=1, max_length=5)
    limit: int = Field(10, title="上限", ge=1, le=100)
    active: bool = Field(True, title="启用提醒")


def test_settings_are_validated_with_chinese_messages(street):
    reg = PluginRegistry(modules={"hkset": make_plugin("hkset", settings=LimitSettings)})
    assert reg.validate_settings("hkset", {}) == LimitSettings()
    cases = [
        ({"limit": "abc"}, {"limit": "上限：须为数字"}),
        ({"limit": "0"}, {"limit": "上限：不能小于 1"}),
        ({"limit": 101}, {"limit": "上限：不能大于 100"}),
        ({"title": ""}, {"title": "栏目名称：必填"}),
        ({"title": "太长的栏目名称"}, {"title": "栏目名称：最多 5 个字符"}),
        ({"active": "maybe"}, {"active": "启用提醒：须为是或否"}),
        ({"colour": "red"}, {"colour": "colour：不是该插件的设置项"}),
    ]
    for values, errors in cases:
        with pytest.raises(SettingsError) as exc:
            reg.validate_settings("hkset", values)
        assert exc.value.errors == errors, values
    # save: invalid → nothing written; valid → stored and read back
    with pytest.raises(SettingsError):
        with operator_session() as s:
            reg.save_settings(s, street.id, "hkset", {"limit": "0"})
    assert reg.settings(street.id, "hkset") == LimitSettings()
    with open_session(street.id) as s:
        assert s.scalar(select(func.count()).select_from(TenantPlugin)
                        .where(TenantPlugin.tenant_id == street.id)) == 0
    with operator_session() as s:
        reg.save_settings(s, street.id, "hkset", {"limit": "20", "title": "新标题"})
    assert reg.settings(street.id, "hkset") == LimitSettings(limit=20, title="新标题")
    assert reg.all_settings(street.id) == {}  # saved, but the plugin is not enabled
    set_enabled(reg, street, "hkset")
    assert reg.all_settings(street.id)["hkset"].limit == 20
    # a stored value that no longer validates falls back to the defaults
    with operator_session() as s:
        row = s.scalar(select(TenantPlugin).where(TenantPlugin.tenant_id == street.id,
                                                  TenantPlugin.plugin == "hkset"))
        row.settings = {"limit": 5000}
        from core import revisions

        revisions.bump(s, "plugins")
    assert reg.settings(street.id, "hkset") == LimitSettings()


def test_hooks_for_is_cached_per_set_of_enabled_plugins(street):
    other = new_street()
    reg = PluginRegistry(modules={"hkcache": make_plugin("hkcache", register_nav_items=lambda: [])})
    assert reg.hooks_for(street.id) is reg.hooks_for(other.id)
    set_enabled(reg, street, "hkcache")
    assert reg.hooks_for(street.id) is not reg.hooks_for(other.id)
    set_enabled(reg, other, "hkcache")
    assert reg.hooks_for(street.id) is reg.hooks_for(other.id)


# --- through the web: routes, API routes, static, nav and widgets of a test plugin ---------


@get("/ping", opt={"permission": "tenant:view"}, include_in_schema=False, sync_to_thread=False)
def hkweb_ping(ctx: Ctx) -> dict:
    return {"tenant": ctx.tenant.slug, "page": True}


@get("/forbidden", opt={"permission": "hkweb:secret"}, include_in_schema=False, sync_to_thread=False)
def hkweb_forbidden(ctx: Ctx) -> dict:
    return {"never": True}


@get("/ping", opt={"permission": "tenant:view"}, sync_to_thread=False)
def hkweb_api_ping(ctx: Ctx) -> dict:
    return {"tenant": ctx.tenant.slug, "api": True}


@pytest.fixture(scope="module")
def web_plugin(database, tmp_path_factory):
    """An app built with the example and a test plugin ``hkweb``; its registry and catalog."""
    from core.web.app import create_app

    static = tmp_path_factory.mktemp("hkweb_static")
    (static / "hkweb.css").write_text(".hkweb { color: red; }\n", encoding="utf-8")
    components = tmp_path_factory.mktemp("hkweb_components")
    (components / "Card.jinja").write_text('{#def n #}\n<p class="hkweb-card">卡片内容{{ n }}</p>\n',
                                           encoding="utf-8")
    module = make_plugin(
        "hkweb",
        register_routes=lambda: [hkweb_ping, hkweb_forbidden],
        register_api_routes=lambda: [hkweb_api_ping],
        register_static=lambda: static,
        register_components=lambda: components,
        register_permissions=lambda: [Permission("hkweb:secret", "测试机密")],
        register_nav_items=lambda tenant: [NavItem("钩子测试菜单", "hkweb/ping", order=70)],
        register_dashboard_widgets=lambda tenant: [Widget("钩子测试卡片", "hkweb:Card", {"n": tenant.slug})],
    )
    reg = PluginRegistry(modules={"example": plugins.example, "hkweb": module})
    with installed(reg):
        app = create_app()
        catalog = get_catalog()
    return app, reg, catalog


@pytest.fixture
def web(web_plugin, street):
    app, reg, catalog = web_plugin
    with installed(reg, catalog), TestClient(app, raise_server_exceptions=False) as client:
        login(client, "yuelu_admin")  # tenant_admin of 岳麓区: reaches the streets below
        yield client, reg, street


def test_register_routes_answer_404_until_enabled(web):
    client, reg, street = web
    assert client.get(f"/t/{street.slug}/hkweb/ping").status_code == 404
    set_enabled(reg, street, "hkweb")
    r = client.get(f"/t/{street.slug}/hkweb/ping")
    assert r.status_code == 200 and r.json() == {"tenant": street.slug, "page": True}
    assert client.get(f"/t/{street.slug}/hkweb/forbidden").status_code == 403  # permission from opt
    set_enabled(reg, street, "hkweb", False)
    assert client.get(f"/t/{street.slug}/hkweb/ping").status_code == 404


def test_register_api_routes_answer_404_until_enabled(web, api_token):
    client, reg, street = web
    headers = api_token("yuelu_admin")
    assert client.get(f"/api/t/{street.slug}/hkweb/ping", headers=headers).status_code == 404
    set_enabled(reg, street, "hkweb")
    r = client.get(f"/api/t/{street.slug}/hkweb/ping", headers=headers)
    assert r.status_code == 200 and r.json() == {"tenant": street.slug, "api": True}
    assert client.get(f"/api/t/{street.slug}/hkweb/ping").status_code == 401  # no token
    other = tree().by_slug["nanhu"]  # yuelu_admin has no role there
    assert client.get(f"/api/t/{other.slug}/hkweb/ping", headers=headers).status_code == 404


def test_register_static_served_for_every_tenant(web):
    client, reg, street = web
    r = client.get("/static/hkweb/hkweb.css")
    assert r.status_code == 200 and ".hkweb" in r.text
    assert client.get("/static/example/example.css").status_code == 200


def test_register_nav_items_and_register_dashboard_widgets_in_the_page(web):
    client, reg, street = web
    page = client.get(f"/t/{street.slug}/")
    assert page.status_code == 200
    assert "钩子测试菜单" not in page.text and "钩子测试卡片" not in page.text
    set_enabled(reg, street, "hkweb")
    page = client.get(f"/t/{street.slug}/")
    assert "钩子测试菜单" in page.text and f"/t/{street.slug}/hkweb/ping" in page.text
    assert "钩子测试卡片" in page.text and f'<p class="hkweb-card">卡片内容{street.slug}</p>' in page.text
    set_enabled(reg, street, "hkweb", False)
    page = client.get(f"/t/{street.slug}/")
    assert "钩子测试菜单" not in page.text and "钩子测试卡片" not in page.text


# --- conventions: what a plugin package gets without implementing the hook -----------------


def test_conventions_answer_register_models_routes_permissions_roles_migrations_components_static():
    """The example implements none of these hooks; the plugin manager answers from its layout."""
    from plugins.example import models, routes

    for hook in ("register_models", "register_routes", "register_api_routes", "register_permissions",
                 "register_roles", "register_migrations", "register_components", "register_static"):
        assert not hasattr(plugins.example, hook), hook
    reg = PluginRegistry(modules={"example": plugins.example})
    own = reg.hooks_of("example")
    here = Path(plugins.example.__file__).parent
    assert own.register_models() == [models.MODELS]
    assert own.register_routes() == [routes.PAGE_ROUTES] and own.register_api_routes() == [routes.API_ROUTES]
    assert own.register_permissions() == [plugins.example.PERMISSIONS]
    assert own.register_roles() == [plugins.example.ROLES]
    assert own.register_migrations() == [here / "migrations" / "versions"]
    assert own.register_components() == [here / "components"]
    assert own.register_static() == [here / "static"]
    # through pluggy for every plugin at once, too
    assert here / "migrations" / "versions" in reg.pm.hook.register_migrations()


def test_conventions_yield_to_the_plugins_own_hook_and_to_a_missing_folder(tmp_path):
    module = make_plugin("hkown", register_static=lambda: tmp_path)  # not a package: no folders
    reg = PluginRegistry(modules={"hkown": module})
    own = reg.hooks_of("hkown")
    assert own.register_static() == [tmp_path]
    assert own.register_migrations() == [] and own.register_routes() == []


def test_core_pages_are_routes_of_the_builtin_part():
    from core.web.pages import home

    reg = PluginRegistry(modules={})
    [core_routes] = [routes for name, routes in reg.each("register_routes") if name == "core"]
    assert home.dashboard in core_routes


def test_each_for_calls_plugins_in_dependency_order_with_their_own_settings(street):
    calls = []

    class OwnSettings(BaseModel):
        word: str = "基"

    def demo(name):
        def register_demo_data(session, tenant):
            calls.append(name)
        return register_demo_data

    def nav(settings):
        return [NavItem(settings.word, "x")]

    reg = PluginRegistry(modules={
        "aprogram": make_plugin("aprogram", depends=("zengine",), register_demo_data=demo("aprogram")),
        "zengine": make_plugin("zengine", settings=OwnSettings, register_demo_data=demo("zengine"),
                               register_nav_items=nav),
    })
    assert reg.order[-2:] == ["zengine", "aprogram"]  # not alphabetical: the engine first
    set_enabled(reg, street, "aprogram")
    with scoped_session(street.id) as s:
        reg.each_for(street.id, "register_demo_data", session=s, tenant=street)
    assert calls == ["zengine", "aprogram"]
    items = [i.label for name, batch in reg.each_for(street.id, "register_nav_items", tenant=street)
             if name == "zengine" for i in batch]
    assert items == ["基"]


def test_installed_adds_a_plugin_for_a_block_and_removes_it():
    module = types.ModuleType("hk_installed")
    module.register_terms = hookimpl(lambda: [Term("hk_installed_word", "临时")])
    reg = PluginRegistry(modules={})
    with reg.installed(module, "hkinst") as name:
        assert name == "hkinst"
        assert any(t.key == "hk_installed_word" for batch in reg.pm.hook.register_terms() for t in batch)
    assert not any(t.key == "hk_installed_word" for batch in reg.pm.hook.register_terms() for t in batch)


# --- plugin-defined hooks (documented in docs/plugins.md with their engine) -------------------


def test_register_points_rule_sets_per_tenant(street):
    """membership's hook: a plugin's rule set is offered to the tenants that enabled it, next to
    the two the membership plugin ships (金华 12 分制, 长沙分类积分)."""
    import plugins.assessment
    import plugins.membership
    from plugins.membership.points import rule_sets
    from plugins.membership.types import PointsRule, PointsRuleSet

    rs = PointsRuleSet(key="hkpts.simple", label="测试积分", rules=(PointsRule("meeting", "参加组织生活", 1),),
                       grades=(("优秀", 10), ("合格", 0)))
    reg = PluginRegistry(modules={"assessment": plugins.assessment, "membership": plugins.membership,
                                  "hkpts": make_plugin("hkpts", register_points_rule_sets=lambda tenant: [rs])})
    with installed(reg):
        assert rule_sets(street) == {}
        set_enabled(reg, street, "membership")
        keys = set(rule_sets(street))
        assert keys == {"membership.jinhua_12", "membership.changsha_classified"}
        set_enabled(reg, street, "hkpts")
        assert rule_sets(street)["hkpts.simple"].grade_for(11) == "优秀"
        assert "hkpts.simple" not in rule_sets(new_street())


def test_register_checklist_templates_per_tenant(street):
    """checklists' hook: a program's template is offered to the tenants that enabled it, next to
    the block's standard ones (六专, 三项保障, 六个有)."""
    import plugins.checklists
    from plugins.checklists.api import ChecklistTemplate, ItemSpec
    from plugins.checklists.service import templates

    tpl = ChecklistTemplate("hkcl.venue", "测试阵地验收", (ItemSpec("room", "有场所", True, chapter="阵地"),))
    reg = PluginRegistry(modules={"checklists": plugins.checklists,
                                  "hkcl": make_plugin("hkcl", register_checklist_templates=lambda tenant: [tpl])})
    with installed(reg):
        set_enabled(reg, street, "checklists")
        with scoped_session(street.id) as s:
            keys = set(templates(s, street))
            assert "checklists.liuzhuan" in keys and "hkcl.venue" not in keys
            set_enabled(reg, street, "hkcl")
            assert templates(s, street)["hkcl.venue"].chapters == ["阵地"]
            set_enabled(reg, street, "hkcl", False)
            assert "hkcl.venue" not in templates(s, street)


def test_register_checklist_subject_kinds_per_tenant(street):
    """checklists' hook: a plugin adds a kind of subject checklists may be attached to."""
    import plugins.checklists
    from core.registry.models import Cluster
    from plugins.checklists.api import model_kind
    from plugins.checklists.service import subject_kinds

    kind = model_kind("hkthing", "测试对象", Cluster)
    reg = PluginRegistry(modules={"checklists": plugins.checklists,
                                  "hkck": make_plugin("hkck", register_checklist_subject_kinds=lambda tenant: [kind])})
    with installed(reg):
        set_enabled(reg, street, "checklists")
        assert list(subject_kinds(street)) == ["cluster", "organization", "party_org"]
        set_enabled(reg, street, "hkck")
        assert subject_kinds(street)["hkthing"].label == "测试对象"
        assert "hkthing" not in subject_kinds(new_street())


def test_register_indicators_per_tenant_and_replacing_by_key(street):
    """indicators' hook: a plugin's indicators reach the tenants that enabled it, next to the block's
    own; a registration with a built-in's key replaces it (the program's seed target)."""
    import plugins.indicators
    from plugins.indicators.api import Indicator, with_default
    from plugins.indicators.service import indicators_for

    own = Indicator("hkind.visits", "走访企业数", "家", period_kind="week")
    reg = PluginRegistry(modules={"indicators": plugins.indicators, "hkind": make_plugin(
        "hkind", depends=("indicators",),
        register_indicators=lambda tenant: [own, with_default("indicators.coverage_social", "96.5")])})
    with installed(reg):
        assert indicators_for(street) == {}
        set_enabled(reg, street, "indicators")
        found = indicators_for(street)
        assert "indicators.new_party_orgs" in found and "hkind.visits" not in found
        assert found["indicators.coverage_social"].default_target is None
        set_enabled(reg, street, "hkind")
        found = indicators_for(street)
        assert found["hkind.visits"] is own and str(found["indicators.coverage_social"].default_target) == "96.5"
        assert "hkind.visits" not in indicators_for(new_street())
def test_register_unit_and_pairing_kinds_per_tenant(street):
    """units' hooks: a program's unit kind and pairing kind (with its rules) reach the tenants that
    enabled it, next to the built-in ones; numbers a kind leaves open are the tenant's settings."""
    import plugins.units
    from plugins.units.api import PairingKind, UnitKind, pairing_kinds, rules, unit_kinds

    uk = UnitKind("hkunits.member", "测试成员单位")
    pk = PairingKind("hkunits.visit", "测试走访", holder_unit_kinds=("hkunits.member",), min_pairings=1, visits=2,
                     period="month")
    reg = PluginRegistry(modules={"units": plugins.units, "hkunits": make_plugin(
        "hkunits", register_unit_kinds=lambda tenant: [uk], register_pairing_kinds=lambda tenant: [pk])})
    with installed(reg):
        set_enabled(reg, street, "units")
        assert "hkunits.member" not in unit_kinds(street) and set(pairing_kinds(street)) == {"pairing"}
        set_enabled(reg, street, "hkunits")
        assert unit_kinds(street)["hkunits.member"].label == "测试成员单位"
        found = {r.kind.key: r for r in rules(street)}
        assert (found["hkunits.visit"].visits, found["hkunits.visit"].period) == (2, "month")
        assert found["pairing"].from_settings == ("min_pairings", "visits", "period")
        assert "hkunits.visit" not in pairing_kinds(new_street())


def test_register_site_kinds_per_tenant(street):
    """sites' hook: a plugin's kind of place is offered to the tenants that enabled it, next to the
    block's built-in kinds."""
    import plugins.sites
    from plugins.sites.api import SiteKind
    from plugins.sites.service import kinds

    kind = SiteKind("hkst.red_home", "测试红色之家", grades=(("a", "甲级"),))
    reg = PluginRegistry(modules={"sites": plugins.sites,
                                  "hkst": make_plugin("hkst", register_site_kinds=lambda tenant: [kind])})
    with installed(reg):
        set_enabled(reg, street, "sites")
        assert "sites.venue" in kinds(street) and "hkst.red_home" not in kinds(street)
        set_enabled(reg, street, "hkst")
        assert kinds(street)["hkst.red_home"].grade_map == {"a": "甲级"}
        assert "hkst.red_home" not in kinds(new_street())


def test_hooks_are_called_through_pluggy_only():
    """No caller digs out implementations (``get_hookimpls()`` + ``impl.function()``): that
    would skip the conventions, per-tenant subsets and pluggy's argument checks."""
    root = Path(__file__).resolve().parent.parent
    offenders = [p.relative_to(root).as_posix() for folder in ("core", "plugins", "bench")
                 for p in (root / folder).rglob("*.py") if "get_hookimpls(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_register_periodic_tasks_run_for_enabled_tenants_in_their_session(street):
    from core import tasks

    ran = []

    def register_periodic_tasks():
        def job(session, tenant):
            ran.append((tenant.id, session.info["tenant_ids"]))

        return [tasks.PeriodicTask("hkper.job", "测试定时任务", tasks.crontab(minute="0"), job)]

    reg = PluginRegistry(modules={"hkper": make_plugin("hkper", register_periodic_tasks=register_periodic_tasks)})
    set_enabled(reg, street, "hkper")
    tasks.configure(immediate=True)
    try:
        with installed(reg):
            assert tasks.periodic_tasks()["hkper.job"][0] == "hkper"
            assert tasks.fan_out("hkper.job") == [street.id]  # only where the plugin is enabled
            assert tasks.run_periodic("hkper.job", tree().by_slug["dongfanghong"].id) is None
    finally:
        tasks.configure()
        set_enabled(reg, street, "hkper", False)
    assert ran == [(street.id, (street.id,))]


# --- registry extension points (core/registry/extensions.py) ----------------------------------


def test_register_extra_fields_only_for_enabled_tenants(street):
    from core.plugin_types import ExtraField
    from core.registry import extensions as ext

    field = ExtraField("member", "hkxf.job_title", "企业职务", max_length=10)
    reg = PluginRegistry(modules={"hkxf": make_plugin("hkxf", register_extra_fields=lambda tenant: [field])})
    with installed(reg):
        assert ext.extra_fields(street, "member") == []
        set_enabled(reg, street, "hkxf")
        assert ext.extra_fields(street, "member") == [field] and ext.extra_fields(street, "organization") == []
        assert ext.extra_fields(tree().by_slug["dongfanghong"], "member") == []
        with scoped_session(street.id) as s:
            values, errors = ext.clean_extra(s, "member", {"extra.hkxf.job_title": "经理" * 6})
            assert errors == {"extra.hkxf.job_title": "企业职务：最多 10 个字符"}
            values, errors = ext.clean_extra(s, "member", {"extra": {"hkxf.job_title": "经理"}},
                                             {"other.kept": 1})
            assert (values, errors) == ({"other.kept": 1, "hkxf.job_title": "经理"}, {})
    with pytest.raises(ValueError):
        ExtraField("member", "no_plugin_prefix", "x")
    with pytest.raises(ValueError):
        ExtraField("member", "hkxf.choice", "x", "choice")  # no choices


def test_register_code_lists_only_for_enabled_tenants(street):
    from core.plugin_types import CodeList
    from core.registry import extensions as ext

    modes = CodeList("formation_modes", (("dispatch", "选派建"), ("single", "不会改名")))
    reg = PluginRegistry(modules={"hkcl": make_plugin("hkcl", register_code_lists=lambda tenant: [modes])})
    with installed(reg):
        assert "dispatch" not in ext.code_list(street, "formation_modes")
        set_enabled(reg, street, "hkcl")
        codes = ext.code_list(street, "formation_modes")
        assert codes["dispatch"] == "选派建" and codes["single"] == "单独组建"  # a core code keeps its label
        assert "dispatch" not in ext.code_list(tree().by_slug["dongfanghong"], "formation_modes")
        assert ext.code_list(street, "industries")["C"] == "制造业"
    with pytest.raises(ValueError):
        CodeList("industries", (("TOO_LONG", "太长"),))  # industries are stored in 2 characters
    with pytest.raises(ValueError):
        CodeList("genders", (("x", "y"),))


def test_on_registry_changed_created_changed_moved_dissolved_deleted(street):
    from core.registry.models import PartyOrg
    from core.registry.services import organizations as orgs
    from core.registry.services import party_orgs as pos

    seen = []

    def on_registry_changed(session, tenant, change):
        seen.append((tenant.id, change.entity, change.action, change.before and change.before.get("parent_id"),
                     change.after and change.after.get("parent_id")))
        if change.action == "dissolved" and change.after["dissolved_reason"] == "拒绝":
            raise RuntimeError("refused by a program")

    reg = PluginRegistry(modules={"hkrc": make_plugin("hkrc", on_registry_changed=on_registry_changed)})
    access = orgs.Access(None, write_all=True)
    with installed(reg):
        with scoped_session(street.id) as s:  # not enabled: not called
            orgs.create_organization(s, access, {"name": unique("事件组织"), "kind": "enterprise"})
        assert seen == []
        set_enabled(reg, street, "hkrc")
        with scoped_session(street.id) as s:
            root = pos.create_party_org(s, access, {"name": unique("事件党委"), "org_type": "committee",
                                                    "formation_mode": "single"})
            other = pos.create_party_org(s, access, {"name": unique("事件党委"), "org_type": "committee",
                                                     "formation_mode": "single"})
            branch = pos.create_party_org(s, access, {"name": unique("事件支部"), "org_type": "branch",
                                                      "formation_mode": "single", "parent": str(root.id)})
            pos.update_party_org(s, access, branch, {"secretary_name": "张三"}, partial=True)
            pos.update_party_org(s, access, branch, {"parent": str(other.id)}, partial=True)
            pos.update_party_org(s, access, branch, {"secretary_name": "张三"}, partial=True)  # no change: silent
            pos.dissolve(s, access, branch, {"dissolved_on": "2026-01-05", "dissolved_reason": "企业注销"})
            ids = (root.id, other.id, branch.id)
        actions = [(e, a) for _t, e, a, _b, _a in seen]
        assert actions == [("party_org", "created")] * 3 + [("party_org", "changed"), ("party_org", "moved"),
                                                            ("party_org", "dissolved")]
        assert seen[4][3:] == (ids[0], ids[1]) and {t for t, *_ in seen} == {street.id}
        # raising refuses the change: nothing of it is written
        with pytest.raises(RuntimeError), scoped_session(street.id) as s:
            pos.dissolve(s, access, s.get(PartyOrg, ids[1]), {"dissolved_on": "2026-01-05", "dissolved_reason": "拒绝"})
        with scoped_session(street.id) as s:
            assert s.get(PartyOrg, ids[1]).dissolved_on is None
            pos.delete_party_org(s, access, s.get(PartyOrg, ids[2]))
        assert seen[-1][1:3] == ("party_org", "deleted") and seen[-1][3] == ids[1] and seen[-1][4] is None
def test_register_reminders_only_for_enabled_tenants_with_settings(street):
    import datetime as dt

    from core.notify.types import Reminder

    calls = []

    def register_reminders(session, tenant, settings, today):
        calls.append((tenant.id, session.info["tenant_ids"], today))
        return [Reminder(key=f"hkrem:{tenant.id}", title="测试提醒")]

    reg = PluginRegistry(modules={"hkrem": make_plugin("hkrem", register_reminders=register_reminders)})
    day = dt.date(2026, 12, 7)
    with installed(reg):
        from core.notify.reminders import collect

        with open_session(street.id) as s:
            assert collect(s, street, day) == []  # not enabled yet
        set_enabled(reg, street, "hkrem")
        try:
            with open_session(street.id) as s:
                assert [r.key for r in collect(s, street, day)] == [f"hkrem:{street.id}"]
        finally:
            set_enabled(reg, street, "hkrem", False)
    assert calls == [(street.id, (street.id,), day)]



def test_register_cluster_member_kinds_only_for_enabled_tenants(street):
    from core.plugin_types import ClusterMemberKind
    from core.registry.services.clusters import kind_labels, member_kinds

    kind = ClusterMemberKind("hkcm.unit", "单位", lambda s, t: (None, "无"), lambda s, ids: {}, lambda s, ids: {})
    reg = PluginRegistry(modules={"hkcm": make_plugin("hkcm", register_cluster_member_kinds=lambda tenant: [kind])})
    with installed(reg):
        assert member_kinds(street) == {}
        set_enabled(reg, street, "hkcm")
        assert member_kinds(street) == {"hkcm.unit": kind}
        assert kind_labels(member_kinds(street))["hkcm.unit"] == "单位"
        assert member_kinds(tree().by_slug["dongfanghong"]) == {}
    with pytest.raises(ValueError):
        ClusterMemberKind("unit", "单位", None, None, None)  # not "<plugin>.<name>"
