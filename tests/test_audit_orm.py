"""The audit trail catches every ORM delete: explicit, cascaded, and delete-orphan (CORE-10).

``session.deleted`` (what ``before_flush`` sees) holds only the rows a service deleted itself
or through a ``delete`` cascade of one it deleted; a row removed from a
``cascade="all, delete-orphan"`` collection is deleted by the flush and must be audited too.
The activities plugin's ``Activity.speakers`` is such a collection.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import events  # noqa: F401  (after-commit cache invalidation, as in the app)
from core.db import open_session, scoped_session
from core.models import AuditEntry
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import operator_session, tree
from plugins.activities.models import Activity, ActivitySpeaker
from tests.helpers import unique

NOW = dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def street(database) -> int:
    slug = unique("aud-")
    with operator_session("test") as s:
        create_tenant(s, TenantForm(slug=slug, name="审计测试街道", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    return tree().by_slug[slug].id


def _activity(tenant_id: int, *speakers: str) -> tuple[int, list[int]]:
    with scoped_session(tenant_id) as s:
        s.info["username"] = "auditor"
        a = Activity(activity_type="meeting", title=unique("审计活动"), organizer_kind="tenant",
                     starts_at=NOW, ends_at=NOW + dt.timedelta(hours=1),
                     speakers=[ActivitySpeaker(name=n, position=i) for i, n in enumerate(speakers)])
        s.add(a)
        s.flush()
        return a.id, [sp.id for sp in a.speakers]


def _mark(tenant_id: int) -> int:
    """The tenant's newest audit entry id: ids of deleted rows may be reused (SQLite), entry ids
    are not (the audit log is under row-level security: read it as the tenant)."""
    with open_session(tenant_id) as s:
        return s.scalar(select(func.max(AuditEntry.id))) or 0


def _entries(tenant_id: int, action: str, entity_id: int | None = None, since: int = 0) -> list[AuditEntry]:
    with open_session(tenant_id) as s:
        q = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.tenant_id == tenant_id,
                                     AuditEntry.id > since)
        if entity_id is not None:
            q = q.where(AuditEntry.entity_id == str(entity_id))
        return list(s.scalars(q.order_by(AuditEntry.id)))


def test_delete_orphan_is_audited_with_before_values(street):
    activity_id, (keep_id, drop_id) = _activity(street, "留下的主讲人", "被移除的主讲人")
    since = _mark(street)
    with scoped_session(street) as s:
        s.info["username"] = "auditor"
        a = s.get(Activity, activity_id)
        a.speakers = [sp for sp in a.speakers if sp.id != drop_id]  # the flush deletes the orphan
    with open_session(street) as s:
        assert s.get(ActivitySpeaker, drop_id) is None and s.get(ActivitySpeaker, keep_id) is not None
    [entry] = _entries(street, "activities_speakers.delete", drop_id, since)
    assert entry.username == "auditor" and entry.entity == "activities_speakers"
    assert entry.before["name"] == "被移除的主讲人" and entry.before["activity_id"] == activity_id
    assert entry.summary == "被移除的主讲人" and entry.after is None
    assert _entries(street, "activities_speakers.delete", keep_id, since) == []


def test_orphan_removed_from_a_collection_by_remove_is_audited(street):
    activity_id, (first, second) = _activity(street, "甲", "乙")
    since = _mark(street)
    with scoped_session(street) as s:
        a = s.get(Activity, activity_id)
        a.speakers.remove(next(sp for sp in a.speakers if sp.id == first))
    [entry] = _entries(street, "activities_speakers.delete", since=since)
    assert entry.entity_id == str(first) and entry.before["name"] == "甲"


def test_cascaded_delete_is_audited_once_per_row(street):
    activity_id, speaker_ids = _activity(street, "丙", "丁")
    since = _mark(street)
    with scoped_session(street) as s:
        s.info["username"] = "auditor"
        s.delete(s.get(Activity, activity_id))
    [parent] = _entries(street, "activities_activities.delete", activity_id, since)
    assert parent.before["title"].startswith("审计活动") and parent.summary == parent.before["title"]
    deleted = _entries(street, "activities_speakers.delete", since=since)
    assert sorted(int(e.entity_id) for e in deleted) == sorted(speaker_ids)  # each once


def test_failed_flush_leaves_no_stale_entries(street):
    activity_id, _ = _activity(street)
    since = _mark(street)
    with open_session(street, user_id=None) as s:
        s.info["username"] = "auditor"
        a = s.get(Activity, activity_id)
        a.speakers.append(ActivitySpeaker(name=None))  # NOT NULL: the flush fails
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
        a = s.get(Activity, activity_id)
        a.title = "改名后的活动"
        s.commit()
    [update] = _entries(street, "activities_activities.update", activity_id, since)
    assert update.after["title"] == "改名后的活动"
    # nothing about the speaker that was never written
    assert _entries(street, "activities_speakers.create", since=since) == []
