"""The funds engine's hooks are documented in docs/plugins.md, and the example there is valid."""

import pytest

from core.tenancy import tree
from plugins.funds import hookspecs
from plugins.funds.types import RewardRule
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_reward_rule_example_is_valid(database):
    (rule,) = example_result("register_reward_rules", tenant=tree().by_slug["dongfanghong"])
    assert isinstance(rule, RewardRule)
    assert (rule.amount_for(2, ""), rule.amount_for(4, "优秀"), rule.amount_for(5, "良好")) == (500_000, 200_000, 0)
