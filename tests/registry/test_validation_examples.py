"""Credit codes and ID numbers through the registry's front doors (form, API, import) with
real valid numbers and near misses; the algorithms themselves are in tests/test_validators.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from core.db import scoped_session
from core.registry.importer import ENTITIES
from core.registry.models import Member, Organization
from tests.helpers import post_form, tenant_id, text_of, unique
from tests.test_validators import VALID_CREDIT_CODES

DFH = "dongfanghong"
#: a real-format ID number with the check character X (GB 11643, verified in test_validators)
VALID_ID = "11010519491231002X"
#: (value, the Chinese problem) — one character off, too short, letters where digits belong
BAD_CREDIT_CODES = [
    ("91350100M000100Y44", "校验位错误"),  # last character of a real code changed
    ("91110000600037341", "应为18位"),
    ("91110000600O37341L", "无效字符"),  # letter O (not in the GB 32100 set) instead of the digit 0
    ("911100006000373I1L", "无效字符"),  # I is not in the GB 32100 character set
]
BAD_IDS = [
    ("110105194912310029", "校验位错误"),  # the valid number with 9 for X
    ("110105194902300020", "出生日期无效"),  # 30 February, with a correct check digit
    ("11010519491231002", "应为18位"),
]


@pytest.fixture(scope="module")
def cleanup(database):
    """Remove the rows these tests create from the real numbers (unique per tenant)."""
    yield
    with scoped_session(tenant_id(DFH)) as s:
        s.execute(delete(Organization).where(Organization.credit_code.in_(VALID_CREDIT_CODES)))
        ids = [m.id for m in s.scalars(select(Member).where(Member.name.like("实例党员%")))]
        s.execute(delete(Member).where(Member.id.in_(ids)))


def _free(code: str) -> None:
    with scoped_session(tenant_id(DFH)) as s:
        s.execute(delete(Organization).where(Organization.credit_code == code))


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_real_credit_codes_are_accepted(cleanup, client, api_token, code):
    _free(code)
    headers = api_token("dfh_staff")
    r = client.post(f"/api/t/{DFH}/organizations", json={"name": unique("实例企业"), "kind": "enterprise",
                                                         "credit_code": code.lower()}, headers=headers)
    assert r.status_code == 201, r.text[:300]
    assert r.json()["credit_code"] == code  # normalised to upper case
    again = client.post(f"/api/t/{DFH}/organizations", json={"name": unique("实例企业"), "kind": "enterprise",
                                                             "credit_code": code}, headers=headers)
    assert again.status_code == 422 and again.json()["extra"]["errors"]["credit_code"] == "该统一社会信用代码已登记"


@pytest.mark.parametrize("code,problem", BAD_CREDIT_CODES)
def test_invalid_credit_codes_are_refused_in_form_api_and_import(cleanup, as_user, api_token, code, problem):
    client = as_user("dfh_staff")
    name = unique("错误代码企业")
    r = post_form(client, f"/t/{DFH}/organizations/new", {"name": name, "kind": "enterprise", "credit_code": code})
    assert r.status_code == 422 and problem in text_of(r.text)
    r = client.post(f"/api/t/{DFH}/organizations", json={"name": name, "kind": "enterprise", "credit_code": code},
                    headers=api_token("dfh_staff"))
    assert r.status_code == 422 and problem in r.json()["extra"]["errors"]["credit_code"]
    content = "\n".join([",".join(ENTITIES["organizations"].headers[:3]), f"{name},{code},非公企业"]).encode()
    body = client.post(f"/api/t/{DFH}/imports/organizations?dry_run=true", headers=api_token("dfh_staff"),
                       files={"file": ("o.csv", content, "text/csv")}).json()
    assert body["errors"] == 1
    first = body["problems"][0]
    assert (first["row"], first["column"]) == (2, "统一社会信用代码") and problem in first["message"]
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(Organization.id).where(Organization.name == name)) is None


def test_real_id_number_with_x_fills_gender_and_birth_date(cleanup, client, api_token):
    with scoped_session(tenant_id(DFH)) as s:
        s.execute(delete(Member).where(Member.name.like("实例党员%")))
    body = {"name": unique("实例党员"), "id_number": VALID_ID.lower(), "status": "applicant",
            "applied_on": "2024-01-02"}
    r = client.post(f"/api/t/{DFH}/members", json=body, headers=api_token("dfh_staff"))
    assert r.status_code == 201, r.text[:300]
    out = r.json()
    assert out["gender"] == "female" and out["birth_date"] == "1949-12-31"  # 17th digit 2 → female
    assert out["id_number_masked"] == "110105********002X"


@pytest.mark.parametrize("idn,problem", BAD_IDS)
def test_invalid_id_numbers_are_refused(cleanup, as_user, api_token, idn, problem):
    client = as_user("dfh_staff")
    name = unique("实例党员")
    data = {"name": name, "id_number": idn, "status": "applicant", "applied_on": "2024-01-02"}
    r = post_form(client, f"/t/{DFH}/members/new", data)
    assert r.status_code == 422 and problem in text_of(r.text)
    r = client.post(f"/api/t/{DFH}/members", json=data, headers=api_token("dfh_staff"))
    assert r.status_code == 422 and problem in r.json()["extra"]["errors"]["id_number"]
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(Member.id).where(Member.name == name)) is None


def test_birth_date_must_match_the_id_number(cleanup, client, api_token):
    body = {"name": unique("实例党员"), "id_number": VALID_ID, "birth_date": dt.date(1950, 1, 1).isoformat(),
            "status": "applicant", "applied_on": "2024-01-02"}
    r = client.post(f"/api/t/{DFH}/members", json=body, headers=api_token("dfh_staff"))
    assert r.status_code == 422 and r.json()["extra"]["errors"]["birth_date"] == "出生日期：与身份证号不一致"
