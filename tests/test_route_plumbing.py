"""One way to save a form, answer field errors, export a list and declare API errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Response
from sqlalchemy import Integer, String, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core.forms import FormErrors
from core.web.forms import save

ROOT = Path(__file__).resolve().parent.parent


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "plumbing_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def db():
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(_Row))


def test_save_commits_what_the_write_did(db):
    row = save(db, lambda: _add(db, "甲"))
    db.rollback()  # nothing left to undo: it was committed
    assert row.id and _count(db) == 1


def test_save_keeps_nothing_of_a_refused_write_and_draws_the_form_again(db):
    def half_then_refuse():
        _add(db, "乙")
        db.flush()  # the row reached the database before the check failed
        raise FormErrors({"name": "名称：已存在"})

    with pytest.raises(FormErrors) as caught:
        save(db, half_then_refuse, rerender=lambda errors: Response(content=errors["name"]))
    assert _count(db) == 0
    assert caught.value.page.content == "名称：已存在"


def test_save_rolls_back_on_any_other_error_too(db):
    def fail():
        _add(db, "丙")
        db.flush()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        save(db, fail)
    assert _count(db) == 0


def _add(db: Session, name: str) -> _Row:
    row = _Row(name=name)
    db.add(row)
    return row


def test_the_one_handler_answers_422_to_pages_and_to_the_api(app):
    """Without a form to draw again, a page lists the messages; the API gets them by field."""
    from litestar import Request

    from core.web.errors import HANDLERS
    from core.web.forms import form_errors

    assert HANDLERS[FormErrors] is form_errors

    def request(path: str) -> Request:
        return Request({"type": "http", "method": "POST", "scheme": "http", "server": ("testserver", 80),
                        "root_path": "", "path": path, "query_string": b"", "headers": []})

    page = form_errors(request("/t/yuelu/somewhere"), FormErrors({"year": "年度：请填写年份"}))
    assert page.status_code == 422 and "年度：请填写年份" in page.content
    api = form_errors(request("/api/t/yuelu/somewhere"), FormErrors({"year": "年度：请填写年份"}))
    assert api.status_code == 422
    assert api.content == {"status_code": 422, "detail": "提交的内容有误",
                           "extra": {"errors": {"year": "年度：请填写年份"}}}


def test_every_tenant_api_route_declares_its_error_answers(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    operations = [(path, method, op) for path, ops in paths.items() if path.startswith("/api/t/")
                  for method, op in ops.items() if isinstance(op, dict) and "responses" in op]
    assert len(operations) > 100
    for path, method, op in operations:
        missing = {"401", "403", "404", "422"} - set(op["responses"])
        assert not missing, f"{method.upper()} {path} does not declare {missing}"
    body = paths["/api/t/{slug}/organizations"]["post"]["responses"]["422"]["content"]["application/json"]
    schema = body["schema"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = client.get("/schema/openapi.json").json()["components"]["schemas"][name]
    assert {"status_code", "detail", "extra"} <= set(schema["properties"])


def test_routes_that_refuse_with_409_declare_it(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path, method in (("/api/t/{slug}/organizations/{org_id}", "delete"),
                         ("/api/t/{slug}/party-orgs/{po_id}", "delete"),
                         ("/api/t/{slug}/tenants/{tenant_id}/plugins/{name}", "put")):
        assert "409" in paths[path][method]["responses"], (method, path)


def _sources() -> list[Path]:
    return [p for top in ("core", "plugins") for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts]


def test_every_excel_download_is_answered_by_core_web_export():
    direct = [str(p.relative_to(ROOT)) for p in _sources()
              if {"XLSX", "Content-Disposition"} <= set(re.findall(r"XLSX|Content-Disposition", p.read_text("utf-8")))
              and p.relative_to(ROOT).as_posix() != "core/web/export.py"]
    assert direct == []


def test_no_route_module_builds_its_own_field_error_answer():
    own = [str(p.relative_to(ROOT)) for p in _sources()
           if re.search(r"status_code=422[^\n]*errors|def _unprocessable|def _flash|def _xlsx",
                        p.read_text(encoding="utf-8"))]
    assert own == []
