"""Building-block plugin `designations` (称号与监管黑名单): designation kinds registered by plugins,
designations with review, evidence, expiry and revocation (动态管理), and the supervision
blacklist that blocks designations.

Plugins configure it through ``register_designation_kinds`` and ``register_designation_subjects``
(:mod:`plugins.designations.hookspecs`, ``plugins/designations/README.md``) and read or write
through :mod:`plugins.designations.api`. It implements the assessment engine's
``on_round_published`` to propose designations from published results, and the core's
``register_detail_panels`` to show a subject's designations and blacklist on its page.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role
from plugins.designations import (
    hookspecs,  # noqa: F401  (plugin-defined hooks, added by the registry)
)
from plugins.designations.types import DEFAULT_REASONS, split_reasons


class Settings(BaseModel):
    blacklist_reasons: str = Field(DEFAULT_REASONS, title="监管黑名单事由（用“、”分隔，可增加）", max_length=500)
    revoke_party_orgs: bool = Field(
        True, title="组织列入黑名单时，一并撤销覆盖它的党组织的称号（联合党组织仅当其覆盖的组织全部列入时）")
    generic_kinds: bool = Field(True, title="提供通用称号类别（示范点、红色车间、党员示范岗、清廉民企等）")
    separate_review: bool = Field(True, title="申报人不得审核本人提交的申报")
    expiry_warning_days: int = Field(30, title="称号到期提醒提前天数", ge=1, le=365)

    @field_validator("blacklist_reasons")
    @classmethod
    def _reasons(cls, value: str) -> str:
        reasons = split_reasons(value)
        if not reasons:
            raise ValueError("请至少填写一项黑名单事由")
        if any(len(r) > 50 for r in reasons):
            raise ValueError("每项黑名单事由最多 50 个字符")
        return "、".join(reasons)


meta = PluginMeta(
    name="designations",
    label="称号与监管黑名单",
    version="0.1.0",
    description="示范点、红色车间、党员示范岗、清廉民企等称号的申报、审核、挂牌、到期与撤销（动态管理），以及监管黑名单。",
    settings=Settings,
)

READ, APPLY, REVIEW, BLACKLIST = ("designations:read", "designations:apply", "designations:review",
                                  "designations:blacklist")
PERMISSIONS = [
    Permission(READ, "查看称号和监管黑名单"),
    Permission(APPLY, "申报、登记称号，上传佐证材料"),
    Permission(REVIEW, "审核称号申报、确认考核提名、撤销称号"),
    Permission(BLACKLIST, "将组织列入或移出监管黑名单"),
]
ALL = tuple(p.name for p in PERMISSIONS)
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("instructor", permissions=(READ, APPLY)),
    Role("org_secretary", permissions=(READ,)),
    Role("viewer", permissions=(READ,)),
]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem("称号管理", "designations", permission=READ, order=75),
            NavItem("监管黑名单", "designations/blacklist", permission=READ, order=76)]


@hookimpl
def register_designation_kinds(tenant):
    from core.plugins import registry
    from plugins.designations.kinds import generic_kinds

    return generic_kinds() if registry().settings(tenant.id, "designations").generic_kinds else []


@hookimpl
def register_designation_subjects(tenant):
    """The ``sites`` block's places (阵地与站点), for a tenant that runs it."""
    from core.plugins import registry

    reg = registry()
    if "sites" not in reg.meta or "sites" not in reg.enabled(tenant.id):
        return []
    from plugins.designations.subjects import site_subject

    return [site_subject()]


@hookimpl
def register_reminders(session, tenant, settings, today):
    """Designations expiring soon or just expired, applications and proposals awaiting review."""
    from plugins.designations.reminders import reminders

    return reminders(session, tenant, settings, today)


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.designations.widgets import dashboard_widget

    return [dashboard_widget(session, tenant, settings)]


@hookimpl
def register_detail_panels(session, tenant, subject_kind, subject_id):
    from plugins.designations.widgets import detail_panels

    return detail_panels(session, tenant, subject_kind, subject_id)


@hookimpl
def on_round_published(session, tenant, round):
    """Propose designations (status proposed) from the round's results."""
    from core import clock
    from plugins.designations.service import propose_from_round

    propose_from_round(session, tenant, round, clock.today())


@hookimpl
def register_demo_data(session, tenant):
    from plugins.designations.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.designations.imports import designation_kind

    return [designation_kind(tenant)]
