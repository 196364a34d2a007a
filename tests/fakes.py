"""In-memory fakes of the application's narrow ports, and the features wired on them.

The fakes that answer "what do the events say" (the case board, the directories)
read the aggregates straight from the in-memory event store each time they are
asked: they are always fresh, and obviously say what the events say. The others
(tokens, passwords, the clock, the views' monitor) keep a little state of their
own that tests can set and inspect.

:func:`in_memory_features` wires the features the application tests exercise on
``EventStore({"PERSISTENCE_MODULE": "eventsourcing.popo"})`` and these fakes,
without SQLAlchemy, so that a test runs in milliseconds; :func:`settle_town`,
:func:`new_client`, :func:`new_resource` and :func:`need_in` give those tests a
municipality to work in, and :func:`refusal_of` the error a refused command raises.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from application.access import AccessEntry, AccessQuery, AccessRead, AccessRecorder
from application.accounts import AccountCases, TokenInfo, TokenKind, UserDTO, UserNames, user_dto
from application.board import BoardCases, BoardCursor, BoardSort, NeedFilter, NeedRow
from application.clients import ClientCard, ClientCases, ClientDTO, ClientName, ClientSummary
from application.common import ViewStatus
from application.errors import ApplicationError
from application.history import Timeline
from application.matching import MatchingCases
from application.needs import NeedCases, NeedDTO
from application.reference import (
    AreaDTO,
    CenterDTO,
    ReferenceCases,
    References,
    area_dto,
    center_dto,
)
from application.resources import ResourceCases, ResourceDTO, ResourceFilter, resource_dto
from application.security import SYSTEM_ACTOR, Actor
from application.sign_in import (
    ACCOUNT_BACKOFF,
    ADDRESS_BACKOFF,
    Backoff,
    SignInGuard,
    SignInRecord,
)
from application.store import Aggregates, EventStore
from domain.client import Client
from domain.errors import DomainError
from domain.need import Need
from domain.reference import Area, SupportCenter
from domain.resource import Resource
from domain.user import User
from domain.values import (
    CareLevel,
    NeedCategory,
    NeedStatus,
    Outcome,
    PersonalData,
    Role,
    ServiceType,
    Urgency,
    UserId,
    display_code,
)
from tests.builders import PASSWORD, Town

if TYPE_CHECKING:
    from application.accounts import PasswordHasher, TokenStore, UserDirectory
    from application.board import CaseBoard
    from application.clients import ClientDirectory
    from application.common import Clock, ViewMonitor
    from application.reference import ReferenceDirectory
    from application.resources import ResourceDirectory

A = TypeVar("A", bound=Aggregate)

START = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
"""The instant a :class:`FakeClock` starts at (10:00 in Japan)."""

Refusal = DomainError | ApplicationError
"""What a refused command raises; tests assert on its ``code`` (and ``params``)."""


def refusal_of(command: Callable[[], object]) -> Refusal:
    """The refusal ``command`` raises; the test fails if it raises none."""
    with pytest.raises((DomainError, ApplicationError)) as refused:
        command()
    error = refused.value
    assert isinstance(error, DomainError | ApplicationError)
    return error


def in_memory_store() -> EventStore:
    """tsunagu's event store with its events in RAM."""
    return EventStore({"PERSISTENCE_MODULE": "eventsourcing.popo"})


def stored(store: EventStore, created: type[Any], cls: type[A]) -> list[A]:
    """Every aggregate of ``cls`` now, in the order they were created.

    ``created`` is the event that starts the aggregate (``Need.Raised``).
    """
    head = store.head()
    if not head:
        return []
    notifications = store.recorder.select_notifications(
        start=1, limit=head, topics=[get_topic(created)]
    )
    found = (store.get(UUID(str(n.originator_id))) for n in notifications)
    return [a for a in found if isinstance(a, cls)]


# -- the case board ------------------------------------------------------------------------------

_URGENCY_WEIGHT = {Urgency.HIGH: 2, Urgency.NORMAL: 1, Urgency.LOW: 0}

_ORDERS: dict[BoardSort, tuple[tuple[str, ...], bool]] = {
    # (the key's parts, need id last; whether descending): every part runs the same way.
    BoardSort.LAST_ACTIVITY: (("last_activity_at", "id"), True),
    BoardSort.OLDEST_ACTIVITY: (("last_activity_at", "id"), False),
    BoardSort.NEWEST: (("raised_at", "id"), True),
    BoardSort.OLDEST: (("raised_at", "id"), False),
    BoardSort.URGENCY: (("weight", "last_activity_at", "id"), True),
}


def _key(sort: BoardSort, row: NeedRow | BoardCursor) -> tuple[Any, ...]:
    if isinstance(row, BoardCursor):
        parts = {"id": row.need_id, "last_activity_at": row.last_activity_at}
    else:
        parts = {"id": row.id, "last_activity_at": row.last_activity_at}
    parts.update(raised_at=row.raised_at, weight=_URGENCY_WEIGHT[row.urgency])
    return tuple(parts[name] for name in _ORDERS[sort][0])


def _sorted(
    rows: Iterable[NeedRow], sort: BoardSort, after: BoardCursor | None = None
) -> list[NeedRow]:
    descending = _ORDERS[sort][1]
    ordered = sorted(rows, key=lambda r: _key(sort, r), reverse=descending)
    if after is None:
        return ordered
    mark = _key(sort, after)
    return [r for r in ordered if (_key(sort, r) < mark if descending else _key(sort, r) > mark)]


class FakeCaseBoard:
    """The case board, one row per need, read from the needs in the event store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def page(
        self,
        filters: NeedFilter,
        sort: BoardSort,
        page: int,
        per_page: int,
        after: BoardCursor | None = None,
    ) -> tuple[list[NeedRow], int]:
        matching = [r for n, r in self._needs() if _matches(n, filters)]
        if after is not None:
            return _sorted(matching, sort, after)[:per_page], len(matching)
        rows = _sorted(matching, sort)
        start = (page - 1) * per_page
        return rows[start : start + per_page], len(rows)

    def status_counts(self, filters: NeedFilter) -> dict[NeedStatus, int]:
        return dict(
            Counter(r.status for n, r in self._needs() if _matches(n, filters, with_status=False))
        )

    def by_ids(self, need_ids: Collection[UUID]) -> list[NeedRow]:
        wanted = set(need_ids)
        rows = [r for _, r in self._needs() if r.id in wanted]
        return _sorted(rows, BoardSort.LAST_ACTIVITY)

    def waiting_by_resource(self) -> dict[UUID, int]:
        return dict(
            Counter(
                r.resource_id
                for _, r in self._needs()
                if r.status is NeedStatus.PROPOSED and r.resource_id is not None
            )
        )

    def _needs(self) -> list[tuple[Need, NeedRow]]:
        return [(need, self._row(need)) for need in stored(self._store, Need.Raised, Need)]

    def _row(self, need: Need) -> NeedRow:
        assignee = self._store.get(need.assignee) if need.assignee is not None else None
        return NeedRow(
            id=need.id,
            version=need.version,
            status=need.status,
            paused=need.paused,
            client_id=need.client_id,
            client_code=display_code("C", need.client_id),
            category=need.category,
            urgency=need.urgency,
            center_code=need.center_code,
            area_code=need.area_code,
            assignee=assignee.username if isinstance(assignee, User) else None,
            resource_id=need.resource_id,
            outcome=need.outcome,
            raised_at=need.created_on,
            last_activity_at=need.modified_on,
        )


def _matches(need: Need, f: NeedFilter, *, with_status: bool = True) -> bool:
    """Whether ``need`` passes every filter (the status one only ``with_status``)."""
    checks = [
        not with_status or f.status is None or need.status is f.status,
        not with_status or not f.open_only or need.status is not NeedStatus.CLOSED,
        f.category is None or need.category is f.category,
        f.area_code is None or need.area_code == f.area_code,
        f.center_code is None or need.center_code == f.center_code,
        f.urgency is None or need.urgency is f.urgency,
        f.paused is None or need.paused == f.paused,
        f.stale_before is None
        or (need.modified_on < f.stale_before and need.status is not NeedStatus.CLOSED),
        f.assignee is None or need.assignee == User.id_for(f.assignee),
        f.client_id is None or need.client_id == f.client_id,
    ]
    return all(checks)


# -- directories ---------------------------------------------------------------------------------

_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_CODE = re.compile(r"^(C-?)?[A-Z2-7]{2,8}$")


def _kana(text: str) -> str:
    """Kana as searched: NFKC, katakana, no spaces."""
    katakana = _HIRAGANA.sub(
        lambda m: chr(ord(m.group(0)) + 0x60), unicodedata.normalize("NFKC", text)
    )
    return "".join(katakana.split()).upper()


class FakeClientDirectory:
    """Clients found by display code or kana, read from the clients in the event store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def search(self, text: str, center_code: str | None, limit: int) -> list[ClientSummary]:
        kana = _kana(text)
        if not kana:
            return []
        code = text.strip().upper().replace(" ", "")
        prefix = code if code.startswith("C-") else "C-" + code
        by_code = _CODE.fullmatch(code) is not None

        def found(client: Client) -> bool:
            name_kana = client.personal.name_kana
            return (name_kana is not None and kana in _kana(name_kana)) or (
                by_code and client.display_code.startswith(prefix)
            )

        clients = [
            c
            for c in self._clients()
            if found(c) and (center_code is None or c.center_code == center_code)
        ]
        clients.sort(key=lambda c: c.id)
        clients.sort(key=lambda c: c.created_on, reverse=True)
        return [_summary(c) for c in clients[:limit]]

    def card(self, client_id: UUID, with_personal: bool) -> ClientCard | None:
        client = self._store.get(client_id)
        if not isinstance(client, Client):
            return None
        return ClientCard(_summary(client), client.personal if with_personal else None)

    def names(self, client_ids: Collection[UUID], center_code: str) -> dict[UUID, ClientName]:
        return {
            c.id: ClientName(c.personal.name, c.personal.name_kana)
            for c in self._clients()
            if c.id in client_ids and c.center_code == center_code
        }

    def likely_duplicates(
        self, personal: PersonalData, center_code: str, scope: str | None
    ) -> list[ClientSummary]:
        def digits(text: str | None) -> str:
            return "".join(ch for ch in text or "" if ch.isdigit())

        def same(c: Client) -> bool:
            theirs = c.personal
            kana = (
                personal.name_kana is not None
                and theirs.name_kana is not None
                and _kana(theirs.name_kana) == _kana(personal.name_kana)
                and theirs.birth_date == personal.birth_date
                and (scope is None or c.center_code == scope)
            )
            phone = (
                c.center_code == center_code
                and bool(digits(personal.phone))
                and digits(theirs.phone) == digits(personal.phone)
                and theirs.name.replace(" ", "") == personal.name.replace(" ", "")
            )
            return kana or phone

        clients = sorted((c for c in self._clients() if same(c)), key=lambda c: c.created_on)
        return [_summary(c) for c in clients[:5]]

    def _clients(self) -> list[Client]:
        return stored(self._store, Client.Registered, Client)


def _summary(client: Client) -> ClientSummary:
    return ClientSummary(
        id=client.id,
        display_code=client.display_code,
        care_level=client.care_level,
        frailty=client.frailty,
        area_code=client.area_code,
        center_code=client.center_code,
        registered_at=client.created_on,
        assessed_on=client.assessed_on,
    )


class FakeResourceDirectory:
    """The resource directory, read from the resources in the event store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def resources(self, filters: ResourceFilter) -> list[ResourceDTO]:
        found = [
            resource_dto(r, None)
            for r in stored(self._store, Resource.Registered, Resource)
            if (filters.category is None or filters.category in r.categories)
            and (filters.area_code is None or filters.area_code in r.area_codes)
            and (filters.status is None or r.status is filters.status)
            and (filters.service_type is None or r.service_type is filters.service_type)
            and (filters.organization_id is None or r.organization_id == filters.organization_id)
            and (not filters.has_capacity or r.places_left is None or r.places_left > 0)
        ]
        return sorted(found, key=lambda r: (r.name, r.id))

    def page(
        self, filters: ResourceFilter, limit: int, offset: int
    ) -> tuple[list[ResourceDTO], int]:
        found = self.resources(filters)
        return found[offset : offset + limit], len(found)

    def names(self, resource_ids: Iterable[UUID]) -> dict[UUID, str]:
        wanted = set(resource_ids)
        return {
            r.id: r.name
            for r in stored(self._store, Resource.Registered, Resource)
            if r.id in wanted
        }


class FakeUserDirectory:
    """Users as listed, read from the users in the event store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def users(self) -> list[UserDTO]:
        users = stored(self._store, User.Created, User)
        return [user_dto(u, None) for u in sorted(users, key=lambda u: u.username)]

    def usernames(self, user_ids: Sequence[UUID]) -> dict[UUID, str]:
        wanted = set(user_ids)
        return {u.id: u.username for u in stored(self._store, User.Created, User) if u.id in wanted}


class FakeReferenceDirectory:
    """Areas and centers as listed, read from the event store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def areas(self) -> list[AreaDTO]:
        areas = stored(self._store, Area.Registered, Area)
        return [area_dto(a, None) for a in sorted(areas, key=lambda a: a.code)]

    def centers(self) -> list[CenterDTO]:
        centers = stored(self._store, SupportCenter.Registered, SupportCenter)
        return [center_dto(c, None) for c in sorted(centers, key=lambda c: c.code)]


# -- tokens, passwords, time, views --------------------------------------------------------------


@dataclass
class _Token:
    user_id: UserId
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime
    label: str
    revoked: bool = False


class FakeTokens:
    """Bearer tokens in a dict; tokens are ``token-1``, ``token-2``, ... in order of issue,
    and a token's handle is ``handle-<token>``."""

    def __init__(self) -> None:
        self.tokens: dict[str, _Token] = {}

    def issue(
        self,
        user_id: UserId,
        kind: TokenKind,
        issued_at: datetime,
        expires_at: datetime,
        label: str,
    ) -> str:
        token = f"token-{len(self.tokens) + 1}"
        self.tokens[token] = _Token(user_id, kind, issued_at, expires_at, label)
        return token

    def lookup(self, token: str, kind: TokenKind, now: datetime) -> UserId | None:
        found = self.tokens.get(token)
        if found is None or found.revoked or found.expires_at <= now or found.kind is not kind:
            return None
        return found.user_id

    def active(self, user_id: UserId, now: datetime) -> list[TokenInfo]:
        return [
            TokenInfo(self.handle(token), t.kind, t.issued_at, t.expires_at, t.label)
            for token, t in reversed(self.tokens.items())
            if t.user_id == user_id and not t.revoked and t.expires_at > now
        ]

    def handle(self, token: str) -> str:
        return f"handle-{token}"

    def revoke_handle(self, user_id: UserId, handle: str) -> bool:
        token = handle.removeprefix("handle-")
        found = self.tokens.get(token)
        if found is None or found.user_id != user_id:
            return False
        return self.revoke(token)

    def revoke(self, token: str) -> bool:
        found = self.tokens.get(token)
        if found is None or found.revoked:
            return False
        found.revoked = True
        return True

    def revoke_user(self, user_id: UserId) -> int:
        valid = [t for t in self.tokens.values() if t.user_id == user_id and not t.revoked]
        for token in valid:
            token.revoked = True
        return len(valid)


@dataclass
class _Attempts:
    failures: int
    last_failure: datetime
    locked_until: datetime | None = None


class FakeAttempts:
    """Failed sign-in counts in a dict (``keys`` shows them to tests)."""

    def __init__(self) -> None:
        self.keys: dict[str, _Attempts] = {}

    def locked_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        ends = [
            found.locked_until
            for key in keys
            if (found := self.keys.get(key)) is not None and found.locked_until is not None
        ]
        latest = max(ends, default=None)
        return latest if latest is not None and latest > now else None

    def add_failure(self, key: str, now: datetime, forget_before: datetime) -> int:
        found = self.keys.get(key)
        if found is None:
            found = self.keys[key] = _Attempts(0, now)
        elif found.last_failure < forget_before:
            found.failures = 0
        found.failures += 1
        found.last_failure = now
        return found.failures

    def lock(self, key: str, until: datetime, now: datetime) -> None:
        found = self.keys[key]
        if found.locked_until is None or found.locked_until < until:
            found.locked_until = until

    def clear(self, key: str) -> None:
        self.keys.pop(key, None)


class FakeSignInLog:
    """The sign-in log as a list, oldest first."""

    def __init__(self) -> None:
        self.records: list[SignInRecord] = []

    def record(self, record: SignInRecord) -> None:
        self.records.append(record)

    def recent(self, limit: int) -> list[SignInRecord]:
        return list(reversed(self.records))[:limit]


class FakeAccessLog:
    """The read-access log as a list of (actor, read, when), oldest first; ``failing``
    makes every append raise, as a database gone away would."""

    def __init__(self) -> None:
        self.reads: list[tuple[Actor, AccessRead, datetime]] = []
        self.failing = False

    def append(self, actor: Actor, reads: list[AccessRead], at: datetime) -> None:
        if self.failing:
            raise ConnectionError("the access log cannot be written")
        self.reads.extend((actor, read, at) for read in reads)

    def search(self, query: AccessQuery, limit: int) -> list[AccessEntry]:
        raise NotImplementedError("the SQL adapter is tested in tests/integration")

    def entries(self) -> Iterator[AccessEntry]:
        raise NotImplementedError("the SQL adapter is tested in tests/integration")


COMMON_PASSWORDS = frozenset({"password1234", "123456789012", "qwertyuiopas"})


class FakeStrength:
    """Guessable: the few passwords of :data:`COMMON_PASSWORDS`; anything else is strong."""

    def guesses(self, password: str, hints: Sequence[str]) -> float:
        return 10.0 if password.casefold() in COMMON_PASSWORDS else 1e15


class FakePasswords:
    """A cheap, deterministic stand-in for Argon2 (never use outside tests)."""

    def hash(self, password: str) -> str:
        return "fake$" + hashlib.sha256(password.encode("utf-8")).hexdigest()

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)


@dataclass
class FakeClock:
    """The current instant, as tests set it."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


VIEWS = ("case_board", "client_directory", "resource_directory", "directory")


@dataclass
class FakeMonitor:
    """Views that are as fresh as the event store (the fakes read it directly),
    unless a test says a view lags (``lag["case_board"] = 3``). Never waits."""

    store: EventStore
    lag: dict[str, int] = field(default_factory=dict)

    def status(self) -> list[ViewStatus]:
        head = self.store.head()
        return [ViewStatus(view, self.position(view), head) for view in VIEWS]

    def position(self, view: str) -> int:
        return max(self.store.head() - self.lag.get(view, 0), 0)

    def wait_for(self, view: str, position: int, timeout: float) -> bool:
        return self.position(view) >= position

    def bring_up(self, views: Sequence[str], position: int) -> bool:
        return all(self.position(view) >= position for view in views)


# -- the features under test ---------------------------------------------------------------------


@dataclass(frozen=True)
class Features:
    """The features the application tests exercise, on the in-memory store and the fakes."""

    reference: ReferenceCases
    accounts: AccountCases
    clients: ClientCases
    resources: ResourceCases
    needs: NeedCases
    board: BoardCases
    matching: MatchingCases
    store: EventStore
    tokens: FakeTokens
    attempts: FakeAttempts
    sign_in_log: FakeSignInLog
    monitor: FakeMonitor
    clock: FakeClock
    access_log: FakeAccessLog

    def head(self) -> int:
        """The event log's head (to prove that a refused command wrote nothing)."""
        return self.store.head()


def in_memory_features(
    clock: FakeClock | None = None,
    token_ttl: timedelta = timedelta(hours=12),
    account_backoff: Backoff | None = None,
    address_backoff: Backoff | None = None,
    passwords: PasswordHasher | None = None,
) -> Features:
    """Each feature built as ``interfaces.bootstrap`` builds it, with fakes for its ports."""
    store = in_memory_store()
    aggregates = Aggregates(store)
    clock = clock or FakeClock()
    references = References(aggregates)
    user_directory = FakeUserDirectory(store)
    users = UserNames(aggregates, user_directory)
    resource_directory = FakeResourceDirectory(store)
    case_board = FakeCaseBoard(store)
    client_directory = FakeClientDirectory(store)
    monitor = FakeMonitor(store)
    tokens = FakeTokens()
    attempts = FakeAttempts()
    sign_in_log = FakeSignInLog()
    guard = SignInGuard(
        attempts,
        sign_in_log,
        clock,
        account_backoff or ACCOUNT_BACKOFF,
        address_backoff or ADDRESS_BACKOFF,
    )
    access_log = FakeAccessLog()
    access = AccessRecorder(access_log, clock)
    needs = NeedCases(
        aggregates, store, users, Timeline(users, resource_directory), client_directory, access
    )
    return Features(
        reference=ReferenceCases(aggregates, references, FakeReferenceDirectory(store)),
        accounts=AccountCases(
            aggregates,
            references,
            user_directory,
            passwords or FakePasswords(),
            tokens,
            clock,
            token_ttl,
            guard,
            FakeStrength(),
        ),
        clients=ClientCases(aggregates, references, client_directory, clock, access),
        resources=ResourceCases(aggregates, references, resource_directory),
        needs=needs,
        board=BoardCases(case_board, monitor),
        matching=MatchingCases(aggregates, needs, resource_directory, case_board, monitor),
        store=store,
        tokens=tokens,
        attempts=attempts,
        sign_in_log=sign_in_log,
        monitor=monitor,
        clock=clock,
        access_log=access_log,
    )


def settle_town(app: Features) -> Town:
    """The municipality of ``tests.builders.make_town``: areas north and south, their
    centers c-north and c-south, and one user per role (cm, cm-south, sc, boss, audit, root)."""
    app.reference.create_area("north", "北地区", SYSTEM_ACTOR)
    app.reference.create_area("south", "南地区", SYSTEM_ACTOR)
    app.reference.create_center("c-north", "北地域包括支援センター", ["north"], SYSTEM_ACTOR)
    app.reference.create_center("c-south", "南地域包括支援センター", ["south"], SYSTEM_ACTOR)
    users = {
        "cm": ([Role.CARE_MANAGER], "c-north"),
        "cm-south": ([Role.CARE_MANAGER], "c-south"),
        "sc": ([Role.COORDINATOR], None),
        "boss": ([Role.SUPERVISOR], None),
        "audit": ([Role.AUDITOR], None),
        "root": ([Role.ADMIN], None),
    }
    for username, (roles, center) in users.items():
        app.accounts.create_user(username, PASSWORD, roles, SYSTEM_ACTOR, center_code=center)
    actor = app.accounts.actor_for_username
    return Town(
        care_manager=actor("cm"),
        other_care_manager=actor("cm-south"),
        coordinator=actor("sc"),
        supervisor=actor("boss"),
        auditor=actor("audit"),
        admin=actor("root"),
    )


# -- a client, a resource, a need in a given state -----------------------------------------------

PROPOSE_REASON = "徒歩圏内で、本人の希望する曜日に開催"
START_DATE = date(2026, 12, 1)


def new_client(
    app: Features, actor: Actor, center: str = "c-north", area: str = "north"
) -> ClientDTO:
    return app.clients.register(
        PersonalData("山田 花子", "ヤマダ ハナコ", date(1941, 4, 3), "北町1-2-3", "090-0000-0000"),
        CareLevel.SUPPORT_1,
        True,
        area,
        center,
        actor,
        confirm_duplicate=True,  # the same sample person, many times over
    )


def new_resource(
    app: Features, actor: Actor, capacity: int | None = 5, **options: Any
) -> ResourceDTO:
    """ふれあいサロン北: social participation and exercise in the north area."""
    return app.resources.register(
        "ふれあいサロン北",
        ServiceType.GATHERING_PLACE,
        [NeedCategory.SOCIAL_PARTICIPATION, NeedCategory.EXERCISE],
        ["north"],
        actor,
        capacity=capacity,
        **options,
    )


def new_need(app: Features, town: Town, client: ClientDTO | None = None) -> NeedDTO:
    """A social-participation need raised by the care manager of c-north."""
    client = client or new_client(app, town.care_manager)
    return app.needs.raise_need(
        client.id,
        NeedCategory.SOCIAL_PARTICIPATION,
        "外出の機会が減り、閉じこもりがち",
        "週に一度はサロンに通い、友人と話す生活を取り戻す",
        Urgency.NORMAL,
        town.care_manager,
    )


NEED_STATES = ("raised", "matching", "proposed", "matched", "resource_gap", "closed", "paused")


def need_in(
    app: Features,
    town: Town,
    state: str,
    *,
    resource: ResourceDTO | None = None,
    client: ClientDTO | None = None,
) -> NeedDTO:
    """A need taken through its commands to ``state`` (one of :data:`NEED_STATES`;
    ``paused`` is a raised need, paused)."""
    need = new_need(app, town, client)
    cm, co = town.care_manager, town.coordinator
    if state == "raised":
        return need
    if state == "paused":
        return app.needs.pause(need.id, "入院のため", need.version, cm)
    if state == "closed":
        return app.needs.close(need.id, Outcome.WITHDRAWN, "本人が辞退", need.version, cm)
    need = app.needs.assign(need.id, "sc", need.version, co)
    if state == "matching":
        return need
    if state == "resource_gap":
        return app.matching.record_gap(need.id, "近くに該当する資源がない", need.version, co)
    resource = resource or new_resource(app, co)
    need = app.matching.propose(need.id, resource.id, PROPOSE_REASON, need.version, co)
    if state == "proposed":
        return need
    assert state == "matched", state
    return app.matching.confirm(need.id, START_DATE, need.version, co)


if TYPE_CHECKING:
    # mypy checks that every fake implements its port.
    _store = in_memory_store()
    _case_board: CaseBoard = FakeCaseBoard(_store)
    _client_directory: ClientDirectory = FakeClientDirectory(_store)
    _resource_directory: ResourceDirectory = FakeResourceDirectory(_store)
    _user_directory: UserDirectory = FakeUserDirectory(_store)
    _reference_directory: ReferenceDirectory = FakeReferenceDirectory(_store)
    _token_store: TokenStore = FakeTokens()
    _password_hasher: PasswordHasher = FakePasswords()
    _view_monitor: ViewMonitor = FakeMonitor(_store)
    _clock: Clock = FakeClock()
