"""Pages under /t/<slug>/sites and the JSON API under /api/t/<slug>/sites (thin: rules in
:mod:`plugins.sites.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.orm import Session

from core import history
from core.forms import FormErrors
from core.plugins import registry
from core.tenancy import tree
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_value, redirect, render
from plugins.sites import service as svc
from plugins.sites.files import ALLOWED, FILES
from plugins.sites.models import Site, SitePhoto

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_LIMIT = FILES.max_bytes() + 1024 * 1024
READ = {"permission": "sites:read"}
WRITE = {"permission": "sites:write"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["sites"]}
FIELDS = ("kind", "name", "grade", "address", "community", "opening_hours", "manager_name", "services",
          "opened_on", "note", "active")


class View:
    manager_kinds, active, allowed = svc.MANAGER_KINDS, svc.ACTIVE, ALLOWED


def _q(q: str = "", kind: str = "", grade: str = "", active: str = "", community: str = "") -> dict[str, str]:
    return {"q": q, "kind": kind, "grade": grade, "active": active, "community": community}


def _form_raw(data: dict[str, Any]) -> dict[str, Any]:
    """The page's fields; the one select ``manager`` = ``kind:id`` → ``manager_kind`` + ``manager_id``."""
    raw: dict[str, Any] = {k: form_value(data, k) for k in FIELDS if k in data}
    manager = form_value(data, "manager")
    mkind, _, mid = manager.partition(":")
    raw.update(manager=manager, manager_kind=mkind or ("other" if raw.get("manager_name") else ""), manager_id=mid)
    return raw


def _home(ctx: Ctx, db: Session, query: dict[str, str], page: int = 1, form: dict | None = None,
          errors: dict | None = None, code: int = 200) -> Response:
    all_kinds = svc.kinds(ctx.tenant)
    result = paginate(db, svc.site_select(**query), page)
    return render("sites:Home", status_code=code, ctx=ctx, v=View, svc=svc, result=result, query=query,
                  kinds=all_kinds, counts=svc.counts(db), form=form or {"active": "1"}, errors=errors or {},
                  managers=svc.manager_options(db, ctx.tenant) if ctx.can("sites:write") else {})


@get("/", opt=READ, **PAGE)
def home(ctx: Ctx, db: Session, q: str = "", kind: str = "", grade: str = "", active: str = "",
         community: str = "", page: int = 1) -> Response:
    return _home(ctx, db, _q(q, kind, grade, active, community), page)


@get("/export", opt=READ, **PAGE)
def home_export(ctx: Ctx, db: Session, q: str = "", kind: str = "", grade: str = "", active: str = "",
                community: str = "") -> Response:
    query = _q(q, kind, grade, active, community)
    return xlsx_export(db, "阵地与站点", svc.EXPORT_HEADERS,
                       svc.export_rows(svc.kinds(ctx.tenant), db.scalars(svc.site_select(**query))),
                       action="sites.export", entity="sites_sites", query=query)


@post("/", opt=WRITE, **PAGE)
def site_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _form_raw(data)
    site = save(db, lambda: svc.create_site(db, ctx.tenant, raw),
                rerender=lambda errors: _home(ctx, db, _q(), form=raw, errors=errors))
    flash(request, f"已登记「{site.name}」")
    return redirect(ctx.url(f"sites/{site.id}"))


def _detail(ctx: Ctx, db: Session, site_id: int, form: dict | None = None, errors: dict | None = None,
            code: int = 200) -> Response:
    site = svc.get_site(db, site_id)
    all_kinds = svc.kinds(ctx.tenant)
    if form is None:
        form = {"name": site.name, "grade": site.grade, "address": site.address, "community": site.community,
                "opening_hours": site.opening_hours, "manager_name": site.manager_name, "services": site.services,
                "opened_on": site.opened_on.isoformat() if site.opened_on else "", "note": site.note,
                "active": "1" if site.active else "0",
                "manager": f"{site.manager_kind}:{site.manager_id or ''}" if site.manager_kind in svc.REFERENCED
                else ""}
    rows = history.of(db, {"sites_sites": [site.id], "sites_photos": [p.id for p in site.photos]}, ctx.tenant.id)
    return render("sites:Detail", status_code=code, ctx=ctx, v=View, svc=svc, site=site, kinds=all_kinds,
                  kind=all_kinds.get(site.kind), form=form, errors=errors or {}, history=rows,
                  managers=svc.manager_options(db, ctx.tenant) if ctx.can("sites:write") else {},
                  checklists=registry().is_enabled(ctx.tenant.id, "checklists"))


@get("/{site_id:int}", opt=READ, **PAGE)
def site_detail(ctx: Ctx, db: Session, site_id: int) -> Response:
    return _detail(ctx, db, site_id)


@post("/{site_id:int}", opt=WRITE, **PAGE)
def site_update(ctx: Ctx, db: Session, request: Request, site_id: int, data: Form) -> Response:
    site = svc.get_site(db, site_id)
    raw = _form_raw(data)
    save(db, lambda: svc.update_site(db, ctx.tenant, site, raw),
         rerender=lambda errors: _detail(ctx, db, site_id, raw, errors))
    flash(request, f"已保存「{site.name}」")
    return redirect(ctx.url(f"sites/{site_id}"))


@post("/{site_id:int}/active", opt=WRITE, **PAGE)
def site_active(ctx: Ctx, db: Session, request: Request, site_id: int, data: Form) -> Response:
    site = svc.get_site(db, site_id)
    save(db, lambda: svc.set_active(db, site, form_value(data, "active") == "1"))
    flash(request, f"「{site.name}」已{'启用' if site.active else '停用'}")
    return redirect(ctx.url(f"sites/{site_id}"))


def _upload(db: Session, ctx: Ctx, site: Site, data: dict[str, Any]) -> SitePhoto:
    name, content = FILES.read_upload(data.get("file"))
    description = form_value(data, "description")
    return FILES.commit_new(db, lambda: svc.add_photo(db, site, name, content, description, ctx.user.id))


@post("/{site_id:int}/photos", opt=WRITE, request_max_body_size=UPLOAD_LIMIT, **PAGE)
def photo_upload(ctx: Ctx, db: Session, request: Request, site_id: int, data: Multipart) -> Response:
    site = svc.get_site(db, site_id)
    photo = save(db, lambda: _upload(db, ctx, site, data),
                 rerender=lambda errors: _detail(ctx, db, site_id, errors=errors))
    flash(request, f"已上传「{photo.filename}」")
    return redirect(ctx.url(f"sites/{site_id}"))


@get("/{site_id:int}/photos/{photo_id:int}", opt=READ, **PAGE)
def photo_download(db: Session, site_id: int, photo_id: int) -> Response:
    return file_response(svc.get_photo(svc.get_site(db, site_id), photo_id), FILES.read)


@post("/{site_id:int}/photos/{photo_id:int}/delete", opt=WRITE, **PAGE)
def photo_delete(ctx: Ctx, db: Session, request: Request, site_id: int, photo_id: int) -> Response:
    site = svc.get_site(db, site_id)
    photo = save(db, lambda: svc.delete_photo(db, site, photo_id))
    FILES.discard(photo)
    flash(request, f"已删除「{photo.filename}」")
    return redirect(ctx.url(f"sites/{site_id}"))


# --- per-kind counts over the subtree ---------------------------------------------------------


def _rollup(ctx: Ctx) -> list[tuple[Any, dict[str, dict[str, int]]]]:
    """The tenant's own counts and each child's subtree counts, on the permission-checked
    read-only roll-up session."""
    t = tree()
    children = [c for c in t.children.get(ctx.tenant.id, []) if not c.archived]
    with ctx.read_rollup_session("sites:read") as rs:
        out = [(ctx.tenant, svc.counts(rs, (ctx.tenant.id,)))]
        out += [(c, svc.counts(rs, t.descendant_ids(c.id))) for c in children]
    return out


@get("/counts", opt=READ, **PAGE)
def counts_page(ctx: Ctx) -> Response:
    rows = _rollup(ctx)
    all_kinds = svc.kinds(ctx.tenant)
    used = sorted({k for _t, c in rows for k in c}, key=lambda k: (all_kinds[k].order if k in all_kinds else 999, k))
    return render("sites:Counts", ctx=ctx, rows=rows, used=used, kinds=all_kinds)


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class KindOut:
    key: str
    label: str
    grade_label: str
    grades: dict[str, str]
    services: list[str]


@dataclass
class PhotoOut:
    id: int
    filename: str
    content_type: str
    size: int
    description: str


@dataclass
class SiteOut:
    id: int
    kind: str
    kind_label: str
    name: str
    grade: str
    address: str
    community: str
    opening_hours: str
    manager_kind: str
    manager_id: int | None
    manager_name: str
    services: list[str]
    opened_on: dt.date | None
    active: bool
    note: str
    photos: list[PhotoOut]


def _out(s: Site, all_kinds: dict) -> SiteOut:
    return SiteOut(s.id, s.kind, svc.kind_label(all_kinds, s.kind), s.name, s.grade, s.address, s.community,
                   s.opening_hours, s.manager_kind, s.manager_id, s.manager_name, s.service_list, s.opened_on, s.active,
                   s.note, [PhotoOut(p.id, p.filename, p.content_type, p.size, p.description) for p in s.photos])


@get("/kinds", opt=READ, **API)
def api_kinds(ctx: Ctx) -> list[KindOut]:
    """The kinds of place of the tenant: the block's built-ins and its plugins'."""
    return [KindOut(k.key, k.label, k.grade_label, k.grade_map, list(k.services)) for k in svc.kinds(ctx.tenant).values()]


@get("/sites", opt=READ, **API)
def api_sites(ctx: Ctx, db: Session, q: str = "", kind: str = "", grade: str = "", active: str = "",
              community: str = "") -> list[SiteOut]:
    all_kinds = svc.kinds(ctx.tenant)
    return [_out(s, all_kinds) for s in db.scalars(svc.site_select(q, kind, grade, active, community).limit(5000))]


@post("/sites", opt=WRITE, **API)
def api_site_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> SiteOut:
    """Register a site: ``kind`` and ``name`` required; ``grade`` (required for kinds with
    grades), ``address``, ``community``, ``opening_hours``, ``manager_kind`` (tenant | party_org |
    organization | other) with ``manager_id`` or ``manager_name``, ``services`` (list or lines),
    ``opened_on``, ``active``, ``note``."""
    site = save(db, lambda: svc.create_site(db, ctx.tenant, data))
    return _out(site, svc.kinds(ctx.tenant))


@get("/sites/{site_id:int}", opt=READ, **API)
def api_site(ctx: Ctx, db: Session, site_id: int) -> SiteOut:
    return _out(svc.get_site(db, site_id), svc.kinds(ctx.tenant))


@post("/sites/{site_id:int}", opt=WRITE, **API)
def api_site_update(ctx: Ctx, db: Session, site_id: int, data: dict[str, Any]) -> SiteOut:
    """Change a site (every field as on creation; the kind stays)."""
    site = svc.get_site(db, site_id)
    save(db, lambda: svc.update_site(db, ctx.tenant, site, data))
    return _out(site, svc.kinds(ctx.tenant))


@post("/sites/{site_id:int}/photos", opt=WRITE, request_max_body_size=UPLOAD_LIMIT, tags=["sites"])
async def api_photo_upload(ctx: Ctx, db: Session, request: Request, site_id: int) -> PhotoOut:
    """Upload a photo (multipart/form-data: ``file``, ``description``); the site is looked up first,
    so another tenant's id answers 404 whatever was sent."""
    site = await anyio.to_thread.run_sync(lambda: svc.get_site(db, site_id))
    try:
        form = await request.form()
    except Exception as exc:
        raise FormErrors({"file": "请以 multipart/form-data 上传文件"}) from exc
    data = {k: form.get(k) for k in form}

    def run() -> PhotoOut:
        p = _upload(db, ctx, site, data)
        return PhotoOut(p.id, p.filename, p.content_type, p.size, p.description)

    return await anyio.to_thread.run_sync(run)


@get("/sites/{site_id:int}/photos/{photo_id:int}", opt=READ, **API)
def api_photo_download(db: Session, site_id: int, photo_id: int) -> Response:
    return file_response(svc.get_photo(svc.get_site(db, site_id), photo_id), FILES.read)


@dataclass
class CountOut:
    tenant_id: int
    tenant_name: str
    kind: str
    kind_label: str
    active: int
    inactive: int
    by_grade: dict[str, int]


@get("/counts", opt=READ, **API)
def api_counts(ctx: Ctx) -> list[CountOut]:
    """Per-kind counts of the tenant itself and of each child's subtree (a district over its
    streets), read on a permission-checked roll-up session; ``by_grade`` counts sites in use."""
    all_kinds = svc.kinds(ctx.tenant)
    return [CountOut(t.id, t.name, k, svc.kind_label(all_kinds, k), c["active"], c["inactive"],
                     {g: n for g, n in c.items() if g not in ("active", "inactive")})
            for t, by_kind in _rollup(ctx) for k, c in sorted(by_kind.items())]


PAGE_ROUTES = [home, home_export, site_create, site_detail, site_update, site_active, photo_upload, photo_download,
               photo_delete, counts_page]
API_ROUTES = [api_kinds, api_sites, api_site_create, api_site, api_site_update, api_photo_upload, api_photo_download,
              api_counts]
