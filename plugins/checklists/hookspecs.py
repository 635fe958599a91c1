"""Hooks of the checklists block (评估清单): programs register templates and subject kinds.

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``. See
``plugins/checklists/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
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
