"""A client matched at one resource for several needs takes one place there."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import ResourceFullError
from domain.resource import Resource
from domain.values import ClientId, NeedCategory, NeedId, ResourceId, ServiceType, UserId

ACTOR = UserId(uuid4())


def salon(capacity: int) -> Resource:
    return Resource.register(
        ResourceId(uuid4()),
        "ふれあいサロン",
        ServiceType.GATHERING_PLACE,
        [NeedCategory.COMPANIONSHIP, NeedCategory.EXERCISE],
        ["north"],
        ACTOR,
        capacity=capacity,
    )


def test_two_needs_of_one_client_take_one_place() -> None:
    resource = salon(capacity=1)
    client = ClientId(uuid4())

    resource.enrol(NeedId(uuid4()), client, ACTOR)
    resource.enrol(NeedId(uuid4()), client, ACTOR)

    assert (resource.places_taken, resource.places_left) == (1, 0)


def test_another_client_is_refused_when_the_last_place_is_taken() -> None:
    resource = salon(capacity=1)
    resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)

    with pytest.raises(ResourceFullError):
        resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)


def test_the_place_is_given_back_only_when_the_clients_last_need_leaves() -> None:
    resource = salon(capacity=1)
    client = ClientId(uuid4())
    first, second = NeedId(uuid4()), NeedId(uuid4())
    resource.enrol(first, client, ACTOR)
    resource.enrol(second, client, ACTOR)

    resource.release(first, "終了", ACTOR)
    assert resource.places_taken == 1
    resource.release(second, "終了", ACTOR)
    assert resource.places_taken == 0
