"""Example plugin: a notice board (公告栏). It uses every hook and is the template that
``liandong plugin new NAME`` copies — keep it small, complete and tested."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Term, Widget

HERE = Path(__file__).resolve().parent


class Settings(BaseModel):
    board_title: str = Field("公告栏", title="栏目名称", min_length=1, max_length=30)
    max_notices: int = Field(50, title="最多保留公告数", ge=1, le=1000)
    show_widget: bool = Field(True, title="在工作台显示最新公告")


meta = PluginMeta(
    name="example",
    label="公告栏（示例插件）",
    version="0.1.0",
    description="发布和查看本辖区公告。这是插件开发的示例模板。",
    settings=Settings,
)


@hookimpl
def register_models():
    from plugins.example.models import Notice

    return [Notice]


@hookimpl
def register_migrations():
    return HERE / "migrations" / "versions"


@hookimpl
def register_routes():
    from plugins.example.routes import PAGE_ROUTES

    return PAGE_ROUTES


@hookimpl
def register_api_routes():
    from plugins.example.routes import API_ROUTES

    return API_ROUTES


@hookimpl
def register_permissions():
    return [Permission("example:read", "查看公告"), Permission("example:write", "发布公告")]


@hookimpl
def register_roles():
    return [
        Role("tenant_admin", permissions=("example:read", "example:write")),
        Role("staff", permissions=("example:read", "example:write")),
        Role("instructor", permissions=("example:read",)),
        Role("org_secretary", permissions=("example:read",)),
        Role("viewer", permissions=("example:read",)),
    ]


@hookimpl
def register_components():
    return HERE / "components"


@hookimpl
def register_static():
    return HERE / "static"


@hookimpl
def register_terms():
    return [Term("notice", "公告", "one entry on the notice board")]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem(settings["example"].board_title, "example", permission="example:read", order=50)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    if not settings["example"].show_widget:
        return []
    from plugins.example.models import Notice

    latest = session.scalars(select(Notice).order_by(Notice.created_at.desc()).limit(3)).all()
    total = session.scalar(select(func.count()).select_from(Notice))
    return [
        Widget(
            settings["example"].board_title,
            "example:Widget",
            {"notices": latest, "total": total, "href": f"/t/{tenant.slug}/example"},
            permission="example:read",
        )
    ]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.example.models import Notice

    if session.scalar(select(func.count()).select_from(Notice)):
        return
    session.add_all(
        [
            Notice(title=f"{tenant.name}两新组织党建工作会议通知", body="请各两新党组织书记准时参加。"),
            Notice(title="主题党日活动安排", body="本月主题党日请于月底前完成并上传记录。"),
        ]
    )


@hookimpl
def register_commands(cli):
    @cli.command("example-count")
    @click.argument("slug")
    def example_count(slug: str) -> None:
        """Print how many notices tenant SLUG has."""
        from core.db import open_session
        from core.tenancy import tree
        from plugins.example.models import Notice

        tenant = tree().by_slug.get(slug)
        if tenant is None:
            raise click.ClickException(f"unknown tenant {slug}")
        with open_session(tenant.id) as s:
            click.echo(s.scalar(select(func.count()).select_from(Notice)))


@hookimpl
def prepare_jinja_env(env):
    env.filters["excerpt"] = lambda text, n=40: text if len(text) <= n else text[:n] + "…"


@hookimpl
def on_plugin_enabled(session, tenant, plugin):
    """Post a notice the first time the board is switched on for a tenant."""
    if plugin != "example":
        return
    from plugins.example.models import Notice

    session.add(Notice(tenant_id=tenant.id, title=f"{tenant.name}已开通公告栏", body="", pinned=True))


@hookimpl
def on_plugin_disabled(session, tenant, plugin):
    """Leave a trace on the board: the data stays, and whoever re-enables it sees when it stopped."""
    if plugin != "example":
        return
    from plugins.example.models import Notice

    session.add(Notice(tenant_id=tenant.id, title="公告栏曾被停用（数据已保留）", body=""))
