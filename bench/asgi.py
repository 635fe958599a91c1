"""The app as served by ``uvicorn core.asgi:app``, plus a bare hello-world route for baselines.

``/__bench/hello`` is answered here, before the application (no middleware, no routing, no
database); every other request goes to :data:`core.asgi.app` unchanged, lifespan included.
Both therefore run in the same uvicorn server and worker processes.
"""

from __future__ import annotations

from core.asgi import app as liandong

HELLO_PATH = "/__bench/hello"
_BODY = b"hello, world"
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(_BODY)).encode())],
}
_END = {"type": "http.response.body", "body": _BODY}


async def hello(scope, receive, send) -> None:
    await send(_START)
    await send(_END)


async def app(scope, receive, send) -> None:
    if scope["type"] == "http" and scope["path"] == HELLO_PATH:
        await hello(scope, receive, send)
        return
    await liandong(scope, receive, send)
