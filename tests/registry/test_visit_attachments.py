"""Photos and documents of instructor visits: upload on the form and the visit page, safety
checks, download, delete, tenancy, permissions, audit and the API."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import scoped_session
from core.models import AuditEntry
from core.registry.models import InstructorVisit, InstructorVisitAttachment
from tests.helpers import csrf, tenant_id
from tests.registry.test_instructors import (
    DFH,
    WYH,
    YESTERDAY,
    assign,
    instructor_for_user,
    make_instructor,
    make_org,
    post_form,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.4\n%visit\n"


def ooxml(main: str, extra: dict[str, bytes] | None = None, content_types: bytes = b"<Types/>") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr(main, b"<document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = ooxml("word/document.xml")


@pytest.fixture
def upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANDONG_REGISTRY_UPLOAD_DIR", str(tmp_path))
    return tmp_path / str(tenant_id(DFH))


def stored_files(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def attachments_of(visit_id: int) -> list[InstructorVisitAttachment]:
    with scoped_session(tenant_id(DFH)) as s:
        return list(s.scalars(select(InstructorVisitAttachment).where(InstructorVisitAttachment.visit_id == visit_id)
                              .order_by(InstructorVisitAttachment.id)))


def multipart(client, path: str, files: list[tuple[str, bytes]], **fields):
    return client.post(path, data={"_csrf_token": csrf(client), **fields},
                       files=[("file", (name, data, "application/octet-stream")) for name, data in files],
                       follow_redirects=False)


def test_visit_form_takes_photos_all_or_nothing(client, as_user, upload_dir):
    ins, org = make_instructor(), make_org()
    as_user("dfh_staff")
    fields = {"instructor": str(ins), "organization": str(org), "visited_on": YESTERDAY, "findings": "阵地建设到位"}
    # a bad file: nothing saved, neither the visit nor any bytes
    r = multipart(client, f"/t/{DFH}/instructors/visits/new", [("阵地.png", PNG), ("run.exe", b"MZ\x90")], **fields)
    assert r.status_code == 422 and "附件：不支持的文件类型" in r.text and "阵地建设到位" in r.text
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(InstructorVisit.id).where(InstructorVisit.organization_id == org)) is None
    assert stored_files(upload_dir) == []
    # two good files with the visit
    r = multipart(client, f"/t/{DFH}/instructors/visits/new", [("阵地.png", PNG), ("台账.pdf", PDF)], **fields)
    assert r.status_code == 303, r.text
    visit_id = int(r.headers["location"].rsplit("/", 1)[-1])
    atts = attachments_of(visit_id)
    assert [(a.filename, a.content_type, a.size) for a in atts] == [
        ("阵地.png", "image/png", len(PNG)), ("台账.pdf", "application/pdf", len(PDF))]
    assert (upload_dir / atts[0].stored_name).read_bytes() == PNG
    page = client.get(f"/t/{DFH}/instructors/visits/{visit_id}").text
    png_url = f"/t/{DFH}/instructors/visits/{visit_id}/attachments/{atts[0].id}"
    assert f'<img src="{png_url}"' in page and "台账.pdf" in page and "上传附件：阵地.png" in page
    got = client.get(png_url)
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("inline")
    pdf = client.get(f"/t/{DFH}/instructors/visits/{visit_id}/attachments/{atts[1].id}")
    assert pdf.content == PDF and pdf.headers["content-disposition"].startswith("attachment")
    # shown in the list and on the instructor's page
    assert "附件 2" in client.get(f"/t/{DFH}/instructors/visits", params={"instructor": str(ins)}).text
    assert "附件 2" in client.get(f"/t/{DFH}/instructors/{ins}").text
    # editing without a file keeps them; with one adds it
    r = multipart(client, f"/t/{DFH}/instructors/visits/{visit_id}/edit", [("签到.docx", DOCX)],
                  **{**fields, "findings": "阵地建设到位，制度上墙"})
    assert r.status_code == 303 and len(attachments_of(visit_id)) == 3
    r = post_form(client, f"/t/{DFH}/instructors/visits/{visit_id}/edit", {**fields, "findings": "再改"})
    assert r.status_code == 303 and len(attachments_of(visit_id)) == 3
    export = client.get(f"/t/{DFH}/instructors/visits/export", params={"instructor": str(ins)})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "照片与附件" and rows[1][-1] == "阵地.png、台账.pdf、签到.docx"
    # deleting the visit removes rows and bytes
    assert post_form(client, f"/t/{DFH}/instructors/visits/{visit_id}/delete").status_code == 303
    assert attachments_of(visit_id) == [] and stored_files(upload_dir) == []
    with scoped_session(tenant_id(DFH)) as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "instructor_visit_attachments")))
    assert {"instructor_visit_attachments.create", "instructor_visit_attachments.delete"} <= actions


HOSTILE = [
    ("run.exe", b"MZ\x90", "不支持的文件类型"),
    ("fake.jpg", b"<svg onload=alert(1)>", "文件内容与扩展名「.jpg」不符"),
    ("empty.pdf", b"", "文件是空的"),
    ("macro.docx", ooxml("word/document.xml", {"word/vbaProject.bin": b"\x00" * 10}), "不接受含宏的 Word 文档"),
    ("macro.xlsx", ooxml("xl/workbook.xml", content_types=b"<Types application/vnd.ms-excel.sheet.macroEnabled/>"),
     "不接受含宏的工作簿"),
    ("bomb.docx", ooxml("word/document.xml", {"word/media/zeros.bin": b"\x00" * (3 * 1024 * 1024)}), "压缩炸弹"),
    ("notword.docx", ooxml("xl/workbook.xml"), "不是有效的 Word（.docx）文档"),
    ("dtd.docx", ooxml("word/document.xml", {"word/x.xml": b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>"}), "DTD"),
    ("encrypted.xlsx", b"\xd0\xcf\x11\xe0" + b"\x00" * 30, "文件内容与扩展名「.xlsx」不符"),
]


def test_hostile_files_are_refused(client, as_user, api_token, upload_dir):
    ins, org = make_instructor(), make_org()
    visit = client.post(f"/api/t/{DFH}/instructors/visits", headers=api_token("dfh_staff"),
                        json={"instructor": ins, "organization": org, "visited_on": YESTERDAY, "findings": "x"})
    visit_id = visit.json()["id"]
    as_user("dfh_staff")
    for name, data, message in HOSTILE:
        r = multipart(client, f"/t/{DFH}/instructors/visits/{visit_id}/attachments", [(name, data)])
        assert r.status_code == 422 and message in r.text, name
    assert attachments_of(visit_id) == [] and stored_files(upload_dir) == []


def test_size_limit_and_rights(client, as_user, api_token, upload_dir, monkeypatch):
    own = instructor_for_user()
    org, other_org = make_org(), make_org()
    assign(own, org)
    other = make_instructor()
    staff = api_token("dfh_staff")
    mine = client.post(f"/api/t/{DFH}/instructors/visits", headers=api_token("dfh_instructor"),
                       json={"organization": str(org), "visited_on": YESTERDAY, "findings": "本人走访"}).json()["id"]
    theirs = client.post(f"/api/t/{DFH}/instructors/visits", headers=staff,
                         json={"instructor": other, "organization": other_org, "visited_on": YESTERDAY,
                               "findings": "他人走访"}).json()["id"]
    as_user("dfh_instructor")
    monkeypatch.setenv("LIANDONG_REGISTRY_UPLOAD_MAX_BYTES", "10")
    r = multipart(client, f"/t/{DFH}/instructors/visits/{mine}/attachments", [("big.pdf", PDF)])
    assert r.status_code == 422 and "文件超过" in r.text
    monkeypatch.delenv("LIANDONG_REGISTRY_UPLOAD_MAX_BYTES")
    r = multipart(client, f"/t/{DFH}/instructors/visits/{mine}/attachments", [])
    assert r.status_code == 422 and "请选择要上传的文件" in r.text
    assert multipart(client, f"/t/{DFH}/instructors/visits/{mine}/attachments", [("照片.png", PNG)]).status_code == 303
    [att] = attachments_of(mine)
    # an instructor cannot touch another instructor's visit (it is not theirs: 404)
    assert multipart(client, f"/t/{DFH}/instructors/visits/{theirs}/attachments", [("a.png", PNG)]).status_code == 404
    # a viewer above the street may look, not upload or delete
    as_user("yuelu_viewer")
    url = f"/t/{DFH}/instructors/visits/{mine}/attachments/{att.id}"
    assert client.get(url).content == PNG
    assert multipart(client, f"/t/{DFH}/instructors/visits/{mine}/attachments", [("a.png", PNG)]).status_code == 403
    assert post_form(client, f"{url}/delete").status_code == 403
    # another street: 404 everywhere, also for the attachment under a visit of its own
    as_user("wyh_staff")
    assert client.get(url.replace(DFH, WYH)).status_code == 404
    assert client.get(url).status_code == 404
    assert post_form(client, f"/t/{WYH}/instructors/visits/{mine}/attachments/{att.id}/delete").status_code == 404
    wyh = api_token("wyh_staff")
    assert client.get(f"/api/t/{WYH}/instructors/visits/{mine}/attachments", headers=wyh).status_code == 404
    assert client.delete(f"/api/t/{WYH}/instructors/visits/{mine}/attachments/{att.id}",
                         headers=wyh).status_code == 404
    # an attachment id under the wrong visit: 404
    assert client.get(f"/api/t/{DFH}/instructors/visits/{theirs}/attachments/{att.id}",
                      headers=staff).status_code == 404
    # the owner deletes it: row and bytes gone, audited on the visit
    as_user("dfh_instructor")
    assert post_form(client, f"{url}/delete").status_code == 303
    assert attachments_of(mine) == [] and stored_files(upload_dir) == []
    assert client.get(url).status_code == 404
    assert "删除附件：照片.png" in client.get(f"/t/{DFH}/instructors/visits/{mine}").text


def test_api_lists_uploads_downloads_and_deletes(client, api_token, upload_dir):
    ins, org = make_instructor(), make_org()
    h = api_token("dfh_staff")
    visit = client.post(f"/api/t/{DFH}/instructors/visits", headers=h,
                        json={"instructor": ins, "organization": org, "visited_on": YESTERDAY, "findings": "x"})
    vid = visit.json()["id"]
    assert visit.json()["attachments"] == []
    base = f"/api/t/{DFH}/instructors/visits/{vid}/attachments"
    r = client.post(base, headers=h, files=[("file", ("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg")),
                                            ("file", ("记录.docx", DOCX, "application/octet-stream"))])
    assert r.status_code == 201, r.text
    out = r.json()
    assert [(a["filename"], a["content_type"]) for a in out] == [
        ("现场.jpg", "image/jpeg"),
        ("记录.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    assert [a["id"] for a in client.get(base, headers=h).json()] == [a["id"] for a in out]
    assert [a["filename"] for a in client.get(f"/api/t/{DFH}/instructors/visits/{vid}", headers=h).json()
            ["attachments"]] == ["现场.jpg", "记录.docx"]
    got = client.get(f"{base}/{out[1]['id']}", headers=h)
    assert got.status_code == 200 and got.content == DOCX
    bad = client.post(base, headers=h, files={"file": ("x.docx", b"not a zip", "application/octet-stream")})
    assert bad.status_code == 422 and bad.json()["extra"]["errors"] == {"file": "附件：文件内容与扩展名「.docx」不符"}
    none = client.post(base, headers=h, json={})
    assert none.status_code == 422 and "file" in none.json()["extra"]["errors"]
    assert client.delete(f"{base}/{out[0]['id']}", headers=h).status_code == 204
    assert [a["filename"] for a in client.get(base, headers=h).json()] == ["记录.docx"]
    assert len(stored_files(upload_dir)) == 1
    assert client.delete(f"/api/t/{DFH}/instructors/visits/{vid}", headers=h).status_code == 204
    assert stored_files(upload_dir) == []
