"""Exports of members' personal data: clear ID-card and phone numbers only for roles that may
reveal them, each export audited with its number of rows."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from core import history
from core.db import open_session
from core.models import AuditEntry
from tests.helpers import tenant_id
from tests.registry.test_members import DFH, create_via_form, mask


def _cells(response) -> list[list[str]]:
    ws = load_workbook(io.BytesIO(response.content)).active
    return [[str(c) for c in row] for row in ws.iter_rows(values_only=True)]


def _last_export(username: str) -> AuditEntry:
    with open_session(tenant_id(DFH)) as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.username == username,
                                                  AuditEntry.action.like("members.export%"))
                         .order_by(AuditEntry.id.desc())).first()


def test_full_export_for_a_role_that_may_reveal_audited_with_row_count(as_user):
    client = as_user("dfh_staff")  # staff hold members:reveal
    _member_id, data = create_via_form(client)
    listing = client.get(f"/t/{DFH}/members")
    assert "data-export-full" in listing.text
    r = client.get(f"/t/{DFH}/members/export", params={"q": data["name"], "full": "1"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    rows = _cells(r)
    assert len(rows) == 2 and data["id_number"] in rows[1] and data["phone"] in rows[1]
    entry = _last_export("dfh_staff")
    assert entry.action == "members.export_full" and "含完整" in entry.summary
    assert entry.after == {"q": data["name"], "rows": 1, "full": True}
    with open_session(tenant_id(DFH)) as s:  # as the audit log page reads it
        change = history.read(s, [entry])[0]
    assert change.operation == "导出党员（含完整身份证号和手机号）"
    assert change.after == {"搜索": data["name"], "条数": "1", "完整信息": "是"}

    masked = client.get(f"/t/{DFH}/members/export", params={"q": data["name"]})
    assert mask(data["id_number"]) in _cells(masked)[1] and data["id_number"] not in _cells(masked)[1]
    entry = _last_export("dfh_staff")
    assert entry.action == "members.export" and entry.after["rows"] == 1 and entry.after["full"] is False


def test_full_export_refused_without_the_reveal_permission(as_user):
    client = as_user("dfh_instructor")  # reads the registry, may not reveal
    assert "data-export-full" not in client.get(f"/t/{DFH}/members").text
    before = _last_export("dfh_instructor")
    r = client.get(f"/t/{DFH}/members/export", params={"full": "1"})
    assert r.status_code == 403
    after = _last_export("dfh_instructor")
    assert (after.id if after else None) == (before.id if before else None)  # nothing exported, nothing logged
    assert client.get(f"/t/{DFH}/members/export").status_code == 200  # the masked one stays open
