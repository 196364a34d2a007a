"""A need's link to its client's data key (what erasure follows to the need's
sealed text) is written with the need's events, or not at all."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import RecordConflictError

from domain.client import Client
from domain.need import Need
from domain.values import ClientId, NeedCategory, NeedId, Urgency, Weekday
from interfaces.bootstrap import Container
from tests.builders import make_client, make_need, make_town


def test_a_raised_need_is_linked_to_its_clients_key(container: Container) -> None:
    town = make_town(container.services)
    client = make_client(container.services, town.care_manager)

    need = make_need(container.services, town, client)

    assert container.store.keyring is not None
    assert container.store.keyring.subjects(client.id) == [need.id]


def test_a_need_whose_save_failed_leaves_no_link_to_its_clients_key(
    container: Container,
) -> None:
    town = make_town(container.services)
    client = make_client(container.services, town.care_manager)
    store = container.store
    first, second = store.get(client.id), store.get(client.id)
    assert isinstance(first, Client)
    assert isinstance(second, Client)
    first.record_availability([Weekday.MON], town.care_manager.user_id)
    store.save_recognising(first)
    second.record_availability([Weekday.TUE], town.care_manager.user_id)  # now stale
    need = Need.raise_need(
        NeedId(uuid4()),
        ClientId(client.id),
        "c-north",
        "north",
        NeedCategory.SOCIAL_PARTICIPATION,
        "外出の機会が減った",
        "週に一度は外出する",
        Urgency.NORMAL,
        town.care_manager.user_id,
    )

    with pytest.raises(RecordConflictError):
        store.save_recognising(need, second)  # one transaction: neither is saved

    assert store.get(need.id) is None
    assert store.keyring is not None
    assert need.id not in store.keyring.subjects(client.id)
