"""Local cache invalidation after commit (other workers learn through :mod:`core.revisions`)."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from core import revisions


@event.listens_for(Session, "after_commit")
def _invalidate_bumped(session: Session) -> None:
    for kind in session.info.pop("_bumped", ()):
        revisions.invalidate(kind)


@event.listens_for(Session, "after_rollback")
def _forget_bumped(session: Session) -> None:
    session.info.pop("_bumped", None)
