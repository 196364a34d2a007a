"""The matching rules and the multi-need set cover, as tables."""

from __future__ import annotations

from uuid import UUID, uuid5

import pytest

from domain.matching import (
    WEIGHTS,
    ClientFacts,
    Criterion,
    NeedFacts,
    ResourceFacts,
    plan_cover,
    rank_candidates,
)
from domain.values import CareLevel, NeedCategory, ResourceStatus, Weekday

NS = UUID("12345678-1234-5678-1234-567812345678")
C, W, L = NeedCategory, Weekday, CareLevel


def rid(name: str) -> UUID:
    return uuid5(NS, name)


def resource(
    name: str,
    categories: tuple[NeedCategory, ...] = (C.SHOPPING,),
    areas: tuple[str, ...] = ("north",),
    eligible: tuple[CareLevel, ...] = (),
    weekdays: tuple[Weekday, ...] = (),
    capacity: int | None = None,
    taken: int = 0,
    status: ResourceStatus = ResourceStatus.ACTIVE,
    waitlist: int = 0,
) -> ResourceFacts:
    return ResourceFacts(
        id=rid(name),
        name=name,
        categories=frozenset(categories),
        area_codes=frozenset(areas),
        eligible_care_levels=frozenset(eligible),
        weekdays=frozenset(weekdays),
        capacity=capacity,
        places_taken=taken,
        status=status,
        waitlist=waitlist,
    )


NEED = NeedFacts(rid("need"), C.SHOPPING, "north")
CLIENT = ClientFacts(L.SUPPORT_1, frozenset({W.TUE, W.THU}))


@pytest.mark.parametrize(
    ("facts", "criterion", "score", "passed"),
    [
        (resource("in area"), Criterion.AREA, 25, True),
        (resource("elsewhere", areas=("south",)), Criterion.AREA, 0, False),
        (resource("for everyone"), Criterion.ELIGIBILITY, 15, True),
        (
            resource("support only", eligible=(L.SUPPORT_1, L.SUPPORT_2)),
            Criterion.ELIGIBILITY,
            15,
            True,
        ),
        (resource("care only", eligible=(L.CARE_1,)), Criterion.ELIGIBILITY, 0, False),
        (resource("unlimited"), Criterion.CAPACITY, 10, True),
        (resource("roomy", capacity=10, taken=7), Criterion.CAPACITY, 10, True),
        (resource("tight", capacity=10, taken=8), Criterion.CAPACITY, 5, True),
        (resource("full", capacity=10, taken=10), Criterion.CAPACITY, 0, False),
        (resource("any day"), Criterion.SCHEDULE, 10, True),
        (resource("tuesdays", weekdays=(W.TUE,)), Criterion.SCHEDULE, 10, True),
        (resource("mondays", weekdays=(W.MON,)), Criterion.SCHEDULE, 0, False),
        (resource("active"), Criterion.STATUS, 0, True),
        (resource("paused", status=ResourceStatus.SUSPENDED), Criterion.STATUS, 0, False),
        (resource("serves it"), Criterion.CATEGORY, 40, True),
    ],
)
def test_each_criterion_is_scored_separately(
    facts: ResourceFacts, criterion: Criterion, score: int, passed: bool
) -> None:
    [candidate] = rank_candidates(NEED, CLIENT, [facts])
    result = candidate.score_of(criterion)
    assert (result.score, result.passed, result.max_score) == (score, passed, WEIGHTS[criterion])


def test_schedule_scores_half_when_the_client_availability_is_unknown() -> None:
    unknown = ClientFacts(L.SUPPORT_1, None)
    [candidate] = rank_candidates(NEED, unknown, [resource("mondays", weekdays=(W.MON,))])
    assert candidate.score_of(Criterion.SCHEDULE).score == 5


@pytest.mark.parametrize(
    ("facts", "blocker"),
    [
        (resource("full", capacity=2, taken=2, waitlist=3), Criterion.CAPACITY),
        (resource("suspended", status=ResourceStatus.SUSPENDED), Criterion.STATUS),
        (resource("planned", status=ResourceStatus.PLANNED), Criterion.STATUS),
        (resource("care only", eligible=(L.CARE_3,)), Criterion.ELIGIBILITY),
    ],
)
def test_unusable_resources_are_shown_but_not_proposable(
    facts: ResourceFacts, blocker: Criterion
) -> None:
    [candidate] = rank_candidates(NEED, CLIENT, [facts])
    assert candidate.proposable is False
    assert blocker in candidate.blockers


def test_a_full_resource_reports_its_waitlist() -> None:
    [candidate] = rank_candidates(NEED, CLIENT, [resource("full", capacity=2, taken=2, waitlist=3)])
    assert (candidate.places_left, candidate.waitlist) == (0, 3)


def test_resources_of_other_categories_and_closed_ones_are_left_out() -> None:
    ranked = rank_candidates(
        NEED,
        CLIENT,
        [
            resource("meals", categories=(C.MEALS,)),
            resource("closed", status=ResourceStatus.CLOSED),
            resource("shop"),
        ],
    )
    assert [c.name for c in ranked] == ["shop"]


def test_candidates_are_ranked_by_total_with_unusable_ones_last() -> None:
    ranked = rank_candidates(
        NEED,
        CLIENT,
        [
            resource("far", areas=("south",)),
            resource("full but perfect", capacity=1, taken=1),
            resource("near, wrong day", weekdays=(W.MON,)),
            resource("perfect"),
        ],
    )
    assert [(c.name, c.total) for c in ranked] == [
        ("perfect", 100),
        ("near, wrong day", 90),
        ("far", 75),
        ("full but perfect", 90),
    ]


def test_ties_are_broken_by_free_places_then_name_then_id() -> None:
    ranked = rank_candidates(
        NEED,
        CLIENT,
        [
            resource("b", capacity=5),
            resource("a", capacity=5),
            resource("c"),
            resource("d", capacity=9),
        ],
    )
    assert [c.name for c in ranked] == ["c", "d", "a", "b"]


def test_ranking_is_deterministic_whatever_the_input_order() -> None:
    pool = [resource(name) for name in "edcba"]
    assert rank_candidates(NEED, CLIENT, pool) == rank_candidates(NEED, CLIENT, pool[::-1])


# -- the multi-need plan (set cover) ------------------------------------------------------------


def need(name: str, category: NeedCategory, area: str = "north") -> NeedFacts:
    return NeedFacts(rid(name), category, area)


@pytest.mark.parametrize(
    ("needs", "resources", "expected_resources", "expected_gaps"),
    [
        pytest.param(
            [need("n1", C.SHOPPING), need("n2", C.COMPANIONSHIP)],
            [
                resource("shop", (C.SHOPPING,)),
                resource("talk", (C.COMPANIONSHIP,)),
                resource("salon", (C.SHOPPING, C.COMPANIONSHIP)),
            ],
            {"salon"},
            set(),
            id="one resource serving both needs counts once",
        ),
        pytest.param(
            [need("n1", C.SHOPPING), need("n2", C.MEALS), need("n3", C.EXERCISE)],
            [
                resource("shop+meals", (C.SHOPPING, C.MEALS)),
                resource("meals+gym", (C.MEALS, C.EXERCISE)),
                resource("gym (other area)", (C.EXERCISE,), areas=("south",)),
            ],
            {"shop+meals", "meals+gym"},
            set(),
            id="two resources cover three needs",
        ),
        pytest.param(
            [need("n1", C.SHOPPING), need("n2", C.YARD_WORK)],
            [resource("shop", (C.SHOPPING,))],
            {"shop"},
            {"n2"},
            id="an uncovered need is a gap",
        ),
        pytest.param(
            [need("n1", C.SHOPPING), need("n2", C.COMPANIONSHIP)],
            [
                resource("salon (full)", (C.SHOPPING, C.COMPANIONSHIP), capacity=3, taken=3),
                resource("shop", (C.SHOPPING,)),
                resource("talk", (C.COMPANIONSHIP,)),
            ],
            {"shop", "talk"},
            set(),
            id="capacity is respected",
        ),
        pytest.param(
            [need("n1", C.SHOPPING), need("n2", C.COMPANIONSHIP)],
            [
                resource("salon (care only)", (C.SHOPPING, C.COMPANIONSHIP), eligible=(L.CARE_2,)),
                resource("shop", (C.SHOPPING,)),
                resource("talk", (C.COMPANIONSHIP,)),
            ],
            {"shop", "talk"},
            set(),
            id="eligibility is respected",
        ),
        pytest.param(
            [need("n1", C.SHOPPING)],
            [resource("shop far", (C.SHOPPING,), areas=("south",)), resource("shop near")],
            {"shop near"},
            set(),
            id="equal size: the higher score wins",
        ),
        pytest.param(
            [need("n1", C.SHOPPING), need("n2", C.MEALS)],
            [
                resource("far, both", (C.SHOPPING, C.MEALS), areas=("south",)),
                resource("shop", (C.SHOPPING,)),
                resource("meals", (C.MEALS,)),
            ],
            {"shop", "meals"},
            set(),
            id="resources outside the client's area are not planned",
        ),
        pytest.param(
            [need("n1", C.TRANSPORT)],
            [resource("far bus", (C.TRANSPORT,), areas=("south",))],
            set(),
            {"n1"},
            id="a need served only in other areas is a gap",
        ),
    ],
)
def test_the_plan_uses_the_fewest_resources(
    needs: list[NeedFacts],
    resources: list[ResourceFacts],
    expected_resources: set[str],
    expected_gaps: set[str],
) -> None:
    plan = plan_cover(needs, CLIENT, resources)
    names = {r.name for r in resources if r.id in plan.resource_ids}
    assert names == expected_resources
    assert set(plan.gaps) == {rid(n) for n in expected_gaps}
    assert {i.need_id for i in plan.items} | set(plan.gaps) == {n.id for n in needs}


def test_every_planned_match_serves_its_need() -> None:
    needs = [need("n1", C.SHOPPING), need("n2", C.MEALS), need("n3", C.GARBAGE)]
    pool = [
        resource("a", (C.SHOPPING, C.GARBAGE)),
        resource("b", (C.MEALS,)),
        resource("c", (C.GARBAGE, C.MEALS)),
    ]
    plan = plan_cover(needs, CLIENT, pool)
    by_id = {r.id: r for r in pool}
    for item in plan.items:
        category = next(n.category for n in needs if n.id == item.need_id)
        assert category in by_id[item.resource_id].categories
    assert len(plan.resource_ids) == 2
