"""Property-based fuzzing of the tenant API from its own OpenAPI schema (Schemathesis).

Every ``/api/t/<slug>/…`` operation of ``/schema/openapi.json`` gets requests generated from its
parameters and body schema — valid ones and (fewer) invalid ones — against a street with the
plugins' demo data, as a user holding every role there. The test fails on

* any 5xx;
* a response the schema does not describe: an undeclared status code, another content type, a
  body that does not match (a time without its offset, a missing field …);
* any change of state by a GET (every SQL statement is watched, as in ``test_get_purity``).

Runs on the database under test (the suite runs on SQLite and on PostgreSQL). The budget is
small and fixed (``derandomize``: the same examples every run) so that CI stays fast;
``LIANDONG_FUZZ_EXAMPLES`` raises it — ``python bench/fuzz.py`` runs a larger, randomised budget.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from core.db import open_session
from core.models import User
from core.permissions import PLATFORM_ADMIN, build_catalog
from core.plugins import registry
from plugins.assessment import service as assessment_svc
from tests.routes import PARAM, RowPicker, make_tenant, make_user, tenant_routes
from tests.test_get_purity import watched_writes
from tests.worlds import tenant_session

#: generated examples per operation and generation mode
EXAMPLES = int(os.environ.get("LIANDONG_FUZZ_EXAMPLES", "4"))
#: a randomised run (bench/fuzz.py) explores new examples each time; CI repeats the same ones
RANDOM = os.environ.get("LIANDONG_FUZZ_RANDOM") == "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "fuzz-pass-2024"


@pytest.fixture(scope="module")
def target(app, database):
    street = make_tenant("fuzz-", "模糊测试街道", "yuelu", demo=True)
    roles = [r for r in build_catalog(registry().pm).roles if r != PLATFORM_ADMIN]
    _name, headers = make_user("fuzz_", PASSWORD, [(r, street.id) for r in roles])
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app).include(path_regex=r"^/api/t/")
    operations = [result.ok() for result in schema.get_all_operations()]
    with open_session() as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
    with tenant_session(street) as s:  # rows the picker would otherwise synthesize: a template must validate
        assessment_svc.create_custom_template(s, street, {
            "label": "模糊测试模板", "target_kind": "party_org", "period_kind": "year",
            "grade_bands": "合格 60", "criteria": "甲 | 100"})
    rows = RowPicker(database["owner_url"], [street.id], make_in=street.id, user_id=admin_id,
                     tenant_value=street.id)
    routes = {(r.method, PARAM.sub(lambda m: "{" + m.group(1) + "}", r.path)): r for r in tenant_routes(app)}
    real = {}  # operation label → path values naming rows of the street
    for op in operations:
        route = routes.get((op.method.upper(), op.path))
        if route is not None and route.params:
            real[op.label] = {k: v for k, v in rows.values(route)[0].items()}
    return street, headers, operations, real


def _fuzz(operation, mode: GenerationMode, path: dict, headers: dict, statuses: Counter) -> str | None:
    """The first failure of ``operation`` in ``mode`` (a report), or None; counts the statuses.
    ``path`` fixes path parameters (the street's slug, and ids of its rows for valid requests)."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=strategy)
    def run(case):
        with watched_writes() as writes:
            response = case.call(headers=headers)
        statuses[response.status_code] += 1
        if case.method.upper() == "GET" and writes:
            raise AssertionError(f"GET changed the database: {writes[:3]}")
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (negative mode without parameters or body)
        return None
    except (Exception, BaseExceptionGroup) as exc:  # every failure is reported, the sweep goes on
        return f"{operation.label} [{mode.value}]: {str(exc)[:1500]}"
    return None


def test_the_checks_catch_what_the_schema_does_not_describe(target):
    """The checks themselves: an undeclared status and a time without offset are failures."""
    import httpx
    from schemathesis.core.failures import FailureGroup

    street, _headers, operations, _real = target
    op = next(o for o in operations if o.label == "GET /api/t/{slug}/audit")
    case = op.Case(path_parameters={"slug": street.slug})
    request = httpx.Request("GET", f"http://testserver/api/t/{street.slug}/audit")

    def response(status: int, body: dict) -> httpx.Response:
        answer = httpx.Response(status, json=body, request=request)
        answer.elapsed = dt.timedelta(0)
        return answer

    with pytest.raises(FailureGroup):
        case.validate_response(response(418, {}), checks=CHECKS)
    naive = {"total": 1, "items": [{"id": 1, "tenant_id": None, "username": "a", "action": "x", "entity": "",
                                    "entity_id": "", "summary": "", "before": None, "after": None,
                                    "created_at": "2026-01-01T00:00:00"}]}
    with pytest.raises(FailureGroup):
        case.validate_response(response(200, naive), checks=CHECKS)
    naive["items"][0]["created_at"] = "2026-01-01T00:00:00+00:00"
    case.validate_response(response(200, naive), checks=CHECKS)


def test_the_schema_lists_every_tenant_api_route(app, target):
    _street, _headers, operations, _real = target
    documented = {(op.method.upper(), op.path) for op in operations}
    routes = {(r.method, r.path.replace("{slug:str}", "{slug}")) for r in tenant_routes(app)
              if r.api and r.handler.include_in_schema}
    assert len(operations) > 100
    assert {(m, p) for m, p in routes if "{" not in p.replace("{slug}", "")} <= documented


def test_fuzzing_the_tenant_api_finds_nothing(target):
    street, headers, operations, real = target
    failures, statuses = [], Counter()
    for operation in operations:
        for mode, ids in ((GenerationMode.POSITIVE, real.get(operation.label, {})), (GenerationMode.POSITIVE, {}),
                          (GenerationMode.NEGATIVE, {})):
            problem = _fuzz(operation, mode, {**ids, "slug": street.slug}, headers, statuses)
            if problem:
                failures.append(problem)
    print("fuzz statuses:", dict(sorted(statuses.items())))
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
    # the requests reached the handlers: many succeed, none is refused for want of a token
    assert statuses[200] + statuses[201] + statuses[204] > len(operations)
    assert statuses[401] == 0
