"""``tsunagu snapshots purge``: stored snapshots deleted, all or of one type; the
aggregates then load from their events."""

from __future__ import annotations

from uuid import UUID

import pytest
from click.testing import Result

from interfaces.bootstrap import Container
from interfaces.web import create_app
from tests.builders import make_need, make_resource, make_town
from tests.integration.stored_rows import stored_snapshot_states


def snapshotted(container: Container) -> tuple[UUID, UUID]:
    """A need and a resource, each with a snapshot."""
    app = container.services
    town = make_town(app)
    need = make_need(app, town)
    resource = make_resource(app, town.coordinator)
    container.store.take_snapshot(need.id)
    container.store.take_snapshot(resource.id)
    return need.id, resource.id


def purge(container: Container, *args: str, answer: str | None = None) -> Result:
    # Imported here: the command reaches its adapter through interfaces.bootstrap,
    # and a failure to wire it fails these tests, not the collection of the suite.
    from interfaces.cli.snapshots import snapshots_group

    runner = create_app(container=container).test_cli_runner()
    return runner.invoke(snapshots_group, ["purge", *args], input=answer)


def has_snapshot(container: Container, aggregate_id: UUID) -> bool:
    return bool(stored_snapshot_states(container.store, aggregate_id))


def test_purge_deletes_every_snapshot_and_says_how_many(container: Container) -> None:
    need_id, resource_id = snapshotted(container)

    result = purge(container, "--yes")

    assert result.exit_code == 0, result.output
    assert "deleted 2 snapshots;" in result.output
    assert not has_snapshot(container, need_id)
    assert not has_snapshot(container, resource_id)


def test_purge_of_one_type_keeps_the_others(container: Container) -> None:
    need_id, resource_id = snapshotted(container)

    result = purge(container, "--type", "Need", "--yes")

    assert result.exit_code == 0, result.output
    assert "deleted 1 snapshot of Need;" in result.output
    assert not has_snapshot(container, need_id)
    assert has_snapshot(container, resource_id)


def test_aggregates_load_from_their_events_after_a_purge(container: Container) -> None:
    need_id, _ = snapshotted(container)
    before = vars(container.store.get(need_id))

    purge(container, "--yes")

    assert vars(container.store.get(need_id)) == before


@pytest.mark.parametrize(("answer", "kept"), [("n\n", True), ("y\n", False)])
def test_purge_asks_before_deleting(container: Container, answer: str, kept: bool) -> None:
    need_id, _ = snapshotted(container)

    result = purge(container, "--type", "Need", answer=answer)

    assert "Delete 1 snapshot of Need?" in result.output
    assert has_snapshot(container, need_id) is kept


def test_purge_with_nothing_stored_says_so(container: Container) -> None:
    result = purge(container, "--yes")

    assert result.exit_code == 0, result.output
    assert result.output == "no snapshots stored\n"
