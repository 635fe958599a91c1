"""Login, sessions, CSRF, rate limiting and the tenant switcher."""

from tests.helpers import csrf, login, post_form, text_of


def test_login_renews_session_and_lists_only_own_tenants(client):
    client.cookies.set("ld_session", "attacker-chosen-id", domain="testserver.local")
    client.get("/login")  # the login form's token is bound to the session cookie the browser sends
    login(client, "dfh_staff")
    assert client.cookies.get("ld_session") != "attacker-chosen-id"
    page = client.get("/tenants")
    assert page.status_code == 200
    assert "东方红街道" in page.text
    assert "望月湖街道" not in page.text and "金华市" not in page.text


def test_district_admin_sees_its_streets_not_siblings(client):
    login(client, "yuelu_admin")
    page = client.get("/tenants").text
    assert "岳麓区" in page and "东方红街道" in page and "望月湖街道" in page
    assert "南湖新区" not in page and "金华市" not in page
    assert client.get("/t/nanhu/").status_code == 404


def test_wrong_password_is_generic_and_in_chinese(client):
    r = client.post("/login", data={"username": "dfh_staff", "password": "nope", "_csrf_token": csrf(client)})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    r = client.post("/login", data={"username": "nobody", "password": "nope", "_csrf_token": csrf(client)})
    assert "用户名或密码错误" in r.text


def test_login_without_csrf_token_is_refused(client):
    client.get("/login")
    r = client.post("/login", data={"username": "dfh_staff", "password": "demo1234"})
    assert r.status_code == 403
    assert "表单已过期" in r.text


def test_rate_limit_per_account(client):
    for _ in range(5):
        client.post("/login", data={"username": "jinhua_admin", "password": "wrong", "_csrf_token": csrf(client)})
    r = client.post("/login", data={"username": "jinhua_admin", "password": "demo1234", "_csrf_token": csrf(client)})
    assert r.status_code == 429
    assert "登录失败次数过多" in r.text


def test_pages_need_login_and_logout_ends_session(client):
    r = client.get("/t/dongfanghong/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(client, "dfh_staff")
    assert client.get("/t/dongfanghong/").status_code == 200
    post_form(client, "/logout", follow_redirects=False)
    r = client.get("/t/dongfanghong/", follow_redirects=False)
    assert r.status_code == 303


def test_session_cookie_flags(client):
    r = client.post("/login", data={"username": "dfh_staff", "password": "demo1234", "_csrf_token": csrf(client)},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_security_headers_and_no_stack_traces(client):
    r = client.get("/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    r = client.get("/t/unknown-street/", follow_redirects=False)
    assert r.status_code == 303  # not logged in: nothing about tenants is revealed
    login(client, "dfh_staff")
    r = client.get("/t/unknown-street/")
    assert r.status_code == 404 and "页面不存在" in text_of(r.text) and "Traceback" not in r.text


def test_english_catalogue_by_choice(client):
    assert "登录" in client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "登录" in client.get("/login").text
    login(client, "dfh_staff")
    post_form(client, "/locale", {"locale": "en"})
    assert "Dashboard" in client.get("/t/dongfanghong/").text
    post_form(client, "/locale", {"locale": "zh_CN"})
    assert "工作台" in client.get("/t/dongfanghong/").text


def _redirect_after_login(client, username: str, nxt: str = "") -> str:
    r = client.post("/login", data={"username": username, "password": "demo1234", "next": nxt,
                                    "_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"]


def test_a_user_with_one_tenant_skips_the_chooser(client):
    assert _redirect_after_login(client, "dfh_staff") == "/t/dongfanghong/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/t/dongfanghong/"
    assert "东方红街道" in client.get("/tenants").text  # the chooser is still there when asked for


def test_the_page_asked_for_wins_over_the_only_tenant(client):
    assert _redirect_after_login(client, "dfh_staff", "/t/dongfanghong/organizations?page=2") \
        == "/t/dongfanghong/organizations?page=2"


def test_a_user_with_several_tenants_chooses(client):
    from core.permissions import build_catalog
    from core.plugins import registry
    from core.services.users import create_user, grant_role
    from core.tenancy import operator_session
    from tests.helpers import tenant_id, unique

    with operator_session("test") as s:
        user = create_user(s, unique("two"), "demo1234", "两个街道的专干", seeded=True)
        roles = build_catalog(registry().pm).roles
        grant_role(s, user, "staff", tenant_id("dongfanghong"), roles)
        grant_role(s, user, "staff", tenant_id("wangyuehu"), roles)
        username = user.username
    assert _redirect_after_login(client, username) == "/tenants"
    page = client.get("/tenants").text
    assert "东方红街道" in page and "望月湖街道" in page
    # the platform admin reaches every tenant: the chooser too
    client.post("/logout", data={"_csrf_token": csrf(client)})
    assert _redirect_after_login(client, "admin") == "/tenants"
