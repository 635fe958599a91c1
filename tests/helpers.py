"""Helpers shared by the tests: logging in, posting forms with CSRF, ids."""

from __future__ import annotations

import re
import secrets


def csrf(client) -> str:
    """The CSRF token a form would carry (fetches a page first if needed)."""
    if not client.cookies.get("ld_csrf"):
        client.get("/login")
    return client.cookies.get("ld_csrf")


def login(client, username: str, password: str = "demo1234"):
    r = client.post("/login", data={"username": username, "password": password, "_csrf_token": csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def post_form(client, path: str, data: dict | None = None, **kw):
    return client.post(path, data={**(data or {}), "_csrf_token": csrf(client)}, **kw)


def tenant_id(slug: str) -> int:
    from core.tenancy import tree

    return tree().by_slug[slug].id


def unique(prefix: str = "t") -> str:
    return f"{prefix}{secrets.token_hex(3)}"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class ManualClock:
    """A clock the test moves (``create_app(clock=…)``): time passes only when told to."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
