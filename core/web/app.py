"""The app factory: one function wires core, plugins, templates, sessions and security."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore

from core import (
    events,  # noqa: F401  (registers cache invalidation listeners)
    replica,
)
from core.clock import Clock, system_clock
from core.config import Settings, get_settings
from core.forms import MAX_ID
from core.plugins import CORE_PLUGINS, registry
from core.web import api
from core.web.context import provide_ctx, provide_db, tenant_guard
from core.web.csrf import CSRFMiddleware
from core.web.errors import HANDLERS
from core.web.favicon import favicon
from core.web.health import HEALTH_ROUTES, install_metrics
from core.web.inputs import check_request
from core.web.locale import LocaleMiddleware, choose_locale
from core.web.openapi import declare_errors
from core.web.pages import auth, mfa, security
from core.web.ratelimit import LoginLimiter
from core.web.render import set_catalog
from core.web.sessions import SessionMiddleware
from core.web.templating import build_catalog, plugin_static_dirs

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; "
     b"script-src 'self'; "
     b"form-action 'self'; frame-ancestors 'none'"),
]


async def _security_headers(message, scope) -> None:
    if message["type"] == "http.response.start":
        message.setdefault("headers", [])
        message["headers"].extend(SECURITY_HEADERS)


def _stores(settings: Settings):
    if settings.redis_url:
        from litestar.stores.redis import RedisStore
        from redis.asyncio import Redis

        # short timeouts: a Redis that stops answering must fail requests fast (503), not hang them
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
        base = RedisStore(client, namespace="liandong")
        return base.with_namespace("sessions"), base.with_namespace("ratelimit")
    return MemoryStore(), MemoryStore()


def _ids_in_range(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """An integer path id no row can have (beyond ``MAX_ID``, the 32-bit id columns) answers 404,
    not the database's overflow error."""
    for value in connection.path_params.values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFoundException()


def _tenant_router(path: str, handlers: list, plugin: str | None = None) -> Router:
    if path.startswith("/api/"):
        declare_errors(handlers)
    return Router(
        path=path,
        route_handlers=handlers,
        guards=[_ids_in_range, tenant_guard(plugin)],
        dependencies={
            "ctx": Provide(provide_ctx, sync_to_thread=False),
            "db": Provide(provide_db),
            "read_db": Provide(replica.provide_read_db),
        },
    )


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> Litestar:
    """The application; ``clock`` is the time source of sign-in checks (tests pass their own)."""
    settings = settings or get_settings()
    reg = registry()
    reg.pm.hook.register_models()  # import every plugin's models before any query
    set_catalog(build_catalog(reg, auto_reload=settings.debug))

    routers = []
    for hook, prefix in (("register_routes", "/t/{slug:str}"), ("register_api_routes", "/api/t/{slug:str}")):
        for name, handlers in reg.each(hook):
            if not handlers:
                continue
            if name in CORE_PLUGINS:  # core parts own top-level tenant paths, always on
                routers.append(_tenant_router(prefix, handlers))
            else:
                routers.append(_tenant_router(f"{prefix}/{name}", handlers, name))

    static = [create_static_files_router(path=f"/static/{name}", directories=[path], include_in_schema=False)
              for name, path in plugin_static_dirs(reg)]

    session_store, limit_store = _stores(settings)
    app = Litestar(
        route_handlers=[favicon, *auth.ROUTES, *mfa.ROUTES, *security.ROUTES, *api.ROUTES, *HEALTH_ROUTES, choose_locale, *routers, *static],
        middleware=[
            # outermost: CSRF tokens are bound to the session cookie the inner layers set
            DefineMiddleware(CSRFMiddleware, secret=settings.secret_key, secure=settings.secure_cookies),
            DefineMiddleware(SessionMiddleware, store=session_store,
                             idle_timeout=settings.session_idle_timeout,
                             absolute_timeout=settings.session_absolute_timeout,
                             secure=settings.secure_cookies, clock=clock),
            LocaleMiddleware,
        ],
        exception_handlers=HANDLERS,
        before_request=check_request,  # hostile values refused once, for every route
        before_send=[_security_headers],
        openapi_config=OpenAPIConfig(title="Liandong 联动 API", version="0.1.0", path="/schema"),
        debug=False,  # never show stack traces, even in development
    )
    app.state.login_limiter = LoginLimiter(
        limit_store, settings.login_attempts, settings.login_window, settings.login_attempts_per_ip
    )
    app.state.settings = settings
    app.state.clock = clock
    install_metrics(app)
    return app
