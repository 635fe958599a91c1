"""The core member page links to the transfer form through membership's detail panel (no import
of the plugin in the core); a member whose relation left shows 已转出 in the core list (issue 19)."""

from __future__ import annotations

from sqlalchemy import select

from core.db import scoped_session
from core.registry.models import Member
from tests.helpers import tenant_id, text_of, unique


def _new_member(name: str) -> int:
    with scoped_session(tenant_id("dongfanghong")) as s:
        m = Member(name=name, status="full")
        s.add(m)
        s.flush()
        return m.id


def test_member_page_offers_a_transfer_until_the_member_is_transferred_out(as_user):
    name = unique("转出")[:20]
    member_id = _new_member(name)
    staff = as_user("dfh_staff")
    page = staff.get(f"/t/dongfanghong/members/{member_id}").text
    assert f'href="/t/dongfanghong/membership/transfers/new?member={member_id}"' in page
    form = staff.get(f"/t/dongfanghong/membership/transfers/new?member={member_id}")
    assert form.status_code == 200 and name in form.text
    with scoped_session(tenant_id("dongfanghong")) as s:
        s.get(Member, member_id).transfer_state = "out"  # what accepting a transfer elsewhere records
    page = text_of(staff.get(f"/t/dongfanghong/members/{member_id}").text)
    assert "发起转接" not in page.replace("不能发起转接", "") and "该党员已转出" in page
    listing = text_of(staff.get("/t/dongfanghong/members", params={"q": name}).text)
    assert name in listing and "已转出" in listing
    # a user who may not transfer is not offered the link
    viewer = as_user("dfh_instructor").get(f"/t/dongfanghong/members/{member_id}").text
    assert "membership/transfers/new" not in viewer
    with scoped_session(tenant_id("dongfanghong")) as s:
        assert s.scalar(select(Member.transfer_state).where(Member.id == member_id)) == "out"
