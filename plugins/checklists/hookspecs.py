"""Hooks of the checklists block (评估清单): programs register templates and subject kinds.

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``. See
``plugins/checklists/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.tenancy import TenantInfo
    from plugins.checklists.models import Checklist
    from plugins.checklists.types import ChecklistTemplate, SubjectKind


@hookspec
def register_checklist_templates(tenant: TenantInfo) -> list[ChecklistTemplate]:
    """The checklist templates ``tenant``'s enabled programs offer (六专, 三项保障, 阵地验收 …).

    Called when the templates page, the "new checklist" form or the templates API of ``tenant``
    is shown and when a checklist is started from a template: its items are then **copied** into
    the checklist, so later changes of the hook never rewrite a checklist under way. Templates a
    tenant defines in the UI are added to these; keys are unique (a later duplicate is ignored).
    """


@hookspec
def register_checklist_subject_kinds(tenant: TenantInfo) -> list[SubjectKind]:
    """What a checklist of ``tenant`` may be attached to, besides the block's own kinds
    (``cluster``, ``organization``, ``party_org``): e.g. the sites block adds ``site``.

    Called whenever a checklist's subject is checked, named or offered in a form.
    """


@hookspec
def on_checklist_decided(session: Session, tenant: TenantInfo, checklist: Checklist, action: str) -> None:
    """A checklist of ``tenant`` was just decided: ``action`` is ``pass`` (验收通过), ``fail``
    (验收不通过) or ``reopen`` (重新检查); ``checklist`` is flushed with its new status, date and
    reviewer. Called inside the decision's transaction, from the page, the API and
    ``plugins.checklists.api.decide`` alike, so what a program writes here is saved with the
    decision or not at all (raise :class:`core.forms.FormErrors` to refuse it). Act only on your
    own templates (``checklist.template_key``): e.g. dongfanghong writes the party org's venue
    class when a ``dongfanghong.venue_<n>`` checklist passes.
    """
