"""Who is asking, for which tenant, with which permissions — worked out once per request.

A single guard (:func:`tenant_guard`) protects every ``/t/{slug}/…`` and ``/api/t/{slug}/…``
route: it resolves the tenant (unknown or archived → 404), authenticates (session cookie for
pages, ``Authorization: Bearer`` for the API), computes the user's effective permissions in
the tenant, answers 404 if the user has no role there or the route's plugin is disabled for
the tenant, and 403 if the route's ``opt["permission"]`` is missing. Handlers then take
``ctx`` and ``db`` as dependencies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import i18n, replica, revisions
from core.db import open_session
from core.models import ApiToken, User
from core.permissions import authorizer
from core.plugin_types import NAV_SECTIONS, NavItem
from core.plugins import registry
from core.security import token_digest
from core.tenancy import TenantInfo, tree
from core.terms import terms_for
from core.web.sessions import get_session
from core.web.templating import plugin_stylesheets


class LoginRequired(NotAuthorizedException):
    """Raised for page requests without a session; answered with a redirect to /login."""


class SecondFactorRequired(LoginRequired):
    """A session signed in with a password only whose user now holds a role that requires a
    second factor (granted since): answered with a redirect to /login/mfa."""


@dataclass
class CurrentUser:
    id: int
    username: str
    display_name: str

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class NavLink:
    """A sidebar link as the layout draws it."""

    href: str
    label: str  # translated; escaped by the template like any other text
    path: str  # the item's path (``NavItem.path``)
    base: str  # ``href`` without query and trailing slash: the URL (prefix) it stands for


@dataclass(frozen=True)
class Sidebar:
    """The sidebar of one tenant for one permission set and language (:func:`sidebar_for`)."""

    items: tuple[NavItem, ...]  # permitted, sorted by (order, label)
    links: tuple[NavLink, ...]  # the same, as links
    sections: tuple[tuple[str, tuple[NavLink, ...]], ...]  # (translated heading or "", links), non-empty only
    #: the drawn sidebar (component ``SideNav``) by active item path
    _html: dict[str | None, Markup] = field(default_factory=dict, compare=False, repr=False)

    def html(self, path: str) -> Markup:
        """The sidebar's links for the page at URL ``path``, its item highlighted; drawn once per
        highlighted item."""
        current = self.active(path)
        found = self._html.get(current)
        if found is None:
            from core.web.render import get_catalog

            found = self._html[current] = Markup(get_catalog().irender("SideNav", sidebar=self, current=current))
        return found

    def active(self, path: str) -> str | None:
        """The path of the most specific item for the URL ``path``: the longest link that is the
        URL or a parent of it (the first of equal length); ``None`` if no link is."""
        here = path.rstrip("/")
        best, length = None, -1
        for link in self.links:
            if (here == link.base or (link.path and path.startswith(link.base + "/"))) and len(link.base) > length:
                best, length = link.path, len(link.base)
        return best


#: (tenant id, permissions, locale) → :class:`Sidebar`; emptied when plugins (enabled set,
#: settings), tenants (slug, terms) or policies (role → permissions) change anywhere
_SIDEBARS: dict[tuple[int, frozenset[str], str], Sidebar] = {}


def _forget_sidebars() -> None:
    _SIDEBARS.clear()


for _kind in ("plugins", "tenants", "policies"):
    revisions.on_change(_kind, _forget_sidebars)


def shows(permission: str | tuple[str, ...] | None, perms: frozenset[str]) -> bool:
    """A nav item's ``permission``: none, one, or a tuple of which any one will do."""
    if not permission:
        return True
    if isinstance(permission, tuple):
        return not perms.isdisjoint(permission)
    return permission in perms


def sidebar_for(tenant: TenantInfo, perms: frozenset[str]) -> Sidebar:
    """The sidebar of ``tenant`` for a user holding ``perms``, in the current language.

    ``register_nav_items`` depends on the tenant and each plugin's settings only (its
    contract), so the result is kept per (tenant, permission set, locale) until a plugin,
    tenant or policy revision moves — every worker drops it within ``revision_poll_seconds``.
    """
    locale = i18n.current_locale()
    key = (tenant.id, perms, locale)
    found = _SIDEBARS.get(key)
    if found is not None:
        return found
    items: list[NavItem] = []
    for _plugin, batch in registry().each_for(tenant.id, "register_nav_items", tenant=tenant):
        items.extend(i for i in batch if shows(i.permission, perms))
    items.sort(key=lambda i: (i.order, i.label))
    root = f"/t/{tenant.slug}/"
    links = []
    for item in items:
        href = f"{root}{item.path.lstrip('/')}" if item.path else root
        links.append(NavLink(href, i18n.gettext(item.label), item.path, href.split("?")[0].rstrip("/")))
    sections = []
    for section, heading in NAV_SECTIONS.items():
        chosen = tuple(link for link, item in zip(links, items, strict=True) if item.section == section)
        if chosen:
            sections.append((i18n.gettext(heading) if heading else "", chosen))
    found = Sidebar(tuple(items), tuple(links), tuple(sections))
    if len(_SIDEBARS) >= 10_000:  # bounded: start over rather than grow
        _SIDEBARS.clear()
    _SIDEBARS[key] = found
    return found


@dataclass
class Ctx:
    """Everything a page or API handler knows about the request's principal and tenant."""

    user: CurrentUser
    tenant: TenantInfo
    perms: frozenset[str]
    is_api: bool = False
    csrf_token: str = ""
    path: str = ""
    flashes: list[list[str]] = field(default_factory=list)
    #: when this user last wrote (epoch seconds), for read-your-writes on the replica
    fresh_write_at: float | None = None
    #: the web session (pages only): commits that write mark it, see :mod:`core.replica`
    web_session: dict[str, Any] | None = None
    _scope: Any = None

    def can(self, permission: str) -> bool:
        return permission in self.perms

    def require(self, permission: str) -> None:
        if permission not in self.perms:
            raise PermissionDeniedException("没有权限执行此操作")

    def url(self, path: str = "") -> str:
        return f"/t/{self.tenant.slug}/{path.lstrip('/')}" if path else f"/t/{self.tenant.slug}/"

    @property
    def terms(self) -> dict[str, str]:
        return terms_for(self.tenant)

    def term(self, key: str) -> str:
        return self.terms.get(key, key)

    @property
    def settings(self) -> dict[str, Any]:
        return registry().all_settings(self.tenant.id)

    @property
    def stylesheets(self) -> list[str]:
        """Stylesheets of the plugins this tenant enabled."""
        sheets = plugin_stylesheets(registry())
        return [sheets[n] for n in sorted(registry().enabled(self.tenant.id)) if n in sheets]

    @property
    def nav(self) -> list[NavItem]:
        """The sidebar's items this user may open here, in display order (see :attr:`sidebar`)."""
        return list(self.sidebar.items)

    @property
    def sidebar(self) -> Sidebar:
        """The sidebar of this tenant for this permission set and language, worked out once per
        worker (:func:`sidebar_for`)."""
        return sidebar_for(self.tenant, self.perms)

    @property
    def unread(self) -> int:
        """The user's unread notifications in this tenant (the top bar's number; cheap)."""
        from core.notify.service import unread_count

        return unread_count(self.user.id, self.tenant.id)

    @property
    def breadcrumbs(self) -> list[tuple[TenantInfo, bool]]:
        """The path from the root to this tenant, each with whether the user may open it."""
        def opens(t: TenantInfo) -> bool:
            return t.id == self.tenant.id or (
                not t.archived and "tenant:view" in authorizer.effective_permissions(self.user.id, t.id))
        return [(t, opens(t)) for t in tree().ancestors(self.tenant.id)]

    def subtree(self) -> tuple[int, ...]:
        return tree().descendant_ids(self.tenant.id)

    def scope(self):
        """What this user acts on here (:class:`core.registry.scope.ActingScope`): the whole
        tenant, or an org secretary's organizations / the cluster they lead. Once per request."""
        if self._scope is None:
            from core.registry.scope import acting_scope

            with open_session(self.tenant.id) as s:
                self._scope = acting_scope(s, self.user.id, self.perms, self.tenant.name)
        return self._scope

    def rollup_session(self, permission: str) -> Session:
        """A session that sees the whole subtree, after checking ``permission``."""
        self.require(permission)
        session = open_session(self.tenant.id, self.subtree(), user_id=self.user.id)
        replica.track_writes(session, self.web_session)
        return session

    def read_rollup_session(self, permission: str) -> Session:
        """Like :meth:`rollup_session`, read-only, on the replica when one is configured and safe."""
        self.require(permission)
        session = replica.read_session(self.tenant.id, self.subtree(), self.user.id,
                                       fresh_write_at=self.fresh_write_at)
        session.info["username"] = self.user.username
        return session


#: user id → (expires at, the user or None); see :func:`_load_user`
_USERS: dict[int, tuple[float, CurrentUser | None]] = {}


def _load_user(user_id: int) -> CurrentUser | None:
    """The session's user, if active; kept per worker for ``revision_poll_seconds``.

    Saves a session, a connection check-out and two round trips on nearly every request; a
    deactivated or renamed user reaches every worker as fast as a role change does.
    """
    import time

    from core.config import get_settings

    now = time.monotonic()
    hit = _USERS.get(user_id)
    if hit is not None and now < hit[0]:
        return hit[1]
    with open_session() as s:
        u = s.get(User, user_id)
        user = CurrentUser(u.id, u.username, u.display_name) if u is not None and u.is_active else None
    ttl = get_settings().revision_poll_seconds
    if ttl > 0:
        if len(_USERS) >= 10_000:  # bounded: start over rather than grow
            _USERS.clear()
        _USERS[user_id] = (now + ttl, user)
    return user


def _user_from_token(token: str) -> CurrentUser | None:
    with open_session() as s:
        row = s.execute(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        ).scalar_one_or_none()
        if row is None or not row.is_active:
            return None
        return CurrentUser(row.id, row.username, row.display_name)


def authenticate(connection: ASGIConnection, *, api: bool) -> CurrentUser | None:
    if api:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token:
            return _user_from_token(token.strip())
        return None
    session = get_session(connection)
    uid = session.get("user_id")
    if uid and not session.get("mfa"):
        _require_second_factor(connection, session, uid)
    return _load_user(uid) if uid else None


def _require_second_factor(connection: ASGIConnection, session, user_id: int) -> None:
    """Sign-in checks the second factor; this catches a role requiring it granted mid-session."""
    roles = connection.app.state.settings.mfa_required_roles
    if not roles or authorizer.roles_anywhere(user_id).isdisjoint(roles):
        return
    from core.web.pages.mfa import second_step, start_second_step

    with open_session() as s:
        step = second_step(s, user_id, roles)
    back = connection.scope["path"] if connection.scope.get("method") == "GET" else "/tenants"
    start_second_step(session, user_id, back, enrol=step == "enrol", now=connection.app.state.clock())
    raise SecondFactorRequired("需要双因素验证")


def resolve_tenant(slug: str) -> TenantInfo:
    t = tree().by_slug.get(slug)
    if t is None or t.archived:
        raise NotFoundException("页面不存在")
    return t


def _resolve(connection: ASGIConnection, handler: BaseRouteHandler, plugin: str | None) -> Ctx:
    revisions.poll()
    api = connection.scope["path"].startswith("/api/")
    user = authenticate(connection, api=api)
    if user is None:
        if api:
            raise NotAuthorizedException("需要有效的 API 令牌")
        raise LoginRequired("请先登录")
    tenant = resolve_tenant(connection.path_params["slug"])
    perms = authorizer.effective_permissions(user.id, tenant.id)
    if "tenant:view" not in perms:
        raise NotFoundException("页面不存在")  # no role here: do not reveal the tenant exists
    if plugin and not registry().is_enabled(tenant.id, plugin):
        raise NotFoundException("页面不存在")
    needed = handler.opt.get("permission")
    if needed and needed not in perms:
        raise PermissionDeniedException("没有权限访问此页面")
    ctx = Ctx(user=user, tenant=tenant, perms=perms, is_api=api, path=connection.scope["path"])
    if not api:
        ctx.web_session = get_session(connection)
    ctx.fresh_write_at = replica.last_write_at(ctx.web_session, user_id=user.id)
    if not api:
        ctx.csrf_token = ScopeState.from_scope(connection.scope).csrf_token or ""
        ctx.flashes = get_session(connection).take_flashes()
    return ctx


def tenant_guard(plugin: str | None = None):
    """The guard of a tenant router; ``plugin`` routes answer 404 where it is not enabled."""

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        connection.state.ctx = await anyio.to_thread.run_sync(_resolve, connection, handler, plugin)

    return guard


async def user_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """For routes outside a tenant (tenant switcher, /api/me)."""

    def run() -> CurrentUser:
        revisions.poll()
        api = connection.scope["path"].startswith("/api/")
        user = authenticate(connection, api=api)
        if user is None:
            raise NotAuthorizedException("需要有效的 API 令牌") if api else LoginRequired("请先登录")
        return user

    connection.state.user = await anyio.to_thread.run_sync(run)


def provide_ctx(request: Request) -> Ctx:
    return request.state.ctx


def provide_db(request: Request) -> Iterator[Session]:
    """A session scoped to the request's tenant; the handler commits what it means to keep."""
    ctx: Ctx = request.state.ctx
    session = open_session(ctx.tenant.id, user_id=ctx.user.id)
    session.info["username"] = ctx.user.username
    replica.track_writes(session, ctx.web_session)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
