"""The checklists block's hooks are documented in docs/plugins.md, and the example there is valid."""

import pytest

from plugins.checklists import hookspecs
from plugins.checklists.types import ChecklistTemplate
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_template_example_is_valid():
    (tpl,) = example_result("register_checklist_templates", tenant=None)
    assert isinstance(tpl, ChecklistTemplate) and all(i.evidence_required for i in tpl.items)
