"""Replaying an aggregate's events rebuilds the same aggregate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import reduce
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate

from domain.organization import Organization
from domain.reference import Area, SupportCenter
from domain.user import User
from domain.values import (
    CareLevel,
    ClientId,
    Contact,
    DeclinedBy,
    NeedId,
    OrganizationId,
    OrganizationKind,
    Outcome,
    Progress,
    Role,
)
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


def need_with_a_long_history() -> Aggregate:
    need = new_need()
    need.assign(COORDINATOR, ACTOR)
    need.propose(RESOURCE_ID, "closest fit", ACTOR, candidates=[{"score": 1}], rule_set="v1")
    need.decline(DeclinedBy.CLIENT, "prefers mornings", ACTOR)
    need.record_gap("nothing in the mornings", ACTOR, criteria={"time": "am"})
    need.link_development(INITIATIVE_ID, ACTOR)
    need.pause("hospitalised", ACTOR)
    need.mark_resource_created(RESOURCE_ID, INITIATIVE_ID, ACTOR)
    need.resume("back home", ACTOR)
    need.reassign(OTHER_COORDINATOR, "holiday cover", ACTOR)
    need.propose(RESOURCE_ID, "new morning service", ACTOR)
    need.confirm(date(2025, 4, 1), ACTOR)
    need.follow_up("goes every week", Progress.ON_TRACK, ACTOR)
    need.close(Outcome.GOAL_ACHIEVED, "shops alone again", ACTOR)
    need.reopen("needs help again", ACTOR)
    return need


def resource_with_a_history() -> Aggregate:
    resource = new_resource(capacity=2)
    need_id = NeedId(uuid4())
    resource.enrol(need_id, ClientId(uuid4()), ACTOR)
    resource.enrol(NeedId(uuid4()), ClientId(uuid4()), ACTOR)
    resource.release(need_id, "match ended", ACTOR)
    resource.change_capacity(None, "more volunteers", ACTOR)
    resource.update(ACTOR, fee="100円", contact=Contact(person="佐藤"))
    resource.suspend("driver on leave", ACTOR)
    resource.reactivate("driver back", ACTOR)
    return resource


def client_with_a_history() -> Aggregate:
    client = new_client()
    client.change_care_level(CareLevel.CARE_1, date(2025, 4, 1), "reassessed", ACTOR)
    return client


def user_with_a_history() -> Aggregate:
    user = User.create("sato", "hash", [Role.COORDINATOR, Role.SUPERVISOR], ACTOR)
    user.revoke_role(Role.SUPERVISOR, ACTOR, "役割の見直し")
    user.change_password("new-hash", ACTOR)
    user.deactivate("left the office", ACTOR)
    return user


def area_with_a_history() -> Aggregate:
    area = Area.register("north", "北地区", ACTOR)
    area.rename("北部地区", ACTOR)
    return area


def center_with_a_history() -> Aggregate:
    center = SupportCenter.register("c-north", "北センター", ["north"], ACTOR)
    center.change_areas(["north", "east"], ACTOR)
    return center


def organization_with_a_history() -> Aggregate:
    organization = Organization.register(
        OrganizationId(uuid4()), "北町老人クラブ", OrganizationKind.SENIORS_CLUB, ["north"], ACTOR
    )
    organization.update(
        "北町シニアクラブ", OrganizationKind.SENIORS_CLUB, ["north", "east"], None, ACTOR
    )
    organization.log_contact(date(2025, 4, 1), "サロンの相談", "前向き", ACTOR)
    organization.join_council(uuid4(), ACTOR)
    return organization


@pytest.mark.parametrize(
    "build",
    [
        need_with_a_long_history,
        resource_with_a_history,
        client_with_a_history,
        user_with_a_history,
        area_with_a_history,
        center_with_a_history,
        organization_with_a_history,
    ],
    ids=lambda build: build.__name__,
)
def test_replaying_the_events_rebuilds_an_equal_aggregate(
    build: Callable[[], Aggregate],
) -> None:
    aggregate = build()
    events = aggregate.collect_events()

    replayed = reduce(lambda state, event: event.mutate(state), events, None)

    assert replayed == aggregate
    assert replayed is not None
    assert replayed.version == len(events)
