"""PostgreSQL-only administration: the application role without BYPASSRLS."""

from __future__ import annotations

import re

from sqlalchemy import text

ROLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def create_app_role(conn, name: str, password: str) -> None:
    """Create (or update) login role ``name`` with DML rights on the current database only.

    Run as the owner of the tables, after migrations; default privileges cover tables that
    later migrations create.
    """
    if not ROLE_RE.match(name):
        raise ValueError("invalid role name")
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar()
    pw = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar()
    if exists:  # only a superuser may change role attributes: set the password, then verify
        conn.execute(text(f"ALTER ROLE {name} WITH LOGIN PASSWORD {pw}"))
        unsafe = conn.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :n"),
                              {"n": name}).scalar()
        if unsafe:
            raise ValueError(f"role {name} is superuser or BYPASSRLS: row-level security would not apply")
    else:
        conn.execute(text(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD {pw}"))
    db = conn.execute(text("SELECT current_database()")).scalar()
    conn.execute(text(f'GRANT CONNECT ON DATABASE "{db}" TO {name}'))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {name}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"))
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name}"))
    conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {name}"))
