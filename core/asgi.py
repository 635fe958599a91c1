"""ASGI entry point for uvicorn workers: ``uvicorn core.asgi:app``."""

from core.web.app import create_app

app = create_app()
