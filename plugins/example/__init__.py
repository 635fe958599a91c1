"""Example plugin: a notice board (公告栏), the worked example of docs/plugins.md.

Models, routes, permissions, roles, migrations, components and static files follow the
conventions (``models.MODELS``, ``routes.PAGE_ROUTES`` / ``API_ROUTES``, ``PERMISSIONS``,
``ROLES``, ``migrations/versions``, ``components/``, ``static/``); the hooks below are the
ones a notice board needs on top.
"""

from __future__ import annotations

import click
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Term, Widget


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
    development=True,
)


PERMISSIONS = [Permission("example:read", "查看公告"), Permission("example:write", "发布公告")]
ROLES = [
    Role("tenant_admin", permissions=("example:read", "example:write")),
    Role("staff", permissions=("example:read", "example:write")),
    Role("instructor", permissions=("example:read",)),
    Role("org_secretary", permissions=("example:read",)),
    Role("viewer", permissions=("example:read",)),
]


@hookimpl
def register_terms():
    return [Term("notice", "公告", "one entry on the notice board")]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem(settings.board_title, "example", permission="example:read", order=50)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    if not settings.show_widget:
        return []
    from plugins.example.models import Notice

    latest = session.scalars(select(Notice).order_by(Notice.created_at.desc()).limit(3)).all()
    total = session.scalar(select(func.count()).select_from(Notice))
    return [
        Widget(
            settings.board_title,
            "example:Widget",
            {"notices": latest, "total": total, "href": f"/t/{tenant.slug}/example"},
            permission="example:read",
            scope=tenant.name,  # the board is the tenant's, read by everyone (also an org secretary)
        )
    ]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.example.models import Notice

    titles = [f"{tenant.name}两新组织党建工作会议通知", "主题党日活动安排"]
    have = set(session.scalars(select(Notice.title).where(Notice.title.in_(titles))))
    bodies = ["请各两新党组织书记准时参加。", "本月主题党日请于月底前完成并上传记录。"]
    session.add_all(Notice(title=t, body=b) for t, b in zip(titles, bodies, strict=True) if t not in have)


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
