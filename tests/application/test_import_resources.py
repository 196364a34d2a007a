"""Importing the resource directory: dry run, apply, all-or-nothing, re-import, updates."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from application.errors import InvalidReferenceError, PermissionDeniedError
from application.import_rows import ProblemKind
from application.importing import ResourceDraft, source_resource_id
from application.resources import ResourceFilter
from application.security import SYSTEM_ACTOR
from domain.resource import Resource
from domain.values import CareLevel, NeedCategory, OrganizationKind, ServiceType, Weekday
from interfaces.bootstrap import Container
from interfaces.importing import read_resource_file
from interfaces.importing.normalize import clean
from tests.builders import Town, make_need, make_town
from tests.national_list import AGENCIES, SERVICES, TOWNS, national_csv


@pytest.fixture
def town(memory_container: Container) -> Town:
    return make_town(memory_container.services)


def draft(row: int = 2, **overrides: Any) -> ResourceDraft:
    values: dict[str, Any] = {
        "row": row,
        "source_key": f"test:{row}",
        "name": f"ふれあいサロン{row}",
        "service_type": ServiceType.GATHERING_PLACE,
        "categories": (NeedCategory.SOCIAL_PARTICIPATION,),
        "areas": ("north",),
        "weekdays": (Weekday.TUE,),
        "capacity": 20,
        "eligible_care_levels": (CareLevel.SUPPORT_1,),
        "fee": "100円",
        "phone": "0120-000-000",
        "address": "北町1-2-3",
        "latitude": 35.6,
        "longitude": 139.7,
    }
    values.update(overrides)
    return ResourceDraft(**values)


def listed(container: Container, town: Town) -> list[Any]:
    return container.services.resources.list_resources(ResourceFilter(), town.coordinator)


def test_a_dry_run_reports_new_rows_and_writes_nothing(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    head = app.oversight.head()

    report = app.importing.import_resources([draft(2), draft(3)], town.coordinator)

    assert report.counts == {"new": 2, "updated": 0, "unchanged": 0, "invalid": 0}
    assert report.dry_run
    assert not report.applied
    assert app.oversight.head() == head
    assert listed(memory_container, town) == []


def test_apply_registers_the_valid_rows_with_every_field(
    memory_container: Container, town: Town
) -> None:
    report = memory_container.services.importing.import_resources(
        [draft(2)], town.coordinator, apply=True
    )

    assert report.applied
    [resource] = listed(memory_container, town)
    assert resource.id == source_resource_id("test:2")
    assert resource.name == "ふれあいサロン2"
    assert resource.weekdays == (Weekday.TUE,)
    assert resource.capacity == 20
    assert resource.eligible_care_levels == (CareLevel.SUPPORT_1,)
    assert resource.contact is not None
    assert resource.contact.address == "北町1-2-3"
    assert (resource.latitude, resource.longitude) == (35.6, 139.7)
    assert resource.source_key == "test:2"


def test_areas_are_found_by_code_or_by_name(memory_container: Container, town: Town) -> None:
    rows = [draft(2, areas=("北地区",)), draft(3, areas=("south", "北 地区"))]

    memory_container.services.importing.import_resources(rows, town.coordinator, apply=True)

    assert sorted(r.area_codes for r in listed(memory_container, town)) == [
        ("north",),
        ("south", "north"),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "code", "params"),
    [
        ({"areas": ("atlantis",)}, "areas", "areas.unknown", {"area": "atlantis"}),
        ({"areas": ()}, "areas", "areas.missing", {}),
        ({"name": None}, "name", "name.missing", {}),
        ({"service_type": None}, "service_type", "service_type.missing", {}),
        ({"categories": ()}, "categories", "categories.missing", {}),
        ({"source_key": None}, "source_key", "row.no_key", {}),
        # Refused by the domain's rules: the domain's own code and params.
        (
            {"name": "名" * 201},
            "name",
            "value.too_long",
            {"field": "name", "max_length": "200"},
        ),
        ({"name": "  "}, "name", "value.empty", {"field": "name"}),
        ({"name": "北\x00町"}, "name", "value.control_characters", {"field": "name"}),
        ({"capacity": -1}, "capacity", "value.negative", {"field": "capacity"}),
        (
            {"latitude": 95.0},
            "latitude",
            "value.out_of_range",
            {"field": "latitude", "minimum": "-90", "maximum": "90"},
        ),
    ],
)
def test_invalid_rows_are_reported_with_their_field_code_and_params_and_not_written(
    memory_container: Container,
    town: Town,
    overrides: dict[str, Any],
    field: str,
    code: str,
    params: dict[str, str],
) -> None:
    report = memory_container.services.importing.import_resources(
        [draft(2), draft(3, **overrides)], town.coordinator, apply=True
    )

    bad = report.rows[1]
    assert bad.outcome == "invalid"
    errors = [(p.field, p.code, p.params) for p in bad.problems if p.severity == "error"]
    assert (field, code, params) in errors, bad.problems
    assert bad.problems[0].row == 3
    assert [r.name for r in listed(memory_container, town)] == ["ふれあいサロン2"]


def test_problems_found_while_reading_keep_the_row_out(
    memory_container: Container, town: Town
) -> None:
    not_a_number = ProblemKind("capacity.not_a_number", "「{cell}」 is not a number")
    unreadable = draft(3, problems=(not_a_number.found(cell="たくさん").at(3, "capacity"),))

    report = memory_container.services.importing.import_resources(
        [unreadable], town.coordinator, apply=True
    )

    assert report.counts["invalid"] == 1
    assert listed(memory_container, town) == []


def test_warnings_do_not_keep_a_row_out(memory_container: Container, town: Town) -> None:
    report = memory_container.services.importing.import_resources(
        [draft(2, organization="どこにもない会")], town.coordinator, apply=True
    )

    [row] = report.rows
    assert row.outcome == "new"
    [warning] = row.problems
    assert (warning.field, warning.severity) == ("organization", "warning")
    assert warning.code == "organization.not_in_directory"
    assert warning.params == {"organization": "どこにもない会"}
    assert warning.message == (
        "'どこにもない会' is not in the organization directory; "
        "the resource is not linked to it (register the organization first)"
    )


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    head = app.oversight.head()

    report = app.importing.import_resources(
        [draft(2), draft(3, areas=("atlantis",))],
        town.coordinator,
        apply=True,
        all_or_nothing=True,
    )

    assert report.aborted
    assert not report.applied
    assert app.oversight.head() == head
    assert listed(memory_container, town) == []


def test_all_or_nothing_writes_everything_in_one_transaction_when_all_are_good(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    head = app.oversight.head()

    report = app.importing.import_resources(
        [draft(n) for n in range(2, 6)], town.coordinator, apply=True, all_or_nothing=True
    )

    assert report.applied
    assert report.position == head + 4
    assert len(listed(memory_container, town)) == 4


def test_importing_the_same_rows_again_changes_nothing(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    rows = [draft(n) for n in range(2, 5)]
    app.importing.import_resources(rows, town.coordinator, apply=True)
    head = app.oversight.head()

    again = app.importing.import_resources(rows, town.coordinator, apply=True)

    assert again.counts == {"new": 0, "updated": 0, "unchanged": 3, "invalid": 0}
    assert not again.applied
    assert app.oversight.head() == head
    assert len(listed(memory_container, town)) == 3


def test_changed_rows_update_the_resource_imported_before(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.importing.import_resources([draft(2)], town.coordinator, apply=True)

    changed = draft(2, name="ふれあいサロン北", capacity=30, weekdays=(Weekday.TUE, Weekday.FRI))
    report = app.importing.import_resources([changed], town.coordinator, apply=True)

    [row] = report.rows
    assert row.outcome == "updated"
    assert row.changed == ("name", "weekdays", "capacity")
    [resource] = listed(memory_container, town)
    assert resource.name == "ふれあいサロン北"
    assert resource.capacity == 30
    assert resource.version == 3  # Registered, Updated, CapacityChanged


def test_columns_the_file_lacks_leave_the_resource_as_it_is(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.importing.import_resources([draft(2)], town.coordinator, apply=True)
    without_capacity = dataclasses.replace(
        draft(2, capacity=None, fee=None),
        provided=frozenset({"name", "service_type", "categories", "areas"}),
    )

    report = app.importing.import_resources([without_capacity], town.coordinator, apply=True)

    assert report.rows[0].outcome == "unchanged"
    [resource] = listed(memory_container, town)
    assert (resource.capacity, resource.fee) == (20, "100円")


def test_a_capacity_below_the_places_taken_is_refused_for_that_row(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.importing.import_resources([draft(2, capacity=1)], town.coordinator, apply=True)
    need = make_need(app, town)
    need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
    resource_id = source_resource_id("test:2")
    need = app.matching.propose(need.id, resource_id, "近い", need.version, town.coordinator)
    app.matching.confirm(need.id, need.raised_at.date(), need.version, town.coordinator)

    report = app.importing.import_resources([draft(2, capacity=0)], town.coordinator, apply=True)

    assert report.rows[0].outcome == "invalid"
    [refused] = report.rows[0].problems
    assert refused.code == "resource.capacity_below_enrolment"
    assert refused.params == {"capacity": "0", "enrolled": "1"}
    assert app.resources.get(resource_id, town.coordinator).capacity == 1


def test_a_closed_resource_is_not_changed_and_the_row_says_why(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.importing.import_resources([draft(2)], town.coordinator, apply=True)
    resource_id = source_resource_id("test:2")
    app.resources.close(resource_id, "事業終了", None, town.coordinator)

    report = app.importing.import_resources([draft(2, fee="200円")], town.coordinator)

    [row] = report.rows
    assert row.outcome == "invalid"
    assert [(p.field, p.code, p.params["state"]) for p in row.problems] == [
        ("row", "resource.transition_not_allowed", "closed")
    ]


def test_a_name_that_names_several_areas_asks_for_the_code(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.reference.create_area("north-2", "北地区", SYSTEM_ACTOR)

    report = app.importing.import_resources([draft(2, areas=("北地区",))], town.coordinator)

    [problem] = report.rows[0].problems
    assert (problem.code, problem.params) == ("areas.ambiguous", {"area": "北地区"})
    assert problem.message == "'北地区' names several areas; use the area code"


def test_the_same_source_key_twice_in_one_file_is_a_problem(
    memory_container: Container, town: Town
) -> None:
    report = memory_container.services.importing.import_resources(
        [draft(2), draft(3, source_key="test:2")], town.coordinator
    )

    assert [r.outcome for r in report.rows] == ["new", "invalid"]
    [duplicate] = report.rows[1].problems
    assert duplicate.code == "row.duplicate_key"
    assert duplicate.params == {"key": "test:2", "other_row": "2"}
    assert duplicate.message == "same source key 'test:2' as row 2"


def test_organizations_are_linked_by_name(memory_container: Container, town: Town) -> None:
    app = memory_container.services
    org = app.organizations.register(
        "北町サロンの会", OrganizationKind.RESIDENT_GROUP, ["north"], town.coordinator
    )

    app.importing.import_resources(
        [draft(2, organization="北町 サロンの会")], town.coordinator, apply=True
    )

    assert listed(memory_container, town)[0].organization_id == org.id


def test_progress_is_reported_per_row(memory_container: Container, town: Town) -> None:
    seen: list[tuple[int, int]] = []

    memory_container.services.importing.import_resources(
        [draft(2), draft(3)],
        town.coordinator,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(1, 2), (2, 2)]


@pytest.mark.parametrize("who", ["care_manager", "supervisor", "auditor"])
def test_only_coordinators_and_admins_may_import(
    memory_container: Container, town: Town, who: str
) -> None:
    with pytest.raises(PermissionDeniedError):
        memory_container.services.importing.import_resources([draft(2)], getattr(town, who))


def test_a_row_changed_by_someone_else_during_the_import_is_reported_and_the_others_saved(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.importing.import_resources([draft(2), draft(3)], town.coordinator, apply=True)
    contested = source_resource_id("test:3")

    def someone_else_changes_row_3(done: int, total: int) -> None:
        if done == total:  # after every row was planned, before anything is saved
            app.resources.change_capacity(contested, 25, "増員", None, town.coordinator)

    report = app.importing.import_resources(
        [draft(2, fee="200円"), draft(3, fee="300円")],
        town.coordinator,
        apply=True,
        progress=someone_else_changes_row_3,
    )

    assert [row.outcome for row in report.rows] == ["updated", "invalid"]
    assert [p.code for p in report.rows[1].problems] == ["resource.version_conflict"]
    saved = app.resources.get(source_resource_id("test:2"), town.coordinator)
    kept = app.resources.get(contested, town.coordinator)
    assert (saved.fee, kept.fee, kept.capacity) == ("200円", "100円", 25)


# -- the national list whole: areas from towns, professional agencies ------------------------


def list_towns(container: Container) -> None:
    for code, towns in TOWNS.items():
        container.services.reference.list_towns(code, list(towns), SYSTEM_ACTOR)


@pytest.mark.parametrize(
    ("address", "area"),
    [
        ("架空県つなぐ市北町1-2-3", "north"),
        ("つなぐ市緑が丘二丁目5", "south"),
        ("桜台3-1 つなぐビル", "north"),
    ],
)
def test_a_row_without_area_takes_the_area_whose_town_its_address_names(
    memory_container: Container, town: Town, address: str, area: str
) -> None:
    list_towns(memory_container)

    report = memory_container.services.importing.import_resources(
        [draft(areas=(), address=address)], town.coordinator
    )

    row = report.rows[0]
    assert row.outcome == "new"
    assert [(p.code, p.severity, p.params["area"]) for p in row.problems] == [
        ("areas.inferred", "warning", area)
    ]


@pytest.mark.parametrize(
    "address",
    ["架空県つなぐ市東北町1-2", "つなぐ市北町田5", "つなぐ市西町1-1", None],
)
def test_an_address_that_names_no_listed_town_leaves_the_row_without_area(
    memory_container: Container, town: Town, address: str | None
) -> None:
    list_towns(memory_container)

    report = memory_container.services.importing.import_resources(
        [draft(areas=(), address=address)], town.coordinator
    )

    assert [p.code for p in report.rows[0].problems] == ["areas.missing"]


def test_a_town_two_areas_list_infers_no_area(memory_container: Container, town: Town) -> None:
    list_towns(memory_container)
    memory_container.services.reference.list_towns("south", ["南町", "北町"], SYSTEM_ACTOR)

    report = memory_container.services.importing.import_resources(
        [draft(areas=(), address="つなぐ市北町1-1")], town.coordinator
    )

    assert [p.code for p in report.rows[0].problems] == ["areas.missing"]


def test_the_national_list_imports_whole_and_a_second_import_writes_nothing(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    list_towns(memory_container)
    parsed = read_resource_file(national_csv(), "care_services.csv")

    dry = app.importing.import_resources(parsed.drafts, town.coordinator)
    first = app.importing.import_resources(parsed.drafts, town.coordinator, apply=True)
    head = app.oversight.head()
    again = app.importing.import_resources(parsed.drafts, town.coordinator, apply=True)

    assert (
        dry.counts
        == first.counts
        == {
            "new": len(SERVICES),
            "updated": 0,
            "unchanged": 0,
            "invalid": 0,
        }
    )
    assert again.counts["unchanged"] == len(SERVICES)
    assert not again.applied
    assert app.oversight.head() == head
    resources = listed(memory_container, town)
    agencies = [r for r in resources if r.service_type is ServiceType.AGENCY_REFERRAL]
    assert len(agencies) == len(AGENCIES)
    stored = memory_container.store.get(agencies[0].id)
    assert isinstance(stored, Resource)
    assert stored.service_name in {clean(s) for s in AGENCIES}
    assert {r.capacity for r in resources} >= {85, 29, 15}


def test_only_admins_list_towns_and_a_repeat_writes_nothing(
    memory_container: Container, town: Town
) -> None:
    app = memory_container.services
    app.reference.list_towns("north", ["北町", "桜台"], SYSTEM_ACTOR)
    head = app.oversight.head()

    again = app.reference.list_towns("north", ["北町", "桜台"], SYSTEM_ACTOR)

    assert again == ("北町", "桜台")
    assert app.oversight.head() == head
    with pytest.raises(PermissionDeniedError):
        app.reference.list_towns("north", ["南町"], town.coordinator)
    with pytest.raises(InvalidReferenceError):
        app.reference.list_towns("nowhere", ["南町"], SYSTEM_ACTOR)
