"""The block's hooks are documented in docs/plugins.md, and the examples there are valid."""

import pytest

from core.tenancy import tree
from plugins.designations import hookspecs
from plugins.designations.api import DesignationKind, SubjectType
from tests.plugins.lists.doccheck import check_documented, engine_hooks, example_result


@pytest.mark.parametrize("hook", engine_hooks(hookspecs))
def test_hook_is_documented(hook):
    check_documented(hook)


def test_documented_examples_are_valid(database):
    tenant = tree().by_slug["dongfanghong"]
    (kind,) = example_result("register_designation_kinds", tenant=tenant)
    assert isinstance(kind, DesignationKind) and kind.from_assessment[0].matches("三个一流", 3)
    (subject,) = example_result("register_designation_subjects", tenant=tenant)
    assert isinstance(subject, SubjectType) and subject.key == "site"
