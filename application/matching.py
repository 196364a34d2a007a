"""Matching (ニーズと取組のマッチング): explained candidates, proposals that record
what was shown, declines and confirmations, gaps, and multi-need plans for
complex cases (複合課題)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.board import BoardSort, CaseBoard, NeedFilter
from application.clients import load_client
from application.common import ViewMonitor
from application.errors import (
    InvalidReferenceError,
    MatchPlanChangedError,
    RankingChangedError,
    ResourceNotProposableError,
    VersionConflictError,
)
from application.matching_inputs import MatchingInputs, fill
from application.needs import NeedCases, NeedDTO, load_need, release_place
from application.resources import ResourceDirectory, ResourceDTO, ResourceFilter
from application.security import Actor
from application.store import Aggregates
from domain.client import Client
from domain.errors import ResourceNotActiveError
from domain.matching import (
    RULE_SET,
    Candidate,
    ClientFacts,
    NeedFacts,
    ResourceFacts,
    plan_cover,
    rank_candidates,
)
from domain.need import Need
from domain.resource import Resource
from domain.values import (
    DeclinedBy,
    NeedCategory,
    NeedId,
    NeedStatus,
    ResourceId,
    ResourceStatus,
    Role,
    ServiceType,
)

PROPOSABLE = (NeedStatus.MATCHING, NeedStatus.RESOURCE_CREATED)
MAX_PLAN_NEEDS = 20
VIEW_WAIT_SECONDS = 2.0
RANKING_VIEWS = ("resource_directory", "case_board")
"""What ranking reads: resources and their waiting lists."""


@dataclass(frozen=True)
class CandidateList:
    """Ranked candidates for one need (the matching screen)."""

    need_id: UUID
    version: int
    rule_set: str
    candidates: tuple[Candidate, ...]

    @property
    def digest(self) -> str:
        """A fingerprint of the ranking as shown: send it back with the proposal, and
        the proposal is refused if the ranking changed meanwhile."""
        return ranking_digest(self.rule_set, self.candidates)


@dataclass(frozen=True)
class PlannedMatch:
    need_id: UUID
    version: int
    """The need's version the plan was computed for (the If-Match of accepting it)."""
    resource_id: UUID
    score: int = 0


@dataclass(frozen=True)
class MatchPlanDTO:
    """The fewest resources covering a client's open needs; uncovered needs are gaps."""

    client_id: UUID
    rule_set: str
    matches: tuple[PlannedMatch, ...]
    resource_ids: tuple[UUID, ...]
    gaps: tuple[UUID, ...]
    position: int | None


def ranking_digest(rule_set: str, candidates: Sequence[Candidate]) -> str:
    """Rule set, order, totals and what was choosable, hashed."""
    text = (
        rule_set
        + "|"
        + "|".join(f"{c.resource_id}:{c.total}:{int(c.proposable)}" for c in candidates)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class MatchingCases:
    """Rank, propose with provenance, decline, confirm, record gaps, plan complex cases."""

    def __init__(
        self,
        aggregates: Aggregates,
        needs: NeedCases,
        resources: ResourceDirectory,
        board: CaseBoard,
        monitor: ViewMonitor,
        inputs: MatchingInputs | None = None,
    ) -> None:
        self._aggregates = aggregates
        self._needs = needs
        self._resources = resources
        self._board = board
        self._monitor = monitor
        self._inputs = inputs
        """Ranking's inputs kept with the events (None: read the views, brought up)."""

    def candidates(self, need_id: UUID, actor: Actor) -> CandidateList:
        """Resources for a need, best first, each with its score per criterion."""
        actor.require("need.read")
        need = load_need(self._aggregates, need_id, actor)
        return self._ranking(need)

    def candidates_for(self, need: NeedDTO, actor: Actor) -> CandidateList:
        """:meth:`candidates` of a need this actor has just been shown (its page, which
        checked that the actor may see it): ranked on the same facts, at the version
        shown, without reading the need's stream a second time."""
        actor.require("need.read")
        return self._ranking(need)

    def propose(
        self,
        need_id: UUID,
        resource_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
        ranking: str | None = None,
    ) -> NeedDTO:
        """Propose a resource, recording the ranked candidates shown (provenance).

        The ranking is computed again at the moment of the decision, so the
        event holds exactly what the rules said then. ``ranking`` is the digest
        of the candidates the person chose from (:attr:`CandidateList.digest`):
        when given and the ranking is no longer the same, nothing is proposed.
        """
        actor.require("need.propose")

        def propose(need: Need) -> list[Aggregate]:
            self._propose(need, resource_id, reason, actor, ranking)
            return []

        return self._needs.change(need_id, expected_version, actor, "need.propose", propose)

    def assign_to_me_and_propose(
        self,
        need_id: UUID,
        resource_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
        ranking: str | None = None,
    ) -> NeedDTO:
        """A coordinator takes a raised need and proposes a resource in one step: both
        events are saved together, or neither (the ranking is checked as in :meth:`propose`)."""
        actor.require("need.assign")
        actor.require("need.propose")
        if Role.COORDINATOR not in actor.roles:
            raise InvalidReferenceError("coordinator", f"{actor.username!r} is not a coordinator")

        def assign_and_propose(need: Need) -> list[Aggregate]:
            need.assign(actor.user_id, actor.user_id)
            self._propose(need, resource_id, reason, actor, ranking)
            return []

        return self._needs.change(
            need_id, expected_version, actor, "need.propose", assign_and_propose
        )

    def _propose(
        self, need: Need, resource_id: UUID, reason: str, actor: Actor, ranking: str | None
    ) -> None:
        ranked, facts = self._ranked(need)
        if ranking is not None and ranking != ranked.digest:
            raise RankingChangedError()
        # The inputs hold the resource's committed state: no replay when it is there.
        status = next((f.status for f in facts if f.id == resource_id), None)
        if status is None or self._inputs is None:
            resource = self._aggregates.find(Resource, resource_id)
            if resource is None:
                raise InvalidReferenceError("resource_id", "no such resource")
            status = resource.status
        if status is not ResourceStatus.ACTIVE:
            raise ResourceNotActiveError(status.value, "propose")
        shown = next((c for c in ranked.candidates if c.resource_id == resource_id), None)
        if shown is not None and not shown.proposable:
            raise ResourceNotProposableError([b.value for b in shown.blockers])
        need.propose(
            ResourceId(resource_id),
            reason,
            actor.user_id,
            _shown(ranked.candidates),
            RULE_SET,
        )

    def decline(
        self, need_id: UUID, by: DeclinedBy, reason: str, expected_version: int | None, actor: Actor
    ) -> NeedDTO:
        def decline(need: Need) -> list[Aggregate]:
            resource_id = need.resource_id
            releases = need.decline(by, reason, actor.user_id)
            return release_place(
                self._aggregates, need, resource_id, releases, f"declined by {by.value}", actor
            )

        return self._needs.change(need_id, expected_version, actor, "need.decline", decline)

    def confirm(
        self,
        need_id: UUID,
        start_date: date,
        expected_version: int | None,
        actor: Actor,
        reason: str | None = None,
    ) -> NeedDTO:
        """Confirm the proposed match (why, if the coordinator says) and take a place."""

        def confirm(need: Need) -> list[Aggregate]:
            resource_id = need.confirm(start_date, actor.user_id, reason)
            resource = self._aggregates.load(Resource, resource_id, "resource")
            resource.enrol(NeedId(need.id), need.client_id, actor.user_id)
            return [resource]

        return self._needs.change(need_id, expected_version, actor, "need.confirm", confirm)

    def record_gap(
        self,
        need_id: UUID,
        reason: str,
        expected_version: int | None,
        actor: Actor,
        criteria: dict[str, Any] | None = None,
    ) -> NeedDTO:
        """No local resource fits: the need waits as a gap (the evidence for development)."""

        def record(need: Need) -> list[Aggregate]:
            need.record_gap(reason, actor.user_id, criteria)
            return []

        return self._needs.change(need_id, expected_version, actor, "need.record_gap", record)

    def plan(self, client_id: UUID, actor: Actor) -> MatchPlanDTO:
        """The fewest resources that cover a client's needs that await a proposal."""
        actor.require("need.read")
        client = load_client(self._aggregates, client_id, actor)
        return self._plan(client, self._open_needs(client.id, actor))

    def accept_plan(
        self,
        client_id: UUID,
        accepted: Sequence[PlannedMatch],
        reason: str,
        actor: Actor,
    ) -> MatchPlanDTO:
        """Propose every match of the plan in one atomic save.

        ``accepted`` is the plan as the coordinator saw it (need, version,
        resource); if the plan computed now differs, nothing is saved.
        """
        actor.require("match.plan")
        actor.require("need.propose")
        client = load_client(self._aggregates, client_id, actor)
        needs = self._open_needs(client.id, actor)
        plan = self._plan(client, needs)
        by_need = {n.id: n for n in needs}
        for item in accepted:
            need = by_need.get(item.need_id)
            if need is not None and need.version != item.version:
                raise VersionConflictError("need", item.version, need.version)
        current = {(m.need_id, m.version, m.resource_id) for m in plan.matches}
        if not accepted or current != {(m.need_id, m.version, m.resource_id) for m in accepted}:
            raise MatchPlanChangedError()
        for match in plan.matches:
            need = by_need[match.need_id]
            candidates = _shown(self._rank(need, client))
            need.propose(
                ResourceId(match.resource_id),
                reason,
                actor.user_id,
                [{**c, "in_plan": UUID(c["resource_id"]) in plan.resource_ids} for c in candidates],
                RULE_SET,
            )
        position = self._aggregates.save(*[by_need[m.need_id] for m in plan.matches], kind="need")
        return MatchPlanDTO(
            client_id=plan.client_id,
            rule_set=plan.rule_set,
            matches=tuple(
                PlannedMatch(m.need_id, by_need[m.need_id].version, m.resource_id, m.score)
                for m in plan.matches
            ),
            resource_ids=plan.resource_ids,
            gaps=plan.gaps,
            position=position,
        )

    # -- helpers -----------------------------------------------------------------

    def _ranking(self, need: Need | NeedDTO) -> CandidateList:
        return self._ranked(need)[0]

    def _ranked(self, need: Need | NeedDTO) -> tuple[CandidateList, list[ResourceFacts]]:
        """The ranking, and the resources' facts it was computed from."""
        client = self._aggregates.load(Client, need.client_id, "client")
        facts = self._resource_facts(need)
        candidates = rank_candidates(
            NeedFacts(need.id, need.category, need.area_code), _client_facts(client), facts
        )
        ranked = CandidateList(
            need_id=need.id, version=need.version, rule_set=RULE_SET, candidates=tuple(candidates)
        )
        return ranked, facts

    def _open_needs(self, client_id: UUID, actor: Actor) -> list[Need]:
        self._fresh(("case_board",))
        rows, _ = self._board.page(
            NeedFilter(client_id=client_id), BoardSort.LAST_ACTIVITY, 1, MAX_PLAN_NEEDS * 5
        )
        needs = []
        for row in rows:
            if row.status not in PROPOSABLE or row.paused:
                continue
            need = load_need(self._aggregates, row.id, actor)
            if need.status in PROPOSABLE and not need.paused:
                needs.append(need)
        if len(needs) > MAX_PLAN_NEEDS:
            raise InvalidReferenceError(
                "client_id",
                f"more than {MAX_PLAN_NEEDS} open needs; plan them in parts",
                code="match.too_many_needs",
            )
        return sorted(needs, key=lambda n: (n.created_on, str(n.id)))

    def _plan(self, client: Client, needs: list[Need]) -> MatchPlanDTO:
        # Only the resources serving one of the needs' categories can cover any of them
        # (a large town has thousands of others, each read and decoded for nothing).
        serving: dict[UUID, ResourceFacts] = {}
        for category in sorted({n.category for n in needs}, key=lambda c: c.value):
            serving.update((f.id, f) for f in self._category_facts(category))
        plan = plan_cover(
            [NeedFacts(n.id, n.category, n.area_code) for n in needs],
            _client_facts(client),
            list(serving.values()),
        )
        versions = {n.id: n.version for n in needs}
        return MatchPlanDTO(
            client_id=client.id,
            rule_set=RULE_SET,
            matches=tuple(
                PlannedMatch(i.need_id, versions[i.need_id], i.resource_id, i.score)
                for i in plan.items
            ),
            resource_ids=plan.resource_ids,
            gaps=plan.gaps,
            position=None,
        )

    def _rank(self, need: Need | NeedDTO, client: Client) -> list[Candidate]:
        return rank_candidates(
            NeedFacts(need.id, need.category, need.area_code),
            _client_facts(client),
            self._resource_facts(need),
        )

    def _resource_facts(self, need: Need | NeedDTO) -> list[ResourceFacts]:
        return self._category_facts(need.category)

    def _category_facts(self, category: NeedCategory) -> list[ResourceFacts]:
        """The facts of the resources serving ``category``."""
        if self._inputs is not None:
            # Written in the transactions that saved the events: exactly the log now.
            if not self._inputs.filled():
                fill(self._aggregates.store, self._inputs)
            return self._inputs.resource_facts(category)
        # Rank on views at least as fresh as the log now: a proposal records what
        # the rules said at the moment of the decision.
        self._fresh(RANKING_VIEWS)
        filters = ResourceFilter(category=category)
        waiting = self._board.waiting_by_resource()
        return [
            _resource_facts(r, waiting.get(r.id, 0)) for r in self._resources.resources(filters)
        ]

    def _fresh(self, views: Sequence[str]) -> None:
        """Bring ``views`` up to the log's head in this request (the few events the
        worker has not applied yet), never waiting for the worker; only a view far
        behind or failing is waited for, briefly (bounded), as before."""
        head = self._aggregates.head()
        if self._monitor.bring_up(views, head):
            return
        for view in views:
            self._monitor.wait_for(view, head, VIEW_WAIT_SECONDS)


def _client_facts(client: Client) -> ClientFacts:
    weekdays = client.available_weekdays
    return ClientFacts(
        care_level=client.care_level,
        available_weekdays=frozenset(weekdays) if weekdays is not None else None,
    )


def _resource_facts(resource: ResourceDTO, waitlist: int) -> ResourceFacts:
    return ResourceFacts(
        id=resource.id,
        name=resource.name,
        categories=frozenset(resource.categories),
        area_codes=frozenset(resource.area_codes),
        eligible_care_levels=frozenset(resource.eligible_care_levels),
        weekdays=frozenset(resource.weekdays),
        capacity=resource.capacity,
        places_taken=resource.places_taken,
        status=resource.status,
        waitlist=waitlist,
        referral=resource.service_type is ServiceType.AGENCY_REFERRAL,
    )


def _shown(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    """What a proposal records of the ranking: rank, resource, total and per-criterion scores."""
    return [
        {
            "rank": rank,
            "resource_id": str(c.resource_id),
            "total": c.total,
            "proposable": c.proposable,
            "scores": {s.criterion.value: s.score for s in c.scores},
        }
        for rank, c in enumerate(candidates, start=1)
    ]
