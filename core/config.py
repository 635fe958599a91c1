"""Settings read from ``LIANDONG_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANDONG_", env_file=".env", extra="ignore")

    #: the application's connection (on PostgreSQL: a role without BYPASSRLS)
    database_url: str = "sqlite:///liandong.db"
    #: the owner's connection used for migrations; defaults to ``database_url``
    migration_database_url: str | None = None
    #: optional ``redis://`` URL for sessions, rate limits and change notifications
    redis_url: str | None = None
    #: task queue storage (``liandong worker``): empty = Redis when ``redis_url`` is set, else a
    #: SQLite file beside the database; or ``sqlite:///path``, ``redis://…``, ``immediate``
    task_queue: str = ""
    #: signs CSRF tokens and derives field keys; when unset, one is generated once and kept
    #: in ``.liandong-secret`` in the working directory so every worker shares it
    secret_key: str = ""
    #: key for field encryption (ID-card and phone numbers); urlsafe base64, 32 bytes
    field_key: str | None = None
    debug: bool = False
    #: the address users open (``https://liandong.example.gov.cn``): links in emails and group
    #: robot messages; empty = paths only
    public_url: str = ""
    #: offer development-only plugins (``PluginMeta.development``, the example) to tenant admins
    dev_plugins: bool = False
    #: tenants/*.toml directory
    tenants_dir: Path = REPO_ROOT / "tenants"
    #: cookie flag; set true behind https
    secure_cookies: bool = False
    #: a session unused this many seconds ends (等保 / ASVS 3.3: idle timeout)
    session_idle_timeout: int = 30 * 60
    #: a session ends this many seconds after sign-in, however busy (absolute timeout)
    session_absolute_timeout: int = 12 * 3600
    #: roles whose holders must sign in with a second factor (TOTP); they enrol at their first
    #: sign-in. Comma-separated in the environment; empty switches the requirement off
    mfa_required_roles: Annotated[list[str], NoDecode] = ["platform_admin", "tenant_admin"]
    #: TOTP issuer shown in authenticator apps
    mfa_issuer: str = "联动 Liandong"
    #: failed logins allowed per account / per IP address in ``login_window`` seconds
    login_attempts: int = 5
    login_attempts_per_ip: int = 30
    login_window: int = 300
    default_locale: str = "zh_CN"
    #: bearer token allowing GET /metrics from other hosts (empty: 127.0.0.1/::1 only)
    metrics_token: str | None = None
    #: directory shared by one server's workers so /metrics answers their total
    metrics_dir: str | None = None
    #: largest accepted import upload
    import_max_bytes: int = 20 * 1024 * 1024
    #: seconds between checks of the shared revision counter (multi-worker invalidation)
    revision_poll_seconds: float = 1.0
    #: optional PostgreSQL streaming replica for dashboards, roll-ups and exports
    replica_database_url: str | None = None
    #: after a user's write, their reads stay on the primary this long (read-your-writes)
    read_your_writes_seconds: float = 5.0
    #: a replica lagging more than this is skipped (reads go to the primary)
    replica_max_lag_seconds: float = 10.0

    @field_validator("mfa_required_roles", mode="before")
    @classmethod
    def _split_roles(cls, value):
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    def model_post_init(self, _context) -> None:
        if not self.secret_key:
            path = Path(".liandong-secret")
            if not path.exists():
                path.write_text(secrets.token_hex(32))
                path.chmod(0o600)
            self.secret_key = path.read_text().strip()

    @property
    def owner_database_url(self) -> str:
        return self.migration_database_url or self.database_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
