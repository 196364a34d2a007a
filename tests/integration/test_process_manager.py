"""The development process manager: exactly once, restart-safe, on both backends."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from application.development_policy import DevelopmentPolicy
from domain.development import DevelopmentInitiative
from domain.need import Need
from domain.values import NeedCategory, NeedStatus, ServiceType
from interfaces.bootstrap import Container, bootstrap
from tests.builders import Town, make_need, make_town
from tests.conftest import another_process


def _waiting_needs(container: Container, town: Town, count: int) -> tuple[UUID, list[UUID]]:
    """An open initiative with ``count`` needs linked to it."""
    app = container.services
    initiative = app.development.open(
        "配食の立ち上げ",
        "north",
        NeedCategory.SOCIAL_PARTICIPATION,
        "配食がない",
        town.coordinator,
    )
    need_ids = []
    for _ in range(count):
        need = make_need(app, town)
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        need = app.matching.record_gap(need.id, "該当なし", need.version, town.coordinator)
        initiative = app.development.link_need(
            initiative.id, need.id, initiative.version, town.coordinator
        )
        need_ids.append(need.id)
    return initiative.id, need_ids


def _launch(container: Container, town: Town, initiative_id: UUID) -> None:
    app = container.services
    version = app.development.get(initiative_id, town.coordinator).version
    app.development.launch(
        initiative_id, "新サロン", ServiceType.GATHERING_PLACE, version, town.coordinator
    )


def _resource_created_events(container: Container, need_id: UUID) -> int:
    return sum(isinstance(e, Need.ResourceCreated) for e in container.store.stream(need_id))


def test_redelivering_a_launch_moves_each_need_once(container: Container) -> None:
    town = make_town(container.services)
    initiative_id, need_ids = _waiting_needs(container, town, 2)
    _launch(container, town, initiative_id)
    policy = DevelopmentPolicy(container.store)
    launched = container.store.recorder.select_notifications(
        start=1, limit=10_000, topics=[get_topic(DevelopmentInitiative.ResourceLaunched)]
    )

    for notification in launched:
        policy.handle(notification)
        policy.handle(notification)

    assert [_resource_created_events(container, n) for n in need_ids] == [1, 1]


def test_a_restarted_process_manager_finishes_what_was_missed(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = make_town(container.services)
    initiative_id, need_ids = _waiting_needs(container, town, 3)
    # The process crashes right after the launch is saved: no reaction yet.
    monkeypatch.setattr(container.services.aggregates, "_reactions", ())
    _launch(container, town, initiative_id)
    statuses = {container.services.needs.get(n, town.coordinator).status for n in need_ids}
    assert statuses == {NeedStatus.IN_DEVELOPMENT}

    restarted = bootstrap(replace(container.settings, inline_projections=False))
    try:
        worker = threading.Thread(
            target=restarted.projections.run_forever, kwargs={"poll_interval": 0.05}
        )
        worker.start()
        try:
            restarted.projections.catch_up()
            deadline = 50
            while deadline and any(
                restarted.services.needs.get(n, town.coordinator).status
                is not NeedStatus.RESOURCE_CREATED
                for n in need_ids
            ):
                threading.Event().wait(0.1)
                deadline -= 1
        finally:
            restarted.projections.stop()
            worker.join()
        moved = [restarted.services.needs.get(n, town.coordinator).status for n in need_ids]
    finally:
        restarted.close()
    assert moved == [NeedStatus.RESOURCE_CREATED] * 3


def test_two_process_managers_at_once_react_exactly_once(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = make_town(container.services)
    initiative_id, need_ids = _waiting_needs(container, town, 4)
    monkeypatch.setattr(container.services.aggregates, "_reactions", ())
    _launch(container, town, initiative_id)
    first = bootstrap(replace(container.settings, inline_projections=False))
    second = bootstrap(replace(container.settings, inline_projections=False))
    try:
        runners = [threading.Thread(target=c.services.aggregates.react) for c in (first, second)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
    finally:
        first.close()
        second.close()
    assert [_resource_created_events(container, n) for n in need_ids] == [1, 1, 1, 1]


def test_abandoning_an_initiative_whose_need_is_paused_does_not_stall_the_policy(
    container: Container,
) -> None:
    app = container.services
    town = make_town(app)
    abandoned_id, [paused_need] = _waiting_needs(container, town, 1)
    need = app.needs.get(paused_need, town.care_manager)
    app.needs.pause(paused_need, "入院", need.version, town.care_manager)
    version = app.development.get(abandoned_id, town.coordinator).version

    app.development.abandon(abandoned_id, "担い手が見つからない", version, town.coordinator)
    launched_id, waiting = _waiting_needs(container, town, 2)
    _launch(container, town, launched_id)

    after_abandon = app.needs.get(paused_need, town.coordinator)
    assert (after_abandon.status, after_abandon.paused) == (NeedStatus.RESOURCE_GAP, True)
    moved = {app.needs.get(n, town.coordinator).status for n in waiting}
    assert moved == {NeedStatus.RESOURCE_CREATED}  # the next initiative's needs moved on


def _count_log_reads(quiet: Container, monkeypatch: pytest.MonkeyPatch, calls: list[str]) -> None:
    recorder = quiet.store.recorder
    for name in ("max_tracking_id", "select_notifications"):
        monkeypatch.setattr(recorder, name, _counted(calls, name, getattr(recorder, name)))
    monkeypatch.setattr(quiet.store, "head", _counted(calls, "head", quiet.store.head))


@pytest.mark.parametrize(
    ("another_wrote", "reads"),
    [(False, []), (True, ["select_notifications"])],
    ids=["its-own-save-only", "another-process-wrote-between"],
)
def test_after_a_command_the_process_manager_reads_only_what_it_was_not_handed(
    container: Container, monkeypatch: pytest.MonkeyPatch, another_wrote: bool, reads: list[str]
) -> None:
    with another_process(container, inline_projections=False) as quiet:
        app = quiet.services
        town = make_town(app)
        need = make_need(app, town)  # the policy's first look: from its tracked position
        if another_wrote:
            make_need(container.services, town)  # events between its look and the save
        calls: list[str] = []
        _count_log_reads(quiet, monkeypatch, calls)

        # A save hands its own events over: when they follow straight on from where the
        # policy last looked, and none is a launch or an abandonment, nothing is read.
        app.needs.assign(need.id, "sc", need.version, town.coordinator)

        assert calls == reads


def test_a_launch_saved_by_this_process_moves_its_needs_at_once(container: Container) -> None:
    with another_process(container, inline_projections=False) as quiet:
        town = make_town(quiet.services)
        initiative_id, waiting = _waiting_needs(quiet, town, 2)

        _launch(quiet, town, initiative_id)  # its own save: handed over, not read back

        statuses = {quiet.services.needs.get(n, town.coordinator).status for n in waiting}
        assert statuses == {NeedStatus.RESOURCE_CREATED}


def _counted(calls: list[str], name: str, call: Any) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return call(*args, **kwargs)

    return counted
