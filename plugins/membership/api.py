"""The membership building block's public API for other plugins (programs): what is due, the
transfer inbox, dues arrears and ledgers, points totals and rule sets.

Plain functions over a SQLAlchemy session scoped to one tenant; writes flush and leave the commit
to the caller, and raise :class:`core.forms.FormErrors` (field → Chinese message) before
anything is written. ``scope`` is a :class:`Scope` — ``Scope(None)`` for every member of the
tenant, :meth:`Scope.of` for the signed-in user (an org secretary: their own members).

Example (a program's dashboard card)::

    from plugins.membership import api as membership

    summary = membership.due_summary(session, tenant, registry().settings(tenant.id, "membership"))
    flagged = membership.arrears(session, membership.Scope(None), today, 6, flagged_only=True)
"""

from __future__ import annotations

from plugins.membership.due import due_summary
from plugins.membership.dues import (
    arrears,
    compute,
    ledger,
    rate_table,
    record_remittance,
    refund,
    refunds_by_party_org,
    remittance_select,
    remitted_by_party_org,
)
from plugins.membership.mobile import not_heard_from
from plugins.membership.models import DuesRemittance
from plugins.membership.points import chosen_rule_set, fill_round, rule_sets, totals
from plugins.membership.scope import Scope
from plugins.membership.transfers import KINDS, STATES, expiring, inbox_count, kind_for
from plugins.membership.types import MEMBER_CLASSES, PointsRule, PointsRuleSet

__all__ = [
    "KINDS", "MEMBER_CLASSES", "STATES", "PointsRule", "PointsRuleSet", "Scope", "arrears", "chosen_rule_set",
    "compute", "due_summary", "expiring", "fill_round", "inbox_count", "kind_for", "ledger", "not_heard_from",
    "DuesRemittance", "rate_table", "record_remittance", "refund", "refunds_by_party_org", "remittance_select",
    "remitted_by_party_org", "rule_sets", "totals",
]
