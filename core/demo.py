"""Idempotent demo load: tenants from ``tenants/*.toml``, a user per role, plugin demo data."""

from __future__ import annotations

from sqlalchemy import select

from core import revisions
from core.config import get_settings
from core.db import scoped_session
from core.models import User
from core.permissions import PLATFORM, build_catalog, sync_role_permissions
from core.plugins import registry
from core.services.users import create_user, grant_role
from core.tenancy import operator_session, tree
from core.tenants_sync import load_specs, sync

#: seeded, not validated (the password policy asks for 10 characters; README logins stay short)
DEMO_PASSWORD = "demo1234"

#: username, display name, role, tenant slug ("*" = platform-wide)
DEMO_USERS = [
    # people's names (pages show them, not the account); the README's table says who is who
    ("admin", "平台管理员", "platform_admin", PLATFORM),
    ("changsha_admin", "周建平", "tenant_admin", "changsha"),
    ("yuelu_admin", "刘慧敏", "tenant_admin", "yuelu"),
    ("yuelu_viewer", "谭志刚", "viewer", "yuelu"),
    ("dfh_admin", "彭丽娟", "tenant_admin", "dongfanghong"),
    ("dfh_staff", "李晓红", "staff", "dongfanghong"),
    ("dfh_staff2", "王建军", "staff", "dongfanghong"),
    ("dfh_staff3", "陈思雨", "staff", "dongfanghong"),
    ("dfh_instructor", "黄国强", "instructor", "dongfanghong"),
    ("dfh_secretary", "萧柳", "org_secretary", "dongfanghong"),
    ("wyh_staff", "杨芳", "staff", "wangyuehu"),
    ("changsha_staff", "邓卫东", "staff", "changsha"),
    ("dwt_staff", "罗美玲", "staff", "dingwangtai"),
    ("nanhu_admin", "胡文斌", "tenant_admin", "nanhu"),
    ("jinhua_admin", "吴晓东", "tenant_admin", "jinhua"),
    ("wucheng_staff", "陈立新", "staff", "wucheng"),
    ("jh_liaison", "王美华", "jinhua_liaison", "wucheng"),
    ("chengdong_staff", "郑晓燕", "staff", "chengdong"),
]


#: what each demo role does, shown with the name
DEMO_POSITIONS = {"tenant_admin": "管理员", "viewer": "分管领导", "staff": "专干", "instructor": "党建指导员",
                  "org_secretary": "党支部书记", "jinhua_liaison": "联盟联络员"}


def load_demo(echo=print) -> None:
    reg = registry()
    with operator_session("demo") as s:
        sync_role_permissions(s, build_catalog(reg.pm))
        for line in sync(s, load_specs(get_settings().tenants_dir)):
            echo(line)
    revisions.poll(force=True)
    t = tree()
    roles = build_catalog(reg.pm).roles
    with operator_session("demo") as s:
        for username, name, role, slug in DEMO_USERS:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(s, username, DEMO_PASSWORD, name, seeded=True, position=DEMO_POSITIONS.get(role, ""))
                echo(f"created user {username}")
            target = PLATFORM if slug == PLATFORM else t.by_slug[slug].id
            grant_role(s, user, role, target, roles)
    for tenant in t.by_id.values():
        load_tenant_demo(tenant)


def load_tenant_demo(tenant) -> None:
    """The demo rows of the plugins ``tenant`` enabled, plugin by plugin with each one's
    dependencies first (the registry, then engines, then the programs built on them), so a
    program's demo finds the engine's rows and cannot pre-empt them."""
    with scoped_session(tenant.id) as s:
        s.info["username"] = "demo"
        registry().each_for(tenant.id, "register_demo_data", session=s, tenant=tenant)
