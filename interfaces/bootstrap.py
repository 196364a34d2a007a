"""The composition root: the one place that names concrete adapters.

Everything is built from :class:`Settings`, which come from the environment
(``DATABASE_URL``, ``DATABASE_READ_URL`` and ``TSUNAGU_*``). Nothing is created at import time.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from application.access import AccessCases, AccessRecorder
from application.accounts import AccountCases, UserNames
from application.board import BoardCases
from application.clients import ClientCases, Privacy
from application.common import Clock
from application.development import DevelopmentCases
from application.development_policy import DevelopmentPolicy
from application.history import HistoryCases, Timeline
from application.importing import ImportCases
from application.ledger import Ledger, PublicKey
from application.matching import MatchingCases
from application.needs import NeedCases
from application.network import NetworkCases
from application.organizations import OrganizationCases
from application.oversight import OversightCases
from application.reference import ReferenceCases, References
from application.replies import IdempotentRequests
from application.resources import ResourceCases
from application.services import Services
from application.sign_in import AttemptStore, SignInGuard
from application.store import Aggregates, EventStore, utc_now
from infrastructure import migrations
from infrastructure.access_log import SqlAccessLog
from infrastructure.idempotency import SqlIdempotentRequests
from infrastructure.keystore import (
    KEY_CACHE_SECONDS,
    BlindIndex,
    MasterKey,
    SqlKeyring,
    SqlPersonalTraces,
)
from infrastructure.ledger import (
    Ed25519PublicKeyChecker,
    Ed25519Signer,
    SqlLedgerStore,
    StoredEventLog,
)
from infrastructure.matching_inputs import SqlMatchingInputs
from infrastructure.password_strength import ZxcvbnStrength
from infrastructure.passwords import Argon2Passwords
from infrastructure.persistence import Database
from infrastructure.persistence import DatabaseUrlError as DatabaseUrlError
from infrastructure.replica import ListedCaseBoard, ReadRouting, ReplicaViews, replica_engine
from infrastructure.secret_files import create_secret_file
from infrastructure.sign_in import RedisAttemptStore, SqlAttemptStore, SqlSignInLog
from infrastructure.snapshots import SqlSnapshots
from infrastructure.tokens import SqlTokenStore
from infrastructure.views.as_of import SqlPastViews
from infrastructure.views.audit import AuditLogView, SqlAuditLog
from infrastructure.views.board import CaseBoardView, SqlCaseBoard
from infrastructure.views.clients import ClientDirectoryView, SqlClientDirectory, SqlClientRecords
from infrastructure.views.dashboard import DashboardView, SqlDashboard
from infrastructure.views.development import GapsView, InitiativesView, SqlDevelopmentBoard
from infrastructure.views.directory import (
    DirectoryView,
    ResourceDirectoryView,
    SqlOrganizationDirectory,
    SqlReferenceDirectory,
    SqlResourceDirectory,
    SqlUserDirectory,
)
from infrastructure.views.logic_model import LogicModelView, SqlLogicModel
from infrastructure.views.network import NetworkView, SqlNetworkBoard
from infrastructure.views.projection import Progress, ViewUpdater

log = logging.getLogger(__name__)

DEFAULT_DATABASE_FILE = "tsunagu.sqlite3"
PROGRESS_EVERY = 10.0
"""Seconds between two progress lines of long work at start-up."""
FAR_BEHIND = 10_000
"""Serving views lagging more events than this at start-up get a warning: catching
up is then minutes of work before the process starts (at 1M needs, hours)."""


class SettingsError(ValueError):
    """A setting in the environment is not a value tsunagu understands: refused, naming
    the variable, rather than read as something else (a mistyped flag that turned
    fast password hashing on, or left HTTPS cookies off)."""


TRUE_WORDS = ("1", "true", "yes", "on", "y")
FALSE_WORDS = ("0", "false", "no", "off", "n")


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """The yes/no setting ``name`` (unset or blank: ``default``)."""
    value = (env.get(name) or "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise SettingsError(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}")


def number(env: Mapping[str, str], name: str, default: float, unit: str) -> float:
    """The positive number ``name`` (unset or blank: ``default``)."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise SettingsError(f"{name} must be a positive number of {unit}, not {text!r}")
    return value


def instance_secret(instance_path: Path) -> str:
    """A secret key kept in the instance folder, made on first use (mode 0600).

    Without TSUNAGU_SECRET_KEY every worker and restart must still agree on the
    key, or signed sessions would break between requests.
    """
    path = instance_path / "secret_key"
    for _ in range(100):
        try:
            key: str | None = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            key = None
        if key:
            return key
        if key is None:
            key = secrets.token_hex(32)
            if create_secret_file(path, key):
                return key
        time.sleep(0.02)  # another worker created it and is writing the key
    raise RuntimeError(f"{path} stays empty; remove it and start again")


@dataclass(frozen=True)
class Settings:
    """Configuration of one tsunagu instance (see README, "Configuration")."""

    database_url: str
    read_database_url: str | None = None
    """A PostgreSQL streaming replica of ``database_url`` (DATABASE_READ_URL) that serves
    list and report reads; None: every read on the primary (docs/deployment.md)."""
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    inline_projections: bool = True
    """Update views in the request that wrote the events (read-your-writes).
    Turn off when a separate ``tsunagu projections run`` worker does it."""
    demo: bool = False
    """Retired (was TSUNAGU_DEMO): no longer read and ignored; the demo is loaded only
    by ``tsunagu demo``. Kept so that callers passing it still work."""
    redis_url: str | None = None
    """Where sign-in throttling keeps its counts (TSUNAGU_REDIS_URL); None: the database."""
    token_ttl: timedelta = timedelta(hours=12)
    db_schema: str | None = None
    fast_passwords: bool = False
    """Cheap password hashing, for test suites only."""
    ledger_key: str | None = field(default=None, repr=False)
    """The ledger's Ed25519 signing key (TSUNAGU_LEDGER_KEY); None: ``ledger_key.pem``
    in the instance folder, made on first need."""
    instance_path: str | None = None
    """Where keys live when not given (None: the SQLite file's folder; on PostgreSQL a
    key kept in memory, for tests only: from_env always names the folder)."""
    ledger_checkpoint_events: int = 1000
    """The worker signs a checkpoint once this many events are new
    (TSUNAGU_LEDGER_CHECKPOINT_EVENTS)."""
    ledger_checkpoint_minutes: float = 10.0
    """... or this long after the last one when any is new (TSUNAGU_LEDGER_CHECKPOINT_MINUTES)."""
    master_key: str | None = field(default=None, repr=False)
    """TSUNAGU_MASTER_KEY (64 hex or base64 characters: 32 bytes); None: the
    ``master_key`` file in the instance folder, made on first need (docs/privacy.md)."""
    municipality: str = ""
    """The municipality's name (TSUNAGU_MUNICIPALITY), printed on reports' title rows."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, instance_path: str = "instance"
    ) -> Settings:
        env = os.environ if environ is None else environ
        url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / DEFAULT_DATABASE_FILE}"
        # Every value checked before the instance folder is touched (its secret key).
        ttl_hours = number(env, "TSUNAGU_TOKEN_TTL_HOURS", 12, "hours")
        inline = flag(env, "TSUNAGU_INLINE_PROJECTIONS", True)
        fast_passwords = flag(env, "TSUNAGU_FAST_PASSWORDS", False)
        checkpoint_events = number(env, "TSUNAGU_LEDGER_CHECKPOINT_EVENTS", 1000, "events")
        checkpoint_minutes = number(env, "TSUNAGU_LEDGER_CHECKPOINT_MINUTES", 10, "minutes")
        return cls(
            database_url=url,
            read_database_url=(env.get("DATABASE_READ_URL") or "").strip() or None,
            secret_key=env.get("TSUNAGU_SECRET_KEY") or instance_secret(Path(instance_path)),
            inline_projections=inline,
            redis_url=env.get("TSUNAGU_REDIS_URL") or None,
            token_ttl=timedelta(hours=ttl_hours),
            db_schema=env.get("TSUNAGU_DB_SCHEMA") or None,
            fast_passwords=fast_passwords,
            ledger_key=env.get("TSUNAGU_LEDGER_KEY") or None,
            instance_path=str(instance_path),
            ledger_checkpoint_events=math.ceil(checkpoint_events),
            ledger_checkpoint_minutes=checkpoint_minutes,
            master_key=env.get("TSUNAGU_MASTER_KEY") or None,
            municipality=(env.get("TSUNAGU_MUNICIPALITY") or "").strip(),
        )

    def master(self) -> MasterKey:
        """The master key that wraps every client's data key (never in the database)."""
        return _master_key(self, Database.from_url(self.database_url, self.db_schema))


@dataclass
class Container:
    """The wired use cases and the handles to maintain what they run on."""

    services: Services
    store: EventStore
    projections: ViewUpdater
    database: Database
    settings: Settings
    replies: IdempotentRequests
    """Answers to commands sent with an Idempotency-Key (the API replays them)."""
    ledger: Ledger
    """Tamper evidence over the log (application.ledger)."""
    reads: ReadRouting | None = None
    """Where lists are read when DATABASE_READ_URL names a replica (the web app marks
    a browser session's writes with it: interfaces.web)."""

    @property
    def replica(self) -> Engine | None:
        """The engine of DATABASE_READ_URL, when lists are read from a replica."""
        return self.reads.replica if self.reads is not None else None

    def schema_revision(self) -> str | None:
        """The migration revision of tsunagu's own tables (see infrastructure.migrations)."""
        return migrations.current(self.projections.reader)

    def close(self) -> None:
        self.store.close()
        self.projections.reader.dispose()
        self.projections.writer.dispose()
        if self.replica is not None:
            self.replica.dispose()


def views(blind_index: BlindIndex) -> list[Any]:
    """Every read model, in the order a full rebuild runs them."""
    return [
        DirectoryView(),
        ResourceDirectoryView(),
        CaseBoardView(),
        DashboardView(),
        AuditLogView(),
        InitiativesView(),
        GapsView(),
        NetworkView(),
        LogicModelView(),
        ClientDirectoryView.keyed(blind_index),
    ]


EVENT_STORE_LOCK_ID = 0x74737565  # "tsue": PostgreSQL advisory lock around the event store's DDL


@contextmanager
def _one_process_at_a_time(database: Database, writer: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates the event store's tables.

    The library runs ``CREATE OR REPLACE FUNCTION`` every time; run by several
    gunicorn workers booting at once it fails with "tuple concurrently updated"
    and gunicorn, one worker failing to boot, stops the whole server
    (``python -m bench.http`` found it; a session lock, held only while booting).
    """
    if database.kind != "postgresql":
        yield
        return
    with writer.connect() as conn:
        lock = {"id": EVENT_STORE_LOCK_ID}
        conn.execute(sa.text("SELECT pg_advisory_lock(:id)"), lock)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:id)"), lock)
            conn.commit()


def bootstrap(settings: Settings, clock: Clock = utc_now, catch_up_views: bool = True) -> Container:
    """Build every feature on the configured database; creates missing tables.

    With inline views the serving views catch up with the log before the container
    is returned (``catch_up_views``; the commands that move or replace views
    themselves turn it off: their own work would repeat or discard it).
    """
    database = Database.from_url(settings.database_url, schema=settings.db_schema)
    if database.kind == "sqlite":
        create_secret_file(
            Path(database.path), ""
        )  # before SQLite creates it with the umask's mode
    reader, writer = database.create_engines()
    read_url = settings.read_database_url
    reads = ReadRouting(reader, replica_engine(read_url, database)) if read_url else None
    if database.kind == "postgresql" and database.schema:
        with writer.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"')
    master = _master_key(settings, database)
    # A memory:// database belongs to this process alone: no one else can erase a key.
    cache = math.inf if database.kind == "memory" else KEY_CACHE_SECONDS
    keyring = SqlKeyring(writer, master, reader, cache_seconds=cache)
    blind_index = BlindIndex(master.blind_index_key)
    with _one_process_at_a_time(database, writer):
        store = EventStore(database.event_store_env(), keyring=keyring)
    policy = DevelopmentPolicy(store)
    ledger = _ledger(store, database, reader, writer, settings, clock)
    # The ledger follows the log in the projection worker, after the process managers.
    updater = ViewUpdater(
        store, writer=writer, reader=reader, views=views(blind_index), reactions=[policy, ledger]
    )
    migrations.upgrade(writer)  # tsunagu's own tables, to the newest revision
    updater.create_tables(lambda name: _logged(f"building view {name}"))
    aggregates = Aggregates(
        store, reactions=[policy], listener=updater if settings.inline_projections else None
    )
    privacy = Privacy(keyring, SqlPersonalTraces(writer), SqlClientRecords(reader))
    services = _services(
        store,
        aggregates,
        updater,
        _Engines(reader, writer, cast(Engine, reads) if reads is not None else reader),
        settings,
        clock,
        ledger,
        privacy,
        blind_index,
    )
    if settings.inline_projections and catch_up_views:
        _catch_up(updater)
    return Container(
        services, store, updater, database, settings, SqlIdempotentRequests(writer), ledger, reads
    )


def _catch_up(updater: ViewUpdater) -> None:
    """Bring the serving views up to the log; say so when that is long work."""
    behind = updater.behind()
    if behind > FAR_BEHIND:
        log.warning(
            "views are %d events behind the log: catching up before starting "
            "(a worker, `tsunagu projections run`, does this apart)",
            behind,
        )
    updater.catch_up(progress=_logged("catching up the views"))


def _logged(what: str) -> Progress:
    """Progress of long work at start-up, logged every :data:`PROGRESS_EVERY` seconds
    (nothing for a log shorter than :data:`FAR_BEHIND` events: a few seconds' work)."""
    last = [time.monotonic()]
    said: set[tuple[int, int]] = set()

    def report(position: int, head: int) -> None:
        now = time.monotonic()
        due = now - last[0] >= PROGRESS_EVERY or position >= head
        if head > FAR_BEHIND and due and (position, head) not in said:
            last[0] = now
            said.add((position, head))
            log.warning("%s: at %d of %d events", what, position, head)

    return report


def _ledger(
    store: EventStore,
    database: Database,
    reader: Engine,
    writer: Engine,
    settings: Settings,
    clock: Clock,
) -> Ledger:
    """The ledger, its key read only when a checkpoint is signed or checked."""
    signer: list[Ed25519Signer] = []

    def key() -> Ed25519Signer:
        if not signer:
            signer.append(_ledger_signer(settings, database))
        return signer[0]

    return Ledger(
        StoredEventLog(
            store,
            gaps_are_final=database.kind != "postgresql",
            sqlite=reader if database.kind == "sqlite" else None,
        ),
        SqlLedgerStore(reader, writer),
        key,
        clock,
        every_events=max(settings.ledger_checkpoint_events, 1),
        every=timedelta(minutes=settings.ledger_checkpoint_minutes),
    )


_EPHEMERAL_KEYS: dict[str, Ed25519Signer] = {}
_EPHEMERAL_MASTERS: dict[str, MasterKey] = {}


def _master_key(settings: Settings, database: Database) -> MasterKey:
    """The master key that wraps every client's data key (never stored in the database):
    TSUNAGU_MASTER_KEY, else a file in the instance folder (the SQLite file's folder when
    none is named); Settings built by hand (tests) on PostgreSQL: one per database for the
    process."""
    if settings.master_key:
        return MasterKey.parse(settings.master_key)
    if settings.instance_path:
        return MasterKey.from_instance(Path(settings.instance_path))
    if database.kind == "sqlite":
        return MasterKey.from_instance(Path(database.path).parent)
    described = database.describe()
    if described not in _EPHEMERAL_MASTERS:
        _EPHEMERAL_MASTERS[described] = MasterKey.parse(secrets.token_hex(32))
    return _EPHEMERAL_MASTERS[described]


def _ledger_signer(settings: Settings, database: Database) -> Ed25519Signer:
    if settings.ledger_key:
        return Ed25519Signer.from_text(settings.ledger_key)
    if settings.instance_path:
        return Ed25519Signer.from_instance(Path(settings.instance_path))
    if database.kind == "sqlite":
        return Ed25519Signer.from_instance(Path(database.path).parent)
    # Settings built by hand (tests) on PostgreSQL: one key per database for the process.
    described = database.describe()
    if described not in _EPHEMERAL_KEYS:
        _EPHEMERAL_KEYS[described] = Ed25519Signer.generate()
    return _EPHEMERAL_KEYS[described]


def public_key(text: str) -> PublicKey:
    """A public key given as PEM, hex or base64 (``tsunagu ledger check-proof``: no database)."""
    return Ed25519PublicKeyChecker.from_text(text)


@dataclass(frozen=True)
class _Engines:
    reader: Engine
    """The primary, for reads that must see what was just written (commands,
    authentication, the views a command brings up itself)."""
    writer: Engine
    lists: Engine
    """Lists and reports: the replica of DATABASE_READ_URL (through ReadRouting),
    else the primary's reader."""


def _services(
    store: EventStore,
    aggregates: Aggregates,
    monitor: ViewUpdater,
    engines: _Engines,
    settings: Settings,
    clock: Clock,
    ledger: Ledger,
    privacy: Privacy,
    blind_index: BlindIndex,
) -> Services:
    """Each feature with the ports it needs (constructor injection, nothing attached later).

    Lists and reports read ``engines.lists`` and wait for ``min_position`` there
    (``listed``); commands and what they read stay on the primary (infrastructure.replica).
    """
    reader, writer, lists = engines.reader, engines.writer, engines.lists
    listed = monitor if lists is reader else ReplicaViews(monitor, lists)
    references = References(aggregates)
    store_kind = Database.from_url(settings.database_url, settings.db_schema).kind
    reference_directory = SqlReferenceDirectory(reader)
    user_directory = SqlUserDirectory(reader)
    organization_directory = SqlOrganizationDirectory(reader)
    resource_directory = SqlResourceDirectory(reader)
    case_board = SqlCaseBoard(reader)
    client_directory = SqlClientDirectory(reader, blind_index)
    network_board = SqlNetworkBoard(reader)
    users = UserNames(aggregates, user_directory)
    timeline = Timeline(users, resource_directory)
    resources = ResourceCases(aggregates, references, SqlResourceDirectory(lists))
    past = SqlPastViews(store, reader)
    board = BoardCases(case_board, monitor, past)
    listed_board = board
    if lists is not reader:
        listed_board = BoardCases(ListedCaseBoard(SqlCaseBoard(lists), case_board), listed, past)
    access_log = SqlAccessLog(reader, writer)
    access = AccessRecorder(access_log, clock)
    needs = NeedCases(aggregates, store, users, timeline, client_directory, access)
    return Services(
        reference=ReferenceCases(aggregates, references, reference_directory),
        accounts=AccountCases(
            aggregates,
            references,
            user_directory,
            Argon2Passwords(fast=settings.fast_passwords),
            SqlTokenStore(reader, writer),
            clock,
            settings.token_ttl,
            SignInGuard(_attempt_store(settings, writer), SqlSignInLog(writer), clock),
            ZxcvbnStrength(),
        ),
        clients=ClientCases(aggregates, references, client_directory, clock, access, privacy),
        resources=resources,
        organizations=OrganizationCases(
            aggregates,
            store,
            references,
            organization_directory,
            resource_directory,
            network_board,
            users,
            clock,
        ),
        needs=needs,
        board=listed_board,
        matching=MatchingCases(
            aggregates,
            needs,
            resource_directory,
            case_board,
            monitor,
            # memory://: events in RAM, so the inputs cannot share their transaction.
            SqlMatchingInputs(reader, writer) if store_kind != "memory" else None,
        ),
        development=DevelopmentCases(
            aggregates,
            store,
            references,
            resources,
            board,
            SqlDevelopmentBoard(lists),
            organization_directory,
            timeline,
            listed,
            clock,
        ),
        network=NetworkCases(aggregates, references, SqlNetworkBoard(lists), clock),
        oversight=OversightCases(
            store,
            references,
            SqlDashboard(lists),
            SqlAuditLog(lists),
            SqlLogicModel(lists),
            listed,
            clock,
            past,
        ),
        importing=ImportCases(aggregates, reference_directory, organization_directory),
        history=HistoryCases(store, users),
        access=AccessCases(SqlAccessLog(lists, writer)),
        aggregates=aggregates,
        clock=clock,
        ledger=ledger,
    )


def _attempt_store(settings: Settings, writer: Engine) -> AttemptStore:
    """Sign-in failures are counted in Redis when configured, else in the database:
    either way every worker and server shares them."""
    if settings.redis_url:
        return RedisAttemptStore.from_url(settings.redis_url)
    return SqlAttemptStore(writer)


def rotate_master_key(built: Container, new_key: str) -> int:
    """Re-wrap every client's data key with ``new_key`` (64 hex or base64 characters);
    returns how many keys were re-wrapped (docs/privacy.md, "Rotating the master key")."""
    keyring = built.store.keyring
    if not isinstance(keyring, SqlKeyring):
        raise TypeError("this instance seals no personal data")
    return keyring.rewrap(MasterKey.parse(new_key))


def stored_snapshots(built: Container) -> SqlSnapshots:
    """The event store's snapshot rows, for ``tsunagu snapshots``."""
    return SqlSnapshots.of(built.database, built.projections.writer, built.store.name)
