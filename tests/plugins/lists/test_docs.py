"""The lists engine's hooks are documented in docs/plugins.md, and the example there is valid."""

import pytest

from core.tenancy import tree
from plugins.lists import hookspecs
from plugins.lists.types import EffectiveScheme, ListScheme
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_scheme_example_configures_the_engine(database):
    schemes = example_result("register_list_schemes", tenant=tree().by_slug["dongfanghong"])
    assert all(isinstance(s, ListScheme) for s in schemes)
    eff = EffectiveScheme.of(schemes)
    assert [w.label for w in eff.work_lists] == ["服务清单", "项目清单"] and eff.sla_days("urgent") == 3
