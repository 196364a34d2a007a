"""Use cases of matching (ニーズと取組のマッチング): explained candidates, proposals
that record what was shown, and multi-need plans for complex cases (複合課題)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from application.base import CaseworkBase
from application.dto import (
    CandidateList,
    MatchPlanDTO,
    NeedDTO,
    NeedFilter,
    PlannedMatch,
    ResourceDTO,
    ResourceFilter,
)
from application.errors import InvalidReferenceError, VersionConflictError
from application.security import Actor
from domain.client import Client
from domain.errors import DomainError
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
from domain.values import NeedStatus, ResourceId

PROPOSABLE = (NeedStatus.MATCHING, NeedStatus.RESOURCE_CREATED)
MAX_PLAN_NEEDS = 20


class MatchPlanChangedError(DomainError):
    """The plan the coordinator accepted is no longer the plan (someone changed something)."""

    def __init__(self) -> None:
        super().__init__(
            "the match plan has changed since it was shown (a need or a resource moved on); "
            "reload the plan and accept it again"
        )


class MatchingCases(CaseworkBase):
    """Ranking, proposing with provenance, and covering a client's needs."""

    def need_candidates(self, need_id: UUID, actor: Actor) -> CandidateList:
        """Resources for a need, best first, each with its score per criterion."""
        actor.require("need.read")
        need = self._get_need(need_id, actor)
        client = self._load(Client, need.client_id, "client")
        candidates = self._rank(need, client)
        return CandidateList(
            need_id=need.id,
            version=need.version,
            rule_set=RULE_SET,
            candidates=tuple(candidates),
        )

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
        """Propose a resource, recording the ranked candidates shown (provenance).

        The ranking is computed again at the moment of the decision, so the
        event holds exactly what the rules said then, whatever changes later.
        """
        actor.require("need.propose")
        if candidates is None:
            need = self._get_need(need_id, actor)
            client = self._load(Client, need.client_id, "client")
            candidates = _shown(self._rank(need, client))
            rule_set = RULE_SET
        return super().propose_match(
            need_id, resource_id, reason, expected_version, actor, candidates, rule_set
        )

    def match_plan(self, client_id: UUID, actor: Actor) -> MatchPlanDTO:
        """The fewest resources that cover a client's needs that await a proposal."""
        actor.require("need.read")
        client = self._get_client(client_id, actor)
        needs = self._open_needs(client.id, actor)
        return self._plan(client, needs)

    def accept_match_plan(
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
        client = self._get_client(client_id, actor)
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
        position = self._commit(*[by_need[m.need_id] for m in plan.matches], kind="need")
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

    def _open_needs(self, client_id: UUID, actor: Actor) -> list[Need]:
        self._wait_for_view("case_board", self.head())
        rows, _ = self.read_side.case_board.find_needs(
            NeedFilter(client_id=client_id), page=1, per_page=MAX_PLAN_NEEDS * 5
        )
        needs = []
        for row in rows:
            if row.status not in PROPOSABLE or row.paused:
                continue
            need = self._get_need(row.id, actor)
            if need.status in PROPOSABLE and not need.paused:
                needs.append(need)
        if len(needs) > MAX_PLAN_NEEDS:
            raise InvalidReferenceError(
                "client_id", f"more than {MAX_PLAN_NEEDS} open needs; plan them in parts"
            )
        return sorted(needs, key=lambda n: (n.created_on, str(n.id)))

    def _plan(self, client: Client, needs: list[Need]) -> MatchPlanDTO:
        resources = self._resource_facts(None)
        plan = plan_cover(
            [NeedFacts(n.id, n.category, n.area_code) for n in needs],
            _client_facts(client),
            resources,
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

    def _rank(self, need: Need, client: Client) -> list[Candidate]:
        return rank_candidates(
            NeedFacts(need.id, need.category, need.area_code),
            _client_facts(client),
            self._resource_facts(need),
        )

    def _resource_facts(self, need: Need | None) -> list[ResourceFacts]:
        # Rank on views at least as fresh as the log now: a proposal records what
        # the rules said at the moment of the decision. With a separate
        # projection worker this waits briefly (bounded) for it.
        head = self.head()
        self._wait_for_view("resource_directory", head)
        self._wait_for_view("case_board", head)
        filters = ResourceFilter(category=need.category) if need is not None else ResourceFilter()
        waiting = self.read_side.case_board.waiting_by_resource()
        return [
            _resource_facts(r, waiting.get(r.id, 0))
            for r in self.read_side.directory.resources(filters)
        ]


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
    )


def _shown(candidates: list[Candidate]) -> list[dict[str, Any]]:
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
