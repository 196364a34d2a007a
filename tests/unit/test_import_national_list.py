"""Reading the national 介護サービス事業所一覧 whole: every care-insurance service, the
quirks of published capacities, the file's own notices, care benefits skipped."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.matching import ClientFacts, NeedFacts, ResourceFacts, plan_cover, rank_candidates
from domain.reference import Area
from domain.resource import Resource
from domain.values import (
    CareLevel,
    NeedCategory,
    ResourceId,
    ResourceStatus,
    ServiceType,
    UserId,
)
from interfaces.importing import RowDefaults, read_resource_file
from interfaces.importing.normalize import clean, parse_capacity
from interfaces.importing.vocabulary import CARE_INSURANCE_SERVICES, parse_service_type
from tests.national_list import AGENCIES, CAPACITIES, COUNTERPARTS, SERVICES, national_csv

ACTOR = UserId(uuid4())
AGENCY_NOTE = "service_type.care_benefit_agency"


# -- the service types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        *(s for s in CARE_INSURANCE_SERVICES if s not in COUNTERPARTS),
        "介護予防訪問看護",
        "介護予防認知症対応型共同生活介護",
        "短期入所療養介護（介護医療院）",
        "特定施設入居者生活介護(サービス付き高齢者向け住宅)",
        "地域包括支援センター",
    ],
)
def test_a_care_insurance_service_without_counterpart_is_a_professional_agency(
    text: str,
) -> None:
    parsed = parse_service_type(text)

    assert parsed.error is None
    assert parsed.value == (ServiceType.AGENCY_REFERRAL, (NeedCategory.OTHER,))
    assert [(n.code, n.params) for n in parsed.notes] == [(AGENCY_NOTE, {"cell": text})]


@pytest.mark.parametrize(("text", "service"), sorted(COUNTERPARTS.items()))
def test_care_benefits_with_a_counterpart_keep_it(text: str, service: str) -> None:
    parsed = parse_service_type(text)

    assert parsed.value is not None
    assert parsed.value[0].value == service
    assert AGENCY_NOTE not in {n.code for n in parsed.notes}


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("訪問型サービス（独自）", ServiceType.VISIT_STANDARD),
        ("通所型サービス(独自)", ServiceType.DAY_STANDARD),
    ],
)
def test_the_programs_own_standard_services_are_the_former_equivalent_types(
    text: str, service: ServiceType
) -> None:
    parsed = parse_service_type(text)

    assert parsed.value is not None
    assert parsed.value[0] is service


# -- capacities as published ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number", "code"),
    [
        ("(1) 70名、(2) 15名", 85, "capacity.units_summed"),
        ("（１）７０名、（２）１５名", 85, "capacity.units_summed"),
        ("(1)9名 (2)9名 (3)9名", 27, "capacity.units_summed"),
        ("(1) 70名", 70, "capacity.units_summed"),
        ("２９名", 29, "capacity.read_as"),
        ("登録定員29名", 29, "capacity.read_as"),
        ("入所定員80床", 80, "capacity.read_as"),
        ("10～15名", 15, "capacity.range_upper_bound"),
        ("定員なし", None, None),
    ],
)
def test_published_capacities_are_read_with_a_note(
    cell: str, number: int | None, code: str | None
) -> None:
    parsed = parse_capacity(clean(cell))

    assert parsed.error is None
    assert parsed.value == number
    assert [n.code for n in parsed.notes] == ([code] if code else [])


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("通い15名、泊まり9名", "capacity.several_numbers"),
        ("(1) 70名、(2) 15名 計85名", "capacity.several_numbers"),
        ("たくさん", "capacity.not_a_number"),
        ("(1) 70000名、(2) 70000名", "capacity.implausible"),
    ],
)
def test_capacities_that_cannot_be_read_are_refused_with_their_code(cell: str, code: str) -> None:
    parsed = parse_capacity(clean(cell))

    assert parsed.value is None
    assert parsed.error is not None
    assert parsed.error.code == code


# -- the generated national list -----------------------------------------------------------


def test_the_generated_list_names_every_care_insurance_service() -> None:
    assert set(CARE_INSURANCE_SERVICES) <= set(SERVICES)


def test_every_row_of_the_national_list_is_read_and_none_refused_for_its_service() -> None:
    parsed = read_resource_file(national_csv(), "care_services.csv")

    assert parsed.layout.code == "care-services-standard"
    assert len(parsed.drafts) == len(SERVICES)  # the blank rows are no rows
    assert not [p for d in parsed.drafts for p in d.problems if p.severity == "error"]
    agencies = {
        d.service_name for d in parsed.drafts if d.service_type is ServiceType.AGENCY_REFERRAL
    }
    assert agencies == {clean(s) for s in AGENCIES}
    assert all(d.categories == (NeedCategory.OTHER,) for d in parsed.drafts if d.service_name)
    capacities = [d.capacity for d in parsed.drafts]
    assert capacities[: len(CAPACITIES)] == [number for _, number in CAPACITIES]


def test_without_an_area_column_or_areas_the_file_says_so_once() -> None:
    parsed = read_resource_file(national_csv(), "care_services.csv")

    assert [n.code for n in parsed.notices] == ["file.no_area_column"]
    assert not [p for d in parsed.drafts for p in d.problems if p.field == "areas"]


def test_care_benefits_are_skipped_and_counted_when_asked() -> None:
    parsed = read_resource_file(
        national_csv(), "care_services.csv", defaults=RowDefaults(skip_care_benefits=True)
    )

    assert {s.service for s in parsed.skipped} == {clean(s) for s in AGENCIES}
    assert len(parsed.skipped) + len(parsed.drafts) == len(SERVICES)
    assert ServiceType.AGENCY_REFERRAL not in {d.service_type for d in parsed.drafts}


# -- the domain ----------------------------------------------------------------------------


def test_a_resource_keeps_the_service_as_the_list_worded_it() -> None:
    resource = Resource.register(
        ResourceId(uuid4()),
        "つなぐ福祉用具",
        ServiceType.AGENCY_REFERRAL,
        [NeedCategory.OTHER],
        ["north"],
        ACTOR,
        service_name="福祉用具貸与",
    )

    assert resource.service_name == "福祉用具貸与"
    resource.update(ACTOR, service_name="特定福祉用具販売")
    assert resource.service_name == "特定福祉用具販売"


def test_an_area_lists_its_towns_and_a_repeat_records_nothing() -> None:
    area = Area.register("north", "北地区", ACTOR)
    area.list_towns(["北町", " 桜台 ", "北町"], ACTOR)
    area.list_towns(["北町", "桜台"], ACTOR)

    assert area.towns == ["北町", "桜台"]
    assert [type(e).__name__ for e in area.collect_events()] == ["Registered", "TownsListed"]


# -- matching ------------------------------------------------------------------------------


def _facts(name: str, *, referral: bool, capacity: int | None) -> ResourceFacts:
    return ResourceFacts(
        id=uuid4(),
        name=name,
        categories=frozenset({NeedCategory.OTHER}),
        area_codes=frozenset({"north"}),
        eligible_care_levels=frozenset(),
        weekdays=frozenset(),
        capacity=capacity,
        places_taken=1 if capacity else 0,
        status=ResourceStatus.ACTIVE,
        referral=referral,
    )


NEED = NeedFacts(uuid4(), NeedCategory.OTHER, "north")
CLIENT = ClientFacts(CareLevel.SUPPORT_1)


def test_a_referral_ranks_after_a_life_support_resource_that_scores_less() -> None:
    agency = _facts("あ訪問看護", referral=True, capacity=None)  # unlimited: full marks
    salon = _facts("ん地域の会", referral=False, capacity=2)  # one place left: half marks

    ranked = rank_candidates(NEED, CLIENT, [agency, salon])

    assert ranked[0].total < ranked[1].total
    assert [c.name for c in ranked] == ["ん地域の会", "あ訪問看護"]
    assert [c.referral for c in ranked] == [False, True]


def test_a_plan_takes_a_life_support_resource_before_a_referral() -> None:
    agency = _facts("あ訪問看護", referral=True, capacity=None)
    salon = _facts("ん地域の会", referral=False, capacity=2)

    plan = plan_cover([NEED], CLIENT, [agency, salon])

    assert plan.resource_ids == (salon.id,)
