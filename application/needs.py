"""Needs (ニーズ): raising a client's need and following it to its close.

Matching the need (candidates, propose, decline, confirm, gaps) is
:mod:`application.matching`; the board of every need is :mod:`application.board`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.access import AccessRead, AccessRecorder
from application.accounts import UserNames
from application.clients import ClientCard, ClientDirectory, load_client
from application.errors import InvalidReferenceError, NotFoundError, VersionConflictError
from application.history import Timeline, TimelineEntry, replay
from application.security import ACTION_PERMISSIONS, Actor
from application.store import Aggregates, EventStore
from domain.need import ALLOWED_FROM, Need
from domain.resource import Resource
from domain.user import User
from domain.values import (
    ClientId,
    InitiativeId,
    NeedCategory,
    NeedId,
    NeedStatus,
    Outcome,
    Progress,
    Role,
    Urgency,
    UserId,
    display_code,
)

REPLAY_FIELDS = (
    "status",
    "paused",
    "assignee",
    "resource_id",
    "start_date",
    "last_progress",
    "outcome",
    "initiative_id",
    "category",
    "urgency",
    "description",
    "goal",
    "care_plan_ref",
    "center_code",
    "area_code",
)
"""Fields of a need whose provenance the replay shows, in the order people read them."""


@dataclass(frozen=True)
class NeedDTO:
    id: UUID
    version: int
    position: int | None
    status: NeedStatus
    paused: bool
    client_id: UUID
    client_code: str
    category: NeedCategory
    description: str
    goal: str
    urgency: Urgency
    care_plan_ref: str | None
    center_code: str
    area_code: str
    assignee: str | None
    """Username of the coordinator in charge."""
    resource_id: UUID | None
    start_date: date | None
    initiative_id: InitiativeId | None
    outcome: Outcome | None
    last_progress: Progress | None
    raised_at: datetime
    updated_at: datetime
    allowed_actions: tuple[str, ...]
    """Domain actions the state allows now (before role checks)."""


@dataclass(frozen=True)
class NeedPage:
    """Everything the need detail screen shows, from one stream and read models."""

    need: NeedDTO
    timeline: tuple[TimelineEntry, ...]
    client: ClientCard | None
    resource_name: str | None
    actions: tuple[str, ...]
    """Actions this actor may take on the need in its current state."""
    names: dict[UUID, str] = field(default_factory=dict)
    """Usernames and resource names of the ids the timeline mentions."""


@dataclass(frozen=True)
class NeedReplay:
    """A need as it was at an instant, with the event behind each field."""

    as_of: datetime
    need: NeedDTO | None
    """None when the need did not exist yet at ``as_of``."""
    provenance: dict[str, TimelineEntry]
    """Field name -> the last event at or before ``as_of`` that set it."""
    timeline: tuple[TimelineEntry, ...]
    """Every event of the need (also those after ``as_of``)."""
    resource_name: str | None
    names: dict[UUID, str] = field(default_factory=dict)
    """Usernames and resource names of the ids the timeline mentions."""


def load_need(
    aggregates: Aggregates, need_id: UUID, actor: Actor, expected_version: int | None = None
) -> Need:
    """A need this actor may see (care managers: of their own center), or not found."""
    need = aggregates.load(Need, need_id, "need")
    if not actor.sees_center(need.center_code):
        raise NotFoundError("need", need_id)
    if expected_version is not None and need.version != expected_version:
        raise VersionConflictError("need", expected_version, need.version)
    return need


def release_place(
    aggregates: Aggregates,
    need: Need,
    resource_id: UUID | None,
    releases: bool,
    reason: str,
    actor: Actor,
) -> list[Aggregate]:
    """The resource giving back the place ``need`` held, to save with the need."""
    if not releases or resource_id is None:
        return []
    resource = aggregates.load(Resource, resource_id, "resource")
    resource.release(NeedId(need.id), reason, actor.user_id)
    return [resource]


class NeedCases:
    """Raise, assign, follow up, pause, resume, close and reopen needs; read one need."""

    def __init__(
        self,
        aggregates: Aggregates,
        store: EventStore,
        users: UserNames,
        timeline: Timeline,
        clients: ClientDirectory,
        access: AccessRecorder,
    ) -> None:
        self._aggregates = aggregates
        self._store = store
        self._users = users
        self._timeline = timeline
        self._clients = clients
        self._access = access

    # -- commands --------------------------------------------------------------------

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
            client = load_client(self._aggregates, client_id, actor)
        except NotFoundError:
            raise InvalidReferenceError("client_id", "no such client") from None
        need_id = NeedId(self._aggregates.new_id("need", actor, idempotency_key))
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
        need, position = self._aggregates.create(
            need, "need", lambda: load_need(self._aggregates, need_id, actor)
        )
        return self.dto(need, position)

    def assign(
        self,
        need_id: UUID,
        coordinator: str,
        expected_version: int | None,
        actor: Actor,
        reason: str | None = None,
    ) -> NeedDTO:
        """Assign a raised need (a reason is optional), or reassign one already in work
        (a reason is required)."""
        actor.require("need.assign")
        assignee = self._aggregates.find(User, User.id_for(coordinator))
        if assignee is None or not assignee.has_role(Role.COORDINATOR):
            raise InvalidReferenceError(
                "coordinator", f"{coordinator!r} is not an active coordinator"
            )

        def assign(need: Need) -> list[Aggregate]:
            if need.status is NeedStatus.RAISED:
                need.assign(UserId(assignee.id), actor.user_id, reason)
            else:
                need.reassign(UserId(assignee.id), reason or "", actor.user_id)
            return []

        return self.change(need_id, expected_version, actor, "need.assign", assign)

    def follow_up(
        self,
        need_id: UUID,
        note: str,
        progress: Progress,
        expected_version: int | None,
        actor: Actor,
    ) -> NeedDTO:
        return self.change(
            need_id,
            expected_version,
            actor,
            "need.follow_up",
            lambda n: n.follow_up(note, progress, actor.user_id),
        )

    def pause(
        self, need_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        return self.change(
            need_id, expected_version, actor, "need.pause", lambda n: n.pause(reason, actor.user_id)
        )

    def resume(
        self, need_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        return self.change(
            need_id,
            expected_version,
            actor,
            "need.resume",
            lambda n: n.resume(reason, actor.user_id),
        )

    def close(
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
            return release_place(
                self._aggregates,
                need,
                resource_id,
                releases,
                f"need closed: {outcome.value}",
                actor,
            )

        return self.change(need_id, expected_version, actor, "need.close", close)

    def reopen(
        self, need_id: UUID, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        return self.change(
            need_id,
            expected_version,
            actor,
            "need.reopen",
            lambda n: n.reopen(reason, actor.user_id),
        )

    def edit(
        self,
        need_id: UUID,
        description: str,
        goal: str,
        urgency: Urgency,
        reason: str,
        expected_version: int | None,
        actor: Actor,
    ) -> NeedDTO:
        """Correct an open need's description, goal and urgency, saying why."""
        return self.change(
            need_id,
            expected_version,
            actor,
            "need.edit",
            lambda n: n.edit(description, goal, urgency, reason, actor.user_id),
        )

    def change(
        self,
        need_id: UUID,
        expected_version: int | None,
        actor: Actor,
        permission: str,
        change: Callable[[Need], Sequence[Aggregate] | None],
    ) -> NeedDTO:
        """Check the role, load the need at the version read, change it, and save it
        with whatever else the change returns, atomically."""
        actor.require(permission)
        need, position = self._aggregates.change(
            lambda: load_need(self._aggregates, need_id, actor, expected_version),
            lambda need: change(need) or [],
            "need",
        )
        return self.dto(need, position)

    # -- queries ---------------------------------------------------------------------

    def get(self, need_id: UUID, actor: Actor, as_of: datetime | None = None) -> NeedDTO:
        """The need now, or as it was at ``as_of`` (replaying its events up to then)."""
        actor.require("need.read")
        need = load_need(self._aggregates, need_id, actor)
        if as_of is None:
            self._access.record(actor, [AccessRead(need.client_id, "need", need.id)])
            return self.dto(need, self._aggregates.head())
        past = self.replay(need_id, as_of, actor, permission="need.read").need
        if past is None:
            raise NotFoundError("need", f"{need_id} as of {as_of.isoformat()}")
        return past

    def history(self, need_id: UUID, actor: Actor) -> list[TimelineEntry]:
        """Every event of the need, oldest first."""
        actor.require("need.read")
        need = load_need(self._aggregates, need_id, actor)
        self._access.record(actor, [AccessRead(need.client_id, "need_history", need.id)])
        return self._timeline.entries(self._store.stream(need_id))

    def page(self, need_id: UUID, actor: Actor) -> NeedPage:
        """The need now, its timeline, its client and what this actor may do (one stream)."""
        actor.require("need.read")
        events = self._store.stream(need_id)
        need = _replayed_need(events)
        if need is None or not actor.sees_center(need.center_code):
            raise NotFoundError("need", need_id)
        dto = self.dto(need, self._aggregates.head())
        timeline = self._timeline.entries(events)
        client = self._clients.card(need.client_id, actor.can("client.read_personal"))
        reads = [AccessRead(need.client_id, "need", need.id)]
        if client is not None and client.personal is not None:
            reads.append(AccessRead(need.client_id, "client", need.id))
        self._access.record(actor, reads)
        return NeedPage(
            need=dto,
            timeline=tuple(timeline),
            client=client,
            resource_name=self._timeline.resource_name(need.resource_id),
            actions=allowed_actions(dto, actor),
            names=self._timeline.names(timeline),
        )

    def replay(
        self, need_id: UUID, as_of: datetime, actor: Actor, permission: str = "audit.read"
    ) -> NeedReplay:
        """The need exactly as it was at ``as_of`` and the event behind each field."""
        actor.require(permission)
        events = self._store.stream(need_id)
        first = _replayed_need(events[:1])
        if first is None or not actor.sees_center(first.center_code):
            raise NotFoundError("need", need_id)
        self._access.record(actor, [AccessRead(first.client_id, "need_replay", first.id)])
        timeline = self._timeline.entries(events)
        past = replay(events, timeline, as_of, REPLAY_FIELDS)
        need = past.aggregate
        return NeedReplay(
            as_of=as_of,
            need=self.dto(need, None) if need is not None else None,
            provenance=past.provenance,
            timeline=tuple(timeline),
            resource_name=self._timeline.resource_name(need.resource_id) if need else None,
            names=self._timeline.names(timeline),
        )

    def dto(self, need: Need, position: int | None) -> NeedDTO:
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
            assignee=self._users.name(need.assignee) if need.assignee is not None else None,
            resource_id=need.resource_id,
            start_date=need.start_date,
            initiative_id=need.initiative_id,
            outcome=need.outcome,
            last_progress=need.last_progress,
            raised_at=need.created_on,
            updated_at=need.modified_on,
            allowed_actions=tuple(a for a in ALLOWED_FROM if need.allows(a)),
        )


def allowed_actions(need: NeedDTO, actor: Actor) -> tuple[str, ...]:
    """The actions the need's state allows and the actor's roles permit."""
    return tuple(
        action
        for action, permission in ACTION_PERMISSIONS.items()
        if action in need.allowed_actions and actor.can(permission)
    )


def _replayed_need(events: Sequence[Any]) -> Need | None:
    aggregate: Any = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate if isinstance(aggregate, Need) else None
