"""The Need aggregate: one support need of one client, from raise to close.

Each public command checks its guard and then triggers exactly one event; the
``@event`` bodies only change state, so that replaying an old history never
runs a rule that may have been tightened since.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import TsunaguAggregate, require_text
from domain.errors import (
    InvalidValueError,
    NeedAlreadyClosedError,
    NeedPausedError,
    NeedTransitionError,
)
from domain.values import (
    ClientId,
    DeclinedBy,
    InitiativeId,
    NeedCategory,
    NeedId,
    NeedStatus,
    Outcome,
    Progress,
    ResourceId,
    Urgency,
    UserId,
)

S = NeedStatus

# Which states each action may start from. Absent actions are allowed in every
# open state. The table is the state machine of DESIGN.md.
ALLOWED_FROM: dict[str, frozenset[NeedStatus]] = {
    "assign": frozenset({S.RAISED}),
    "reassign": frozenset(
        {S.MATCHING, S.PROPOSED, S.MATCHED, S.RESOURCE_GAP, S.IN_DEVELOPMENT, S.RESOURCE_CREATED}
    ),
    "propose": frozenset({S.MATCHING, S.RESOURCE_CREATED}),
    "decline": frozenset({S.PROPOSED, S.MATCHED}),
    "confirm": frozenset({S.PROPOSED}),
    "record_gap": frozenset({S.MATCHING, S.RESOURCE_CREATED}),
    "link_development": frozenset({S.RESOURCE_GAP}),
    "unlink_development": frozenset({S.IN_DEVELOPMENT}),
    "mark_resource_created": frozenset({S.IN_DEVELOPMENT}),
    "follow_up": frozenset({S.MATCHED}),
    "pause": frozenset(set(NeedStatus) - {S.CLOSED}),
    "resume": frozenset(set(NeedStatus) - {S.CLOSED}),
    "close": frozenset(set(NeedStatus) - {S.CLOSED}),
    "reopen": frozenset({S.CLOSED}),
    "edit": frozenset(set(NeedStatus) - {S.CLOSED}),
}

# What a paused need still accepts: people can be reassigned and cases closed
# while the client is in hospital, and what happens to the initiative it waits
# on — a resource launched, the initiative abandoned or the need unlinked from
# it — is a fact recorded regardless (it stays paused).
ALLOWED_WHILE_PAUSED = frozenset(
    {"resume", "close", "reassign", "mark_resource_created", "unlink_development", "edit"}
)

OPEN_STATES = frozenset(set(NeedStatus) - {S.CLOSED})


class Need(TsunaguAggregate):
    """A support need raised in care management (ニーズ)."""

    # Event classes, made by the @event decorators below (declared for type checkers).
    Raised: ClassVar[type[Any]]
    Reassigned: ClassVar[type[Any]]
    MatchProposed: ClassVar[type[Any]]
    MatchDeclined: ClassVar[type[Any]]
    GapRecorded: ClassVar[type[Any]]
    DevelopmentLinked: ClassVar[type[Any]]
    DevelopmentUnlinked: ClassVar[type[Any]]
    ResourceCreated: ClassVar[type[Any]]
    FollowUpRecorded: ClassVar[type[Any]]
    Paused: ClassVar[type[Any]]
    Resumed: ClassVar[type[Any]]
    Closed: ClassVar[type[Any]]
    Reopened: ClassVar[type[Any]]
    DetailsChanged: ClassVar[type[Any]]

    @event("Raised")
    def __init__(
        self,
        id: NeedId,
        client_id: ClientId,
        center_code: str,
        area_code: str,
        category: NeedCategory,
        description: str,
        goal: str,
        urgency: Urgency,
        care_plan_ref: str | None,
        actor: UserId,
    ) -> None:
        self.client_id = client_id
        self.center_code = center_code
        self.area_code = area_code
        self.category = category
        self.description = description
        self.goal = goal
        self.urgency = urgency
        self.care_plan_ref = care_plan_ref
        self.raised_by = actor
        self.status = S.RAISED
        self.paused = False
        self.assignee: UserId | None = None
        self.resource_id: ResourceId | None = None
        self.start_date: date | None = None
        self.initiative_id: InitiativeId | None = None
        self.outcome: Outcome | None = None
        self.last_progress: Progress | None = None

    @classmethod
    def raise_need(
        cls,
        need_id: NeedId,
        client_id: ClientId,
        center_code: str,
        area_code: str,
        category: NeedCategory,
        description: str,
        goal: str,
        urgency: Urgency,
        actor: UserId,
        care_plan_ref: str | None = None,
    ) -> Need:
        """Raise a new need; the text fields must be non-empty."""
        return cls(
            id=need_id,
            client_id=client_id,
            center_code=center_code,
            area_code=area_code,
            category=category,
            description=require_text("description", description),
            goal=require_text("goal", goal),
            urgency=urgency,
            care_plan_ref=care_plan_ref.strip() or None if care_plan_ref else None,
            actor=actor,
        )

    # -- queries ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status is not S.CLOSED

    @property
    def holds_place(self) -> bool:
        """Whether the client currently takes a place at ``resource_id``."""
        return self.status is S.MATCHED

    def allows(self, action: str) -> bool:
        """Whether ``action`` is allowed now (the UI shows only these)."""
        try:
            self._require(action)
        except NeedTransitionError:
            return False
        return True

    def _require(self, action: str) -> None:
        if self.status is S.CLOSED and action != "reopen":
            raise NeedAlreadyClosedError(action)
        if self.paused and action not in ALLOWED_WHILE_PAUSED:
            raise NeedPausedError(self.status.value, action)
        if not self.paused and action == "resume":
            raise NeedTransitionError(
                self.status.value, action, "it is not paused", code="need.not_paused"
            )
        if self.status not in ALLOWED_FROM[action]:
            raise NeedTransitionError(self.status.value, action)

    # -- commands --------------------------------------------------------------

    def assign(self, coordinator: UserId, actor: UserId, reason: str | None = None) -> None:
        """Give the need to a coordinator, who starts looking for a resource (why, if
        the person says)."""
        self._require("assign")
        self._assigned(coordinator=coordinator, actor=actor, reason=_optional_reason(reason))

    class CoordinatorAssigned(TsunaguAggregate.Event):
        # 2: an optional reason (None in events stored before).
        class_version = 2
        coordinator: UserId
        actor: UserId
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    @event(CoordinatorAssigned)
    def _assigned(self, coordinator: UserId, actor: UserId, reason: str | None) -> None:
        self.assignee = coordinator
        self.status = S.MATCHING

    def reassign(self, coordinator: UserId, reason: str, actor: UserId) -> None:
        """Hand an assigned need to another coordinator; its state is kept."""
        self._require("reassign")
        if coordinator == self.assignee:
            raise NeedTransitionError(
                self.status.value,
                "reassign",
                "it is already theirs",
                code="need.already_assigned_to_them",
            )
        self._reassigned(
            coordinator=coordinator, reason=require_text("reason", reason), actor=actor
        )

    @event("Reassigned")
    def _reassigned(self, coordinator: UserId, reason: str, actor: UserId) -> None:
        self.assignee = coordinator

    def propose(
        self,
        resource_id: ResourceId,
        reason: str,
        actor: UserId,
        candidates: list[dict[str, Any]] | None = None,
        rule_set: str | None = None,
    ) -> None:
        """Propose a resource to the client and provider.

        ``candidates`` and ``rule_set`` record what the coordinator was shown
        (decision provenance); empty when the resource was chosen directly.
        """
        self._require("propose")
        self._proposed(
            resource_id=resource_id,
            reason=require_text("reason", reason),
            candidates=list(candidates or []),
            rule_set=rule_set,
            actor=actor,
        )

    @event("MatchProposed")
    def _proposed(
        self,
        resource_id: ResourceId,
        reason: str,
        candidates: list[dict[str, Any]],
        rule_set: str | None,
        actor: UserId,
    ) -> None:
        self.resource_id = resource_id
        self.status = S.PROPOSED

    def decline(self, by: DeclinedBy, reason: str, actor: UserId) -> bool:
        """Record that the client or provider declined; back to matching.

        Returns whether a place at the resource is given back (the match had
        been confirmed), which the caller must release atomically.
        """
        self._require("decline")
        releases = self.holds_place
        self._declined(
            resource_id=self.resource_id, by=by, reason=require_text("reason", reason), actor=actor
        )
        return releases

    @event("MatchDeclined")
    def _declined(
        self, resource_id: ResourceId | None, by: DeclinedBy, reason: str, actor: UserId
    ) -> None:
        self.resource_id = None
        self.start_date = None
        self.status = S.MATCHING

    def confirm(self, start_date: date, actor: UserId, reason: str | None = None) -> ResourceId:
        """Confirm the proposed match; the caller enrols the client atomically."""
        self._require("confirm")
        if self.resource_id is None:  # proposed always has one; guards a corrupt history
            raise NeedTransitionError(
                self.status.value,
                "confirm",
                "no resource is proposed",
                code="need.no_resource_proposed",
            )
        self._confirmed(
            resource_id=self.resource_id,
            start_date=start_date,
            actor=actor,
            reason=_optional_reason(reason),
        )
        return self.resource_id

    class MatchConfirmed(TsunaguAggregate.Event):
        # 2: an optional reason (None in events stored before).
        class_version = 2
        resource_id: ResourceId
        start_date: date
        actor: UserId
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reason"] = None

    @event(MatchConfirmed)
    def _confirmed(
        self, resource_id: ResourceId, start_date: date, actor: UserId, reason: str | None
    ) -> None:
        self.start_date = start_date
        self.status = S.MATCHED

    def record_gap(
        self, reason: str, actor: UserId, criteria: dict[str, Any] | None = None
    ) -> None:
        """Record that no local resource fits: the evidence for development."""
        self._require("record_gap")
        self._gap_recorded(
            reason=require_text("reason", reason), criteria=dict(criteria or {}), actor=actor
        )

    @event("GapRecorded")
    def _gap_recorded(self, reason: str, criteria: dict[str, Any], actor: UserId) -> None:
        self.resource_id = None
        self.status = S.RESOURCE_GAP

    def link_development(self, initiative_id: InitiativeId, actor: UserId) -> None:
        """Wait on a resource-development initiative for this need's gap."""
        self._require("link_development")
        self._development_linked(initiative_id=initiative_id, actor=actor)

    @event("DevelopmentLinked")
    def _development_linked(self, initiative_id: InitiativeId, actor: UserId) -> None:
        self.initiative_id = initiative_id
        self.status = S.IN_DEVELOPMENT

    def unlink_development(self, reason: str, actor: UserId) -> None:
        """Stop waiting on the initiative (unlinked or abandoned): a gap again."""
        self._require("unlink_development")
        self._development_unlinked(
            initiative_id=self.initiative_id, reason=require_text("reason", reason), actor=actor
        )

    @event("DevelopmentUnlinked")
    def _development_unlinked(
        self, initiative_id: InitiativeId | None, reason: str, actor: UserId
    ) -> None:
        self.initiative_id = None
        self.status = S.RESOURCE_GAP

    def mark_resource_created(
        self, resource_id: ResourceId, initiative_id: InitiativeId, actor: UserId
    ) -> None:
        """The initiative launched a resource: the need is ready to match."""
        self._require("mark_resource_created")
        self._resource_created(resource_id=resource_id, initiative_id=initiative_id, actor=actor)

    @event("ResourceCreated")
    def _resource_created(
        self, resource_id: ResourceId, initiative_id: InitiativeId, actor: UserId
    ) -> None:
        self.resource_id = resource_id
        self.status = S.RESOURCE_CREATED

    def follow_up(self, note: str, progress: Progress, actor: UserId) -> None:
        """Record how the client is doing with the matched resource."""
        self._require("follow_up")
        self._followed_up(note=require_text("note", note), progress=progress, actor=actor)

    @event("FollowUpRecorded")
    def _followed_up(self, note: str, progress: Progress, actor: UserId) -> None:
        self.last_progress = progress

    def pause(self, reason: str, actor: UserId) -> None:
        """Pause the need (hospitalised, away); it keeps its state."""
        self._require("pause")
        self._paused(reason=require_text("reason", reason), actor=actor)

    @event("Paused")
    def _paused(self, reason: str, actor: UserId) -> None:
        self.paused = True

    def resume(self, reason: str, actor: UserId) -> None:
        self._require("resume")
        self._resumed(reason=require_text("reason", reason), actor=actor)

    @event("Resumed")
    def _resumed(self, reason: str, actor: UserId) -> None:
        self.paused = False

    def close(self, outcome: Outcome, reason: str, actor: UserId) -> bool:
        """Close with an outcome. Returns whether a place is given back."""
        self._require("close")
        releases = self.holds_place
        self._closed(outcome=outcome, reason=require_text("reason", reason), actor=actor)
        return releases

    @event("Closed")
    def _closed(self, outcome: Outcome, reason: str, actor: UserId) -> None:
        self.outcome = outcome
        self.paused = False
        self.status = S.CLOSED

    def reopen(self, reason: str, actor: UserId) -> None:
        """Reopen a closed need; matching starts again (or assignment, if none)."""
        self._require("reopen")
        self._reopened(reason=require_text("reason", reason), actor=actor)

    @event("Reopened")
    def _reopened(self, reason: str, actor: UserId) -> None:
        self.outcome = None
        self.resource_id = None
        self.start_date = None
        self.initiative_id = None
        self.last_progress = None
        # Back to the coordinator who had it; a need closed before anyone
        # took it waits for assignment again.
        self.status = S.MATCHING if self.assignee is not None else S.RAISED

    def edit(
        self, description: str, goal: str, urgency: Urgency, reason: str, actor: UserId
    ) -> None:
        """Correct what an open need says (its description, goal and urgency), with why;
        the need keeps its state. Refused when nothing would change."""
        self._require("edit")
        description = require_text("description", description)
        goal = require_text("goal", goal)
        if (description, goal, urgency) == (self.description, self.goal, self.urgency):
            raise InvalidValueError("description", "nothing was changed", code="need.unchanged")
        self._details_changed(
            description=description,
            goal=goal,
            urgency=urgency,
            reason=require_text("reason", reason),
            actor=actor,
        )

    @event("DetailsChanged")
    def _details_changed(
        self, description: str, goal: str, urgency: Urgency, reason: str, actor: UserId
    ) -> None:
        self.description = description
        self.goal = goal
        self.urgency = urgency


# -- the status each event leads to ------------------------------------------------------------

STATUS_AFTER: dict[type[Any], NeedStatus | None] = {
    Need.Raised: S.RAISED,
    Need.CoordinatorAssigned: S.MATCHING,
    Need.Reassigned: None,
    Need.MatchProposed: S.PROPOSED,
    Need.MatchDeclined: S.MATCHING,
    Need.MatchConfirmed: S.MATCHED,
    Need.GapRecorded: S.RESOURCE_GAP,
    Need.DevelopmentLinked: S.IN_DEVELOPMENT,
    Need.DevelopmentUnlinked: S.RESOURCE_GAP,
    Need.ResourceCreated: S.RESOURCE_CREATED,
    Need.FollowUpRecorded: None,
    Need.Paused: None,
    Need.Resumed: None,
    Need.Closed: S.CLOSED,
    Need.Reopened: None,  # back to matching or raised: see ``status_after``
    Need.DetailsChanged: None,
}
"""Every event of a need and the status it leads to (None: the status is kept).

The single definition of the state machine's targets outside the ``@event``
bodies: views that keep one row per need follow a need's status with
:func:`status_after` instead of replaying its stream (a unit test holds the two
in step).
"""

STATUS_CHANGING_EVENTS = tuple(
    cls for cls, status in STATUS_AFTER.items() if status is not None or cls is Need.Reopened
)
"""The need events that may change its status."""


def status_after(event: object, current: NeedStatus, assigned: bool) -> NeedStatus:
    """The need's status once ``event`` is applied to a need in ``current``.

    ``assigned`` says whether a coordinator was ever assigned before the event:
    a reopened need goes back to its coordinator (matching) or, if nobody took
    it before it was closed, waits for assignment again (raised).
    """
    if isinstance(event, Need.Reopened):
        return S.MATCHING if assigned else S.RAISED
    new = STATUS_AFTER[type(event)]
    return current if new is None else new


def _optional_reason(reason: str | None) -> str | None:
    """A reason a person may give: stripped, checked, or None when left empty."""
    if reason is None or not reason.strip():
        return None
    return require_text("reason", reason)
