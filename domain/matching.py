"""Matching: ranking resources for a need, and covering a client's needs with few resources.

Pure functions over plain facts, so that a ranking can be explained, tested
with tables and replayed. Every criterion is scored and reported separately;
the rule set has a version that proposals record with what was shown.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from domain.values import CareLevel, NeedCategory, ResourceStatus, Weekday

RULE_SET = "tsunagu-matching/2026.1"
# Referrals to professional agencies ranking after life-support resources came later
# without a new version: it changes no ranking of the release fixture (v0.1.0), and the
# release-figures test compares the rule set of live rankings.


class Criterion(enum.Enum):
    CATEGORY = "category"
    AREA = "area"
    ELIGIBILITY = "eligibility"
    CAPACITY = "capacity"
    SCHEDULE = "schedule"
    STATUS = "status"


WEIGHTS: dict[Criterion, int] = {
    Criterion.CATEGORY: 40,
    Criterion.AREA: 25,
    Criterion.ELIGIBILITY: 15,
    Criterion.CAPACITY: 10,
    Criterion.SCHEDULE: 10,
    Criterion.STATUS: 0,
}
"""Points per criterion; a perfect candidate scores 100. Status only gates."""

ROOMY = 3
"""From this many free places on, capacity scores in full."""


@dataclass(frozen=True)
class ResourceFacts:
    """What matching needs to know about a resource."""

    id: UUID
    name: str
    categories: frozenset[NeedCategory]
    area_codes: frozenset[str]
    eligible_care_levels: frozenset[CareLevel]
    """Empty: every care level is eligible."""
    weekdays: frozenset[Weekday]
    """Empty: no fixed days (on demand)."""
    capacity: int | None
    places_taken: int
    status: ResourceStatus
    waitlist: int = 0
    """Needs currently proposed to it and waiting for confirmation."""
    referral: bool = False
    """A professional agency (service type ``agency_referral``), not a life-support resource."""

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.places_taken, 0)


@dataclass(frozen=True)
class NeedFacts:
    id: UUID
    category: NeedCategory
    area_code: str


@dataclass(frozen=True)
class ClientFacts:
    care_level: CareLevel
    available_weekdays: frozenset[Weekday] | None = None
    """None: not known."""


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    score: int
    max_score: int
    passed: bool
    detail: str = ""
    """A machine-readable detail (weekday list, places left, status) for the wording."""


@dataclass(frozen=True)
class Candidate:
    resource_id: UUID
    name: str
    total: int
    proposable: bool
    blockers: tuple[Criterion, ...]
    """Why it cannot be proposed now (status, full, not eligible)."""
    scores: tuple[CriterionScore, ...]
    places_left: int | None
    waitlist: int
    referral: bool = False
    """A referral to a professional agency: ranked after the life-support resources."""

    def score_of(self, criterion: Criterion) -> CriterionScore:
        return next(s for s in self.scores if s.criterion is criterion)


def _score_resource(
    need: NeedFacts, client: ClientFacts, resource: ResourceFacts
) -> tuple[list[CriterionScore], list[Criterion]]:
    scores: list[CriterionScore] = []
    blockers: list[Criterion] = []

    def add(criterion: Criterion, fraction: float, passed: bool, detail: str = "") -> None:
        maximum = WEIGHTS[criterion]
        scores.append(CriterionScore(criterion, round(maximum * fraction), maximum, passed, detail))

    add(Criterion.CATEGORY, 1.0, True, need.category.value)
    covers = need.area_code in resource.area_codes
    add(Criterion.AREA, 1.0 if covers else 0.0, covers, need.area_code)
    eligible = (
        not resource.eligible_care_levels or client.care_level in resource.eligible_care_levels
    )
    add(Criterion.ELIGIBILITY, 1.0 if eligible else 0.0, eligible, client.care_level.value)
    if not eligible:
        blockers.append(Criterion.ELIGIBILITY)
    left = resource.places_left
    if left is None:
        add(Criterion.CAPACITY, 1.0, True, "unlimited")
    elif left == 0:
        add(Criterion.CAPACITY, 0.0, False, "0")
        blockers.append(Criterion.CAPACITY)
    else:
        add(Criterion.CAPACITY, 1.0 if left >= ROOMY else 0.5, True, str(left))
    if client.available_weekdays is None:
        add(Criterion.SCHEDULE, 0.5, True, "unknown")
    elif not resource.weekdays:
        add(Criterion.SCHEDULE, 1.0, True, "any")
    else:
        common = [d for d in Weekday if d in resource.weekdays and d in client.available_weekdays]
        add(
            Criterion.SCHEDULE,
            1.0 if common else 0.0,
            bool(common),
            ",".join(d.value for d in common),
        )
    active = resource.status is ResourceStatus.ACTIVE
    add(Criterion.STATUS, 1.0 if active else 0.0, active, resource.status.value)
    if not active:
        blockers.append(Criterion.STATUS)
    return scores, blockers


def rank_candidates(
    need: NeedFacts, client: ClientFacts, resources: Iterable[ResourceFacts]
) -> list[Candidate]:
    """Resources that serve the need's category, best first.

    Closed resources are left out; suspended, planned, full and ineligible ones
    are kept (so the coordinator sees them, e.g. a full one with its waitlist)
    but marked not proposable and ranked after every proposable one. Referrals
    to professional agencies (関係機関) come after the life-support resources of
    the same standing, whatever their score: a national list imports hundreds
    of care providers with unlimited places and any weekday, which would
    otherwise outscore the local activities matching is for. Ties are broken by
    free places (unlimited first), then name, then id.
    """
    candidates = []
    for resource in resources:
        if need.category not in resource.categories or resource.status is ResourceStatus.CLOSED:
            continue
        scores, blockers = _score_resource(need, client, resource)
        candidates.append(
            Candidate(
                resource_id=resource.id,
                name=resource.name,
                total=sum(s.score for s in scores),
                proposable=not blockers,
                blockers=tuple(blockers),
                scores=tuple(scores),
                places_left=resource.places_left,
                waitlist=resource.waitlist,
                referral=resource.referral,
            )
        )

    def order(c: Candidate) -> tuple[bool, bool, int, float, str, str]:
        room = float("inf") if c.places_left is None else c.places_left
        return (not c.proposable, c.referral, -c.total, -room, c.name, str(c.resource_id))

    return sorted(candidates, key=order)


@dataclass(frozen=True)
class PlanItem:
    need_id: UUID
    resource_id: UUID
    score: int


@dataclass(frozen=True)
class MatchPlan:
    """The fewest resources that cover a client's needs; what nothing covers is a gap."""

    items: tuple[PlanItem, ...]
    gaps: tuple[UUID, ...]
    resource_ids: tuple[UUID, ...] = field(default=())


SEARCH_LIMIT = 200_000
"""Nodes explored before settling for the best plan found so far."""


def plan_cover(
    needs: Sequence[NeedFacts], client: ClientFacts, resources: Sequence[ResourceFacts]
) -> MatchPlan:
    """The smallest set of proposable resources in the client's area covering all
    coverable needs.

    A resource that serves several of the client's needs counts once (and the
    client takes one place there). A need that only resources of other areas
    serve is a gap: a plan is a proposal to accept in one step, so it keeps to
    what is near. Among plans of equal size the one with the highest total
    score wins, fewer referrals to professional agencies first; remaining ties go
    to resource names, then ids.
    """
    options: dict[UUID, list[Candidate]] = {}
    gaps = []
    for need in needs:
        usable = [
            c
            for c in rank_candidates(need, client, resources)
            if c.proposable and c.score_of(Criterion.AREA).passed
        ]
        if usable:
            options[need.id] = usable
        else:
            gaps.append(need.id)
    order = sorted(options, key=lambda n: (len(options[n]), str(n)))

    # the best so far
    best: list[tuple[int, int, int, tuple[str, ...], dict[UUID, Candidate]]] = []
    explored = 0

    def key(chosen: dict[UUID, Candidate]) -> tuple[int, int, int, tuple[str, ...]]:
        distinct = {c.resource_id: c for c in chosen.values()}
        referrals = sum(1 for c in distinct.values() if c.referral)
        total = sum(c.total for c in chosen.values())
        names = sorted(f"{c.name}\x00{rid}" for rid, c in distinct.items())
        return (len(distinct), referrals, -total, tuple(names))

    def search(index: int, chosen: dict[UUID, Candidate], used: set[UUID]) -> None:
        nonlocal explored
        explored += 1
        if explored > SEARCH_LIMIT and best:
            return
        if best and len(used) > best[0][0]:
            return
        if index == len(order):
            k = key(chosen)
            if not best or k < best[0][:4]:
                best[:] = [(*k, dict(chosen))]
            return
        need_id = order[index]
        reuse = [c for c in options[need_id] if c.resource_id in used]
        fresh = [c for c in options[need_id] if c.resource_id not in used]
        for candidate in [*reuse, *fresh]:
            chosen[need_id] = candidate
            added = candidate.resource_id not in used
            if added:
                used.add(candidate.resource_id)
            search(index + 1, chosen, used)
            if added:
                used.discard(candidate.resource_id)
            del chosen[need_id]

    search(0, {}, set())
    chosen = best[0][4] if best else {}
    items = tuple(
        PlanItem(
            need_id=need.id, resource_id=chosen[need.id].resource_id, score=chosen[need.id].total
        )
        for need in needs
        if need.id in chosen
    )
    resource_ids = tuple(dict.fromkeys(item.resource_id for item in items))
    return MatchPlan(items=items, gaps=tuple(gaps), resource_ids=resource_ids)
