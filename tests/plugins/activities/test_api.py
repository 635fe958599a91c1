"""The activities engine's public writes (``plugins.activities.api``): documented fields in,
Chinese errors keyed by those fields out, nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.exceptions import PermissionDeniedException
from sqlalchemy import func, select

from core.db import scoped_session
from core.forms import FormErrors
from plugins.activities import api as activities

NOW = dt.datetime(2026, 7, 10, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in Shanghai


def test_create_and_transition_through_the_api(world):
    with scoped_session(world.street.id) as s:
        a = activities.create_activity(s, activities.system_access(), world.street, {
            "activity_type": "theme_day", "organizer": f"party_org:{world.po['a']}", "title": "七月主题党日",
            "date": "2026-07-20", "start_time": "09:00", "end_time": "11:00"}, NOW)
        assert a.status == "scheduled" and a.activity_type == "theme_day"
        activities.transition(s, activities.system_access(), a, "cancel", NOW, reason="台风停课")
        assert a.status == "cancelled" and a.cancel_reason == "台风停课"
        s.rollback()


def test_bad_fields_are_refused_by_their_public_names(world):
    with scoped_session(world.street.id) as s:
        before = s.scalar(select(func.count()).select_from(activities.Activity))
        with pytest.raises(FormErrors) as exc:
            activities.create_activity(s, activities.system_access(), world.street, {
                "activity_type": "nope", "organizer": "", "title": "", "date": "2026-13-01"}, NOW)
        errors = exc.value.errors
        assert {"activity_type", "organizer", "title", "date"} <= set(errors)
        assert errors["activity_type"] == "活动类型无效" and errors["title"] == "请填写活动主题"
        s.flush()
        assert s.scalar(select(func.count()).select_from(activities.Activity)) == before
        s.rollback()


def test_a_refused_step_is_keyed_status_and_rights_are_checked(world):
    with scoped_session(world.street.id) as s:
        a = activities.create_activity(s, activities.system_access(), world.street, {
            "activity_type": "theme_day", "organizer": f"party_org:{world.po['a']}", "title": "未来的活动",
            "date": "2026-08-01", "start_time": "09:00", "end_time": "10:00"}, NOW)
        with pytest.raises(FormErrors) as exc:
            activities.transition(s, activities.system_access(), a, "hold", NOW)
        assert set(exc.value.errors) == {"status"}
        with pytest.raises(PermissionDeniedException):
            activities.create_activity(s, activities.Access(world.ids["viewer"], frozenset({"activities:read"})),
                                       world.street, {"activity_type": "theme_day"}, NOW)
        s.rollback()
