"""Dues: the standard rate table and a change from a month on, a month imported from .xlsx (one bad
row refused with its row number, nothing written; then written whole), the ledger identities,
a refund landing in the funds ledger, the arrears flag, an org secretary limited to their own
members, and another tenant's ids answering 404."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core import crypto
from core.db import scoped_session
from core.registry.models import Member, PartyOrg
from plugins.funds.api import BudgetLine, Disbursement
from plugins.membership import dues as svc
from plugins.membership.models import DuesProfile, DuesRecord
from tests.helpers import csrf, login, post_form, text_of, unique
from tests.plugins.membership.conftest import party_org_of, secretary_org
from tests.registry.test_import import page_upload


def base(t) -> str:
    return f"/t/{t.slug}/membership"


def test_standard_rates():
    t = svc.STANDARD_TABLE
    assert svc.compute(t, "employed", 300000) == (50, 1500)  # ≤3000: 0.5 %
    assert svc.compute(t, "employed", 300001) == (100, 3000)  # 3000–5000: 1 %
    assert svc.compute(t, "employed", 1000000) == (150, 15000)
    assert svc.compute(t, "employed", 1200000) == (200, 24000)  # >10000: 2 %
    assert svc.compute(t, "retired", 500000) == (50, 2500) and svc.compute(t, "retired", 600000) == (100, 6000)
    assert svc.compute(t, "student", 0) == (0, 20) and svc.compute(t, "relief", 0, 150) == (0, 100)
    assert svc.parse_brackets("3000:0.5, 5000:1, 10000:1.5, *:2", "x") == t["employed"]
    with pytest.raises(ValueError, match="最后一档"):
        svc.parse_brackets("3000:0.5", "在职")


@pytest.fixture(scope="module")
def people(world):
    """Three members of a new party org of 东方红, with ID-card numbers; one more elsewhere."""
    tag = unique("")
    out = {"tag": tag}
    with scoped_session(world.dfh.id) as s:
        po = PartyOrg(name=f"党费测试支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        ids = []
        for i in range(3):
            idn = _valid_id(i)
            m = Member(name=f"党费{i}{tag}", status="full", party_org_id=po.id,
                       id_number_enc=crypto.encrypt(idn), id_number_hash=crypto.blind_index(idn, "id_number"))
            s.add(m)
            s.flush()
            ids.append((m.id, idn, m.name))
        out.update(po=po.id, members=ids)
    return out


def _valid_id(i: int) -> str:
    """An ID-card number with a valid check digit, unique per run."""
    import secrets

    from core import validators

    body = f"430104{1970 + secrets.randbelow(30)}{1 + secrets.randbelow(12):02d}{1 + secrets.randbelow(28):02d}" \
           f"{secrets.randbelow(1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    idn = body + check
    assert not validators.validate_id_number(idn)
    return idn


HEADERS = ["月份", "姓名", "身份证号", "党费类别", "缴费基数（元）", "实缴金额（元）", "缴费日期", "缴费方式", "备注"]


def _xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _count(tenant_id, month) -> int:
    with scoped_session(tenant_id) as s:
        return s.scalar(select(func.count(DuesRecord.id)).where(DuesRecord.month == month))


def _check(c, w, content: bytes, headers: dict) -> dict:
    """Upload through the registry's import pages (a dry run) and read the job as JSON."""
    r = page_upload(c, w.dfh.slug, "membership_dues", "党费.xlsx", content)
    assert r.status_code == 303, text_of(r.text)[:500]
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    return c.get(f"/api/t/{w.dfh.slug}/imports/jobs/{job_id}", headers=headers).json()


def _confirm(c, w, job: dict, valid_only: bool = False):
    data = {"_csrf_token": csrf(c)} | ({"valid_only": "1"} if valid_only else {})
    return c.post(f"/t/{w.dfh.slug}/imports/jobs/{job['id']}/confirm", data=data, follow_redirects=False)


def test_import_all_or_nothing_and_ledger(client, world, people, api_token):
    w = world
    (m1, id1, n1), (m2, id2, n2), (m3, id3, n3) = people["members"]
    c = login(client, "dfh_staff")
    h = api_token("dfh_staff")
    month = dt.date(2021, 3, 1)
    good = [["2021-03", n1, id1, "在职", "4500", "45", "2021-03-10", "微信", ""],
            ["2021年3月", n2, id2, "离退休", "6000", "30", "2021-03-12", "现金", ""],
            ["2021.3", n3, id3, "学生", "", "0.2", "2021-04-20", "现金", ""]]
    bad = [good[0], ["2021-03", n2, id2, "离退休", "6000", "80", "2021-03-12", "现金", ""], good[2]]
    job = _check(c, w, _xlsx(bad), h)
    assert job["errors"] == 1 and not job["can_confirm"] and not job["can_import_valid"], job
    assert [(p["row"], p["column"], p["message"]) for p in job["problems"]] == [
        (3, "实缴金额（元）", "不能超过应缴 60.00 元")]
    page = text_of(c.get(f"/t/{w.dfh.slug}/imports/jobs/{job['id']}").text)
    assert "整表未写入" in page and "只导入正确的行" not in page
    assert _confirm(c, w, job, valid_only=True).status_code == 409  # all or nothing: no valid rows only
    assert _confirm(c, w, job).status_code == 409
    assert _count(w.dfh.id, month) == 0
    with scoped_session(w.dfh.id) as s:
        assert s.scalar(select(DuesProfile.id).where(DuesProfile.member_id == m1)) is None
    job = _check(c, w, _xlsx([good[0], ["2021-03", "不存在的人" + people["tag"], "", "在职", "3000", "1", "", "", ""]]), h)
    assert [(p["row"], p["column"]) for p in job["problems"]] == [(3, "姓名")] and _count(w.dfh.id, month) == 0
    job = _check(c, w, _xlsx(good), h)
    assert job["can_confirm"] and job["created"] == 3, job
    r = _confirm(c, w, job)
    assert r.status_code == 303
    done = c.get(f"/api/t/{w.dfh.slug}/imports/jobs/{job['id']}", headers=h).json()
    assert done["state"] == "done" and done["created"] == 3
    with scoped_session(w.dfh.id) as s:
        recs = {x.member_id: x for x in s.scalars(select(DuesRecord).where(DuesRecord.month == month))}
    assert (recs[m1].due_fen, recs[m1].paid_fen, recs[m1].rate_bp, recs[m1].method) == (4500, 4500, 100, "wechat")
    assert (recs[m2].due_fen, recs[m2].paid_fen, recs[m2].arrears_fen) == (6000, 3000, 3000)
    assert recs[m3].due_fen == 20 and recs[m3].back_payment  # paid in April for March
    # the same month again: nothing changes; another amount for a paid month is refused
    again = _check(c, w, _xlsx(good), h)
    assert (again["unchanged"], again["created"], again["updated"], again["errors"]) == (3, 0, 0, 0)
    changed = _check(c, w, _xlsx([["2021-03", n1, id1, "在职", "4500", "40", "2021-03-10", "微信", ""]]), h)
    assert changed["errors"] == 1 and "已登记实缴 45.00 元" in changed["problems"][0]["message"]
    # ledger identities (API, fen)
    rows = client.get(f"/api{base(w.dfh)}/dues/ledger", params={"month": "2021-03"}, headers=h).json()
    mine = next(x for x in rows if x["party_org_id"] == people["po"])
    assert (mine["due_fen"], mine["collected_fen"], mine["arrears_fen"]) == (10520, 7520, 3000)
    for x in rows:
        assert x["due_fen"] == x["collected_fen"] + x["arrears_fen"]
        assert x["retained_fen"] + x["remitted_fen"] == x["collected_fen"]
    assert mine["retained_fen"] == 3760  # 50 % by default
    page = c.get(f"{base(w.dfh)}/dues/ledger", params={"month": "2021-03"})
    assert page.status_code == 200 and "应缴 = 收缴 + 欠缴" in page.text
    export = c.get(f"{base(w.dfh)}/dues/ledger/export", params={"month": "2021-03"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    # the old address leads to the import pages; the template has the month column
    assert c.get(f"{base(w.dfh)}/dues/import", follow_redirects=False).headers["location"].endswith(
        "imports?entity=membership_dues")
    tpl = c.get(f"/t/{w.dfh.slug}/imports/membership_dues/template.xlsx")
    assert tpl.status_code == 200 and [x.value for x in load_workbook(io.BytesIO(tpl.content)).active[1]] == HEADERS


def test_secretary_imports_only_own_members(client, world, people, api_token):
    """An org secretary reaches the import pages through membership:dues alone, sees only the
    kinds that keep them to their scope, imports only their own members (others refused per row),
    and never sees a job of someone else; a viewer has no import page; another tenant's job is 404."""
    w = world
    org = secretary_org(w.dfh.id, "dfh_secretary")
    po = party_org_of(w.dfh.id, org)
    with scoped_session(w.dfh.id) as s:
        own = Member(name=f"导入书记党员{people['tag']}", status="full", party_org_id=po, organization_id=org)
        s.add(own)
        s.flush()
        own_id, own_name = own.id, own.name
    staff_job = _check(login(client, "dfh_staff"), w, _xlsx([["2021-05", people["members"][0][2], "", "在职", "3000",
                                                              "15", "2021-05-09", "", ""]]), api_token("dfh_staff"))
    client.cookies.clear()
    c = login(client, "dfh_secretary")
    page = c.get(f"/t/{w.dfh.slug}/imports")
    assert page.status_code == 200 and "党费缴纳" in page.text and 'value="organizations"' not in page.text
    assert f"imports/jobs/{staff_job['id']}" not in page.text
    assert c.get(f"/t/{w.dfh.slug}/imports/organizations/template.xlsx").status_code == 403
    assert c.get(f"/t/{w.dfh.slug}/imports/jobs/{staff_job['id']}").status_code == 404
    rows = [["2021-05", own_name, "", "在职", "3000", "15", "2021-05-09", "", ""],
            ["2021-05", people["members"][0][2], people["members"][0][1], "在职", "3000", "15", "2021-05-09", "", ""]]
    job = _check(c, w, _xlsx(rows), api_token("dfh_secretary"))
    assert [(p["row"], p["column"]) for p in job["problems"]] == [(3, "身份证号")], job["problems"]
    assert "超出您的管理范围" in job["problems"][0]["message"]
    job = _check(c, w, _xlsx(rows[:1]), api_token("dfh_secretary"))
    assert _confirm(c, w, job).status_code == 303
    with scoped_session(w.dfh.id) as s:
        assert s.scalar(select(DuesRecord.paid_fen).where(DuesRecord.member_id == own_id,
                                                          DuesRecord.month == dt.date(2021, 5, 1))) == 1500
    client.cookies.clear()
    viewer = login(client, w.users["dfh_viewer"])
    assert viewer.get(f"/t/{w.dfh.slug}/imports").status_code == 403
    assert viewer.get(f"/t/{w.dfh.slug}/imports/membership_dues/template.xlsx").status_code == 403
    client.cookies.clear()
    other = login(client, w.users["third_staff"])
    assert other.get(f"/t/{w.third.slug}/imports/jobs/{job['id']}").status_code == 404
    h = api_token(w.users["third_staff"])
    assert client.get(f"/api/t/{w.third.slug}/imports/jobs/{job['id']}", headers=h).status_code == 404


def test_rate_change_applies_from_a_month(client, world, people):
    w = world
    c = login(client, "dfh_staff")
    r = post_form(c, f"{base(w.dfh)}/dues/rates", {"effective_from": "2022-07", "employed": "3000:1, *:2",
                                                    "retired": "5000:0.5, *:1", "min": "0.2", "max": "1",
                                                    "default": "0.5"})
    assert r.status_code == 200 and "2022年07月" in r.text
    r = post_form(c, f"{base(w.dfh)}/dues/rates", {"effective_from": "2022-08", "employed": "3000:1",
                                                    "retired": "x", "min": "0.2", "max": "1", "default": "2"})
    assert r.status_code == 422 and "最后一档" in r.text and "须在下限与上限之间" in r.text
    m1 = people["members"][0][0]
    with scoped_session(w.dfh.id) as s:
        s.add(DuesProfile(member_id=m1, category="employed", base_fen=250000)) if not s.scalar(
            select(DuesProfile.id).where(DuesProfile.member_id == m1)) else None
        s.scalar(select(DuesProfile).where(DuesProfile.member_id == m1)).base_fen = 250000
    for month in ("2022-06", "2022-07"):
        post_form(c, f"{base(w.dfh)}/dues/generate", {"month": month, "party_org": str(people["po"])})
    with scoped_session(w.dfh.id) as s:
        due = dict(s.execute(select(DuesRecord.month, DuesRecord.due_fen).where(DuesRecord.member_id == m1,
                             DuesRecord.month.in_((dt.date(2022, 6, 1), dt.date(2022, 7, 1))))).all())
    assert due == {dt.date(2022, 6, 1): 1250, dt.date(2022, 7, 1): 2500}


def test_refund_lands_in_the_funds_ledger(client, world, people, api_token):
    w = world
    with scoped_session(w.dfh.id) as s:  # a collected month of 2021, so the ledger has the party org
        s.add(DuesRecord(member_id=people["members"][0][0], party_org_id=people["po"], month=dt.date(2021, 5, 1),
                         category="employed", base_fen=300000, rate_bp=50, due_fen=1500, paid_fen=1500))
    c = login(client, "dfh_staff")
    r = post_form(c, f"{base(w.dfh)}/dues/refunds", {"party_org": str(people["po"]), "year": "2021", "amount": "12.345"})
    assert r.status_code == 422 and "最多保留两位小数" in r.text
    r = post_form(c, f"{base(w.dfh)}/dues/refunds", {"party_org": str(people["po"]), "year": "2021",
                                                      "amount": "37.60", "purpose": "党费全额返还"},
                  follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:500]
    with scoped_session(w.dfh.id) as s:
        line = s.scalar(select(BudgetLine).where(BudgetLine.category == "dues_refund", BudgetLine.year == 2021,
                                                 BudgetLine.target_id == people["po"]))
        d = s.scalar(select(Disbursement).where(Disbursement.line_id == line.id))
        assert (line.amount_fen, d.amount_fen, d.status, d.source) == (3760, 3760, "paid", "membership")
    rows = client.get(f"/api{base(w.dfh)}/dues/ledger", params={"year": "2021"}, headers=api_token("dfh_staff")).json()
    assert next(x for x in rows if x["party_org_id"] == people["po"])["refunded_fen"] == 3760
    page = c.get(f"/t/{w.dfh.slug}/funds/ledger/target", params={"kind": "party_org", "id": people["po"]})
    assert page.status_code == 200 and "党费全额返还" in page.text


def test_arrears_flag_after_six_months(client, world, people):
    w = world
    m2 = people["members"][1][0]
    with scoped_session(w.dfh.id) as s:
        for i in range(1, 7):
            s.add(DuesRecord(member_id=m2, party_org_id=people["po"], month=dt.date(2023, i, 1), category="employed",
                             base_fen=300000, rate_bp=50, due_fen=1500))
    c = login(client, "dfh_staff")
    page = text_of(c.get(f"{base(w.dfh)}/dues/arrears", params={"flagged": "1"}).text)
    assert people["members"][1][2] in page and "连续 6 个月未交" in page
    with scoped_session(w.dfh.id) as s:
        s.get(DuesRecord, s.scalar(select(DuesRecord.id).where(DuesRecord.member_id == m2,
                                                               DuesRecord.month == dt.date(2023, 6, 1)))).paid_fen = 1500
    page = text_of(c.get(f"{base(w.dfh)}/dues/arrears", params={"flagged": "1"}).text)
    assert people["members"][1][2] not in page


def test_secretary_sees_own_members_and_other_tenants_404(client, world, people, api_token):
    w = world
    org = secretary_org(w.dfh.id, "dfh_secretary")
    po = party_org_of(w.dfh.id, org)
    with scoped_session(w.dfh.id) as s:
        own = Member(name=f"书记支部党员{people['tag']}", status="full", party_org_id=po, organization_id=org)
        s.add(own)
        s.flush()
        own_id = own.id
        s.add(DuesProfile(member_id=own_id, category="employed", base_fen=400000))
    c = login(client, "dfh_secretary")
    r = post_form(c, f"{base(w.dfh)}/dues/generate", {"month": "2024-01"}, follow_redirects=False)
    assert r.status_code == 303
    with scoped_session(w.dfh.id) as s:
        month_ids = set(s.scalars(select(DuesRecord.member_id).where(DuesRecord.month == dt.date(2024, 1, 1))))
        rec_id = s.scalar(select(DuesRecord.id).where(DuesRecord.member_id == own_id))
        other_rec = s.scalar(select(DuesRecord.id).where(DuesRecord.member_id == people["members"][0][0]))
    assert own_id in month_ids and people["members"][0][0] not in month_ids  # only their own members
    page = c.get(f"{base(w.dfh)}/dues", params={"month": "2024-01"})
    assert page.status_code == 200 and f"书记支部党员{people['tag']}" in page.text
    assert post_form(c, f"{base(w.dfh)}/dues/records/{rec_id}/pay", {"paid": "40"}, follow_redirects=False
                     ).status_code == 303
    assert post_form(c, f"{base(w.dfh)}/dues/records/{other_rec}/pay", {"paid": "1"}).status_code == 404
    assert c.get(f"{base(w.dfh)}/dues/members/{people['members'][0][0]}").status_code == 404
    assert c.get(f"{base(w.dfh)}/dues", params={"party_org": str(people["po"])}).status_code == 404
    assert post_form(c, f"{base(w.dfh)}/dues/refunds", {"party_org": str(po), "amount": "1"}).status_code == 403
    assert c.get(f"{base(w.dfh)}/dues/ledger").status_code == 200
    # another tenant: every id of 东方红 is unknown
    client.cookies.clear()
    c = login(client, "wyh_staff")
    assert post_form(c, f"{base(w.wyh)}/dues/records/{rec_id}/pay", {"paid": "1"}).status_code == 404
    assert c.get(f"{base(w.wyh)}/dues/members/{own_id}").status_code == 404
    h = api_token("wyh_staff")
    assert client.post(f"/api{base(w.wyh)}/dues/records/{rec_id}/payment", json={"paid": "1"}, headers=h
                       ).status_code == 404
    assert all(x["member_id"] != own_id for x in client.get(f"/api{base(w.wyh)}/dues/records", headers=h).json())
