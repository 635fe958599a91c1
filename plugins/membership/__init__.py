"""Building-block plugin `membership` (党员管理): relation transfers (组织关系转接) between party
orgs, tenants of the instance and places outside it, mobile members (流动党员), dues (党费) and
points ledgers (积分).

Why a building-block plugin and not the core registry: the records are needed by several
programs (东方红's dues refund, 长沙 classified points, 金华 12-point scheme) but not by every
tenant; as a plugin they carry their own migration branch, typed tenant settings (letter
validity, dues shares, the points rule set) and a hook through which programs register points
rule sets. Program plugins that use it declare it in ``depends``. See ``README.md``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.membership import (
    hookspecs,  # noqa: F401  (plugin-defined hooks, added by the registry)
)


class Settings(BaseModel):
    letter_valid_months: int = Field(3, title="介绍信有效期（月）", ge=1, le=12)
    letter_warn_days: int = Field(15, title="介绍信到期前提醒（天）", ge=1, le=90)
    mobile_check_days: int = Field(90, title="流动党员排查周期（天）：超过未联系即列入未联系名单", ge=7, le=366)
    arrears_flag_months: int = Field(6, title="连续未交党费标记（月）", ge=1, le=24)
    retained_percent: int = Field(50, title="党组织留存党费比例（%），其余上缴", ge=0, le=100)
    refund_min_percent: int = Field(10, title="留存党费用于两新党建的最低比例（%）", ge=0, le=100)
    points_rule_set: str = Field("membership.jinhua_12", title="积分规则（membership.jinhua_12 金华12分制 / "
                                 "membership.changsha_classified 长沙分类积分）", min_length=1, max_length=64)
    star_grades: str = Field("", title="星级分档（如 五星:12,四星:10,三星:8,二星:6,一星:0；留空用积分规则自带分档）",
                             max_length=200)

    @field_validator("star_grades")
    @classmethod
    def _grades(cls, value: str) -> str:
        from plugins.membership.points import parse_grades

        parse_grades(value)  # raises ValueError with a Chinese message
        return value.strip()


meta = PluginMeta(
    name="membership",
    label="党员管理（组织关系转接、党费、积分）",
    version="0.1.0",
    description="组织关系转接与介绍信、流动党员排查、党费收缴台账、党员积分与星级评定。",
    depends=(),  # funds (dues refunds) and assessment (grades) are used when the tenant enabled them
    settings=Settings,
)

PERMISSIONS = [
    Permission("membership:read", "查看组织关系转接、党费和积分"),
    Permission("membership:transfer", "办理组织关系转接、流动党员排查"),
    Permission("membership:dues", "登记党费"),
    Permission("membership:points", "记录党员积分"),
]
ALL = tuple(p.name for p in PERMISSIONS)
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("instructor", permissions=("membership:read",)),
    # limited to the members of their own organizations (see plugins.membership.scope)
    Role("org_secretary", permissions=("membership:read", "membership:dues", "membership:points")),
    Role("viewer", permissions=("membership:read",)),
]


@hookimpl
def register_detail_panels(session, tenant, viewer, subject_kind, subject_id):
    """On the core member page: this member's relation transfers and "发起转接" to the transfer
    form (not once the member is 已转出)."""
    if subject_kind != "member":
        return []
    from plugins.membership.widgets import member_panel

    return member_panel(session, tenant, subject_id, may_transfer=viewer.can("membership:transfer"))


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("组织关系转接", "membership/transfers", permission="membership:read", order=25, section="registry"),
        NavItem("流动党员", "membership/mobile", permission="membership:read", order=26, section="registry"),
        NavItem("党费", "membership/dues", permission="membership:read", order=27, section="registry"),
        NavItem("党员积分", "membership/points", permission="membership:read", order=28, section="registry"),
    ]


@hookimpl
def register_dashboard_widgets(session, tenant, settings, viewer):
    from plugins.membership.due import due_summary
    from plugins.membership.scope import Scope

    if not viewer.can("membership:read"):
        return []  # nothing counted for a card the user may not see
    scope = Scope.of(session, viewer.user.id, viewer.perms)  # an org secretary: their own members
    return [Widget("党员管理待办", "membership:DueWidget", due_summary(session, tenant, settings, scope),
                   permission="membership:read", order=40,
                   scope=viewer.scope().own_label if scope.limited else "")]


@hookimpl
def register_points_rule_sets(tenant):
    from plugins.membership.rulesets import CHANGSHA_CLASSIFIED, JINHUA_12

    return [JINHUA_12, CHANGSHA_CLASSIFIED]


@hookimpl
def register_assessment_templates(tenant):
    """The member-target round the yearly points grade is fed into (see points.fill_round)."""
    from core.plugins import registry
    from plugins.membership.points import assessment_template, chosen_rule_set

    settings = registry().settings(tenant.id, "membership")
    rs = chosen_rule_set(tenant, settings)
    return [assessment_template(rs, settings)] if rs is not None else []


@hookimpl
def register_reminders(session, tenant, settings, today):
    """Issue 11's reminders: introduction letters running out or expired, transfers waiting in
    the inbox, mobile members not heard from and members in arrears (these two once a month)."""
    from sqlalchemy import select

    from core.notify.types import Reminder
    from plugins.membership import dues, mobile, transfers
    from plugins.membership.models import Transfer
    from plugins.membership.scope import Scope

    scope = Scope(None)
    out = []
    for t in transfers.expiring(session, today, settings.letter_warn_days, scope):
        late = t.letter_expires_on < today
        out.append(Reminder(
            key=f"membership.letter:{t.id}:{'expired' if late else 'soon'}",
            title=f"{t.member_name}的组织关系介绍信{'已过期' if late else '即将到期'}",
            body=f"转往{t.to_party_org_name or '外单位'}，有效期至 {t.letter_expires_on:%Y-%m-%d}",
            link=f"membership/transfers/{t.id}", due=t.letter_expires_on, overdue=late,
            permission="membership:transfer"))
    waiting = session.scalars(select(Transfer).where(Transfer.side == "in", Transfer.state == "issued")
                              .order_by(Transfer.id))
    for t in waiting:
        out.append(Reminder(
            key=f"membership.inbox:{t.id}", title=f"{t.member_name}的组织关系转入待接收",
            body=f"来自{t.from_party_org_name or '外单位'}", link=f"membership/transfers/{t.id}",
            permission="membership:transfer"))
    month = today.strftime("%Y-%m")
    not_heard = len(mobile.not_heard_from(session, scope, settings.mobile_check_days, today))
    if not_heard:
        out.append(Reminder(key=f"membership.not_heard:{month}", title=f"{not_heard} 名流动党员超过联系期限未联系",
                            link="membership/mobile", permission="membership:transfer"))
    arrears = len(dues.arrears(session, scope, today, settings.arrears_flag_months, flagged_only=True))
    if arrears:
        out.append(Reminder(key=f"membership.arrears:{month}", title=f"{arrears} 名党员欠缴党费",
                            link="membership/dues/arrears", permission="membership:dues"))
    return out


@hookimpl
def register_import_kinds(tenant):
    """A month of dues payments, through the registry's import pages (all or nothing)."""
    from plugins.membership.imports import dues_kind

    return [dues_kind()]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.membership.demo import make_demo

    make_demo(session, tenant)
