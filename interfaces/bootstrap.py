"""The composition root: the one place that names concrete adapters.

Everything is built from :class:`Settings`, which come from the environment
(``DATABASE_URL`` and ``TSUNAGU_*``). Nothing is created at import time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from application.casework import Casework
from application.oversight_ports import OversightReadSide
from application.ports import Projections, ReadSide
from infrastructure.passwords import Argon2Passwords
from infrastructure.persistence import Database
from infrastructure.tokens import SqlTokenStore
from infrastructure.views.audit import AuditLogView, SqlAuditLog
from infrastructure.views.clients import ClientDirectoryView, SqlClientDirectory
from infrastructure.views.development import GapsView, InitiativesView, SqlDevelopmentBoard
from infrastructure.views.directory import DirectoryView, ResourceDirectoryView, SqlDirectory
from infrastructure.views.logic_model import LogicModelView, SqlLogicModel
from infrastructure.views.needs import CaseBoardView, DashboardView, SqlCaseBoard, SqlDashboard
from infrastructure.views.network import NetworkView, SqlNetworkBoard
from infrastructure.views.oversight import (
    SqlAuditSearch,
    SqlBoardQueries,
    SqlNeedStatistics,
    StatisticsView,
)
from infrastructure.views.projection import ViewUpdater
from infrastructure.views.screens import SqlNeedRows

DEFAULT_DATABASE_FILE = "tsunagu.sqlite3"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off", "n")


def instance_secret(instance_path: Path) -> str:
    """A secret key kept in the instance folder, made on first use.

    Without TSUNAGU_SECRET_KEY every worker and restart must still agree on the
    key, or signed sessions would break between requests.
    """
    path = instance_path / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        with path.open("x", encoding="ascii") as file:  # another worker may win the race
            file.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    return key


@dataclass(frozen=True)
class Settings:
    """Configuration of one tsunagu instance (see README, "Configuration")."""

    database_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    inline_projections: bool = True
    """Update views in the request that wrote the events (read-your-writes).
    Turn off when a separate ``tsunagu projections run`` worker does it."""
    demo: bool = True
    token_ttl: timedelta = timedelta(hours=12)
    db_schema: str | None = None
    fast_passwords: bool = False
    """Cheap password hashing, for test suites only."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, instance_path: str = "instance"
    ) -> Settings:
        env = os.environ if environ is None else environ
        url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / DEFAULT_DATABASE_FILE}"
        ttl_hours = float(env.get("TSUNAGU_TOKEN_TTL_HOURS") or 12)
        return cls(
            database_url=url,
            secret_key=env.get("TSUNAGU_SECRET_KEY") or instance_secret(Path(instance_path)),
            inline_projections=_flag(env.get("TSUNAGU_INLINE_PROJECTIONS"), True),
            demo=_flag(env.get("TSUNAGU_DEMO"), True),
            token_ttl=timedelta(hours=ttl_hours),
            db_schema=env.get("TSUNAGU_DB_SCHEMA") or None,
            fast_passwords=_flag(env.get("TSUNAGU_FAST_PASSWORDS"), False),
        )


@dataclass
class Container:
    """The wired application and its maintenance handles."""

    app: Casework
    projections: Projections
    database: Database
    settings: Settings

    def close(self) -> None:
        self.app.close()
        updater = self.projections
        if isinstance(updater, ViewUpdater):
            updater.reader.dispose()
            updater.writer.dispose()


def bootstrap(settings: Settings) -> Container:
    """Build the application on the configured database; creates missing tables."""
    database = Database.from_url(settings.database_url, schema=settings.db_schema)
    reader, writer = database.create_engines()
    if database.kind == "postgresql" and database.schema:
        with writer.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"')
    tokens = SqlTokenStore(reader, writer)
    app = Casework(
        database.event_store_env(),
        passwords=Argon2Passwords(fast=settings.fast_passwords),
        tokens=tokens,
        token_ttl=settings.token_ttl,
    )
    updater = ViewUpdater(
        app,
        writer=writer,
        reader=reader,
        views=[
            DirectoryView(),
            ResourceDirectoryView(),
            CaseBoardView(),
            DashboardView(),
            AuditLogView(),
            InitiativesView(),
            GapsView(),
            NetworkView(),
            LogicModelView(),
            ClientDirectoryView(),
            StatisticsView(),
        ],
    )
    updater.create_tables()
    app.attach(
        ReadSide(
            case_board=SqlCaseBoard(reader),
            audit_log=SqlAuditLog(reader),
            dashboard=SqlDashboard(reader),
            directory=SqlDirectory(reader),
            monitor=updater,
            development=SqlDevelopmentBoard(reader),
            network=SqlNetworkBoard(reader),
            logic_model=SqlLogicModel(reader),
        ),
        listener=updater if settings.inline_projections else None,
    )
    app.attach_oversight(
        OversightReadSide(
            board=SqlBoardQueries(reader),
            clients=SqlClientDirectory(reader),
            audit=SqlAuditSearch(reader),
            statistics=SqlNeedStatistics(reader),
            sessions=tokens,
            need_rows=SqlNeedRows(reader),
        )
    )
    if settings.inline_projections:
        updater.catch_up()
    return Container(app=app, projections=updater, database=database, settings=settings)
