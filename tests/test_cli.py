"""The liandong CLI."""

import textwrap

from click.testing import CliRunner
from sqlalchemy import select

from core.cli import cli
from core.db import open_session
from core.models import Tenant, TenantPlugin
from tests.helpers import unique


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_tenants_sync_is_idempotent(database, tmp_path):
    district, street = unique("cli-d-"), unique("cli-s-")
    (tmp_path / f"{district}.toml").write_text(textwrap.dedent("""
        name = "测试区"
        level = "district"
    """), encoding="utf-8")
    (tmp_path / f"{street}.toml").write_text(textwrap.dedent(f"""
        name = "测试街道"
        level = "street"
        parent = "{district}"
        [terms]
        cluster = "片区联组"
        [plugins.example]
        enabled = true
        board_title = "街道公告"
    """), encoding="utf-8")
    first = run("tenants", "sync", "--dir", str(tmp_path))
    assert first.exit_code == 0, first.output
    assert f"created tenant {district}" in first.output and f"{street}: plugin example enabled" in first.output
    second = run("tenants", "sync", "--dir", str(tmp_path))
    assert second.exit_code == 0 and "0 change(s)" in second.output
    with open_session() as s:
        t = s.scalar(select(Tenant).where(Tenant.slug == street))
        assert t.terms == {"cluster": "片区联组"}
    with open_session(t.id) as s:  # plugin rows are visible only within the tenant's scope
        row = s.scalar(select(TenantPlugin).where(TenantPlugin.tenant_id == t.id))
        assert row.enabled and row.settings["board_title"] == "街道公告"


def test_tenants_sync_rejects_bad_settings(database, tmp_path):
    (tmp_path / "bad.toml").write_text('name = "坏"\nlevel = "street"\n[plugins.example]\nmax_notices = -5\n',
                                       encoding="utf-8")
    result = CliRunner().invoke(cli, ["tenants", "sync", "--dir", str(tmp_path)])
    assert result.exit_code != 0


def test_users_create_grant_token_and_plugins_list(client, database):
    name = unique("cli")
    assert run("users", "create", name, "--password", "cli-pass-1").exit_code == 0
    weak = CliRunner().invoke(cli, ["users", "create", unique("w"), "--password", "123"])
    assert weak.exit_code != 0 and "密码至少" in weak.output
    assert "granted viewer" in run("users", "grant", name, "--tenant", "dongfanghong", "--role", "viewer").output
    assert "already granted" in run("users", "grant", name, "--tenant", "dongfanghong", "--role", "viewer").output
    token = run("users", "token", name).output.strip()
    r = client.get("/api/t/dongfanghong/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "example:read" in r.json()["permissions"]
    listing = run("plugins", "list").output
    assert "example 0.1.0" in listing and "dongfanghong" in listing


def test_db_upgrade_is_repeatable(database, monkeypatch):
    result = run("db", "upgrade")
    assert result.exit_code == 0 and "role permissions +0 -0" in result.output


def test_demo_is_idempotent(database):
    result = run("demo")
    assert result.exit_code == 0
    assert "created" not in result.output


def test_tenants_sync_enables_through_set_enabled(database, tmp_path):
    """The admin page's path: on_plugin_enabled fires, dependencies are enabled and said so,
    disabling one an enabled plugin needs is refused with the reason."""
    import types

    from core.hookspecs import hookimpl
    from core.plugins import registry

    seen = []
    observer = types.ModuleType("sync_observer")
    observer.on_plugin_enabled = hookimpl(lambda tenant, plugin: seen.append((tenant.slug, plugin)))
    street = unique("cli-dep-")
    spec = tmp_path / f"{street}.toml"
    spec.write_text('name = "依赖街道"\nlevel = "street"\nparent = "yuelu"\n[plugins.funds]\n', encoding="utf-8")
    with registry().installed(observer, "sync_observer"):
        result = run("tenants", "sync", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"{street}: plugin assessment enabled (needed by funds)" in result.output
    assert f"{street}: plugin funds enabled" in result.output
    assert seen == [(street, "assessment"), (street, "funds")]  # dependencies first
    spec.write_text(spec.read_text(encoding="utf-8") + "[plugins.assessment]\nenabled = false\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["tenants", "sync", "--dir", str(tmp_path)])
    assert refused.exit_code != 0 and "无法停用「考核评议」" in refused.output and "依赖它" in refused.output
