"""The activities engine's hooks are documented in docs/plugins.md, and the example there is valid."""

import pytest

from core.tenancy import tree
from plugins.activities import hookspecs
from plugins.activities.types import ActivityType
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_type_example_is_valid(database):
    types = example_result("register_activity_types", tenant=tree().by_slug["dongfanghong"])
    assert all(isinstance(t, ActivityType) for t in types)
    assert [t.cadence.period if t.cadence else None for t in types] == ["month", "quarter", None]
