"""The need lifecycle through its use cases (NeedCases, MatchingCases, BoardCases),
on the in-memory event store and the fakes of ``tests.fakes``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from application.board import NeedFilter
from application.needs import NeedDTO
from application.security import SYSTEM_ACTOR, Actor
from domain.base import recorded_at
from domain.values import DeclinedBy, NeedCategory, NeedStatus, Outcome, Progress, Role, Urgency
from tests.builders import PASSWORD, Town
from tests.fakes import (
    PROPOSE_REASON,
    START_DATE,
    Features,
    in_memory_features,
    need_in,
    new_client,
    new_need,
    new_resource,
    refusal_of,
    settle_town,
)

REASON = "理由を記録する"


@pytest.fixture
def app() -> Features:
    return in_memory_features()


@pytest.fixture
def town(app: Features) -> Town:
    return settle_town(app)


def _places_taken(app: Features, town: Town, resource_id: UUID) -> int:
    return app.resources.get(resource_id, town.coordinator).places_taken


def _event_types(app: Features, need_id: UUID) -> list[str]:
    return [type(e).__qualname__ for e in app.store.stream(need_id)]


def _second_coordinator(app: Features) -> str:
    app.accounts.create_user("sc2", PASSWORD, [Role.COORDINATOR], SYSTEM_ACTOR)
    return "sc2"


# -- raising -------------------------------------------------------------------------------------


def test_raise_need_records_a_raised_need_at_the_clients_center_and_area(
    app: Features, town: Town
) -> None:
    client = new_client(app, town.coordinator, center="c-south", area="south")

    need = app.needs.raise_need(
        client.id,
        NeedCategory.SHOPPING,
        "重い物の買い物が難しい",
        "週に一度は自分で買い物に行く",
        Urgency.HIGH,
        town.coordinator,
        care_plan_ref="CP-2026-001",
    )

    assert (need.status, need.version, need.position) == (NeedStatus.RAISED, 1, app.head())
    assert (need.client_id, need.center_code, need.area_code) == (client.id, "c-south", "south")
    assert (need.category, need.urgency, need.care_plan_ref) == (
        NeedCategory.SHOPPING,
        Urgency.HIGH,
        "CP-2026-001",
    )
    assert (need.assignee, need.resource_id, need.outcome, need.paused) == (None, None, None, False)


def test_raise_need_with_the_same_idempotency_key_returns_the_first_need(
    app: Features, town: Town
) -> None:
    client = new_client(app, town.care_manager)

    def raise_it() -> NeedDTO:
        return app.needs.raise_need(
            client.id,
            NeedCategory.MEALS,
            "食事の用意が難しい",
            "栄養のある食事をとる",
            Urgency.NORMAL,
            town.care_manager,
            idempotency_key="key-1",
        )

    first = raise_it()
    head = app.head()

    again = raise_it()

    assert again.id == first.id
    assert app.head() == head
    assert _event_types(app, first.id) == ["Need.Raised"]


def test_raise_need_with_another_idempotency_key_raises_another_need(
    app: Features, town: Town
) -> None:
    client = new_client(app, town.care_manager)
    raised = [
        app.needs.raise_need(
            client.id,
            NeedCategory.MEALS,
            "食事",
            "自炊",
            Urgency.NORMAL,
            town.care_manager,
            idempotency_key=key,
        )
        for key in ("key-1", "key-2")
    ]

    assert raised[0].id != raised[1].id


def test_raise_need_is_refused_when_the_client_is_unknown(app: Features, town: Town) -> None:
    refused = refusal_of(
        lambda: app.needs.raise_need(
            uuid4(), NeedCategory.MEALS, "食事", "自炊", Urgency.NORMAL, town.care_manager
        )
    )

    assert refused.code == "reference.unknown"
    assert refused.params["field"] == "client_id"


def test_raise_need_is_refused_when_a_care_manager_names_a_client_of_another_center(
    app: Features, town: Town
) -> None:
    client = new_client(app, town.care_manager)
    head = app.head()

    refused = refusal_of(
        lambda: app.needs.raise_need(
            client.id, NeedCategory.MEALS, "食事", "自炊", Urgency.NORMAL, town.other_care_manager
        )
    )

    assert (refused.code, refused.params["field"]) == ("reference.unknown", "client_id")
    assert app.head() == head


@pytest.mark.parametrize(
    ("description", "goal", "field"),
    [("   ", "自炊", "description"), ("食事", " \n ", "goal")],
    ids=["blank-description", "blank-goal"],
)
def test_raise_need_is_refused_when_a_text_is_blank(
    app: Features, town: Town, description: str, goal: str, field: str
) -> None:
    client = new_client(app, town.care_manager)

    refused = refusal_of(
        lambda: app.needs.raise_need(
            client.id, NeedCategory.MEALS, description, goal, Urgency.NORMAL, town.care_manager
        )
    )

    assert (refused.code, refused.params["field"]) == ("value.empty", field)


@pytest.mark.parametrize("who", ["supervisor", "auditor", "admin"])
def test_raise_need_is_refused_to_roles_that_do_not_raise_needs(
    app: Features, town: Town, who: str
) -> None:
    client = new_client(app, town.care_manager)

    refused = refusal_of(
        lambda: app.needs.raise_need(
            client.id, NeedCategory.MEALS, "食事", "自炊", Urgency.NORMAL, getattr(town, who)
        )
    )

    assert refused.code == "permission.denied"


# -- assigning and reassigning -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "supervisor"])
def test_assign_gives_a_raised_need_to_a_coordinator(app: Features, town: Town, who: str) -> None:
    need = new_need(app, town)

    assigned = app.needs.assign(need.id, "sc", need.version, getattr(town, who))

    assert (assigned.status, assigned.assignee, assigned.version) == (NeedStatus.MATCHING, "sc", 2)


@pytest.mark.parametrize("coordinator", ["nobody", "boss", "cm", "retired"])
def test_assign_is_refused_when_the_person_is_not_an_active_coordinator(
    app: Features, town: Town, coordinator: str
) -> None:
    app.accounts.create_user("retired", PASSWORD, [Role.COORDINATOR], SYSTEM_ACTOR)
    app.accounts.deactivate_user("retired", "退職", None, town.admin)
    need = new_need(app, town)
    head = app.head()

    refused = refusal_of(
        lambda: app.needs.assign(need.id, coordinator, need.version, town.coordinator)
    )

    assert (refused.code, refused.params["field"]) == (
        "reference.unknown",
        "coordinator",
    )
    assert app.head() == head


def test_reassign_hands_the_need_to_another_coordinator_and_keeps_its_state(
    app: Features, town: Town
) -> None:
    other = _second_coordinator(app)
    need = need_in(app, town, "proposed")

    changed = app.needs.assign(
        need.id, other, need.version, town.supervisor, reason="担当地区の変更"
    )

    assert changed.assignee == other
    assert (changed.status, changed.resource_id) == (NeedStatus.PROPOSED, need.resource_id)
    assert _event_types(app, need.id)[-1] == "Need.Reassigned"


def test_reassign_is_refused_without_a_reason(app: Features, town: Town) -> None:
    other = _second_coordinator(app)
    need = need_in(app, town, "matching")
    head = app.head()

    refused = refusal_of(lambda: app.needs.assign(need.id, other, need.version, town.coordinator))

    assert (refused.code, refused.params["field"]) == ("value.empty", "reason")
    assert app.head() == head


def test_reassign_is_refused_to_the_coordinator_who_has_it(app: Features, town: Town) -> None:
    need = need_in(app, town, "matching")

    refused = refusal_of(
        lambda: app.needs.assign(need.id, "sc", need.version, town.supervisor, reason="交代")
    )

    assert refused.code == "need.already_assigned_to_them"


# -- proposing, confirming, declining ------------------------------------------------------------


def test_propose_records_the_resource_and_what_the_ranking_showed(
    app: Features, town: Town
) -> None:
    resource = new_resource(app, town.coordinator)
    need = need_in(app, town, "matching")

    proposed = app.matching.propose(
        need.id, resource.id, PROPOSE_REASON, need.version, town.coordinator
    )

    assert (proposed.status, proposed.resource_id) == (NeedStatus.PROPOSED, resource.id)
    event = app.store.stream(need.id)[-1]
    assert [c["resource_id"] for c in event.candidates] == [str(resource.id)]


def test_propose_is_refused_when_the_resource_is_unknown(app: Features, town: Town) -> None:
    need = need_in(app, town, "matching")

    refused = refusal_of(
        lambda: app.matching.propose(
            need.id, uuid4(), PROPOSE_REASON, need.version, town.coordinator
        )
    )

    assert (refused.code, refused.params["field"]) == (
        "reference.unknown",
        "resource_id",
    )


def test_propose_is_refused_when_the_resource_is_suspended(app: Features, town: Town) -> None:
    resource = new_resource(app, town.coordinator)
    app.resources.suspend(resource.id, "会場改修", resource.version, town.coordinator)
    need = need_in(app, town, "matching")
    head = app.head()

    refused = refusal_of(
        lambda: app.matching.propose(
            need.id, resource.id, PROPOSE_REASON, need.version, town.coordinator
        )
    )

    assert refused.code == "resource.not_active"
    assert app.head() == head


def test_propose_is_refused_when_the_ranking_changed_since_it_was_shown(
    app: Features, town: Town
) -> None:
    resource = new_resource(app, town.coordinator)
    need = need_in(app, town, "matching")
    shown = app.matching.candidates(need.id, town.coordinator)
    new_resource(app, town.coordinator, capacity=9)

    refused = refusal_of(
        lambda: app.matching.propose(
            need.id, resource.id, PROPOSE_REASON, need.version, town.coordinator, shown.digest
        )
    )

    assert refused.code == "match.ranking_changed"


def test_confirm_matches_the_need_from_its_start_date(app: Features, town: Town) -> None:
    need = need_in(app, town, "proposed")

    matched = app.matching.confirm(need.id, START_DATE, need.version, town.coordinator)

    assert (matched.status, matched.start_date) == (NeedStatus.MATCHED, START_DATE)


def test_confirm_takes_a_place_at_the_resource_in_the_same_save(app: Features, town: Town) -> None:
    resource = new_resource(app, town.coordinator, capacity=2)
    need = need_in(app, town, "proposed", resource=resource)
    head = app.head()

    app.matching.confirm(need.id, START_DATE, need.version, town.coordinator)

    after = app.resources.get(resource.id, town.coordinator)
    assert (after.places_taken, after.places_left, after.version) == (1, 1, resource.version + 1)
    assert app.head() == head + 2


def test_confirm_is_refused_when_the_resource_is_full_and_writes_nothing(
    app: Features, town: Town
) -> None:
    resource = new_resource(app, town.coordinator, capacity=1)
    first = need_in(app, town, "proposed", resource=resource)
    second = need_in(app, town, "proposed", resource=resource)  # while a place was free
    app.matching.confirm(first.id, START_DATE, first.version, town.coordinator)
    head = app.head()

    refused = refusal_of(
        lambda: app.matching.confirm(second.id, START_DATE, second.version, town.coordinator)
    )

    assert refused.code == "resource.full"
    assert app.head() == head
    assert app.needs.get(second.id, town.coordinator).status is NeedStatus.PROPOSED
    assert _places_taken(app, town, resource.id) == 1


@pytest.mark.parametrize("by", list(DeclinedBy), ids=lambda b: b.value)
def test_decline_returns_a_proposed_need_to_matching_without_its_resource(
    app: Features, town: Town, by: DeclinedBy
) -> None:
    need = need_in(app, town, "proposed")

    declined = app.matching.decline(need.id, by, "曜日が合わない", need.version, town.coordinator)

    assert (declined.status, declined.resource_id) == (NeedStatus.MATCHING, None)


def test_decline_of_a_proposal_leaves_the_resource_untouched(app: Features, town: Town) -> None:
    resource = new_resource(app, town.coordinator)
    need = need_in(app, town, "proposed", resource=resource)

    app.matching.decline(need.id, DeclinedBy.CLIENT, "辞退", need.version, town.coordinator)

    assert app.resources.get(resource.id, town.coordinator).version == resource.version


ENDINGS: dict[str, Callable[[Features, Town, NeedDTO], NeedDTO]] = {
    "decline-by-provider": lambda app, town, need: app.matching.decline(
        need.id, DeclinedBy.PROVIDER, "定員の都合", need.version, town.coordinator
    ),
    "decline-by-client": lambda app, town, need: app.matching.decline(
        need.id, DeclinedBy.CLIENT, "本人が辞退", need.version, town.coordinator
    ),
    "close": lambda app, town, need: app.needs.close(
        need.id, Outcome.MOVED_AWAY, "転居", need.version, town.care_manager
    ),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_ending_a_confirmed_match_gives_the_place_back(
    app: Features, town: Town, ending: str
) -> None:
    resource = new_resource(app, town.coordinator, capacity=1)
    need = need_in(app, town, "matched", resource=resource)

    ENDINGS[ending](app, town, need)

    after = app.resources.get(resource.id, town.coordinator)
    assert (after.places_taken, after.places_left) == (0, 1)


def test_record_gap_leaves_a_matching_need_waiting_as_a_gap(app: Features, town: Town) -> None:
    need = need_in(app, town, "matching")

    gap = app.matching.record_gap(need.id, "近くに資源がない", need.version, town.coordinator)

    assert (gap.status, gap.resource_id) == (NeedStatus.RESOURCE_GAP, None)


# -- following up, pausing, closing, reopening ---------------------------------------------------


@pytest.mark.parametrize(
    ("who", "progress"),
    [("care_manager", Progress.ON_TRACK), ("coordinator", Progress.GOAL_MET)],
)
def test_follow_up_records_the_progress_of_a_matched_need(
    app: Features, town: Town, who: str, progress: Progress
) -> None:
    need = need_in(app, town, "matched")

    followed = app.needs.follow_up(
        need.id, "様子を確認", progress, need.version, getattr(town, who)
    )

    assert (followed.status, followed.last_progress) == (NeedStatus.MATCHED, progress)


def test_pause_keeps_the_status_and_marks_the_need_paused(app: Features, town: Town) -> None:
    need = need_in(app, town, "matching")

    paused = app.needs.pause(need.id, "入院のため", need.version, town.care_manager)

    assert (paused.status, paused.paused) == (NeedStatus.MATCHING, True)


def test_resume_takes_a_paused_need_up_again(app: Features, town: Town) -> None:
    need = need_in(app, town, "paused")

    resumed = app.needs.resume(need.id, "退院した", need.version, town.coordinator)

    assert (resumed.status, resumed.paused) == (NeedStatus.RAISED, False)


def test_close_records_the_outcome(app: Features, town: Town) -> None:
    need = new_need(app, town)

    closed = app.needs.close(
        need.id, Outcome.WITHDRAWN, "本人が辞退", need.version, town.care_manager
    )

    assert (closed.status, closed.outcome) == (NeedStatus.CLOSED, Outcome.WITHDRAWN)


def test_close_of_a_paused_need_leaves_it_closed_and_no_longer_paused(
    app: Features, town: Town
) -> None:
    need = need_in(app, town, "paused")

    closed = app.needs.close(
        need.id, Outcome.HOSPITALISED_OR_ADMITTED, "長期入院", need.version, town.coordinator
    )

    assert (closed.status, closed.paused) == (NeedStatus.CLOSED, False)


@pytest.mark.parametrize("who", ["supervisor", "coordinator"])
def test_reopen_returns_a_need_closed_before_assignment_to_raised(
    app: Features, town: Town, who: str
) -> None:
    need = need_in(app, town, "closed")

    reopened = app.needs.reopen(need.id, "再び希望があった", need.version, getattr(town, who))

    assert (reopened.status, reopened.outcome) == (NeedStatus.RAISED, None)


def test_reopen_returns_a_need_to_matching_with_the_coordinator_it_had(
    app: Features, town: Town
) -> None:
    need = need_in(app, town, "matched")
    need = app.needs.close(
        need.id, Outcome.NOT_ACHIEVED, "合わなかった", need.version, town.care_manager
    )

    reopened = app.needs.reopen(need.id, "別の資源を探す", need.version, town.supervisor)

    assert (reopened.status, reopened.assignee, reopened.resource_id) == (
        NeedStatus.MATCHING,
        "sc",
        None,
    )


def test_each_step_of_the_lifecycle_records_one_event_in_log_order(
    app: Features, town: Town
) -> None:
    resource = new_resource(app, town.coordinator)
    need = new_need(app, town)
    cm, co = town.care_manager, town.coordinator
    steps: list[Callable[[NeedDTO], NeedDTO]] = [
        lambda n: app.needs.assign(n.id, "sc", n.version, co),
        lambda n: app.matching.propose(n.id, resource.id, PROPOSE_REASON, n.version, co),
        lambda n: app.matching.confirm(n.id, START_DATE, n.version, co),
        lambda n: app.needs.follow_up(n.id, "楽しく通っている", Progress.ON_TRACK, n.version, cm),
        lambda n: app.needs.pause(n.id, "入院", n.version, cm),
        lambda n: app.needs.resume(n.id, "退院", n.version, cm),
        lambda n: app.needs.close(n.id, Outcome.GOAL_ACHIEVED, "目標達成", n.version, cm),
        lambda n: app.needs.reopen(n.id, "再発", n.version, town.supervisor),
    ]
    positions = [need.position or 0]

    for step in steps:
        need = step(need)
        positions.append(need.position or 0)

    assert need.version == 9
    assert positions == sorted(set(positions))
    assert positions[-1] == app.head()
    assert _event_types(app, need.id) == [
        "Need.Raised",
        "Need.CoordinatorAssigned",
        "Need.MatchProposed",
        "Need.MatchConfirmed",
        "Need.FollowUpRecorded",
        "Need.Paused",
        "Need.Resumed",
        "Need.Closed",
        "Need.Reopened",
    ]


# -- refusals ------------------------------------------------------------------------------------

Command = Callable[[Features, NeedDTO, UUID, Actor], NeedDTO]


def commands(text: str = REASON) -> dict[str, Command]:
    """Every command on a need, by the domain's action name, ``text`` as its reason or note
    (``r`` is a resource to propose)."""
    return {
        "assign": lambda app, n, r, who: app.needs.assign(n.id, "sc", n.version, who),
        "propose": lambda app, n, r, who: app.matching.propose(n.id, r, text, n.version, who),
        "confirm": lambda app, n, r, who: app.matching.confirm(n.id, START_DATE, n.version, who),
        "decline": lambda app, n, r, who: app.matching.decline(
            n.id, DeclinedBy.CLIENT, text, n.version, who
        ),
        "record_gap": lambda app, n, r, who: app.matching.record_gap(n.id, text, n.version, who),
        "follow_up": lambda app, n, r, who: app.needs.follow_up(
            n.id, text, Progress.CONCERN, n.version, who
        ),
        "pause": lambda app, n, r, who: app.needs.pause(n.id, text, n.version, who),
        "resume": lambda app, n, r, who: app.needs.resume(n.id, text, n.version, who),
        "close": lambda app, n, r, who: app.needs.close(
            n.id, Outcome.WITHDRAWN, text, n.version, who
        ),
        "reopen": lambda app, n, r, who: app.needs.reopen(n.id, text, n.version, who),
    }


COMMANDS = commands()


def _allowed(town: Town, action: str) -> Actor:
    """Someone whose role allows ``action``."""
    return town.supervisor if action == "reopen" else town.coordinator


NOT_ALLOWED = [
    # state, action, code, the action the refusal names
    ("raised", "propose", "need.transition_not_allowed", "propose"),
    ("raised", "confirm", "need.transition_not_allowed", "confirm"),
    ("raised", "decline", "need.transition_not_allowed", "decline"),
    ("raised", "record_gap", "need.transition_not_allowed", "record_gap"),
    ("raised", "follow_up", "need.transition_not_allowed", "follow_up"),
    ("raised", "resume", "need.not_paused", "resume"),
    ("raised", "reopen", "need.transition_not_allowed", "reopen"),
    ("matching", "confirm", "need.transition_not_allowed", "confirm"),
    ("proposed", "propose", "need.transition_not_allowed", "propose"),
    ("matched", "confirm", "need.transition_not_allowed", "confirm"),
    ("resource_gap", "propose", "need.transition_not_allowed", "propose"),
    ("closed", "pause", "need.already_closed", "pause"),
    ("closed", "close", "need.already_closed", "close"),
    ("closed", "assign", "need.already_closed", "reassign"),
    ("paused", "pause", "need.paused", "pause"),
    ("paused", "propose", "need.paused", "propose"),
    ("paused", "assign", "need.paused", "assign"),
]


@pytest.mark.parametrize(
    ("state", "action", "code", "named"),
    NOT_ALLOWED,
    ids=[f"{action}-when-{state}" for state, action, _, _ in NOT_ALLOWED],
)
def test_command_is_refused_when_the_state_does_not_allow_it(
    app: Features, town: Town, state: str, action: str, code: str, named: str
) -> None:
    resource = new_resource(app, town.coordinator)
    need = need_in(app, town, state, resource=resource)
    head = app.head()

    refused = refusal_of(lambda: COMMANDS[action](app, need, resource.id, _allowed(town, action)))

    assert (refused.code, refused.params["action"]) == (code, named)
    assert app.head() == head


@pytest.mark.parametrize("action", ["assign", "propose", "record_gap", "pause", "close"])
def test_command_is_refused_when_the_need_changed_since_it_was_read(
    app: Features, town: Town, action: str
) -> None:
    resource = new_resource(app, town.coordinator)
    read = need_in(app, town, "matching")
    app.needs.pause(read.id, "入院", read.version, town.care_manager)
    head = app.head()

    refused = refusal_of(lambda: COMMANDS[action](app, read, resource.id, town.coordinator))

    assert refused.code == "need.version_conflict"
    assert app.head() == head


WITH_TEXT = [
    ("matching", "propose", "reason"),
    ("proposed", "decline", "reason"),
    ("matching", "record_gap", "reason"),
    ("matched", "follow_up", "note"),
    ("raised", "pause", "reason"),
    ("paused", "resume", "reason"),
    ("raised", "close", "reason"),
    ("closed", "reopen", "reason"),
]


@pytest.mark.parametrize(
    ("state", "action", "field"), WITH_TEXT, ids=[action for _, action, _ in WITH_TEXT]
)
def test_command_is_refused_when_its_reason_or_note_is_blank(
    app: Features, town: Town, state: str, action: str, field: str
) -> None:
    resource = new_resource(app, town.coordinator)
    need = need_in(app, town, state, resource=resource)
    head = app.head()

    refused = refusal_of(
        lambda: commands(" \n ")[action](app, need, resource.id, _allowed(town, action))
    )

    assert (refused.code, refused.params["field"]) == ("value.empty", field)
    assert app.head() == head


@pytest.mark.parametrize("action", ["propose", "confirm", "decline", "record_gap", "assign"])
def test_coordinator_decisions_are_refused_to_care_managers(
    app: Features, town: Town, action: str
) -> None:
    resource = new_resource(app, town.coordinator)
    need = need_in(app, town, "proposed", resource=resource)
    head = app.head()

    refused = refusal_of(lambda: COMMANDS[action](app, need, resource.id, town.care_manager))

    assert refused.code == "permission.denied"
    assert app.head() == head


# -- care managers see their own center ----------------------------------------------------------

SEEING: dict[str, Callable[[Features, Town, NeedDTO], object]] = {
    "get": lambda app, town, n: app.needs.get(n.id, town.other_care_manager),
    "history": lambda app, town, n: app.needs.history(n.id, town.other_care_manager),
    "page": lambda app, town, n: app.needs.page(n.id, town.other_care_manager),
    "pause": lambda app, town, n: app.needs.pause(n.id, REASON, n.version, town.other_care_manager),
    "follow_up": lambda app, town, n: app.needs.follow_up(
        n.id, REASON, Progress.CONCERN, n.version, town.other_care_manager
    ),
    "close": lambda app, town, n: app.needs.close(
        n.id, Outcome.WITHDRAWN, REASON, n.version, town.other_care_manager
    ),
}


@pytest.mark.parametrize("use", SEEING)
def test_need_of_another_center_is_not_found_for_a_care_manager(
    app: Features, town: Town, use: str
) -> None:
    need = new_need(app, town)
    head = app.head()

    refused = refusal_of(lambda: SEEING[use](app, town, need))

    assert refused.code == "need.not_found"
    assert app.head() == head


def test_need_of_own_center_is_shown_to_a_care_manager(app: Features, town: Town) -> None:
    need = new_need(app, town)

    assert app.needs.get(need.id, town.care_manager).id == need.id


@pytest.mark.parametrize("kind", ["unknown", "resource-id"])
def test_need_is_not_found_when_no_need_has_the_id(app: Features, town: Town, kind: str) -> None:
    need_id = uuid4() if kind == "unknown" else new_resource(app, town.coordinator).id

    refused = refusal_of(lambda: app.needs.get(need_id, town.coordinator))

    assert refused.code == "need.not_found"


def test_page_offers_only_the_actions_the_actor_may_take(app: Features, town: Town) -> None:
    need = need_in(app, town, "matching")

    page = app.needs.page(need.id, town.care_manager)

    assert "propose" in page.need.allowed_actions
    assert "propose" not in page.actions
    assert {"pause", "close"} <= set(page.actions)


# -- a need as it was, and its history -----------------------------------------------------------

DAY_1 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
DAY_2 = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)


def _raised_on_day_1_and_assigned_on_day_2(app: Features, town: Town) -> NeedDTO:
    with recorded_at(DAY_1):
        need = new_need(app, town)
    with recorded_at(DAY_2):
        return app.needs.assign(need.id, "sc", need.version, town.coordinator)


def test_need_as_of_an_instant_between_two_events_is_as_the_earlier_left_it(
    app: Features, town: Town
) -> None:
    need = _raised_on_day_1_and_assigned_on_day_2(app, town)

    past = app.needs.get(need.id, town.coordinator, as_of=DAY_1 + timedelta(hours=3))

    assert (past.version, past.status, past.assignee) == (1, NeedStatus.RAISED, None)


def test_need_as_of_an_instant_in_another_time_zone_means_the_same_instant(
    app: Features, town: Town
) -> None:
    need = _raised_on_day_1_and_assigned_on_day_2(app, town)
    jst = timezone(timedelta(hours=9))
    just_before = (DAY_2 - timedelta(minutes=1)).astimezone(jst)  # 17:59 JST, 08:59 UTC

    past = app.needs.get(need.id, town.coordinator, as_of=just_before)

    assert past.status is NeedStatus.RAISED


def test_need_as_of_a_later_instant_is_the_need_now(app: Features, town: Town) -> None:
    need = _raised_on_day_1_and_assigned_on_day_2(app, town)

    later = app.needs.get(need.id, town.coordinator, as_of=datetime(2999, 1, 1, tzinfo=UTC))

    assert (later.version, later.status) == (need.version, NeedStatus.MATCHING)


def test_need_as_of_before_it_was_raised_is_not_found(app: Features, town: Town) -> None:
    need = _raised_on_day_1_and_assigned_on_day_2(app, town)

    refused = refusal_of(
        lambda: app.needs.get(need.id, town.coordinator, as_of=DAY_1 - timedelta(days=1))
    )

    assert refused.code == "need.not_found"


def test_history_names_who_did_each_step_and_why(app: Features, town: Town) -> None:
    need = need_in(app, town, "matching")
    app.needs.pause(need.id, "入院のため", need.version, town.care_manager)

    history = app.needs.history(need.id, town.auditor)

    assert [(e.version, e.type, e.actor) for e in history] == [
        (1, "Need.Raised", "cm"),
        (2, "Need.CoordinatorAssigned", "sc"),
        (3, "Need.Paused", "cm"),
    ]
    assert history[2].reason == "入院のため"


# -- the case board ------------------------------------------------------------------------------


def _needs_at_both_centers(app: Features, town: Town) -> tuple[NeedDTO, NeedDTO]:
    north = new_need(app, town, new_client(app, town.coordinator))
    south_client = new_client(app, town.coordinator, center="c-south", area="south")
    south = app.needs.raise_need(
        south_client.id, NeedCategory.MEALS, "食事", "自炊", Urgency.NORMAL, town.coordinator
    )
    return north, south


def test_board_shows_a_care_manager_the_needs_of_own_center_only(app: Features, town: Town) -> None:
    north, _ = _needs_at_both_centers(app, town)

    page = app.board.board(NeedFilter(), town.care_manager)

    assert ([r.id for r in page.items], page.total) == ([north.id], 1)


def test_board_is_empty_when_a_care_manager_asks_for_another_center(
    app: Features, town: Town
) -> None:
    _needs_at_both_centers(app, town)

    page = app.board.board(NeedFilter(center_code="c-south"), town.care_manager)

    assert (page.items, page.total) == ((), 0)


def test_board_shows_every_center_to_a_supervisor(app: Features, town: Town) -> None:
    north, south = _needs_at_both_centers(app, town)

    page = app.board.board(NeedFilter(), town.supervisor)

    assert {r.id for r in page.items} == {north.id, south.id}


def test_board_counts_needs_per_status_when_asked(app: Features, town: Town) -> None:
    for state in ("raised", "raised", "matching", "closed"):
        need_in(app, town, state)

    page = app.board.board(NeedFilter(status=NeedStatus.RAISED), town.coordinator, counts=True)

    assert page.total == 2
    assert page.status_counts == {
        NeedStatus.RAISED: 2,
        NeedStatus.MATCHING: 1,
        NeedStatus.CLOSED: 1,
    }


def test_board_is_stale_when_the_view_has_not_reached_the_position_asked_for(
    app: Features, town: Town
) -> None:
    need = new_need(app, town)
    app.monitor.lag["case_board"] = 1

    page = app.board.board(NeedFilter(), town.coordinator, min_position=need.position)

    assert page.stale is True
    assert page.position == app.head() - 1


def test_board_is_fresh_when_the_view_has_reached_the_position_asked_for(
    app: Features, town: Town
) -> None:
    need = new_need(app, town)

    page = app.board.board(NeedFilter(), town.coordinator, min_position=need.position)

    assert page.stale is False
    assert page.position >= (need.position or 0)
