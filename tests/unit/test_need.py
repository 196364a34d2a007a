"""Need behaviours beyond the transition table: what the events carry and return."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidValueError, NeedTransitionError
from domain.need import Need
from domain.values import DeclinedBy, NeedStatus, Outcome, Progress
from tests.unit.aggregates import (
    ACTOR,
    COORDINATOR,
    INITIATIVE_ID,
    OTHER_COORDINATOR,
    RESOURCE_ID,
    new_need,
    raise_arguments,
)


def matched_need() -> Need:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.propose(RESOURCE_ID, "closest fit", ACTOR)
    need.confirm(date(2025, 4, 1), ACTOR)
    need.collect_events()
    return need


def test_raise_need_records_raised_with_the_need_in_status_raised() -> None:
    need = new_need()

    assert [type(e) for e in need.collect_events()] == [Need.Raised]
    assert need.status is NeedStatus.RAISED
    assert (need.paused, need.assignee, need.resource_id) == (False, None, None)


@pytest.mark.parametrize("field", ["description", "goal"])
@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_raise_need_is_refused_when_text_is_empty_or_overlong(field: str, text: str) -> None:
    arguments = {**raise_arguments(), field: text}

    with pytest.raises(InvalidValueError) as refused:
        Need.raise_need(**arguments)

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("care_plan_ref", "stored"),
    [(None, None), ("", None), ("   ", None), (" CP-2025-001 ", "CP-2025-001")],
)
def test_raise_need_keeps_a_care_plan_ref_only_when_given(
    care_plan_ref: str | None, stored: str | None
) -> None:
    need = Need.raise_need(**raise_arguments(), care_plan_ref=care_plan_ref)

    assert need.care_plan_ref == stored


def test_assign_makes_the_coordinator_the_assignee() -> None:
    need = new_need()

    need.assign(COORDINATOR, ACTOR)

    assert need.assignee == COORDINATOR


def test_reassign_hands_the_need_to_another_coordinator() -> None:
    need = matched_need()

    need.reassign(OTHER_COORDINATOR, "holiday cover", ACTOR)

    assert (need.assignee, need.status) == (OTHER_COORDINATOR, NeedStatus.MATCHED)


def test_reassign_is_refused_when_the_need_is_already_theirs() -> None:
    need = matched_need()

    with pytest.raises(NeedTransitionError, match="already theirs"):
        need.reassign(COORDINATOR, "holiday cover", ACTOR)


def test_propose_records_the_candidates_and_rule_set_shown() -> None:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.collect_events()
    candidates = [{"resource_id": str(RESOURCE_ID), "score": 0.9}]

    need.propose(RESOURCE_ID, "closest fit", ACTOR, candidates=candidates, rule_set="v1")

    (proposed,) = need.collect_events()
    assert isinstance(proposed, Need.MatchProposed)
    assert (proposed.resource_id, proposed.candidates, proposed.rule_set) == (
        RESOURCE_ID,
        candidates,
        "v1",
    )


def test_confirm_returns_the_resource_to_enrol_at_and_sets_the_start_date() -> None:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.propose(RESOURCE_ID, "closest fit", ACTOR)

    resource_id = need.confirm(date(2025, 4, 1), ACTOR)

    assert (resource_id, need.start_date) == (RESOURCE_ID, date(2025, 4, 1))
    assert need.holds_place


def test_decline_returns_false_when_the_match_was_only_proposed() -> None:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.propose(RESOURCE_ID, "closest fit", ACTOR)

    releases = need.decline(DeclinedBy.PROVIDER, "no driver that day", ACTOR)

    assert releases is False
    assert need.resource_id is None


def test_decline_returns_true_when_the_match_was_confirmed() -> None:
    need = matched_need()

    releases = need.decline(DeclinedBy.CLIENT, "prefers mornings", ACTOR)

    assert releases is True
    assert (need.resource_id, need.start_date, need.holds_place) == (None, None, False)


def test_decline_records_who_declined_and_the_resource() -> None:
    need = matched_need()

    need.decline(DeclinedBy.PROVIDER, "no driver that day", ACTOR)

    (declined,) = need.collect_events()
    assert isinstance(declined, Need.MatchDeclined)
    assert (declined.by, declined.resource_id) == (DeclinedBy.PROVIDER, RESOURCE_ID)


def test_close_returns_true_when_the_need_holds_a_place() -> None:
    need = matched_need()

    releases = need.close(Outcome.GOAL_ACHIEVED, "shops alone again", ACTOR)

    assert releases is True
    assert need.outcome is Outcome.GOAL_ACHIEVED


def test_close_returns_false_when_the_need_holds_no_place() -> None:
    need = new_need()

    releases = need.close(Outcome.DUPLICATE, "raised twice", ACTOR)

    assert releases is False


def test_close_clears_the_pause() -> None:
    need = matched_need()
    need.pause("hospitalised", ACTOR)

    need.close(Outcome.HOSPITALISED_OR_ADMITTED, "long stay", ACTOR)

    assert (need.status, need.paused) == (NeedStatus.CLOSED, False)


def test_reopen_goes_back_to_raised_when_the_need_was_closed_before_assignment() -> None:
    need = new_need()
    need.close(Outcome.WITHDRAWN, "client withdrew", ACTOR)
    need.collect_events()

    need.reopen("client asks again", ACTOR)

    assert [type(e) for e in need.collect_events()] == [Need.Reopened]
    assert (need.status, need.assignee) == (NeedStatus.RAISED, None)


def test_reopen_forgets_the_outcome_match_and_progress() -> None:
    need = matched_need()
    need.follow_up("goes every week", Progress.GOAL_MET, ACTOR)
    need.close(Outcome.GOAL_ACHIEVED, "shops alone again", ACTOR)

    need.reopen("needs help again", ACTOR)

    assert (need.outcome, need.resource_id, need.start_date, need.last_progress) == (
        None,
        None,
        None,
        None,
    )
    assert (need.status, need.assignee) == (NeedStatus.MATCHING, COORDINATOR)


def test_follow_up_keeps_the_last_progress() -> None:
    need = matched_need()

    need.follow_up("missed two weeks", Progress.CONCERN, ACTOR)

    assert need.last_progress is Progress.CONCERN


def test_mark_resource_created_records_the_resource_and_initiative() -> None:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.record_gap("nothing on weekends", ACTOR, criteria={"weekday": "sat"})
    need.link_development(INITIATIVE_ID, ACTOR)

    need.mark_resource_created(RESOURCE_ID, INITIATIVE_ID, ACTOR)

    assert (need.resource_id, need.initiative_id) == (RESOURCE_ID, INITIATIVE_ID)


def test_unlink_development_forgets_the_initiative() -> None:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.record_gap("nothing on weekends", ACTOR)
    need.link_development(INITIATIVE_ID, ACTOR)

    need.unlink_development("initiative abandoned", ACTOR)

    assert (need.initiative_id, need.status) == (None, NeedStatus.RESOURCE_GAP)


def test_pause_keeps_the_state_of_the_need() -> None:
    need = matched_need()

    need.pause("hospitalised", ACTOR)

    assert (need.status, need.paused, need.resource_id) == (NeedStatus.MATCHED, True, RESOURCE_ID)


def test_reason_is_stored_stripped() -> None:
    need = new_need()

    need.pause("  hospitalised  ", ACTOR)

    paused = need.collect_events()[-1]
    assert isinstance(paused, Need.Paused)
    assert paused.reason == "hospitalised"
