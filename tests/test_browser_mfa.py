"""In headless Chromium: an admin enrols an authenticator at first sign-in, then signs in with a
code. The app runs in this process with a clock the test holds, so the codes typed are computed
for the app's time; time moves by ``advance``, nothing sleeps."""

import pyotp
import pytest

from core.config import get_settings
from core.permissions import build_catalog
from core.plugins import registry
from core.services.users import create_user, grant_role
from core.tenancy import operator_session
from core.web.app import create_app
from tests.browser import app_server, browser_page
from tests.helpers import ManualClock, tenant_id, unique

pytestmark = pytest.mark.browser


def _admin() -> str:
    with operator_session("test") as s:
        user = create_user(s, unique("bmfa"), "demo1234", "双因素管理员", seeded=True)
        grant_role(s, user, "tenant_admin", tenant_id("dongfanghong"), build_catalog(registry().pm).roles)
        return user.username


def test_totp_enrolment_and_sign_in(database, tmp_path):
    username = _admin()
    clock = ManualClock()
    settings = get_settings().model_copy(update={"mfa_required_roles": ["platform_admin", "tenant_admin"]})
    app = create_app(settings, clock=clock)

    with app_server(app) as base, browser_page() as page:
        def password_step():
            page.goto(base + "/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo1234")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/login/mfa")

        password_step()
        assert page.is_visible("text=绑定身份验证器")
        width = page.eval_on_selector("img.qr", "img => img.complete && img.naturalWidth")
        assert width > 100  # the QR code the app drew itself loaded (CSP allows it, no remote host)
        secret = page.inner_text("[data-totp-secret]").strip()
        page.fill("input[name=code]", pyotp.TOTP(secret).at(clock.now))
        page.click("button[type=submit]")
        page.wait_for_selector("[data-recovery-codes]")
        assert page.locator("[data-recovery-codes] li").count() == 10
        page.screenshot(path=str(tmp_path / "recovery-codes.png"))
        page.click("text=我已保存，继续")
        page.wait_for_url(base + "/t/dongfanghong/")  # the only tenant: no chooser

        page.click("button:has-text('退出')")
        page.wait_for_url(base + "/login")
        clock.advance(45)  # the next time step: a new code
        password_step()
        assert page.is_visible("text=双因素验证")
        page.fill("input[name=code]", pyotp.TOTP(secret).at(clock.now))
        page.click("button[type=submit]")
        page.wait_for_url(base + "/t/dongfanghong/")
        page.click("text=安全设置")
        page.wait_for_selector("text=已开启")
        assert page.is_visible("text=您的角色要求双因素登录，不能关闭。")
