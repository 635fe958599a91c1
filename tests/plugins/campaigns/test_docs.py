"""The campaigns engine's hooks are documented in docs/plugins.md, and the example there is valid."""

import pytest

from core.tenancy import tree
from plugins.campaigns import hookspecs
from plugins.campaigns.service import parse_deadline
from plugins.campaigns.types import CampaignTemplate
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_template_example_is_valid(database):
    (template,) = example_result("register_campaign_templates", tenant=tree().by_slug["dongfanghong"])
    assert isinstance(template, CampaignTemplate) and len(template.phases) == 4
    for phase in template.phases:
        for task in phase.tasks:
            if task.due:
                parse_deadline(task.due, 2026)  # every deadline word is understood
