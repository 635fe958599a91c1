"""The rules of the lists engine (清单工作法), one module per concern — this module gathers
their names for the engine's own pages, API and demo data (programs use :mod:`plugins.lists.api`).

Every rule takes the session (scoped to the tenant, or to a district's subtree for escalations),
an :class:`~plugins.lists.access.Access` describing the principal, the tenant's
:class:`~plugins.lists.types.EffectiveScheme` where vocabularies matter, and ``today`` (injected:
the rules never read the clock themselves). Invalid input raises :class:`~core.forms.FormErrors`
(field → Chinese message) before anything is written; an illegal state change raises it with the
key ``"status"``; a missing right raises ``PermissionDeniedException`` (403) and an invisible row
``NotFoundException`` (404).

* :mod:`~plugins.lists.schemes` — schemes and the transition event
* :mod:`~plugins.lists.states` — statuses and state machines
* :mod:`~plugins.lists.access` — rights and visibility
* :mod:`~plugins.lists.inputs` — input checks, phone numbers
* :mod:`~plugins.lists.stations`, :mod:`~plugins.lists.demands`, :mod:`~plugins.lists.escalation`,
  :mod:`~plugins.lists.resources` — the writes
* :mod:`~plugins.lists.queries`, :mod:`~plugins.lists.counters`,
  :mod:`~plugins.lists.exports` — the reads (how rows read in histories: :mod:`~plugins.lists.history`)
"""

from __future__ import annotations

from core.forms import text  # noqa: F401  (the pages read their input through this module)
from plugins.lists.access import (  # noqa: F401
    Access,
    get_demand,
    get_resource,
    get_station,
    get_work,
    is_requester,
)
from plugins.lists.counters import Counters, Row, TenantRow, counters, rollup  # noqa: F401
from plugins.lists.demands import (  # noqa: F401
    accept,
    add_comment,
    can_comment,
    can_edit,
    can_rate,
    clean_demand,
    organization_options,
    rate,
    reject,
    resolve,
    set_triage,
    start,
    submit_demand,
    update_demand,
)
from plugins.lists.escalation import (  # noqa: F401
    answer_escalation,
    escalate,
    escalation_select,
    forward_escalation,
    get_escalation,
)
from plugins.lists.exports import (  # noqa: F401
    DEMAND_HEADERS,
    RESOURCE_HEADERS,
    WORK_HEADERS,
    DemandDetail,
    demand_detail,
    demand_history,
    demand_rows,
    resource_rows,
    work_rows,
)
from plugins.lists.inputs import (  # noqa: F401
    LANDLINE_RE,
    Checker,
    clean_phone,
    id_list,
    masked_phone,
    phone_of,
    set_phone,
    triage_field,
)
from plugins.lists.queries import (  # noqa: F401
    DUE_SOON_DAYS,
    DemandFilter,
    Filter,
    ResourceFilter,
    WorkFilter,
    cluster_org_ids,
    clusters,
    demand_select,
    demands_by_id,
    list_demands,
    list_resources,
    list_works,
    overdue_days,
    own_open_demands,
    resource_select,
    resources_of_works,
    sla_state,
    user_names,
    work_overdue,
    work_select,
    works_of,
    works_of_resource,
)
from plugins.lists.resources import (  # noqa: F401
    attachments_of,
    available_resources,
    can_attach,
    can_complete,
    can_edit_resource,
    cancel_work,
    claim,
    clean_resource,
    complete_work,
    confirm_claim,
    create_resource,
    match,
    record_solved,
    resource_problem,
    set_resource_status,
    update_resource,
    used_capacity,
)
from plugins.lists.schemes import PLUGIN, fire, scheme_for, schemes_for  # noqa: F401
from plugins.lists.states import (  # noqa: F401
    ACTION_STATES,
    CHANNELS,
    CLAIM_SIDES,
    ESCALATION_STATUSES,
    OPEN_STATUSES,
    RESOURCE_STATUSES,
    SLA_STATES,
    SOLVED_STATUSES,
    STATION_LEVELS,
    STATUSES,
    TRANSITIONS,
    WORK_ACTIVE,
    WORK_STATUSES,
    WORK_TRANSITIONS,
    Transition,
    allowed_actions,
    check_action,
    check_transition,
    refuse_state,
)
from plugins.lists.stations import (  # noqa: F401
    STATION_KIND,
    STATION_ORDER,
    clean_station,
    create_station,
    set_station_active,
    station_kind,
    station_select,
    stations,
)
