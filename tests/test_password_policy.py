"""The password policy: length, the bundled common-password list, not the username."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import scoped_session
from core.forms import FormErrors
from core.models import User
from core.security import MIN_PASSWORD_LENGTH, common_passwords, password_problem, verify_password
from core.services.users import create_user, set_password
from tests.helpers import login, post_form, tenant_id, unique


def test_bundled_list_is_the_common_one():
    words = common_passwords()
    assert len(words) > 19_000
    assert {"123456", "password", "qwertyuiop", "1qaz2wsx3edc", "woaini1314"} <= words


@pytest.mark.parametrize(("password", "message"), [
    ("short1", "密码至少 10 位"),
    ("abcdefgh1", "密码至少 10 位"),
    ("1234567890", "密码须同时包含字母和数字"),
    ("password123", "该密码过于常见"),
    ("1QAZ2WSX3EDC", "该密码过于常见"),  # case does not matter
    ("woaini1314", "该密码过于常见"),
    ("zhangsan2026", "密码不能包含用户名"),
    ("ZhangSan-ok-9", "密码不能包含用户名"),
])
def test_weak_passwords_are_refused(password, message):
    assert message in (password_problem(password, "zhangsan") or "")


def test_good_password_passes():
    assert MIN_PASSWORD_LENGTH == 10
    assert password_problem("Lianxi-2026-qiu", "zhangsan") is None


def test_create_and_reset_apply_the_policy_seeding_does_not(database):
    name = unique("pw")
    with scoped_session() as s:
        with pytest.raises(FormErrors) as err:
            create_user(s, name, f"{name}-2026x")
        assert err.value.errors == {"password": "密码不能包含用户名"}
        user = create_user(s, name, "Lianxi-2026-qiu")
        with pytest.raises(FormErrors) as err:
            set_password(s, user, "password123")
        assert "常见" in err.value.errors["password"]
        set_password(s, user, "Gengxin-2026-dong")
        seeded = create_user(s, unique("seed"), "demo1234", seeded=True)  # demo data, test fixtures
    with scoped_session() as s:
        assert verify_password(s.get(User, user.id).password_hash, "Gengxin-2026-dong")
        assert s.get(User, seeded.id) is not None


def test_admin_form_shows_the_field_error_in_chinese(client):
    login(client, "yuelu_admin")
    username = unique("u")
    r = post_form(client, "/t/yuelu/admin/users/new",
                  {"username": username, "display_name": "新专干", "password": "qwertyuiop123",
                   "role": "staff", "tenant_id": str(tenant_id("dongfanghong"))})
    assert r.status_code == 422 and "该密码过于常见" in r.text
    with scoped_session() as s:
        assert s.scalar(select(User).where(User.username == username)) is None  # nothing half-saved
