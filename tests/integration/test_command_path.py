"""Commands with the views deferred to the worker: none of them waits for it."""

from __future__ import annotations

from dataclasses import replace

import pytest

import application.matching
from domain.need import Need
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
