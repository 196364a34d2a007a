"""The core of the tsunagu application: the event store, the helpers every use
case shares, and the use cases of the need lifecycle.

Commands load aggregates, call one domain method each, and save everything
that changed in one atomic ``save``. Queries read the SQL views through the
ports of :mod:`application.ports` and return frozen DTOs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    ApplicationRecorder,
    JSONTranscoder,
    RecordConflictError,
    Tracking,
    Transcoder,
)

from application.dto import (
    AreaDTO,
    AuditEntry,
    CenterDTO,
    ClientDTO,
    DashboardCounts,
    HistoryEvent,
    NeedDTO,
    NeedFilter,
    NeedRow,
    OrganizationDTO,
    Page,
    ResourceDTO,
    ResourceFilter,
    TokenDTO,
    UserDTO,
    ViewStatus,
)
from application.errors import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidReferenceError,
    NotFoundError,
    VersionConflictError,
)
from application.ports import ChangeListener, PasswordHasher, ReadSide, TokenStore
from application.security import SYSTEM_ACTOR, Actor
from application.transcodings import register_domain_transcodings
from domain.client import Client
from domain.errors import InvalidValueError, ResourceNotActiveError
from domain.need import ALLOWED_FROM, Need
from domain.organization import Organization
from domain.reference import Area, SupportCenter
from domain.resource import Resource
from domain.user import User
from domain.values import (
    CareLevel,
    ClientId,
    Contact,
    DeclinedBy,
    NeedCategory,
    NeedId,
    NeedStatus,
    OrganizationId,
    OrganizationKind,
    Outcome,
    PersonalData,
    Progress,
    ResourceId,
    ResourceStatus,
    Role,
    ServiceType,
    Urgency,
    UserId,
    Weekday,
    derived_id,
    display_code,
)

A = TypeVar("A", bound=Aggregate)
JST = timezone(timedelta(hours=9), "JST")
log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
DEFAULT_TOKEN_TTL = timedelta(hours=12)
VIEW_WAIT_SECONDS = 2.0
SAVE_ATTEMPTS = 3

# Event attributes shown separately in a history entry (or never shown).
_ENVELOPE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp"})
_SECRET_FIELDS = frozenset({"password_hash"})


def project_events(aggregate: A | None, events: Iterable[DomainEventProtocol[UUID]]) -> A | None:
    """Replay ``events`` onto ``aggregate``.

    The library's default projector asserts a protocol with ``isinstance`` per
    event, which dominates the cost of loading long streams.
    """
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def utc_now() -> datetime:
    return datetime.now(UTC)


class CaseworkBase(Application[UUID]):
    """The event-sourced application every group of use cases builds on.

    :class:`application.casework.Casework` combines it with the mixins of the
    other use cases (development, matching, network, reports, ...).
    """

    name = "tsunagu"
    # Needs and resources both grow long histories (a busy resource gains two
    # events per match); both are loaded by most commands.
    snapshotting_intervals = {Need: 50, Resource: 50}  # noqa: RUF012 - the library's class API
    snapshotting_projectors = {Need: project_events, Resource: project_events}  # noqa: RUF012

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        read_side: ReadSide | None = None,
        passwords: PasswordHasher | None = None,
        tokens: TokenStore | None = None,
        listener: ChangeListener | None = None,
        clock: Callable[[], datetime] = utc_now,
        token_ttl: timedelta = DEFAULT_TOKEN_TTL,
    ) -> None:
        super().__init__(env)
        self._read_side = read_side
        self._passwords = passwords
        self._tokens = tokens
        self._listener = listener
        self.clock = clock
        self.token_ttl = token_ttl
        from application.policies import DevelopmentPolicy

        self.policies = [DevelopmentPolicy(self)]

    def construct_recorder(self) -> ApplicationRecorder:
        """A process recorder: an application recorder that can also record
        tracking atomically with new events (process managers need it)."""
        return self.factory.process_recorder()

    def construct_transcoder(self) -> Transcoder:
        transcoder = super().construct_transcoder()
        if isinstance(transcoder, JSONTranscoder):
            register_domain_transcodings(transcoder)
        return transcoder

    # -- wiring ------------------------------------------------------------------

    def attach(self, read_side: ReadSide, listener: ChangeListener | None = None) -> None:
        """Connect the read models (built after the application, since they follow its log)."""
        self._read_side = read_side
        self._listener = listener

    @property
    def read_side(self) -> ReadSide:
        if self._read_side is None:
            raise RuntimeError("this Casework was built without read models")
        return self._read_side

    @property
    def passwords(self) -> PasswordHasher:
        if self._passwords is None:
            raise RuntimeError("this Casework was built without a password hasher")
        return self._passwords

    @property
    def tokens(self) -> TokenStore:
        if self._tokens is None:
            raise RuntimeError("this Casework was built without a token store")
        return self._tokens

    # -- persistence helpers -----------------------------------------------------

    def _load(self, cls: type[A], aggregate_id: UUID, kind: str) -> A:
        try:
            aggregate: Aggregate = self.repository.get(
                aggregate_id,
                projector_func=project_events,  # type: ignore[arg-type]
            )
        except AggregateNotFoundError:
            raise NotFoundError(kind, aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(kind, aggregate_id)
        return aggregate

    def _load_expected(
        self, cls: type[A], aggregate_id: UUID, kind: str, expected_version: int | None
    ) -> A:
        aggregate = self._load(cls, aggregate_id, kind)
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionConflictError(kind, expected_version, aggregate.version)
        return aggregate

    def _exists(self, cls: type[Aggregate], aggregate_id: UUID) -> bool:
        try:
            self._load(cls, aggregate_id, "")
        except NotFoundError:
            return False
        return True

    def _commit(self, *aggregates: Aggregate, kind: str = "record") -> int:
        """Save atomically; returns the log position of the last event written."""
        try:
            recordings = self.save(*aggregates)
        except RecordConflictError:
            raise VersionConflictError(kind, None, None) from None
        position = recordings[-1].notification.id if recordings else self.head()
        if recordings:
            self.run_policies()
            if self._listener is not None:
                self._listener.changed(self.head())
        return position

    def run_policies(self) -> int:
        """Let the process managers react to what is new in the log, right now.

        The command that triggered them has committed already; a failure here
        is logged and left to the next run (e.g. the projection worker).
        """
        handled = 0
        for policy in self.policies:
            try:
                handled += policy.catch_up()
            except Exception:
                log.exception("process manager %s failed; it will retry", policy.name)
        return handled

    @contextmanager
    def views_deferred(self) -> Iterator[None]:
        """Skip the change listener inside the block (bulk loads catch up once after)."""
        listener, self._listener = self._listener, None
        try:
            yield
        finally:
            self._listener = listener

    def _commit_tracked(self, tracking: Tracking, *aggregates: Aggregate) -> int | None:
        """Save a process manager's reaction together with the position it reacted to.

        Raises :class:`VersionConflictError` when the position was processed
        already (or an aggregate moved on): the caller decides which.
        """
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        try:
            if processing.events:
                recordings = self._record(processing)
            else:
                self.recorder.insert_tracking(tracking)  # type: ignore[attr-defined]
                recordings = []
        except RecordConflictError:
            raise VersionConflictError("record", None, None) from None
        self._take_snapshots(processing)
        return recordings[-1].notification.id if recordings else None

    def head(self) -> int:
        """Position of the newest event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def _create_once(self, aggregate: A, kind: str, load: Callable[[], A]) -> tuple[A, int]:
        """Save a new aggregate; a retry with the same derived id returns the first."""
        try:
            return aggregate, self._commit(aggregate, kind=kind)
        except VersionConflictError:
            return load(), self.head()

    @staticmethod
    def _new_id(scope: str, actor: Actor, idempotency_key: str | None) -> UUID:
        if idempotency_key is None:
            return uuid4()
        return derived_id(f"{scope}:{actor.user_id}", idempotency_key)

    def _require_not_future(self, field: str, day: date) -> None:
        """Things that happened (contacts, meetings, assessments) cannot be dated later
        than today in Japan."""
        today = self.clock().astimezone(JST).date()
        if day > today:
            raise InvalidValueError(field, f"must not be in the future (today is {today})")

    def _require_areas(self, field: str, area_codes: Sequence[str]) -> None:
        for code in area_codes:
            if not self._exists(Area, Area.id_for(code)):
                raise InvalidReferenceError(field, f"no area with code {code!r}")

    def _require_center(self, field: str, center_code: str) -> SupportCenter:
        try:
            return self._load(SupportCenter, SupportCenter.id_for(center_code), "support center")
        except NotFoundError:
            raise InvalidReferenceError(
                field, f"no support center with code {center_code!r}"
            ) from None

    # -- areas and centers -------------------------------------------------------

    def create_area(self, code: str, name: str, actor: Actor) -> AreaDTO:
        actor.require("area.create")
        area = Area.register(code, name, actor.user_id)
        if self._exists(Area, area.id):
            raise AlreadyExistsError("area", code)
        try:
            position = self._commit(area, kind="area")
        except VersionConflictError:
            raise AlreadyExistsError("area", code) from None
        return area_dto(area, position)

    def list_areas(self, actor: Actor) -> list[AreaDTO]:
        actor.require("area.read")
        return self.read_side.directory.areas()

    def create_center(self, code: str, name: str, area_codes: list[str], actor: Actor) -> CenterDTO:
        actor.require("center.create")
        center = SupportCenter.register(code, name, area_codes, actor.user_id)
        self._require_areas("area_codes", area_codes)
        if self._exists(SupportCenter, center.id):
            raise AlreadyExistsError("support center", code)
        try:
            position = self._commit(center, kind="support center")
        except VersionConflictError:
            raise AlreadyExistsError("support center", code) from None
        return center_dto(center, position)

    def list_centers(self, actor: Actor) -> list[CenterDTO]:
        actor.require("center.read")
        return self.read_side.directory.centers()

    # -- users and authentication ------------------------------------------------

    def create_user(
        self,
        username: str,
        password: str,
        roles: list[Role],
        actor: Actor,
        center_code: str | None = None,
        display_name: str | None = None,
    ) -> UserDTO:
        actor.require("user.create")
        _require_password(password)
        if center_code is not None:
            self._require_center("center_code", center_code)
        # Validate everything cheap before paying for the password hash.
        User.create(username, "-", roles, actor.user_id, center_code, display_name)
        if self._exists(User, User.id_for(username)):
            raise AlreadyExistsError("user", username)
        user = User.create(
            username, self.passwords.hash(password), roles, actor.user_id, center_code, display_name
        )
        try:
            position = self._commit(user, kind="user")
        except VersionConflictError:
            raise AlreadyExistsError("user", username) from None
        return user_dto(user, position)

    def list_users(self, actor: Actor) -> list[UserDTO]:
        actor.require("user.read")
        return self.read_side.directory.users()

    def get_user(self, username: str, actor: Actor) -> UserDTO:
        actor.require("user.read")
        return user_dto(self._load(User, User.id_for(username), "user"), None)

    def issue_token(self, username: str, password: str) -> TokenDTO:
        """Exchange a username and password for a bearer token."""
        try:
            user = self._load(User, User.id_for(username), "user")
        except NotFoundError:
            user = None
        if user is None or not self.passwords.verify(user.password_hash, password):
            raise AuthenticationError("unknown username or wrong password")
        if not user.active:
            raise AuthenticationError("this account is deactivated")
        return self._issue(user, self.token_ttl)

    def issue_token_for(self, username: str, ttl: timedelta | None = None) -> TokenDTO:
        """A token without a password: for administrators at the command line."""
        user = self._load(User, User.id_for(username), "user")
        if not user.active:
            raise AuthenticationError("this account is deactivated")
        return self._issue(user, ttl or self.token_ttl)

    def _issue(self, user: User, ttl: timedelta) -> TokenDTO:
        now = self.clock()
        expires_at = now + ttl
        token = self.tokens.issue(UserId(user.id), now, expires_at)
        return TokenDTO(token=token, expires_at=expires_at, username=user.username)

    def authenticate(self, token: str) -> Actor:
        """The actor a bearer token stands for."""
        user_id = self.tokens.lookup(token, self.clock())
        if user_id is None:
            raise AuthenticationError("the token is unknown or has expired")
        try:
            user = self._load(User, user_id, "user")
        except NotFoundError:
            raise AuthenticationError("the token's user no longer exists") from None
        return self.actor_for(user)

    def actor_for_username(self, username: str) -> Actor:
        """The actor of an existing, active user (for the command line and tests)."""
        return self.actor_for(self._load(User, User.id_for(username), "user"))

    @staticmethod
    def actor_for(user: User) -> Actor:
        if not user.active:
            raise AuthenticationError("this account is deactivated")
        return Actor(
            user_id=UserId(user.id),
            username=user.username,
            roles=frozenset(user.roles),
            center_code=user.center_code,
        )

    # -- clients -----------------------------------------------------------------

    def register_client(
        self,
        personal: PersonalData,
        care_level: CareLevel,
        frailty: bool,
        area_code: str,
        center_code: str,
        actor: Actor,
        idempotency_key: str | None = None,
        available_weekdays: list[Weekday] | None = None,
    ) -> ClientDTO:
        actor.require("client.create")
        if not actor.sees_center(center_code):
            raise InvalidReferenceError(
                "center_code", "you can register clients only at your own support center"
            )
        self._require_areas("area_code", [area_code])
        self._require_center("center_code", center_code)
        client_id = ClientId(self._new_id("client", actor, idempotency_key))
        client = Client.register(
            client_id,
            personal,
            care_level,
            frailty,
            area_code,
            center_code,
            actor.user_id,
            available_weekdays,
        )
        client, position = self._create_once(
            client, "client", lambda: self._load(Client, client_id, "client")
        )
        return self._client_dto(client, position, actor)

    def get_client(self, client_id: UUID, actor: Actor) -> ClientDTO:
        actor.require("client.read")
        client = self._get_client(client_id, actor)
        return self._client_dto(client, self.head(), actor)

    def change_care_level(
        self,
        client_id: UUID,
        care_level: CareLevel,
        assessed_on: date,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> ClientDTO:
        actor.require("client.assess")
        self._require_not_future("assessed_on", assessed_on)
        client = self._get_client(client_id, actor, expected_version)
        client.change_care_level(care_level, assessed_on, reason, actor.user_id)
        position = self._commit(client, kind="client")
        return self._client_dto(client, position, actor)

    def record_client_availability(
        self,
        client_id: UUID,
        weekdays: list[Weekday],
        expected_version: int | None,
        actor: Actor,
    ) -> ClientDTO:
        """The weekdays the client can take part; matching prefers resources on them."""
        actor.require("client.assess")
        client = self._get_client(client_id, actor, expected_version)
        client.record_availability(weekdays, actor.user_id)
        position = self._commit(client, kind="client")
        return self._client_dto(client, position, actor)

    def _get_client(
        self, client_id: UUID, actor: Actor, expected_version: int | None = None
    ) -> Client:
        client = self._load(Client, client_id, "client")
        if not actor.sees_center(client.center_code):
            raise NotFoundError("client", client_id)
        if expected_version is not None and client.version != expected_version:
            raise VersionConflictError("client", expected_version, client.version)
        return client

    @staticmethod
    def _client_dto(client: Client, position: int | None, actor: Actor) -> ClientDTO:
        return ClientDTO(
            id=client.id,
            version=client.version,
            position=position,
            display_code=client.display_code,
            care_level=client.care_level,
            frailty=client.frailty,
            area_code=client.area_code,
            center_code=client.center_code,
            assessed_on=client.assessed_on,
            registered_at=client.created_on,
            personal=client.personal if actor.can("client.read_personal") else None,
            available_weekdays=(
                tuple(client.available_weekdays) if client.available_weekdays is not None else None
            ),
        )

    # -- organizations -----------------------------------------------------------

    def register_organization(
        self,
        name: str,
        kind: OrganizationKind,
        area_codes: list[str],
        actor: Actor,
        contact: Contact | None = None,
        idempotency_key: str | None = None,
    ) -> OrganizationDTO:
        actor.require("organization.create")
        self._require_areas("area_codes", area_codes)
        org_id = OrganizationId(self._new_id("organization", actor, idempotency_key))
        org = Organization.register(org_id, name, kind, area_codes, actor.user_id, contact)
        org, position = self._create_once(
            org, "organization", lambda: self._load(Organization, org_id, "organization")
        )
        return organization_dto(org, position)

    def get_organization(self, organization_id: UUID, actor: Actor) -> OrganizationDTO:
        actor.require("organization.read")
        org = self._load(Organization, organization_id, "organization")
        return organization_dto(org, self.head())

    def list_organizations(self, actor: Actor) -> list[OrganizationDTO]:
        actor.require("organization.read")
        return self.read_side.directory.organizations()

    # -- resources ---------------------------------------------------------------

    def register_resource(
        self,
        name: str,
        service_type: ServiceType,
        categories: list[NeedCategory],
        area_codes: list[str],
        actor: Actor,
        *,
        organization_id: UUID | None = None,
        weekdays: list[Weekday] | None = None,
        capacity: int | None = None,
        eligible_care_levels: list[CareLevel] | None = None,
        fee: str | None = None,
        contact: Contact | None = None,
        planned: bool = False,
        idempotency_key: str | None = None,
    ) -> ResourceDTO:
        actor.require("resource.create")
        self._require_areas("area_codes", area_codes)
        if organization_id is not None and not self._exists(Organization, organization_id):
            raise InvalidReferenceError("organization_id", "no such organization")
        resource_id = ResourceId(self._new_id("resource", actor, idempotency_key))
        resource = Resource.register(
            resource_id,
            name,
            service_type,
            categories,
            area_codes,
            actor.user_id,
            organization_id=OrganizationId(organization_id) if organization_id else None,
            weekdays=weekdays,
            capacity=capacity,
            eligible_care_levels=eligible_care_levels,
            fee=fee,
            contact=contact,
            planned=planned,
        )
        resource, position = self._create_once(
            resource, "resource", lambda: self._load(Resource, resource_id, "resource")
        )
        return resource_dto(resource, position)

    def get_resource(self, resource_id: UUID, actor: Actor) -> ResourceDTO:
        actor.require("resource.read")
        return resource_dto(self._load(Resource, resource_id, "resource"), self.head())

    def list_resources(self, filters: ResourceFilter, actor: Actor) -> list[ResourceDTO]:
        actor.require("resource.read")
        return self.read_side.directory.resources(filters)

    def suspend_resource(
        self, resource_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ResourceDTO:
        return self._change_resource(
            resource_id, expected_version, actor, lambda r: r.suspend(reason, actor.user_id)
        )

    def reactivate_resource(
        self, resource_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ResourceDTO:
        return self._change_resource(
            resource_id, expected_version, actor, lambda r: r.reactivate(reason, actor.user_id)
        )

    def close_resource(
        self, resource_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> ResourceDTO:
        return self._change_resource(
            resource_id, expected_version, actor, lambda r: r.close(reason, actor.user_id)
        )

    def change_resource_capacity(
        self,
        resource_id: UUID,
        capacity: int | None,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> ResourceDTO:
        return self._change_resource(
            resource_id,
            expected_version,
            actor,
            lambda r: r.change_capacity(capacity, reason, actor.user_id),
        )

    def _change_resource(
        self,
        resource_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[Resource], None],
    ) -> ResourceDTO:
        def changed(resource: Resource) -> list[Aggregate]:
            change(resource)
            return []

        resource, position = self._change(
            Resource, "resource", "resource.change", resource_id, expected_version, actor, changed
        )
        return resource_dto(resource, position)

    def _change(
        self,
        cls: type[A],
        kind: str,
        permission: str,
        aggregate_id: UUID,
        expected_version: int | None,
        actor: Actor,
        change: Callable[[A], list[Aggregate]],
    ) -> tuple[A, int]:
        """The command shape every aggregate shares: check the role, load at the
        expected version, change, save it with whatever else changed, atomically."""
        actor.require(permission)
        aggregate = self._load_expected(cls, aggregate_id, kind, expected_version)
        others = change(aggregate)
        return aggregate, self._commit(aggregate, *others, kind=kind)

    # -- needs: commands ---------------------------------------------------------

    def raise_need(
        self,
        client_id: UUID,
        category: NeedCategory,
        description: str,
        goal: str,
        urgency: Urgency,
        actor: Actor,
        care_plan_ref: str | None = None,
        idempotency_key: str | None = None,
    ) -> NeedDTO:
        actor.require("need.raise")
        try:
            client = self._get_client(client_id, actor)
        except NotFoundError:
            raise InvalidReferenceError("client_id", "no such client") from None
        need_id = NeedId(self._new_id("need", actor, idempotency_key))
        need = Need.raise_need(
            need_id,
            ClientId(client.id),
            client.center_code,
            client.area_code,
            category,
            description,
            goal,
            urgency,
            actor.user_id,
            care_plan_ref,
        )
        need, position = self._create_once(need, "need", lambda: self._get_need(need_id, actor))
        return self._need_dto(need, position)

    def assign_need(
        self,
        need_id: UUID,
        coordinator: str,
        expected_version: int | None,
        actor: Actor,
        reason: str | None = None,
    ) -> NeedDTO:
        """Assign a raised need, or reassign one already in work (needs a reason)."""
        actor.require("need.assign")
        try:
            assignee = self._load(User, User.id_for(coordinator), "user")
        except NotFoundError:
            assignee = None
        if assignee is None or not assignee.has_role(Role.COORDINATOR):
            raise InvalidReferenceError(
                "coordinator", f"{coordinator!r} is not an active coordinator"
            )

        def assign(need: Need) -> list[Aggregate]:
            if need.status is NeedStatus.RAISED:
                need.assign(UserId(assignee.id), actor.user_id)
            else:
                need.reassign(UserId(assignee.id), reason or "", actor.user_id)
            return []

        return self._change_need(need_id, expected_version, actor, "need.assign", assign)

    def propose_match(
        self,
        need_id: UUID,
        resource_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
        candidates: list[dict[str, Any]] | None = None,
        rule_set: str | None = None,
    ) -> NeedDTO:
        actor.require("need.propose")
        try:
            resource = self._load(Resource, resource_id, "resource")
        except NotFoundError:
            raise InvalidReferenceError("resource_id", "no such resource") from None
        if resource.status is not ResourceStatus.ACTIVE:
            raise ResourceNotActiveError(resource.status.value, "propose")

        def propose(need: Need) -> list[Aggregate]:
            need.propose(ResourceId(resource.id), reason, actor.user_id, candidates, rule_set)
            return []

        return self._change_need(need_id, expected_version, actor, "need.propose", propose)

    def decline_match(
        self, need_id: UUID, by: DeclinedBy, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        def decline(need: Need) -> list[Aggregate]:
            resource_id = need.resource_id
            releases = need.decline(by, reason, actor.user_id)
            return self._released(need, resource_id, releases, f"declined by {by.value}", actor)

        return self._change_need(need_id, expected_version, actor, "need.decline", decline)

    def confirm_match(
        self, need_id: UUID, start_date: date, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        def confirm(need: Need) -> list[Aggregate]:
            resource_id = need.confirm(start_date, actor.user_id)
            resource = self._load(Resource, resource_id, "resource")
            resource.enrol(NeedId(need.id), need.client_id, actor.user_id)
            return [resource]

        return self._change_need(need_id, expected_version, actor, "need.confirm", confirm)

    def record_gap(
        self,
        need_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
        criteria: dict[str, Any] | None = None,
    ) -> NeedDTO:
        def record(need: Need) -> list[Aggregate]:
            need.record_gap(reason, actor.user_id, criteria)
            return []

        return self._change_need(need_id, expected_version, actor, "need.record_gap", record)

    def record_follow_up(
        self,
        need_id: UUID,
        note: str,
        progress: Progress,
        expected_version: int | None,
        actor: Actor,
    ) -> NeedDTO:
        def follow_up(need: Need) -> list[Aggregate]:
            need.follow_up(note, progress, actor.user_id)
            return []

        return self._change_need(need_id, expected_version, actor, "need.follow_up", follow_up)

    def pause_need(
        self, need_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        def pause(need: Need) -> list[Aggregate]:
            need.pause(reason, actor.user_id)
            return []

        return self._change_need(need_id, expected_version, actor, "need.pause", pause)

    def resume_need(
        self, need_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        def resume(need: Need) -> list[Aggregate]:
            need.resume(reason, actor.user_id)
            return []

        return self._change_need(need_id, expected_version, actor, "need.resume", resume)

    def close_need(
        self,
        need_id: UUID,
        outcome: Outcome,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> NeedDTO:
        def close(need: Need) -> list[Aggregate]:
            resource_id = need.resource_id
            releases = need.close(outcome, reason, actor.user_id)
            return self._released(
                need, resource_id, releases, f"need closed: {outcome.value}", actor
            )

        return self._change_need(need_id, expected_version, actor, "need.close", close)

    def reopen_need(
        self, need_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        def reopen(need: Need) -> list[Aggregate]:
            need.reopen(reason, actor.user_id)
            return []

        return self._change_need(need_id, expected_version, actor, "need.reopen", reopen)

    def _released(
        self, need: Need, resource_id: UUID | None, releases: bool, reason: str, actor: Actor
    ) -> list[Aggregate]:
        """The resource giving back the place ``need`` held, to save with it."""
        if not releases or resource_id is None:
            return []
        resource = self._load(Resource, resource_id, "resource")
        resource.release(NeedId(need.id), reason, actor.user_id)
        return [resource]

    def _change_need(
        self,
        need_id: UUID,
        expected_version: int | None,
        actor: Actor,
        permission: str,
        change: Callable[[Need], list[Aggregate]],
    ) -> NeedDTO:
        """Load, change and save a need with whatever else changed with it.

        When the need itself is unchanged but another aggregate saved with it
        (a resource taking or giving back a place) moved on concurrently, the
        whole command is retried on fresh state.
        """
        actor.require(permission)
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            need = self._get_need(need_id, actor, expected_version)
            others = change(need)
            try:
                position = self._commit(need, *others, kind="need")
            except VersionConflictError:
                if not others or attempt == SAVE_ATTEMPTS:
                    raise
                continue
            return self._need_dto(need, position)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_need(self, need_id: UUID, actor: Actor, expected_version: int | None = None) -> Need:
        need = self._load(Need, need_id, "need")
        if not actor.sees_center(need.center_code):
            raise NotFoundError("need", need_id)
        if expected_version is not None and need.version != expected_version:
            raise VersionConflictError("need", expected_version, need.version)
        return need

    # -- needs: queries ----------------------------------------------------------

    def get_need(self, need_id: UUID, actor: Actor, as_of: datetime | None = None) -> NeedDTO:
        """The need now, or as it was at ``as_of`` (replaying its events up to then)."""
        actor.require("need.read")
        need = self._get_need(need_id, actor)
        if as_of is None:
            return self._need_dto(need, self.head())
        events = [e for e in self.events.get(need.id) if cast(Any, e).timestamp <= as_of]
        past = project_events(None, events)
        if past is None:
            raise NotFoundError("need", f"{need_id} as of {as_of.isoformat()}")
        return self._need_dto(past, None)

    def need_history(self, need_id: UUID, actor: Actor) -> list[HistoryEvent]:
        actor.require("need.read")
        need = self._get_need(need_id, actor)
        return self.history(need.id)

    def history(self, aggregate_id: UUID) -> list[HistoryEvent]:
        """Every event of one aggregate, oldest first, secrets left out."""
        events: list[Any] = list(self.events.get(aggregate_id))
        names = self._usernames(e.actor for e in events)
        entries = []
        for e in events:
            attrs = {k: v for k, v in vars(e).items() if k not in _ENVELOPE}
            actor_id = attrs.pop("actor", None)
            reason = attrs.pop("reason", None)
            for secret in _SECRET_FIELDS & attrs.keys():
                attrs[secret] = "(hidden)"
            entries.append(
                HistoryEvent(
                    version=e.originator_version,
                    type=type(e).__name__,
                    timestamp=e.timestamp,
                    actor=names.get(actor_id, str(actor_id)) if actor_id else "",
                    reason=reason,
                    data=attrs,
                )
            )
        return entries

    def list_needs(
        self,
        filters: NeedFilter,
        actor: Actor,
        page: int = 1,
        per_page: int = 50,
        min_position: int | None = None,
    ) -> Page[NeedRow]:
        actor.require("need.read")
        scope = actor.center_scope
        stale = self._wait_for_view("case_board", min_position)
        if scope is not None and filters.center_code not in (None, scope):
            rows: list[NeedRow] = []
            total = 0
        else:
            if scope is not None:
                filters = dataclasses.replace(filters, center_code=scope)
            rows, total = self.read_side.case_board.find_needs(filters, page, per_page)
        return Page(
            items=tuple(rows),
            total=total,
            page=page,
            per_page=per_page,
            position=self._view_position("case_board"),
            stale=stale,
        )

    def dashboard(self, actor: Actor, min_position: int | None = None) -> DashboardCounts:
        actor.require("dashboard.read")
        self._wait_for_view("dashboard", min_position)
        return self.read_side.dashboard.counts()

    def audit_events(
        self,
        actor: Actor,
        after: int = 0,
        limit: int = 100,
        aggregate_id: UUID | None = None,
        actor_username: str | None = None,
    ) -> list[AuditEntry]:
        actor.require("audit.read")
        actor_id = User.id_for(actor_username) if actor_username else None
        return self.read_side.audit_log.entries(after, limit, aggregate_id, actor_id)

    def projection_status(self, actor: Actor) -> list[ViewStatus]:
        actor.require("system.read")
        return self.read_side.monitor.status()

    def _wait_for_view(self, view: str, min_position: int | None) -> bool:
        """Wait briefly for ``view`` to reach ``min_position``; returns whether it is stale."""
        if min_position is None:
            return False
        return not self.read_side.monitor.wait_for(view, min_position, VIEW_WAIT_SECONDS)

    def _view_position(self, view: str) -> int:
        for status in self.read_side.monitor.status():
            if status.name == view:
                return status.position
        return 0

    def _usernames(self, user_ids: Iterable[UUID | None]) -> dict[UUID, str]:
        ids = sorted({i for i in user_ids if i is not None})
        if not ids:
            return {}
        names: dict[UUID, str] = {SYSTEM_ACTOR.user_id: SYSTEM_ACTOR.username}
        if self._read_side is not None:
            names.update(self._read_side.directory.usernames(ids))
        for user_id in ids:
            if user_id not in names:  # the directory lags behind: read the user itself
                try:
                    names[user_id] = self._load(User, user_id, "user").username
                except NotFoundError:
                    continue
        return names

    def _need_dto(self, need: Need, position: int | None) -> NeedDTO:
        assignee = None
        if need.assignee is not None:
            assignee = self._usernames([need.assignee]).get(need.assignee, str(need.assignee))
        return NeedDTO(
            id=need.id,
            version=need.version,
            position=position,
            status=need.status,
            paused=need.paused,
            client_id=need.client_id,
            client_code=display_code("C", need.client_id),
            category=need.category,
            description=need.description,
            goal=need.goal,
            urgency=need.urgency,
            care_plan_ref=need.care_plan_ref,
            center_code=need.center_code,
            area_code=need.area_code,
            assignee=assignee,
            resource_id=need.resource_id,
            start_date=need.start_date,
            initiative_id=need.initiative_id,
            outcome=need.outcome,
            last_progress=need.last_progress,
            raised_at=need.created_on,
            updated_at=need.modified_on,
            allowed_actions=tuple(a for a in ALLOWED_FROM if need.allows(a)),
        )


def _require_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValueError("password", f"must be at most {MAX_PASSWORD_LENGTH} characters")


def area_dto(area: Area, position: int | None) -> AreaDTO:
    return AreaDTO(
        id=area.id, version=area.version, position=position, code=area.code, name=area.name
    )


def center_dto(center: SupportCenter, position: int | None) -> CenterDTO:
    return CenterDTO(
        id=center.id,
        version=center.version,
        position=position,
        code=center.code,
        name=center.name,
        area_codes=tuple(center.area_codes),
    )


def user_dto(user: User, position: int | None) -> UserDTO:
    return UserDTO(
        id=user.id,
        version=user.version,
        position=position,
        username=user.username,
        display_name=user.display_name,
        roles=tuple(user.roles),
        center_code=user.center_code,
        active=user.active,
    )


def organization_dto(org: Organization, position: int | None) -> OrganizationDTO:
    return OrganizationDTO(
        id=org.id,
        version=org.version,
        position=position,
        name=org.name,
        kind=org.kind,
        area_codes=tuple(org.area_codes),
        contact=org.contact,
    )


def resource_dto(resource: Resource, position: int | None) -> ResourceDTO:
    return ResourceDTO(
        id=resource.id,
        version=resource.version,
        position=position,
        name=resource.name,
        organization_id=resource.organization_id,
        service_type=resource.service_type,
        categories=tuple(resource.categories),
        area_codes=tuple(resource.area_codes),
        weekdays=tuple(resource.weekdays),
        capacity=resource.capacity,
        places_taken=resource.places_taken,
        eligible_care_levels=tuple(resource.eligible_care_levels),
        fee=resource.fee,
        contact=resource.contact,
        status=resource.status,
        latitude=resource.latitude,
        longitude=resource.longitude,
        source_key=resource.source_key,
    )
