"""Every (state, action) pair of the Need, against a table written out by hand.

The table is the state machine of DESIGN.md as the tests expect it; it is not
derived from ``domain.need.ALLOWED_FROM`` so that a wrong transition in the
domain makes a test fail. States are reached through domain commands only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from domain.errors import NeedAlreadyClosedError, NeedPausedError, NeedTransitionError
from domain.need import ALLOWED_FROM, Need
from domain.values import DeclinedBy, NeedStatus, Outcome, Progress, Urgency
from tests.unit.aggregates import (
    ACTOR,
    COORDINATOR,
    INITIATIVE_ID,
    OTHER_COORDINATOR,
    RESOURCE_ID,
    new_need,
)

S = NeedStatus

ACTIONS: dict[str, Callable[[Need], object]] = {
    "assign": lambda need: need.assign(COORDINATOR, ACTOR),
    "reassign": lambda need: need.reassign(OTHER_COORDINATOR, "holiday cover", ACTOR),
    "propose": lambda need: need.propose(RESOURCE_ID, "closest fit", ACTOR),
    "decline": lambda need: need.decline(DeclinedBy.CLIENT, "prefers mornings", ACTOR),
    "confirm": lambda need: need.confirm(date(2025, 4, 1), ACTOR),
    "record_gap": lambda need: need.record_gap("nothing on weekends", ACTOR),
    "link_development": lambda need: need.link_development(INITIATIVE_ID, ACTOR),
    "unlink_development": lambda need: need.unlink_development("initiative abandoned", ACTOR),
    "mark_resource_created": lambda need: need.mark_resource_created(
        RESOURCE_ID, INITIATIVE_ID, ACTOR
    ),
    "follow_up": lambda need: need.follow_up("goes every week", Progress.ON_TRACK, ACTOR),
    "pause": lambda need: need.pause("hospitalised", ACTOR),
    "resume": lambda need: need.resume("back home", ACTOR),
    "close": lambda need: need.close(Outcome.GOAL_ACHIEVED, "shops alone again", ACTOR),
    "reopen": lambda need: need.reopen("needs help again", ACTOR),
    "edit": lambda need: need.edit(
        "knee pain, cannot walk far", "cook again", Urgency.HIGH, "typo", ACTOR
    ),
}

# How each state of the table is reached from a freshly raised need.
PATHS: dict[str, tuple[str, ...]] = {
    "raised": (),
    "matching": ("assign",),
    "proposed": ("assign", "propose"),
    "matched": ("assign", "propose", "confirm"),
    "resource_gap": ("assign", "record_gap"),
    "in_development": ("assign", "record_gap", "link_development"),
    "resource_created": ("assign", "record_gap", "link_development", "mark_resource_created"),
    "closed": ("assign", "close"),
    "raised_paused": ("pause",),
    "matching_paused": ("assign", "pause"),
    "proposed_paused": ("assign", "propose", "pause"),
    "matched_paused": ("assign", "propose", "confirm", "pause"),
    "resource_gap_paused": ("assign", "record_gap", "pause"),
    "in_development_paused": ("assign", "record_gap", "link_development", "pause"),
    "resource_created_paused": (
        "assign",
        "record_gap",
        "link_development",
        "mark_resource_created",
        "pause",
    ),
}


@dataclass(frozen=True)
class Allowed:
    """The action records ``event`` and leaves the need in ``status`` (paused or not)."""

    event: type[Need.Event]
    status: NeedStatus
    paused: bool = False


Refused = type[NeedTransitionError]
Expected = Allowed | Refused

EXPECTED: dict[str, dict[str, Expected]] = {
    "raised": {
        "assign": Allowed(Need.CoordinatorAssigned, S.MATCHING),
        "reassign": NeedTransitionError,
        "propose": NeedTransitionError,
        "decline": NeedTransitionError,
        "confirm": NeedTransitionError,
        "record_gap": NeedTransitionError,
        "link_development": NeedTransitionError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedTransitionError,
        "pause": Allowed(Need.Paused, S.RAISED, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "matching": {
        "assign": NeedTransitionError,
        "reassign": Allowed(Need.Reassigned, S.MATCHING),
        "propose": Allowed(Need.MatchProposed, S.PROPOSED),
        "decline": NeedTransitionError,
        "confirm": NeedTransitionError,
        "record_gap": Allowed(Need.GapRecorded, S.RESOURCE_GAP),
        "link_development": NeedTransitionError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedTransitionError,
        "pause": Allowed(Need.Paused, S.MATCHING, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "proposed": {
        "assign": NeedTransitionError,
        "reassign": Allowed(Need.Reassigned, S.PROPOSED),
        "propose": NeedTransitionError,
        "decline": Allowed(Need.MatchDeclined, S.MATCHING),
        "confirm": Allowed(Need.MatchConfirmed, S.MATCHED),
        "record_gap": NeedTransitionError,
        "link_development": NeedTransitionError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedTransitionError,
        "pause": Allowed(Need.Paused, S.PROPOSED, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "matched": {
        "assign": NeedTransitionError,
        "reassign": Allowed(Need.Reassigned, S.MATCHED),
        "propose": NeedTransitionError,
        "decline": Allowed(Need.MatchDeclined, S.MATCHING),
        "confirm": NeedTransitionError,
        "record_gap": NeedTransitionError,
        "link_development": NeedTransitionError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": Allowed(Need.FollowUpRecorded, S.MATCHED),
        "pause": Allowed(Need.Paused, S.MATCHED, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "resource_gap": {
        "assign": NeedTransitionError,
        "reassign": Allowed(Need.Reassigned, S.RESOURCE_GAP),
        "propose": NeedTransitionError,
        "decline": NeedTransitionError,
        "confirm": NeedTransitionError,
        "record_gap": NeedTransitionError,
        "link_development": Allowed(Need.DevelopmentLinked, S.IN_DEVELOPMENT),
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedTransitionError,
        "pause": Allowed(Need.Paused, S.RESOURCE_GAP, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "in_development": {
        "assign": NeedTransitionError,
        "reassign": Allowed(Need.Reassigned, S.IN_DEVELOPMENT),
        "propose": NeedTransitionError,
        "decline": NeedTransitionError,
        "confirm": NeedTransitionError,
        "record_gap": NeedTransitionError,
        "link_development": NeedTransitionError,
        "unlink_development": Allowed(Need.DevelopmentUnlinked, S.RESOURCE_GAP),
        "mark_resource_created": Allowed(Need.ResourceCreated, S.RESOURCE_CREATED),
        "follow_up": NeedTransitionError,
        "pause": Allowed(Need.Paused, S.IN_DEVELOPMENT, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "resource_created": {
        "assign": NeedTransitionError,
        "reassign": Allowed(Need.Reassigned, S.RESOURCE_CREATED),
        "propose": Allowed(Need.MatchProposed, S.PROPOSED),
        "decline": NeedTransitionError,
        "confirm": NeedTransitionError,
        "record_gap": Allowed(Need.GapRecorded, S.RESOURCE_GAP),
        "link_development": NeedTransitionError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedTransitionError,
        "pause": Allowed(Need.Paused, S.RESOURCE_CREATED, paused=True),
        "resume": NeedTransitionError,
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedTransitionError,
    },
    "closed": {
        "assign": NeedAlreadyClosedError,
        "reassign": NeedAlreadyClosedError,
        "propose": NeedAlreadyClosedError,
        "decline": NeedAlreadyClosedError,
        "confirm": NeedAlreadyClosedError,
        "record_gap": NeedAlreadyClosedError,
        "link_development": NeedAlreadyClosedError,
        "unlink_development": NeedAlreadyClosedError,
        "mark_resource_created": NeedAlreadyClosedError,
        "follow_up": NeedAlreadyClosedError,
        "pause": NeedAlreadyClosedError,
        "resume": NeedAlreadyClosedError,
        "close": NeedAlreadyClosedError,
        # Closed after assignment: back to the same coordinator.
        "reopen": Allowed(Need.Reopened, S.MATCHING),
    },
    # A paused need accepts only resume, close and reassign (and records what
    # happens to the initiative it waits on); everything else says "resume it first".
    "raised_paused": {
        "assign": NeedPausedError,
        "reassign": NeedTransitionError,  # nobody to reassign from yet
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.RAISED),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
    "matching_paused": {
        "assign": NeedPausedError,
        "reassign": Allowed(Need.Reassigned, S.MATCHING, paused=True),
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.MATCHING),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
    "proposed_paused": {
        "assign": NeedPausedError,
        "reassign": Allowed(Need.Reassigned, S.PROPOSED, paused=True),
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.PROPOSED),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
    "matched_paused": {
        "assign": NeedPausedError,
        "reassign": Allowed(Need.Reassigned, S.MATCHED, paused=True),
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.MATCHED),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
    "resource_gap_paused": {
        "assign": NeedPausedError,
        "reassign": Allowed(Need.Reassigned, S.RESOURCE_GAP, paused=True),
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.RESOURCE_GAP),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
    "in_development_paused": {
        "assign": NeedPausedError,
        "reassign": Allowed(Need.Reassigned, S.IN_DEVELOPMENT, paused=True),
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": Allowed(Need.DevelopmentUnlinked, S.RESOURCE_GAP, paused=True),
        "mark_resource_created": Allowed(Need.ResourceCreated, S.RESOURCE_CREATED, paused=True),
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.IN_DEVELOPMENT),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
    "resource_created_paused": {
        "assign": NeedPausedError,
        "reassign": Allowed(Need.Reassigned, S.RESOURCE_CREATED, paused=True),
        "propose": NeedPausedError,
        "decline": NeedPausedError,
        "confirm": NeedPausedError,
        "record_gap": NeedPausedError,
        "link_development": NeedPausedError,
        "unlink_development": NeedTransitionError,
        "mark_resource_created": NeedTransitionError,
        "follow_up": NeedPausedError,
        "pause": NeedPausedError,
        "resume": Allowed(Need.Resumed, S.RESOURCE_CREATED),
        "close": Allowed(Need.Closed, S.CLOSED),
        "reopen": NeedPausedError,
    },
}

# Editing the description, goal and urgency keeps the state, paused or not; a closed
# need is reopened first.
for _state, _row in EXPECTED.items():
    _row["edit"] = (
        NeedAlreadyClosedError
        if _state == "closed"
        else Allowed(
            Need.DetailsChanged,
            NeedStatus(_state.removesuffix("_paused")),
            paused=_state.endswith("_paused"),
        )
    )


def need_in(state: str) -> Need:
    """A need brought to ``state`` by domain commands, with no pending events."""
    need = new_need()
    for step in PATHS[state]:
        ACTIONS[step](need)
    need.collect_events()
    return need


def status_of(state: str) -> NeedStatus:
    return NeedStatus(state.removesuffix("_paused"))


# The full cartesian product of states and actions; KeyError here means the
# table above misses a pair.
ALL_CASES = [(state, action, EXPECTED[state][action]) for state in PATHS for action in ACTIONS]
ALLOWED_CASES = [
    pytest.param(state, action, expected, id=f"{state}-{action}")
    for state, action, expected in ALL_CASES
    if isinstance(expected, Allowed)
]
REFUSED_CASES = [
    pytest.param(state, action, expected, id=f"{state}-{action}")
    for state, action, expected in ALL_CASES
    if not isinstance(expected, Allowed)
]


def test_table_covers_every_action_of_the_need() -> None:
    assert set(ACTIONS) == set(ALLOWED_FROM)


def test_table_covers_every_state_open_and_paused() -> None:
    expected = {s.value for s in NeedStatus} | {
        f"{s.value}_paused" for s in NeedStatus if s is not S.CLOSED
    }
    assert set(EXPECTED) == set(PATHS) == expected


@pytest.mark.parametrize("state", list(PATHS))
def test_need_is_built_in_the_state_it_is_named_after(state: str) -> None:
    need = need_in(state)

    assert (need.status, need.paused) == (status_of(state), state.endswith("_paused"))


@pytest.mark.parametrize(("state", "action", "expected"), ALLOWED_CASES)
def test_allowed_action_records_its_event_and_moves_the_need(
    state: str, action: str, expected: Allowed
) -> None:
    need = need_in(state)

    ACTIONS[action](need)

    assert [type(e) for e in need.collect_events()] == [expected.event]
    assert (need.status, need.paused) == (expected.status, expected.paused)


@pytest.mark.parametrize(("state", "action", "expected"), REFUSED_CASES)
def test_forbidden_action_raises_a_named_error_naming_state_and_action(
    state: str, action: str, expected: Refused
) -> None:
    need = need_in(state)

    with pytest.raises(NeedTransitionError) as refused:
        ACTIONS[action](need)

    assert type(refused.value) is expected
    message = str(refused.value)
    assert status_of(state).value in message
    assert action in message
    if expected is NeedPausedError:
        assert "paused" in message


@pytest.mark.parametrize(("state", "action", "expected"), REFUSED_CASES)
def test_forbidden_action_records_no_event(state: str, action: str, expected: Refused) -> None:
    need = need_in(state)

    with pytest.raises(expected):
        ACTIONS[action](need)

    assert need.collect_events() == []
    assert (need.status, need.paused) == (status_of(state), state.endswith("_paused"))


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in ALL_CASES],
)
def test_allows_answers_as_the_table_says(state: str, action: str, expected: Expected) -> None:
    need = need_in(state)

    assert need.allows(action) is isinstance(expected, Allowed)
