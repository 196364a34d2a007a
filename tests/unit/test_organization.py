"""Organization: registration, network-building contacts and councils."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.errors import InvalidValueError
from domain.organization import Organization
from domain.values import OrganizationId, OrganizationKind
from tests.unit.aggregates import ACTOR


def new_organization() -> Organization:
    return Organization.register(
        OrganizationId(uuid4()), "北町老人クラブ", OrganizationKind.SENIORS_CLUB, ["north"], ACTOR
    )


def test_register_records_registered() -> None:
    organization = new_organization()

    assert [type(e) for e in organization.collect_events()] == [Organization.Registered]
    assert (organization.councils, organization.contacts_logged) == ([], 0)


@pytest.mark.parametrize("name", ["", "  ", "x" * 201])
def test_register_is_refused_when_the_name_is_empty_or_overlong(name: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        Organization.register(OrganizationId(uuid4()), name, OrganizationKind.NPO, ["north"], ACTOR)

    assert refused.value.field == "name"


def test_log_contact_counts_the_contact() -> None:
    organization = new_organization()
    organization.collect_events()

    organization.log_contact(date(2025, 4, 1), "サロン立ち上げの相談", "前向き", ACTOR)

    assert [type(e) for e in organization.collect_events()] == [Organization.ContactLogged]
    assert organization.contacts_logged == 1


@pytest.mark.parametrize(
    ("purpose", "outcome", "field"), [("", "前向き", "purpose"), ("相談", " ", "outcome")]
)
def test_log_contact_is_refused_when_text_is_empty(purpose: str, outcome: str, field: str) -> None:
    organization = new_organization()

    with pytest.raises(InvalidValueError) as refused:
        organization.log_contact(date(2025, 4, 1), purpose, outcome, ACTOR)

    assert refused.value.field == field


def test_join_council_is_refused_when_already_a_member() -> None:
    organization = new_organization()
    council = uuid4()
    organization.join_council(council, ACTOR)

    with pytest.raises(InvalidValueError, match="already a member"):
        organization.join_council(council, ACTOR)

    assert organization.councils == [council]
