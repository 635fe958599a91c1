"""Saving a form: commit on success, roll back and answer 422 with field errors on failure.

Every write handler, page or API, goes through :func:`save`::

    org = save(db, lambda: svc.create_organization(db, access, raw),
               rerender=lambda errors: _form_page(ctx, db, raw, errors))
    flash(request, f"已登记「{org.name}」")
    return redirect(ctx.url(f"organizations/{org.id}"))       # POST/redirect/GET

``save`` commits what ``write`` did, or rolls all of it back (nothing half-saved) and lets the
:class:`~core.forms.FormErrors` go on to :func:`form_errors`, the one exception handler for it:

* the JSON API answers ``422`` with the one error body (``extra.errors``: field → message;
  declared for every tenant API route by :mod:`core.web.openapi`);
* a page answers ``422`` with the page ``rerender`` drew — the form again, with the messages
  next to its fields and the values the user typed (a redirect it chose stays a redirect).
  ``rerender`` runs inside ``save``, in the handler's thread and database session, after the
  rollback and before the session is closed; without one the error page lists the messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from litestar import Request, Response
from litestar.enums import MediaType
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.i18n import gettext as _
from core.web.render import get_catalog

T = TypeVar("T")

#: the detail every field-error answer carries
DETAIL = "提交的内容有误"


def save(db: Session, write: Callable[[], T],
         rerender: Callable[[dict[str, str]], Response] | None = None) -> T:
    """Run ``write`` and commit; on any error roll back and raise it again.

    On :class:`FormErrors` from a page, ``rerender(errors)`` draws the form again; the
    exception carries that page to :func:`form_errors`, which answers it with status 422.
    """
    try:
        result = write()
        db.commit()
    except FormErrors as exc:
        db.rollback()
        if rerender is not None:
            exc.page = rerender(exc.errors)
        raise
    except BaseException:
        db.rollback()
        raise
    return result


def form_errors(request: Request, exc: FormErrors) -> Response:
    """The one handler of :class:`FormErrors`: 422 with the field errors (JSON or a page)."""
    if request.url.path.startswith("/api/"):
        body = {"status_code": 422, "detail": _(DETAIL), "extra": {"errors": exc.errors}}
        return Response(content=body, status_code=422, media_type=MediaType.JSON)
    page = getattr(exc, "page", None)
    if page is None:  # nothing to draw again: the error page lists the messages
        detail = _(DETAIL) + "：" + "；".join(exc.errors.values())
        html = get_catalog().render("ErrorPage", status=422, title=_(DETAIL), detail=detail)
        page = Response(content=html, media_type=MediaType.HTML)
    if page.status_code in (None, 200):  # a redirect or another refusal the page chose stays as it is
        page.status_code = 422
    return page
