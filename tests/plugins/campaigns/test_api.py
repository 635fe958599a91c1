"""The campaigns engine's public writes (``plugins.campaigns.api``)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.db import scoped_session
from core.forms import FormErrors
from plugins.campaigns import api as campaigns


def test_campaign_from_a_template_and_a_task_through_the_api(world, program):
    with scoped_session(world.street.id) as s:
        with pytest.raises(FormErrors) as exc:
            campaigns.create_campaign(s, world.street, {"title": "", "year": "19", "template_key": "nope"})
        assert set(exc.value.errors) == {"title", "year", "template_key"}
        c = campaigns.create_campaign(s, world.street, {"title": "接口推进计划", "year": "2026",
                                                        "template_key": "testprog.four_steps"})
        tasks = campaigns.tasks_of(s, c)
        assert [t.title for t in tasks][:2] == ["摸清两新组织底数", "召开动员大会"]
        first = tasks[0]
        with pytest.raises(FormErrors) as exc:
            campaigns.transition(s, first, "complete", {"evidence": ""}, dt.date(2026, 3, 1))
        assert set(exc.value.errors) == {"evidence"}
        campaigns.transition(s, first, "complete", {"evidence": "台账已建"}, dt.date(2026, 3, 1))
        with pytest.raises(FormErrors) as exc:
            campaigns.transition(s, first, "complete", {"evidence": "again"}, dt.date(2026, 3, 2))
        assert set(exc.value.errors) == {"status"}
        assert first.status == "done" and program[-1][2:] == ("complete", "todo", "done")
        assert [t.id for t in campaigns.overdue_tasks(s, dt.date(2026, 4, 20))] == [tasks[1].id]
        s.rollback()
