"""The ``tsunagu`` command line (click, through Flask's CLI).

Every command reads ``DATABASE_URL`` (and the other ``TSUNAGU_*`` settings)
exactly like the server does. The app (and so the database and the secret key)
is built only when a command runs: ``--help`` and usage errors touch nothing.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import os
import secrets
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo

from application.common import ViewStatus
from application.security import SYSTEM_ACTOR
from domain.values import Role
from interfaces.bootstrap import Container, DatabaseUrlError, SettingsError
from interfaces.cli.audit import audit_group
from interfaces.cli.common import container, friendly_errors, progress_bar
from interfaces.cli.ledger import follow_ledger, ledger_group
from interfaces.cli.privacy import privacy_group
from interfaces.cli.reports import report_group
from interfaces.cli.resources import resources_group
from interfaces.cli.snapshots import snapshots_group
from interfaces.web import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MOVES_VIEWS = "tsunagu_moves_views"
"""Marks a command that moves or replaces the views itself (with its own progress):
the app it builds does not catch them up first (work it would repeat or discard)."""


def moves_views(command: click.Command) -> click.Command:
    setattr(command, MOVES_VIEWS, True)
    return command


def _create_app() -> Flask:
    context = click.get_current_context(silent=True)
    moves_views = context is not None and getattr(context.command, MOVES_VIEWS, False)
    app = create_app(catch_up_views=not moves_views)
    # The app a command builds is the command's: its connections close with it.
    if context is not None:
        context.find_root().call_on_close(app.extensions["tsunagu"].close)
    return app


class TsunaguGroup(AppGroup):
    """The root command. Unlike Flask's FlaskGroup it never builds the app to list
    commands: each command builds it when it runs (AppGroup's ``with_appcontext``),
    so ``--help`` creates no database and no secret key."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        extra.setdefault(
            "obj",
            ScriptInfo(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False),
        )
        return super().make_context(info_name, args, parent, **extra)


@click.group(cls=TsunaguGroup)
def cli() -> None:
    """tsunagu: needs, resources and matching for community life-support coordination.

    Configuration comes from the environment: DATABASE_URL (default: an SQLite
    file under instance/), TSUNAGU_SECRET_KEY, TSUNAGU_REDIS_URL, ... (see README).
    """


cli.add_command(audit_group)
cli.add_command(resources_group)
cli.add_command(report_group)
cli.add_command(snapshots_group)
cli.add_command(ledger_group)
cli.add_command(privacy_group)


@cli.command("init")
def init_command() -> None:
    """Create or upgrade the database in place (safe to repeat) and report where it is.

    tsunagu's own tables are migrated to the newest revision, the views of an
    earlier release adopted, and every view whose version changed built beside
    the old one (progress on stderr). Run it after installing a new release,
    before starting the servers.
    """
    built = container()  # building it migrates the tables (see interfaces.bootstrap)
    with friendly_errors():
        built.projections.create_tables(progress=lambda view: _build_progress(view))
    click.echo(f"database ready: {built.database.describe()}")
    click.echo(f"schema revision: {built.schema_revision()}")
    click.echo(f"events in the log: {built.services.oversight.head()}")
    for status in built.projections.status():
        click.echo(f"view {status.name}: version {status.version}, at {status.position}")


def _build_progress(view: str) -> Callable[[int, int], None]:
    def update(position: int, head: int) -> None:
        click.echo(f"building {view}: {position} of {head}", err=True)

    return update


# -- demo ---------------------------------------------------------------------------------


def ensure_demo(built: Container) -> None:
    """Load the demo municipality into an empty database and print its accounts with
    their password, once; say so when it is already there or the database holds
    other data. Never issues a token."""
    from interfaces.demo import DEMO_PASSWORD, demo_accounts, demo_loaded, load_demo

    app = built.services
    if demo_loaded(app):
        names = ", ".join(account.username for account in demo_accounts())
        click.echo(f"The demo municipality is already loaded (accounts: {names}).")
        return
    if app.oversight.head() > 0:
        click.echo("The database already holds data; not loading the demo into it.")
        return
    with progress_bar("loading the demo municipality") as update:
        load_demo(app, progress=update)
    click.echo()
    click.echo("Demo accounts (fictional municipality; password for all: " + DEMO_PASSWORD + ")")
    click.echo(f"{'username':<12} {'role':<13} center")
    for account in demo_accounts():
        click.echo(f"{account.username:<12} {account.role.value:<13} {account.center_code or '-'}")
    click.echo("API tokens: POST /api/v1/auth/token, or tsunagu users token USERNAME")
    click.echo()


@cli.command("demo")
def demo_command() -> None:
    """Load the fictional demo municipality into an empty database and print its
    accounts and their password (once, when it loads). Never for production."""
    with friendly_errors():
        ensure_demo(container())


# -- serve ----------------------------------------------------------------------------------


@cli.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Interface to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (gunicorn).",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker.",
)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web app: gunicorn when installed, Flask's server otherwise.

    It never loads the demo and never issues tokens (load the demo with
    ``tsunagu demo``; ``make run`` does both).
    """
    built = container()
    if os.environ.get("TSUNAGU_DEMO", "").strip() not in ("", "0"):
        click.echo("TSUNAGU_DEMO is no longer read: the server never loads the demo.", err=True)
        click.echo("Load it into an empty database with: tsunagu demo", err=True)
    if built.services.oversight.head() == 0:
        click.echo("Empty database. Create an administrator with:")
        click.echo("  tsunagu users create admin --role admin")
        click.echo("or load the fictional demo municipality with: tsunagu demo")
    click.echo(f"database: {built.database.describe()}")
    click.echo(f"serving on http://{host}:{port}  (Ctrl+C to stop)")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        from werkzeug.serving import run_simple

        follow_ledger(built)
        run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
        return
    _run_gunicorn(host, port, workers, threads)


def _run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class TsunaguServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("graceful_timeout", 10)

        def load(self) -> Flask:
            # Each worker builds its own app: connection pools must not cross a fork.
            app = create_app()
            follow_ledger(app.extensions["tsunagu"])
            return app

    TsunaguServer().run()


# -- users ------------------------------------------------------------------------------------


@cli.group("users")
def users_group() -> None:
    """Create users, reset their passwords and issue API tokens."""


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    help="Role (repeat for several).",
)
@click.option(
    "--center", "center_code", default=None, help="Support center code (required for care_manager)."
)
@click.option(
    "--password",
    default=None,
    help="Password (at least 12 characters, not the username, not a common one); "
    "without it one is generated and shown once.",
)
@click.option("--name", "display_name", default=None, help="Display name.")
def users_create(
    username: str,
    roles: tuple[str, ...],
    center_code: str | None,
    password: str | None,
    display_name: str | None,
) -> None:
    """Create USERNAME with the given role(s). No token is issued (see ``users token``)."""
    app = container().services
    generated = password is None
    while password is None or (generated and username.casefold() in password.casefold()):
        password = secrets.token_urlsafe(12)
    with friendly_errors():
        user = app.accounts.create_user(
            username,
            password,
            [Role(r) for r in roles],
            SYSTEM_ACTOR,
            center_code=center_code,
            display_name=display_name,
        )
    click.echo(f"created user {user.username} ({', '.join(r.value for r in user.roles)})")
    if generated:
        click.echo(f"password (shown once): {password}")


@users_group.command("reset-password")
@click.argument("username")
def users_reset_password(username: str) -> None:
    """Give USERNAME a temporary password (shown once) to change at the next sign-in.

    Their tokens and sessions end and a lock after failed sign-ins is lifted:
    the way back in for an administrator who forgot their password.
    """
    with friendly_errors():
        reset = container().services.accounts.reset_password(username, None, SYSTEM_ACTOR)
    click.echo(f"temporary password for {reset.user.username} (shown once): ", nl=False)
    click.echo(reset.temporary_password)
    click.echo("they must choose a new password when they sign in with it", err=True)


@users_group.command("token")
@click.argument("username")
@click.option(
    "--ttl-hours",
    default=12.0,
    show_default=True,
    type=click.FloatRange(0.01, 24 * 365),
    help="How long the token is valid.",
)
def users_token(username: str, ttl_hours: float) -> None:
    """Issue a new API token for USERNAME (no password needed at the console)."""
    with friendly_errors():
        token = container().services.accounts.issue_token_for(
            username, ttl=timedelta(hours=ttl_hours)
        )
    click.echo(token.token)
    click.echo(f"expires: {token.expires_at.isoformat()}", err=True)


# -- projections ---------------------------------------------------------------------------------


@cli.group("projections")
def projections_group() -> None:
    """Inspect, run and rebuild the read models (views)."""


@moves_views
@projections_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document (for monitoring).")
def projections_status(as_json: bool) -> None:
    """Show each view's serving version and position, the log's head, the lag, and any
    version being built beside it (a rebuild or an upgrade) with its progress."""
    statuses = container().projections.status()
    if as_json:
        click.echo(json.dumps([_status_document(s) for s in statuses], ensure_ascii=False))
        return
    click.echo(f"{'view':<20} {'version':>7} {'position':>10} {'head':>10} {'lag':>8}  building")
    for s in statuses:
        building = ""
        if s.building_generation is not None:
            building = f"v{s.building_version} at {s.building_position} of {s.head}"
        click.echo(
            f"{s.name:<20} {s.version or '-':>7} {s.position:>10} {s.head:>10} {s.lag:>8}  "
            f"{building}"
        )
        if s.failed_position is not None:
            click.echo(
                f"  FAILED before the event at {s.failed_position} ({s.failed_event}), "
                f"{s.failures} tries: {s.error}"
            )


def _status_document(status: ViewStatus) -> dict[str, Any]:
    document = dataclasses.asdict(status)
    document["lag"] = status.lag
    document["retry_at"] = status.retry_at.isoformat() if status.retry_at else None
    return document


@moves_views
@projections_group.command("retry")
@click.argument("name")
def projections_retry(name: str) -> None:
    """Make a failed view try its failing event again now (after a fix)."""
    projections = container().projections
    with friendly_errors():
        failed = projections.retry(name)
    status = {s.name: s for s in projections.status()}[name]
    if status.failed_position is not None:
        raise click.ClickException(
            f"{name} still fails at {status.failed_position}: {status.error}"
        )
    click.echo(
        f"{name} is at {status.position} of {status.head}"
        + ("" if failed else " (it had not failed)")
    )


@moves_views
@projections_group.command("skip")
@click.argument("name")
@click.option("--position", type=click.IntRange(1), required=True, help="The poison event.")
@click.option("--reason", required=True, help="Why this view may pass over it (recorded).")
@click.option("--by", "by", default=None, help="Who decides (default: the system user).")
def projections_skip(name: str, position: int, reason: str, by: str | None) -> None:
    """Let one view pass over an event it cannot apply, for good (recorded with who and why).

    The event stays in the log; only this view ignores it. Use it for an event a
    bad release wrote, after deciding that the view is right without it.
    """
    if not reason.strip():
        raise click.BadParameter("say why the view may pass over the event", param_hint="--reason")
    projections = container().projections
    with friendly_errors():
        projections.skip(name, position, reason, by or getpass.getuser())
    click.echo(f"{name} skips the event at {position}")


@moves_views
@projections_group.command("run")
@click.option(
    "--poll",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="Seconds between polls when idle.",
)
@click.option(
    "--views",
    "names",
    default="",
    metavar="NAME,...",
    help="Only these views (comma-separated; default: all): one worker per group of views.",
)
@click.option(
    "--reactions/--no-reactions",
    default=True,
    show_default=True,
    help="Also run the process managers and sign ledger checkpoints "
    "(give one worker of a database --reactions).",
)
def projections_run(poll: float, names: str, reactions: bool) -> None:
    """Keep every view current, until stopped (the projection worker).

    Run one next to gunicorn with TSUNAGU_INLINE_PROJECTIONS=0 in production, or
    one per group of views (--views) with --reactions on exactly one of them
    (docs/deployment.md).
    """
    projections = container().projections
    chosen = [n.strip() for n in names.split(",") if n.strip()] or None
    unknown = sorted(set(chosen or []) - set(projections.views))
    if unknown:
        known = ", ".join(sorted(projections.views))
        raise click.BadParameter(
            f"no view {', '.join(unknown)} (known: {known})", param_hint="--views"
        )

    def stop(*_: Any) -> None:
        projections.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    reported = [(-1, -1)]

    def report(position: int, head: int) -> None:
        if (position, head) != reported[0]:  # an idle worker's polls say nothing new
            reported[0] = (position, head)
            click.echo(f"views at {position} of {head}", err=True)

    click.echo("projection worker running (Ctrl+C to stop)", err=True)
    projections.run_forever(poll_interval=poll, on_batch=report, names=chosen, reactions=reactions)
    click.echo("projection worker stopped", err=True)


@moves_views
@projections_group.command("rebuild")
@click.argument("name", required=False)
def projections_rebuild(name: str | None) -> None:
    """Build a view (or all views) anew from the whole event log, beside the one that
    serves: readers keep the old one until the new one has caught up, then switch at once."""
    projections = container().projections
    names = [name] if name else projections.names
    with friendly_errors():
        if name:
            with progress_bar(f"rebuilding {name:<20}") as update:
                projections.rebuild(name, progress=update)
        else:  # all of them in one pass over the log: each event read and decoded once
            with progress_bar(f"rebuilding {len(names)} views") as update:
                projections.rebuild_many(names, progress=lambda _view: update)
    click.echo(f"rebuilt: {', '.join(names)}")


def main() -> None:
    """Entry point of the ``tsunagu`` script."""
    try:
        cli.main(prog_name="tsunagu")
    except (DatabaseUrlError, SettingsError) as error:  # the environment's settings: say what
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
