"""The ``liandong`` command line."""

from __future__ import annotations

import os

import click
from sqlalchemy import select, text

from core import events  # noqa: F401
from core.config import get_settings
from core.db import get_engine
from core.plugins import registry
from core.tenancy import operator_session


@click.group()
def cli() -> None:
    """Liandong (联动): party building in two-new organizations."""


# --- database --------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database migrations and roles."""


@db.command("upgrade")
@click.option("--target", default="heads", show_default=True)
def db_upgrade(target: str) -> None:
    """Migrate core and every plugin branch, then sync role permissions."""
    from core import migrate
    from core.permissions import build_catalog, sync_role_permissions

    try:
        migrate.upgrade(target=target)
    except migrate.MissingRevision as exc:
        raise click.ClickException(str(exc)) from exc
    with operator_session() as s:
        added, removed = sync_role_permissions(s, build_catalog(registry().pm))
    click.echo(f"database at {target}; role permissions +{added} -{removed}")


@db.command("downgrade")
@click.option("--target", default="base", show_default=True)
@click.confirmation_option(prompt="This drops data. Continue?")
def db_downgrade(target: str) -> None:
    from core import migrate

    migrate.downgrade(target=target)
    click.echo(f"database at {target}")


@db.command("create-app-role")
@click.argument("name")
@click.option("--password", required=True)
def db_create_app_role(name: str, password: str) -> None:
    """PostgreSQL: a login role without superuser or BYPASSRLS, with DML rights only."""
    engine = get_engine(get_settings().owner_database_url)
    if engine.dialect.name != "postgresql":
        raise click.ClickException("only needed on PostgreSQL")
    from core.pg import create_app_role

    with engine.begin() as conn:
        create_app_role(conn, name, password)
    click.echo(f"role {name} ready (NOSUPERUSER NOBYPASSRLS)")


# --- demo, serve ---------------------------------------------------------------------------


@cli.command()
@click.option("--scale", metavar="TENANTSxORGS", default=None,
              help="Bulk benchmark data instead, e.g. 1000x1000 (run as the owner role).")
@click.option("--seed", default=0, type=int, show_default=True)
@click.option("--workers", default=None, type=int, help="Parallel loaders for --scale.")
def demo(scale: str | None, seed: int, workers: int | None) -> None:
    """Load demo tenants, users and data (idempotent)."""
    from core.demo import DEMO_PASSWORD, load_demo

    if scale:
        import re

        from core.registry.scale import generate_scale

        m = re.fullmatch(r"(\d+)[xX×](\d+)", scale)
        if not m:
            raise click.BadParameter("format: 1000x1000", param_hint="--scale")
        r = generate_scale(get_settings().owner_database_url, int(m[1]), int(m[2]), seed=seed,
                           workers=workers, echo=click.echo)
        click.echo(f"{r.tenants} tenants, {r.organizations} organizations, {r.members} members "
                   f"in {r.seconds:.0f}s")
        return
    load_demo(echo=click.echo)
    click.echo(f"demo ready; every demo user's password is {DEMO_PASSWORD}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the app with uvicorn."""
    import uvicorn

    from core.config import REPO_ROOT

    get_settings()  # create the shared secret before workers fork
    # --reload: one process that restarts when the core's or a plugin's code (or template) changes,
    # wherever the command is run from
    dev = {"reload_dirs": [str(REPO_ROOT / "core"), str(REPO_ROOT / "plugins")],
           "reload_includes": ["*.py", "*.jinja", "*.css", "*.js"]} if reload else {}
    uvicorn.run("core.asgi:app", host=host, port=port, workers=1 if reload else workers, reload=reload,
                proxy_headers=True, forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                **dev)


# --- tenants, plugins, users ---------------------------------------------------------------


@db.command("fingerprint")
@click.option("--url", default=None, help="Database URL (default: the owner's, LIANDONG_MIGRATION_DATABASE_URL).")
def db_fingerprint(url: str | None) -> None:
    """Print every table's row count and checksum (restore drills: compare two databases)."""
    from core.backup import table_fingerprints

    for table, (count, digest) in table_fingerprints(url).items():
        click.echo(f"{table}\t{count}\t{digest}")


@cli.group()
def tenants() -> None:
    """Tenants (jurisdictions)."""


@tenants.command("sync")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False), default=None)
def tenants_sync(directory: str | None) -> None:
    """Apply tenants/*.toml idempotently."""
    from pathlib import Path

    from core.tenants_sync import load_specs, sync

    path = Path(directory) if directory else get_settings().tenants_dir
    try:
        with operator_session() as s:
            changes = sync(s, load_specs(path))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in changes:
        click.echo(line)
    click.echo(f"{len(changes)} change(s)")


@cli.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
def plugins_list() -> None:
    """Installed plugins, their version and the tenants that enabled them."""
    from core.tenancy import tree

    reg = registry()
    t = tree()
    for name, meta in reg.meta.items():
        slugs = sorted(x.slug for x in t.by_id.values() if name in reg.enabled(x.id))
        deps = f" (needs {', '.join(meta.depends)})" if meta.depends else ""
        click.echo(f"{name} {meta.version} — {meta.label}{deps}: {', '.join(slugs) or '-'}")


@cli.group()
def plugin() -> None:
    """Plugin development."""


@plugin.command("new")
@click.argument("name")
@click.option("--dest", type=click.Path(file_okay=False), default=None,
              help="Parent folder (default: plugins/ of this checkout).")
@click.option("--engine", type=click.Choice(["activities", "lists", "assessment", "campaigns", "funds"]),  # scaffold.ENGINES
              default=None, help="A program on this engine: depends on it, registers with it, reads its api.")
def plugin_new(name: str, dest: str | None, engine: str | None) -> None:
    """Scaffold plugins/NAME: settings, permissions, menu entry, page, dashboard card and a test."""
    from core.scaffold import scaffold

    try:
        created = scaffold(name, dest, engine)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in created:
        click.echo(f"created {path}")
    from core.config import REPO_ROOT

    in_checkout = created and (REPO_ROOT / "plugins") in created[0].resolve().parents
    module = f"plugins.{name}" if in_checkout else name
    where = "this checkout's pyproject.toml" if in_checkout else "your package's pyproject.toml"
    click.echo(f'next: add  {name} = "{module}"  under [project.entry-points."liandong.plugins"] '
               f"in {where}, pip install -e ., liandong db upgrade")


@cli.group()
def users() -> None:
    """Users, roles and API tokens."""


def _user(session, username: str):
    from core.models import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    return user


@users.command("create")
@click.argument("username")
@click.option("--password", required=True)
@click.option("--name", "display_name", default="")
def users_create(username: str, password: str, display_name: str) -> None:
    from core.forms import FormErrors
    from core.services.users import create_user

    try:
        with operator_session() as s:
            create_user(s, username, password, display_name)
    except FormErrors as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from exc
    click.echo(f"created {username}")


@users.command("password")
@click.argument("username")
@click.option("--password", required=True)
def users_password(username: str, password: str) -> None:
    """Reset a user's password (the password policy applies)."""
    from core.forms import FormErrors
    from core.services.users import set_password

    try:
        with operator_session() as s:
            set_password(s, _user(s, username), password)
    except FormErrors as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from exc
    click.echo(f"password of {username} reset")


@users.command("reset-mfa")
@click.argument("username")
def users_reset_mfa(username: str) -> None:
    """Remove a user's authenticator and recovery codes (audited); they enrol again at sign-in."""
    from core.services import mfa

    with operator_session() as s:
        user = _user(s, username)
        if mfa.credential(s, user.id) is None:
            raise click.ClickException(f"{username} has no two-factor sign-in")
        mfa.disable(s, user)
    click.echo(f"two-factor sign-in of {username} removed")


@users.command("grant")
@click.argument("username")
@click.option("--tenant", "slug", required=True, help="tenant slug, or * for platform-wide")
@click.option("--role", required=True)
def users_grant(username: str, slug: str, role: str) -> None:
    from core.forms import FormErrors
    from core.permissions import PLATFORM, build_catalog
    from core.services.users import grant_role
    from core.tenancy import tree

    if slug != PLATFORM and slug not in tree().by_slug:
        raise click.ClickException(f"no tenant {slug}")
    target = PLATFORM if slug == PLATFORM else tree().by_slug[slug].id
    try:
        with operator_session() as s:
            changed = grant_role(s, _user(s, username), role, target, build_catalog(registry().pm).roles)
    except FormErrors as exc:
        raise click.ClickException("; ".join(exc.errors.values())) from exc
    click.echo(f"granted {role} in {slug}" if changed else "already granted")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli")
def users_token(username: str, name: str) -> None:
    """Print a new API token (shown once) for Authorization: Bearer …"""
    from core.services.users import issue_token

    with operator_session() as s:
        token = issue_token(s, _user(s, username), name)
    click.echo(token)


@cli.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option("--heads", is_flag=True, help="Also print each chain's last entry (number and hash), "
                                            "to keep outside the database.")
def audit_verify(heads: bool) -> None:
    """Check every hash chain of the audit log; report each chain's first break (exit 1)."""
    from core.audit_chain import verify
    from core.db import open_session
    from core.models import Tenant

    with open_session() as s:
        slugs = {tid: slug for tid, slug in s.execute(select(Tenant.id, Tenant.slug))}
    reports = verify(slugs)
    broken = [r for r in reports if r.problem]
    for r in reports:
        name = slugs.get(r.chain, "platform")
        if r.problem:
            entry_id, seq, what = r.problem
            click.echo(f"BROKEN {name}: entry id {entry_id}" + (f" (number {seq})" if seq else "") + f": {what}")
        elif heads and r.entries:
            click.echo(f"{name}: {r.entries} entries, head {r.head_seq} {r.head_hash}")
    total = sum(r.entries for r in reports)
    if broken:
        raise click.ClickException(f"{len(broken)} of {len(reports)} audit chains broken")
    click.echo(f"audit log intact: {total} entries in {len(reports)} chains")


@cli.command("check")
def check() -> None:
    """Check database connectivity."""
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    click.echo("ok")


# --- task queue ----------------------------------------------------------------------------


@cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, type=int, help="Worker threads.")
@click.option("--no-periodic", is_flag=True, help="Do not run the scheduler of periodic jobs "
                                                  "(when another worker process runs it).")
def worker(workers: int, no_periodic: bool) -> None:
    """Run the task queue: deliveries, reminders and every scheduled job (huey consumer)."""
    import logging

    from core import tasks

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    kind, target = tasks.storage_spec(get_settings())
    if kind == "immediate":
        raise click.ClickException("LIANDONG_TASK_QUEUE=immediate runs tasks inline: there is no queue to consume")
    tasks.configure()
    loaded = tasks.load_tasks()
    if not no_periodic:
        tasks.flush_stale_locks()
    click.echo(f"task queue: {kind} {target if kind == 'sqlite' else ''}".rstrip())
    click.echo(f"task modules: {', '.join(loaded) or '-'}; periodic: {', '.join(tasks.register_periodic()) or '-'}")
    consumer = tasks.huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic,
                                          check_worker_health=True)
    consumer.run()


@cli.group("tasks")
def tasks_group() -> None:
    """Scheduled jobs of the task queue."""


@tasks_group.command("list")
def tasks_list() -> None:
    """Every periodic job: name, plugin and label."""
    from core.tasks import periodic_tasks

    for name, (plugin, task) in sorted(periodic_tasks().items()):
        click.echo(f"{name}\t{plugin}\t{task.label}")


@tasks_group.command("run")
@click.argument("name")
@click.option("--tenant", "slug", default=None, help="Only this tenant (default: every tenant that "
                                                     "enabled the job's plugin).")
def tasks_run(name: str, slug: str | None) -> None:
    """Run periodic job NAME now, in this process (idempotent, like the scheduled run)."""
    from core.tasks import periodic_tasks, run_periodic, tenants_for
    from core.tenancy import tree

    found = periodic_tasks().get(name)
    if found is None:
        raise click.ClickException(f"no periodic job {name}; see `liandong tasks list`")
    if slug is not None and slug not in tree().by_slug:
        raise click.ClickException(f"no tenant {slug}")
    ids = [tree().by_slug[slug].id] if slug else tenants_for(found[0])
    for tid in ids:
        run_periodic(name, tid)
    click.echo(f"{name}: ran for {len(ids)} tenant(s)")


# --- backups -------------------------------------------------------------------------------


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=True, file_okay=True))
@click.option("--url", default=None, help="Database URL (default: the owner's, LIANDONG_MIGRATION_DATABASE_URL).")
@click.option("--keep-days", type=int, default=None,
              help="When PATH is a directory: then delete liandong-* backups older than this many days.")
def backup_cmd(path: str, url: str | None, keep_days: int | None) -> None:
    """Back up the whole database and every uploaded file to PATH: a file, or a directory
    (existing, or a name without suffix) for a time-stamped liandong-….tar inside.

    The archive holds the database (PostgreSQL: pg_dump -Fc as the owner role; SQLite: the
    online backup API), the files of every upload directory and a manifest of checksums.
    Safe while the app runs.
    """
    from pathlib import Path

    from core.backup import BackupError, backup, prune

    try:
        written = backup(path, url)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written: {written} ({written.stat().st_size} bytes)")
    if keep_days is not None and Path(path).is_dir():
        for old in prune(path, keep_days):
            click.echo(f"removed old backup {old}")


@cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default=None, help="Database URL (default: the owner's, LIANDONG_MIGRATION_DATABASE_URL).")
@click.option("--uploads-dir", type=click.Path(file_okay=False), default=None,
              help="Put the uploaded files in DIR/<area> instead of the configured upload directories "
                   "(restore drills: leave the live files alone).")
@click.confirmation_option(prompt="This replaces every row of the database and every uploaded file "
                                  "with the backup. Continue?")
def restore_cmd(path: str, url: str | None, uploads_dir: str | None) -> None:
    """Replace the database and the upload directories with the backup at PATH (stop the
    service first). The whole archive is verified before anything is replaced."""
    from core.backup import BackupError, restore

    try:
        done = restore(path, url, uploads_dir)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    files = ", ".join(f"{area} {n}" for area, n in done["uploads"].items())
    click.echo("restored the database" + (f" and the uploaded files ({files})" if done["uploads"] else ""))
    if done["untouched"]:
        click.echo(f"upload directories not in the backup, left as they are: {', '.join(done['untouched'])}")
    click.echo("run `liandong db upgrade` if the backup is older than this version, then start the service")


@cli.command("export-tenant")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--decrypt", is_flag=True, help="Write ID-card and phone numbers in clear text (audited).")
def export_tenant_cmd(slug: str, path: str, decrypt: bool) -> None:
    """Export every row of one tenant as a zip of JSON and Excel files, one per table, with
    the tenant's uploaded files."""
    from core.backup import BackupError, export_tenant

    try:
        manifest = export_tenant(slug, path, decrypt=decrypt)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    total = sum(t["rows"] for t in manifest["tables"].values())
    files = sum(len(f) for f in manifest["files"].values())
    click.echo(f"exported {slug}: {len(manifest['tables'])} tables, {total} rows, {files} files → {path}")


def main() -> None:
    registry().pm.hook.register_commands(cli=cli)
    cli()
