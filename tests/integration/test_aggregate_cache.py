"""Resources and users are kept in memory between loads (``CACHED_TYPES`` in
application.store): what a command loads is still the stored state, whoever wrote
it, and nothing of a client's personal data is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.need import Need
from domain.resource import Resource
from domain.values import ERASED
from interfaces.bootstrap import Container
from tests.builders import make_client, make_need, make_resource, make_town
from tests.conftest import another_process


@pytest.fixture
def other(container: Container) -> Iterator[Container]:
    """A second process on the same database."""
    with another_process(container) as built:
        yield built


def test_a_kept_resource_is_brought_up_to_what_another_process_saved(
    container: Container, other: Container
) -> None:
    town = make_town(container.services)
    resource = make_resource(container.services, town.coordinator, capacity=5)
    assert isinstance(container.store.get(resource.id, Resource), Resource)  # kept now

    changed = other.services.resources.change_capacity(
        resource.id, 8, "増員", resource.version, town.coordinator
    )

    loaded = container.store.get(resource.id, Resource)
    assert isinstance(loaded, Resource)
    assert (loaded.capacity, loaded.version) == (8, changed.version)
    again = container.services.resources.change_capacity(
        resource.id, 9, "増員", changed.version, town.coordinator
    )
    assert again.version == changed.version + 1


def test_changing_a_loaded_resource_without_saving_it_changes_nothing_kept(
    container: Container,
) -> None:
    town = make_town(container.services)
    resource = make_resource(container.services, town.coordinator, capacity=5)
    container.store.get(resource.id, Resource)  # kept now
    loaded = container.store.get(resource.id, Resource)  # from what is kept
    assert isinstance(loaded, Resource)

    loaded.change_capacity(20, "試し", town.coordinator.user_id)  # a command that failed

    fresh = container.store.get(resource.id, Resource)
    assert isinstance(fresh, Resource)
    assert (fresh.capacity, fresh.version) == (5, resource.version)


def test_a_need_loaded_before_its_client_was_erased_elsewhere_reads_erased_after(
    container: Container, other: Container
) -> None:
    keyring = container.store.keyring
    assert keyring is not None
    keyring.cache_seconds = 0  # type: ignore[attr-defined]  # keys: docs/privacy.md, 10 s
    town = make_town(container.services)
    client = make_client(container.services, town.care_manager)
    need = make_need(container.services, town, client)
    before = container.store.get(need.id, Need)
    assert isinstance(before, Need)
    assert before.description != ERASED

    other.services.clients.erase(client.id, "本人の申し出", client.version, town.admin)

    after = container.store.get(need.id, Need)
    assert isinstance(after, Need)
    assert after.description == ERASED
