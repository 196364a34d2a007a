"""What every aggregate shares: reasons people give, and event timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.base import recorded_at, require_text
from domain.errors import InvalidValueError
from domain.need import Need
from domain.user import User
from domain.values import CareLevel, DeclinedBy, Outcome, Role
from tests.unit.aggregates import (
    ACTOR,
    COORDINATOR,
    INITIATIVE_ID,
    OTHER_COORDINATOR,
    RESOURCE_ID,
    new_client,
    new_need,
    new_resource,
)

JST = timezone(timedelta(hours=9))


def need_after(*steps: Callable[[Need], object]) -> Need:
    need = new_need()
    for step in steps:
        step(need)
    return need


def assigned(need: Need) -> None:
    need.assign(COORDINATOR, ACTOR)


def proposed(need: Need) -> None:
    need.propose(RESOURCE_ID, "closest fit", ACTOR)


def gap(need: Need) -> None:
    need.record_gap("nothing on weekends", ACTOR)


def linked(need: Need) -> None:
    need.link_development(INITIATIVE_ID, ACTOR)


def paused(need: Need) -> None:
    need.pause("hospitalised", ACTOR)


def closed(need: Need) -> None:
    need.close(Outcome.WITHDRAWN, "client withdrew", ACTOR)


# Every command that takes a reason, applied with the given reason.
REASONED_COMMANDS: dict[str, Callable[[str], object]] = {
    "need.reassign": lambda reason: need_after(assigned).reassign(OTHER_COORDINATOR, reason, ACTOR),
    "need.propose": lambda reason: need_after(assigned).propose(RESOURCE_ID, reason, ACTOR),
    "need.decline": lambda reason: need_after(assigned, proposed).decline(
        DeclinedBy.CLIENT, reason, ACTOR
    ),
    "need.record_gap": lambda reason: need_after(assigned).record_gap(reason, ACTOR),
    "need.unlink_development": lambda reason: need_after(assigned, gap, linked).unlink_development(
        reason, ACTOR
    ),
    "need.pause": lambda reason: need_after().pause(reason, ACTOR),
    "need.resume": lambda reason: need_after(paused).resume(reason, ACTOR),
    "need.close": lambda reason: need_after().close(Outcome.WITHDRAWN, reason, ACTOR),
    "need.reopen": lambda reason: need_after(closed).reopen(reason, ACTOR),
    "resource.change_capacity": lambda reason: new_resource().change_capacity(3, reason, ACTOR),
    "resource.suspend": lambda reason: new_resource().suspend(reason, ACTOR),
    "resource.reactivate": lambda reason: new_resource(planned=True).reactivate(reason, ACTOR),
    "resource.close": lambda reason: new_resource().close(reason, ACTOR),
    "client.change_care_level": lambda reason: new_client().change_care_level(
        CareLevel.CARE_1, date(2025, 4, 1), reason, ACTOR
    ),
    "user.deactivate": lambda reason: User.create(
        "sato", "argon2-hash", [Role.COORDINATOR], ACTOR
    ).deactivate(reason, ACTOR),
}


@pytest.mark.parametrize("command", list(REASONED_COMMANDS))
@pytest.mark.parametrize("reason", [pytest.param("", id="empty"), pytest.param(" \n ", id="blank")])
def test_command_is_refused_when_the_reason_is_empty(command: str, reason: str) -> None:
    with pytest.raises(InvalidValueError, match="must not be empty") as refused:
        REASONED_COMMANDS[command](reason)

    assert refused.value.field == "reason"


@pytest.mark.parametrize("command", list(REASONED_COMMANDS))
def test_command_is_refused_when_the_reason_is_overlong(command: str) -> None:
    with pytest.raises(InvalidValueError, match="at most 2000") as refused:
        REASONED_COMMANDS[command]("x" * 2001)

    assert refused.value.field == "reason"


@pytest.mark.parametrize(
    ("value", "max_length", "kept"),
    [("ok", 2, "ok"), ("  ok  ", 2, "ok"), ("x" * 2000, 2000, "x" * 2000)],
)
def test_require_text_returns_the_text_stripped(value: str, max_length: int, kept: str) -> None:
    assert require_text("reason", value, max_length=max_length) == kept


@pytest.mark.parametrize(
    ("value", "max_length", "message"),
    [("", 10, "must not be empty"), ("   ", 10, "must not be empty"), ("abc", 2, "at most 2")],
)
def test_require_text_refuses_empty_or_overlong_text(
    value: str, max_length: int, message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        require_text("reason", value, max_length=max_length)


def test_recorded_at_sets_the_timestamp_of_events_triggered_in_the_block() -> None:
    moment = datetime(2024, 10, 1, 9, 30, tzinfo=JST)

    with recorded_at(moment):
        need = new_need()
        need.assign(COORDINATOR, ACTOR)

    assert [e.timestamp for e in need.collect_events()] == [moment, moment]
    assert (need.created_on, need.modified_on) == (moment, moment)


def test_recorded_at_leaves_later_events_on_the_clock() -> None:
    moment = datetime(2024, 10, 1, 9, 30, tzinfo=JST)
    with recorded_at(moment):
        need = new_need()
    before = datetime.now(UTC)

    need.assign(COORDINATOR, ACTOR)

    assert need.collect_events()[-1].timestamp >= before


def test_recorded_at_restores_the_outer_moment_after_a_nested_block() -> None:
    outer = datetime(2024, 10, 1, tzinfo=JST)
    inner = datetime(2024, 11, 1, tzinfo=JST)

    with recorded_at(outer):
        with recorded_at(inner):
            resource = new_resource()
        client = new_client()

    assert (resource.created_on, client.created_on) == (inner, outer)


def test_recorded_at_is_refused_for_a_naive_datetime() -> None:
    naive = datetime(2024, 10, 1)  # noqa: DTZ001 - naive on purpose

    with pytest.raises(ValueError, match="timezone-aware"), recorded_at(naive):
        pass
