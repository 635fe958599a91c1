"""Evidence files of tasks: upload (checked by the shared file store), inline images, download,
delete, the JSON API, permissions and 404 across tenants."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import open_session
from core.models import AuditEntry
from plugins.campaigns.models import CampaignAttachment
from tests.helpers import csrf, post_form
from tests.plugins.campaigns.test_web import _task_for, api, base, user  # noqa: F401  (fixture)
from tests.registry.test_import import minimal_xlsx_zip

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.4\n%test\n"


def _count(tenant, task_id) -> int:
    with open_session(tenant.id) as s:
        return s.scalar(select(func.count(CampaignAttachment.id)).where(CampaignAttachment.task_id == task_id))


def test_task_evidence_files_through_pages(world, user, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("LIANDONG_CAMPAIGNS_UPLOAD_DIR", str(tmp_path))
    w = world
    tid, _ = _task_for(w, user("dstaff"), w.street)
    c = user("staff")
    url = f"{base(w.street)}/tasks/{tid}/attachments"

    def upload(name: str, data: bytes):
        return c.post(url, files={"file": (name, data, "application/octet-stream")},
                      data={"_csrf_token": csrf(c)}, follow_redirects=False)

    assert upload("现场照片.png", PNG).status_code == 303
    assert upload("台账.pdf", PDF).status_code == 303
    with open_session(w.street.id) as s:
        png, pdf = s.scalars(select(CampaignAttachment).where(CampaignAttachment.task_id == tid)
                             .order_by(CampaignAttachment.id)).all()
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "campaigns_attachments",
                                                                AuditEntry.entity_id == str(png.id))) == 1
    assert (png.filename, png.content_type, png.size, png.tenant_id) == ("现场照片.png", "image/png", len(PNG),
                                                                         w.street.id)
    assert (tmp_path / str(w.street.id) / png.stored_name).read_bytes() == PNG
    page = c.get(f"{base(w.street)}/tasks/{tid}")
    assert f'<img src="/t/{w.street.slug}/campaigns/tasks/{tid}/attachments/{png.id}"' in page.text
    assert "台账.pdf" in page.text and 'enctype="multipart/form-data"' in page.text
    got = c.get(f"{url}/{png.id}")
    assert got.content == PNG and got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("inline")
    got = c.get(f"{url}/{pdf.id}")
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    # refused files: 422 with the field's message, nothing saved
    macro = minimal_xlsx_zip({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"x" * 100})
    for name, data, message in (("run.exe", b"MZ\x90\x00", "不支持的文件类型"),
                                ("fake.pdf", b"<html>", "文件内容与扩展名「.pdf」不符"),
                                ("宏.xlsx", macro, "宏")):
        r = upload(name, data)
        assert r.status_code == 422 and message in r.text, name
    r = c.post(url, data={"_csrf_token": csrf(c)}, files={"other": ("a.txt", b"x", "text/plain")})
    assert r.status_code == 422 and "请选择要上传的文件" in r.text
    assert _count(w.street, tid) == 2
    # a viewer reads but may not upload or delete
    v = user("viewer")
    assert v.get(f"{url}/{png.id}").content == PNG
    assert "上传佐证文件" not in v.get(f"{base(w.street)}/tasks/{tid}").text
    assert v.post(url, files={"file": ("a.png", PNG, "image/png")}, data={"_csrf_token": csrf(v)}).status_code == 403
    assert post_form(v, f"{url}/{png.id}/delete", {}).status_code == 403
    # other tenants (a sibling street, another district's street): 404
    s2 = user("s2staff")
    assert s2.get(f"{base(w.street2)}/tasks/{tid}/attachments/{png.id}").status_code == 404
    assert post_form(s2, f"{base(w.street2)}/tasks/{tid}/attachments/{png.id}/delete", {}).status_code == 404
    assert s2.post(f"{base(w.street2)}/tasks/{tid}/attachments", files={"file": ("a.png", PNG, "image/png")},
                   data={"_csrf_token": csrf(s2)}).status_code == 404
    o = user("osstaff")
    assert o.get(f"{base(w.other_street)}/tasks/{tid}/attachments/{png.id}").status_code == 404
    # the file must belong to the task in the path
    c = user("dstaff")
    tid2, _ = _task_for(w, c, w.street)
    c = user("staff")
    assert c.get(f"{base(w.street)}/tasks/{tid2}/attachments/{png.id}").status_code == 404
    # delete: the row and the bytes go
    r = post_form(c, f"{url}/{png.id}/delete", {}, follow_redirects=False)
    assert r.status_code == 303 and _count(w.street, tid) == 1
    assert not (tmp_path / str(w.street.id) / png.stored_name).exists()
    assert c.get(f"{url}/{png.id}").status_code == 404
    # a cancelled task's evidence is frozen
    assert post_form(c, f"{base(w.street)}/tasks/{tid}/cancel", {"reason": "合并"}, follow_redirects=False).status_code == 303
    assert upload("补充.pdf", PDF).status_code == 403
    assert c.get(f"{url}/{pdf.id}").content == PDF


def test_task_evidence_files_api(world, user, client, api_token, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("LIANDONG_CAMPAIGNS_UPLOAD_DIR", str(tmp_path))
    w = world
    tid, _ = _task_for(w, user("dstaff"), w.street)
    client.cookies.clear()
    h = api_token(w.users["staff"])
    url = f"{api(w.street)}/tasks/{tid}/attachments"
    r = client.post(url, headers=h, files={"file": ("说明.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["filename"], body["content_type"], body["size"], body["task_id"]) == ("说明.pdf", "application/pdf",
                                                                                       len(PDF), tid)
    r = client.post(url, headers=h, files={"file": ("x.docx", b"not a zip", "application/octet-stream")})
    assert r.status_code == 422 and "不符" in r.json()["extra"]["errors"]["file"]
    r = client.get(url, headers=h)
    assert r.status_code == 200 and [a["filename"] for a in r.json()] == ["说明.pdf"]
    assert client.get(f"{url}/{body['id']}", headers=h).content == PDF
    hv = api_token(w.users["viewer"])
    assert client.post(url, headers=hv, files={"file": ("a.pdf", PDF, "application/pdf")}).status_code == 403
    ho = api_token(w.users["osstaff"])
    assert client.get(f"{api(w.other_street)}/tasks/{tid}/attachments", headers=ho).status_code == 404
    assert client.get(f"{api(w.other_street)}/tasks/{tid}/attachments/{body['id']}", headers=ho).status_code == 404
