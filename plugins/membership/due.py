"""What is due (待办) in the membership area, as queries: letters running out, transfers waiting
in the inbox, mobile members not heard from, members in arrears. The dashboard widget and the
待办 page show these lists; ``register_reminders`` (the package's ``__init__``) turns them into
notifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import clock
from core.tenancy import TenantInfo
from plugins.membership import dues, mobile, transfers
from plugins.membership.scope import Scope


def due_summary(session: Session, tenant: TenantInfo, settings: Any, scope: Scope | None = None) -> dict[str, Any]:
    scope = scope or Scope(None)
    on = clock.today()
    letters = transfers.expiring(session, on, settings.letter_warn_days, scope)
    out = {
        "letters": len(letters),
        "expired": sum(1 for t in letters if t.letter_expires_on < on),
        "inbox": None if scope.limited else transfers.inbox_count(session),  # the tenant's inbox: staff's
        "not_heard": len(mobile.not_heard_from(session, scope, settings.mobile_check_days, on)),
        "arrears": len(dues.arrears(session, scope, on, settings.arrears_flag_months, flagged_only=True)),
        "href": f"/t/{tenant.slug}/membership/due",
    }
    return out
