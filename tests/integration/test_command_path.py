"""Commands with the views deferred to the worker: none of them waits for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

import application.matching
from application.errors import InvalidReferenceError
from application.matching import MatchingCases
from application.matching_inputs import rows_of
from domain.errors import ResourceNotActiveError
from domain.need import Need
from domain.values import NeedCategory, NeedStatus, ResourceStatus, ServiceType
from infrastructure.matching_inputs import SqlMatchingInputs
from interfaces.bootstrap import Container, bootstrap
from tests.builders import make_need, make_resource, make_town


def test_propose_ranks_on_the_log_as_it_is_with_no_worker_running(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the ranking to wait for a worker, it would give up at once and rank
    # without the resource registered a moment ago.
    monkeypatch.setattr(application.matching, "VIEW_WAIT_SECONDS", 0.0)
    town = make_town(container.services)
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        app = quiet.services
        resource = make_resource(app, town.coordinator)
        need = make_need(app, town)
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        assert quiet.projections.position("resource_directory") < quiet.store.head()

        shown = app.matching.candidates(need.id, town.coordinator)
        proposed = app.matching.propose(
            need.id, resource.id, "近い", need.version, town.coordinator, ranking=shown.digest
        )

        recorded = [
            e for e in quiet.store.events.get(proposed.id) if isinstance(e, Need.MatchProposed)
        ]
    finally:
        quiet.close()
    assert [c.resource_id for c in shown.candidates] == [resource.id]
    assert [c["resource_id"] for c in recorded[-1].candidates] == [str(resource.id)]


def _busy_town(container: Container) -> tuple[Any, Any, list[Any]]:
    """Resources that rank differently: limited and full, unlimited, suspended, a
    referral, one with needs waiting on it; and needs to rank."""
    app = container.services
    town = make_town(app)
    full = make_resource(app, town.coordinator, capacity=1)
    waited_on = make_resource(app, town.coordinator, capacity=3)
    unlimited = make_resource(app, town.coordinator, capacity=None, area="south")
    suspended = make_resource(app, town.coordinator, capacity=2)
    app.resources.suspend(suspended.id, "改修中", None, town.coordinator)
    app.resources.register(
        "地域包括の相談",
        ServiceType.AGENCY_REFERRAL,
        [NeedCategory.SOCIAL_PARTICIPATION],
        ["north"],
        town.coordinator,
        capacity=None,
    )
    first = app.needs.assign(make_need(app, town).id, "sc", None, town.coordinator)
    first = app.matching.propose(first.id, full.id, "近い", None, town.coordinator)
    app.matching.confirm(first.id, date(2026, 4, 1), None, town.coordinator)
    for _ in range(2):
        need = app.needs.assign(make_need(app, town).id, "sc", None, town.coordinator)
        app.matching.propose(need.id, waited_on.id, "近い", None, town.coordinator)
    open_needs = [
        app.needs.assign(make_need(app, town).id, "sc", None, town.coordinator) for _ in range(2)
    ]
    return town, unlimited, open_needs


def _ranked_on_views(container: Container, need_id: Any, actor: Any) -> Any:
    """The ranking as before the matching inputs: on the views, caught up."""
    container.projections.catch_up()
    app = container.services
    on_views = MatchingCases(
        app.matching._aggregates,  # the same store, ranked the former way
        app.matching._needs,
        app.matching._resources,
        app.matching._board,
        container.projections,
        None,
    )
    return on_views.candidates(need_id, actor)


def test_ranking_reads_inputs_kept_with_the_events_never_the_views(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        town, unlimited, needs = _busy_town(quiet)

        def no_views(*_: Any) -> bool:
            raise AssertionError("ranking read the views")

        monkeypatch.setattr(quiet.projections, "bring_up", no_views)
        monkeypatch.setattr(quiet.projections, "wait_for", no_views)
        shown = quiet.services.matching.candidates(needs[0].id, town.coordinator)
        proposed = quiet.services.matching.propose(
            needs[0].id, unlimited.id, "近い", None, town.coordinator, ranking=shown.digest
        )
        after = quiet.services.matching.candidates(needs[1].id, town.coordinator)
        monkeypatch.undo()
        expected = _ranked_on_views(quiet, needs[1].id, town.coordinator)
    finally:
        quiet.close()
    assert proposed.status is NeedStatus.PROPOSED
    assert len(shown.candidates) == 5
    assert [c.proposable for c in shown.candidates] == [True, True, True, False, False]
    assert after.candidates == expected.candidates
    assert after.digest == expected.digest
    waiting = {c.resource_id: c.waitlist for c in after.candidates}
    assert waiting[unlimited.id] == 1
    assert sorted(waiting.values()) == [0, 0, 0, 1, 2]


def test_inputs_missing_from_an_older_database_are_filled_from_the_log(
    container: Container,
) -> None:
    town, _, needs = _busy_town(container)
    expected = _ranked_on_views(container, needs[0].id, town.coordinator)
    with container.projections.writer.begin() as conn:
        for table in ("matching_resources", "matching_waiting", "matching_inputs_state"):
            conn.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 - constant names
    again = bootstrap(container.settings)
    try:
        ranked = again.services.matching.candidates(needs[0].id, town.coordinator)
    finally:
        again.close()
    assert ranked.candidates == expected.candidates
    assert ranked.digest == expected.digest


def test_an_older_state_never_replaces_a_newer_one(container: Container) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator, capacity=2)
    older = container.store.get(resource.id)
    app.resources.suspend(resource.id, "改修中", None, town.coordinator)
    inputs = SqlMatchingInputs(container.projections.reader, container.projections.writer)

    inputs.write(rows_of([older]))

    [facts] = inputs.resource_facts(NeedCategory.EXERCISE)
    assert facts.status is ResourceStatus.SUSPENDED


def test_a_resource_not_active_is_refused_from_the_inputs(container: Container) -> None:
    app = container.services
    town = make_town(app)
    resource = make_resource(app, town.coordinator, capacity=2)
    need = app.needs.assign(make_need(app, town).id, "sc", None, town.coordinator)
    app.matching.candidates(need.id, town.coordinator)  # the inputs are filled by now
    app.resources.suspend(resource.id, "改修中", None, town.coordinator)

    with pytest.raises(ResourceNotActiveError):
        app.matching.propose(need.id, resource.id, "近い", None, town.coordinator)
    with pytest.raises(InvalidReferenceError):
        app.matching.propose(need.id, need.id, "近い", None, town.coordinator)
