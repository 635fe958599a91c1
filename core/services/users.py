"""Users, role assignments and API tokens."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.forms import FormErrors
from core.models import ApiToken, User
from core.permissions import PLATFORM, PLATFORM_ADMIN, grant, revoke
from core.security import hash_password, new_token, password_problem

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


def create_user(session: Session, username: str, password: str, display_name: str = "", *,
                seeded: bool = False, position: str = "") -> User:
    """A new user. ``seeded`` (demo data, test fixtures) skips the password policy, so the
    README's demo logins keep working; every password a person chooses goes through it."""
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username or ""):
        errors["username"] = "用户名须为 3–64 位字母、数字、下划线、点或连字符"
    elif session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = "该用户名已存在"
    problem = None if seeded else password_problem(password or "", username or "")
    if problem:
        errors["password"] = problem
    if len(display_name) > 100:
        errors["display_name"] = "姓名最多 100 个字符"
    position = (position or "").strip()
    if len(position) > 50:
        errors["position"] = "职务最多 50 个字符"
    if errors:
        raise FormErrors(errors)
    user = User(username=username, display_name=display_name, position=position,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change or reset a password (the policy applies)."""
    problem = password_problem(password, user.username)
    if problem:
        raise FormErrors({"password": problem})
    user.password_hash = hash_password(password)
    record(session, "users.password", tenant_id=None, entity="users", entity_id=user.id, summary=user.username)
    session.flush()


def grant_role(session: Session, user: User, role: str, tenant_id: int | str, roles: dict) -> bool:
    if role not in roles:
        raise FormErrors({"role": "角色不存在"})
    if (role == PLATFORM_ADMIN) != (tenant_id == PLATFORM):
        raise FormErrors({"role": "平台管理员只能在平台范围授予"})
    changed = grant(session, user.id, role, tenant_id)
    if changed:
        record(session, "role.grant", tenant_id=None if tenant_id == PLATFORM else int(tenant_id),
               entity="users", entity_id=user.id, summary=f"{user.username} ← {role}",
               after={"user": user.username, "role": role, "tenant_id": tenant_id})
    return changed


def revoke_role(session: Session, user: User, role: str, tenant_id: int | str) -> bool:
    changed = revoke(session, user.id, role, tenant_id)
    if changed:
        record(session, "role.revoke", tenant_id=None if tenant_id == PLATFORM else int(tenant_id),
               entity="users", entity_id=user.id, summary=f"{user.username} ✕ {role}",
               before={"user": user.username, "role": role, "tenant_id": tenant_id})
    return changed


def issue_token(session: Session, user: User, name: str = "cli") -> str:
    token, digest = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=digest, name=name))
    session.flush()
    return token
