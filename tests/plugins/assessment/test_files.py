"""Evidence files of score sheets: the self-assessment's while the round is open (the target's
secretary), the assessors' while scoring; checked by the shared file store, inline images,
download, delete, frozen once published, the JSON API, rights and another tenant's ids (404)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.models import AuditEntry
from plugins.assessment.models import AssessmentAttachment
from tests.helpers import csrf, post_form
from tests.plugins.assessment.conftest import advance, make_round, score, sheet_ids, tenant_session
from tests.registry.test_import import minimal_xlsx_zip

PO = "testprog.po_quarterly"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.4\n%test\n"


def base(street) -> str:
    return f"/t/{street.info.slug}/assessment"


def upload(client, url: str, name: str, data: bytes):
    return client.post(url, files={"file": (name, data, "application/octet-stream")},
                       data={"_csrf_token": csrf(client)}, follow_redirects=False)


def files_of(street, sheet_id) -> list[AssessmentAttachment]:
    with tenant_session(street.info) as s:
        rows = list(s.scalars(select(AssessmentAttachment).where(AssessmentAttachment.sheet_id == sheet_id)
                              .order_by(AssessmentAttachment.id)))
        s.expunge_all()
        return rows


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANDONG_ASSESSMENT_UPLOAD_DIR", str(tmp_path))
    return tmp_path


def test_self_and_assessor_files_through_pages(world, login_as, upload_dir):
    a = world.a
    rid = make_round(a, PO, "2011-Q1", a.party_orgs[:2])
    sheets = sheet_ids(a, rid)
    own, other = sheets[a.party_orgs[0]], sheets[a.party_orgs[1]]
    sec = login_as(world.users["secretary"])
    assert upload(sec, base(a) + f"/sheets/{own}/self/attachments", "x.pdf", PDF).status_code == 404  # draft
    advance(a, rid, "open")
    # the secretary adds self-assessment evidence to their own sheet only
    assert upload(sec, base(a) + f"/sheets/{own}/self/attachments", "阵地照片.png", PNG).status_code == 303
    assert upload(sec, base(a) + f"/sheets/{other}/self/attachments", "x.pdf", PDF).status_code == 404
    assert upload(sec, base(a) + f"/sheets/{own}/scores/attachments", "x.pdf", PDF).status_code == 403
    [png] = files_of(a, own)
    assert (png.kind, png.filename, png.content_type, png.size, png.uploaded_by) == (
        "self", "阵地照片.png", "image/png", len(PNG), world.users["secretary"])
    assert (upload_dir / str(a.info.id) / png.stored_name).read_bytes() == PNG
    page = sec.get(base(a) + f"/sheets/{own}")
    assert f'<img src="/t/{a.info.slug}/assessment/sheets/{own}/attachments/{png.id}"' in page.text
    assert 'id="files-self"' in page.text and "上传佐证文件" in page.text
    got = sec.get(base(a) + f"/sheets/{own}/attachments/{png.id}")
    assert got.content == PNG and got.headers["content-disposition"].startswith("inline")
    assert sec.get(base(a) + f"/sheets/{other}/attachments/{png.id}").status_code == 404
    # refused files: 422 on the sheet page, nothing saved
    macro = minimal_xlsx_zip({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"x" * 100})
    for name, data, message in (("run.exe", b"MZ\x90\x00", "不支持的文件类型"),
                                ("fake.pdf", b"<html>", "文件内容与扩展名「.pdf」不符"),
                                ("宏.xlsx", macro, "宏")):
        r = upload(sec, base(a) + f"/sheets/{own}/self/attachments", name, data)
        assert r.status_code == 422 and message in r.text, name
    assert len(files_of(a, own)) == 1

    # scoring: self files are frozen, assessors add theirs
    advance(a, rid, "start_scoring")
    assert upload(sec, base(a) + f"/sheets/{own}/self/attachments", "late.pdf", PDF).status_code == 403
    assert post_form(sec, base(a) + f"/sheets/{own}/attachments/{png.id}/delete", {}).status_code == 403
    instructor = login_as(world.users["instructor"])  # assessment:score
    assert upload(instructor, base(a) + f"/sheets/{own}/scores/attachments", "检查记录.pdf", PDF).status_code == 303
    assert upload(instructor, base(a) + f"/sheets/{own}/self/attachments", "x.pdf", PDF).status_code == 403
    pdf = files_of(a, own)[-1]
    assert (pdf.kind, pdf.filename) == ("assessor", "检查记录.pdf")
    got = instructor.get(base(a) + f"/sheets/{own}/attachments/{pdf.id}")
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    viewer = login_as(world.users["viewer"])
    assert viewer.get(base(a) + f"/sheets/{own}/attachments/{pdf.id}").content == PDF
    assert "上传佐证文件" not in viewer.get(base(a) + f"/sheets/{own}").text
    assert upload(viewer, base(a) + f"/sheets/{own}/scores/attachments", "x.pdf", PDF).status_code == 403
    assert post_form(viewer, base(a) + f"/sheets/{own}/attachments/{pdf.id}/delete", {}).status_code == 403
    # staff see both lists and the history
    staff = login_as(world.users["staff"])
    page = staff.get(base(a) + f"/sheets/{own}")
    assert "检查记录.pdf" in page.text and "阵地照片.png" in page.text and "佐证文件" in page.text
    with tenant_session(a.info) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.entity == "assessment_attachments", AuditEntry.entity_id == str(pdf.id))) == 1
    # the assessor deletes theirs: row and bytes go
    r = post_form(instructor, base(a) + f"/sheets/{own}/attachments/{pdf.id}/delete", {}, follow_redirects=False)
    assert r.status_code == 303 and [f.id for f in files_of(a, own)] == [png.id]
    assert not (upload_dir / str(a.info.id) / pdf.stored_name).exists()
    # published: everything is final
    score(a, rid, {a.party_orgs[0]: ["30", "20", "20"], a.party_orgs[1]: ["10", "10", "10"]})
    advance(a, rid, "submit_review", "publish")
    assert upload(staff, base(a) + f"/sheets/{own}/scores/attachments", "x.pdf", PDF).status_code == 403
    assert post_form(staff, base(a) + f"/sheets/{own}/attachments/{png.id}/delete", {}).status_code == 403
    assert sec.get(base(a) + f"/sheets/{own}/attachments/{png.id}").content == PNG


def test_files_api_and_another_tenants_ids(world, login_as, client, api_token):
    a, b = world.a, world.b
    rid = make_round(a, PO, "2011-Q2", a.party_orgs[:1])
    sid = sheet_ids(a, rid)[a.party_orgs[0]]
    advance(a, rid, "open", "start_scoring")
    api = f"/api/t/{a.info.slug}/assessment/sheets/{sid}"
    h = api_token(world.users["staff"])
    client.cookies.clear()
    r = client.post(f"{api}/scores/attachments", headers=h, files={"file": ("评分表.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["kind"], body["filename"], body["size"], body["sheet_id"]) == ("assessor", "评分表.pdf", len(PDF), sid)
    r = client.post(f"{api}/scores/attachments", headers=h, files={"file": ("x.docx", b"nope", "application/pdf")})
    assert r.status_code == 422 and "不符" in r.json()["extra"]["errors"]["file"]
    r = client.post(f"{api}/self/attachments", headers=h, files={"file": ("x.pdf", PDF, "application/pdf")})
    assert r.status_code == 403  # self files only while the round is open
    r = client.get(f"{api}/attachments", headers=h)
    assert r.status_code == 200 and [x["filename"] for x in r.json()] == ["评分表.pdf"]
    assert client.get(f"{api}/attachments/{body['id']}", headers=h).content == PDF
    # another tenant: 404 everywhere, through pages and the API
    hb = api_token(world.users["staff_b"])
    other_api = f"/api/t/{b.info.slug}/assessment/sheets/{sid}"
    assert client.get(f"{other_api}/attachments", headers=hb).status_code == 404
    assert client.get(f"{other_api}/attachments/{body['id']}", headers=hb).status_code == 404
    assert client.post(f"{other_api}/scores/attachments", headers=hb,
                       files={"file": ("x.pdf", PDF, "application/pdf")}).status_code == 404
    admin = login_as("yuelu_admin")  # reaches both streets, one at a time
    assert admin.get(base(a) + f"/sheets/{sid}/attachments/{body['id']}").content == PDF
    assert admin.get(base(b) + f"/sheets/{sid}/attachments/{body['id']}").status_code == 404
    assert post_form(admin, base(b) + f"/sheets/{sid}/attachments/{body['id']}/delete", {}).status_code == 404
    assert upload(admin, base(b) + f"/sheets/{sid}/scores/attachments", "x.pdf", PDF).status_code == 404
    assert len(files_of(a, sid)) == 1
