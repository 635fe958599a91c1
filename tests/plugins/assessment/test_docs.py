"""The assessment engine's hooks are documented in docs/plugins.md, and the example there is valid."""

import pytest

from core.tenancy import tree
from plugins.assessment import hookspecs
from plugins.assessment.types import AssessmentTemplate
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_template_example_is_valid(database):
    templates = example_result("register_assessment_templates", tenant=tree().by_slug["dongfanghong"])
    assert all(isinstance(t, AssessmentTemplate) for t in templates)
    assert [t.target_kind for t in templates] == ["cluster", "party_org"]
