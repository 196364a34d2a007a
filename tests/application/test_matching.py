"""Matching through the application: explained candidates, provenance, multi-need plans."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.clients import ClientDTO
from application.matching import MatchPlanChangedError
from application.needs import NeedDTO
from domain.need import Need
from domain.values import CareLevel, NeedCategory, NeedStatus, ServiceType, Urgency, Weekday
from interfaces.bootstrap import Container
from tests.builders import Town, make_client, make_need, make_town


def _resource(
    container: Container,
    town: Town,
    name: str,
    categories: list[NeedCategory],
    **options: Any,
) -> UUID:
    return container.services.resources.register(
        name, ServiceType.INFORMAL, categories, ["north"], town.coordinator, **options
    ).id


def _matching_need(
    container: Container, town: Town, category: NeedCategory, client: ClientDTO | None = None
) -> NeedDTO:
    app = container.services
    client = client or make_client(app, town.care_manager)
    need = app.needs.raise_need(
        client.id, category, "困りごと", "取り戻したい生活", Urgency.NORMAL, town.care_manager
    )
    return app.needs.assign(need.id, "sc", need.version, town.coordinator)


def test_candidates_are_ranked_and_explained(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    near = _resource(memory_container, town, "近くの買い物支援", [NeedCategory.SHOPPING])
    app.resources.register(
        "遠くの買い物支援",
        ServiceType.INFORMAL,
        [NeedCategory.SHOPPING],
        ["south"],
        town.coordinator,
    )
    _resource(memory_container, town, "配食", [NeedCategory.MEALS])
    need = _matching_need(memory_container, town, NeedCategory.SHOPPING)

    result = app.matching.candidates(need.id, town.coordinator)

    assert [c.name for c in result.candidates] == ["近くの買い物支援", "遠くの買い物支援"]
    assert result.candidates[0].resource_id == near
    assert result.candidates[0].total > result.candidates[1].total


def test_the_clients_weekdays_steer_the_ranking(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    _resource(memory_container, town, "月曜の体操", [NeedCategory.EXERCISE], weekdays=[Weekday.MON])
    _resource(memory_container, town, "木曜の体操", [NeedCategory.EXERCISE], weekdays=[Weekday.THU])
    client = make_client(app, town.care_manager)
    client = app.clients.record_availability(
        client.id, [Weekday.THU], client.version, town.care_manager
    )
    need = _matching_need(memory_container, town, NeedCategory.EXERCISE, client)

    result = app.matching.candidates(need.id, town.coordinator)

    assert [c.name for c in result.candidates] == ["木曜の体操", "月曜の体操"]


def test_a_proposal_records_what_was_shown(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    first = _resource(memory_container, town, "A", [NeedCategory.SHOPPING])
    second = _resource(memory_container, town, "B", [NeedCategory.SHOPPING], capacity=1)
    need = _matching_need(memory_container, town, NeedCategory.SHOPPING)

    app.matching.propose(need.id, second, "曜日が合う", need.version, town.coordinator)

    proposed = [
        e for e in memory_container.store.stream(need.id) if isinstance(e, Need.MatchProposed)
    ][-1]
    assert proposed.resource_id == second
    assert proposed.rule_set == "tsunagu-matching/2026.1"
    assert [c["resource_id"] for c in proposed.candidates] == [str(first), str(second)]
    assert proposed.candidates[0]["scores"]["category"] == 40


def test_the_plan_covers_several_needs_with_one_resource(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    salon = _resource(
        memory_container, town, "サロン", [NeedCategory.COMPANIONSHIP, NeedCategory.EXERCISE]
    )
    _resource(memory_container, town, "話し相手", [NeedCategory.COMPANIONSHIP])
    _resource(memory_container, town, "体操", [NeedCategory.EXERCISE])
    client = make_client(app, town.care_manager)
    talk = _matching_need(memory_container, town, NeedCategory.COMPANIONSHIP, client)
    gym = _matching_need(memory_container, town, NeedCategory.EXERCISE, client)
    weeds = _matching_need(memory_container, town, NeedCategory.YARD_WORK, client)

    plan = app.matching.plan(client.id, town.coordinator)

    assert plan.resource_ids == (salon,)
    assert {(m.need_id, m.resource_id) for m in plan.matches} == {(talk.id, salon), (gym.id, salon)}
    assert plan.gaps == (weeds.id,)


def test_accepting_the_plan_proposes_every_match_at_once(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    salon = _resource(
        memory_container, town, "サロン", [NeedCategory.COMPANIONSHIP, NeedCategory.EXERCISE]
    )
    client = make_client(app, town.care_manager)
    needs = [
        _matching_need(memory_container, town, category, client)
        for category in (NeedCategory.COMPANIONSHIP, NeedCategory.EXERCISE)
    ]
    plan = app.matching.plan(client.id, town.coordinator)
    head = app.oversight.head()

    app.matching.accept_plan(client.id, plan.matches, "まとめて提案", town.coordinator)

    for need in needs:
        now = app.needs.get(need.id, town.coordinator)
        assert (now.status, now.resource_id) == (NeedStatus.PROPOSED, salon)
    written = memory_container.store.recorder.select_notifications(start=head + 1, limit=10)
    assert [n.topic.rsplit(".", 1)[-1] for n in written] == ["MatchProposed", "MatchProposed"]


def test_a_changed_plan_is_not_accepted(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    salon = _resource(memory_container, town, "サロン", [NeedCategory.COMPANIONSHIP])
    client = make_client(app, town.care_manager)
    _matching_need(memory_container, town, NeedCategory.COMPANIONSHIP, client)
    shown = app.matching.plan(client.id, town.coordinator)
    resource = app.resources.get(salon, town.coordinator)
    app.resources.suspend(salon, "会場改修", resource.version, town.coordinator)
    head = app.oversight.head()

    with pytest.raises(MatchPlanChangedError):
        app.matching.accept_plan(client.id, shown.matches, "提案", town.coordinator)

    assert app.oversight.head() == head
    assert [m.resource_id for m in shown.matches] == [salon]


def test_ineligible_clients_get_gaps_not_plans(memory_container: Container) -> None:
    app = memory_container.services
    town = make_town(app)
    _resource(
        memory_container,
        town,
        "要介護向け",
        [NeedCategory.MEALS],
        eligible_care_levels=[CareLevel.CARE_3],
    )
    client = make_client(app, town.care_manager)
    need = _matching_need(memory_container, town, NeedCategory.MEALS, client)

    plan = app.matching.plan(client.id, town.coordinator)

    assert (plan.matches, plan.gaps) == ((), (need.id,))


def test_a_need_not_yet_assigned_is_not_planned(
    memory_container: Container,
) -> None:
    app = memory_container.services
    town = make_town(app)
    need = make_need(app, town)

    plan = app.matching.plan(need.client_id, town.coordinator)

    assert (plan.matches, plan.gaps) == ((), ())
