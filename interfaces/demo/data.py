"""Reading ``municipality.toml`` into :class:`~.model.Municipality`.

The file is checked before a single command is sent: every key present with the
right type, identifiers known to the domain's enums, no unknown keys (a typo
would otherwise be silently ignored), and every area, center, organization and
resource named somewhere defined once. A mistake is a
:class:`~.tables.DemoDataError` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from domain.values import (
    CareLevel,
    CouncilTier,
    Milestone,
    NeedCategory,
    OrganizationKind,
    Outcome,
    Progress,
    Role,
    ServiceType,
    Urgency,
    Weekday,
)
from interfaces.demo.common import MARKER_AREA
from interfaces.demo.model import (
    FATES,
    STYLES,
    Account,
    Area,
    Center,
    ComplexCase,
    ComplexNeed,
    Contacts,
    ContactTopic,
    Council,
    DevelopmentTexts,
    Initiative,
    Joining,
    Meeting,
    MilestoneEntry,
    Municipality,
    NeedText,
    Organization,
    People,
    Resource,
    StoryContact,
    Texts,
    Waiting,
)
from interfaces.demo.tables import DemoDataError, Reader, Table, unique

DATA_FILE = "municipality.toml"
"""The data file, next to this module (shipped as package data)."""

__all__ = ["DATA_FILE", "DemoDataError", "municipality", "parse_municipality", "read_municipality"]


def parse_municipality(raw: Mapping[str, Any], source: str = DATA_FILE) -> Municipality:
    """The municipality that ``raw`` (the parsed TOML document) describes.

    Raises :class:`~.tables.DemoDataError` naming ``source`` and the key at fault.
    """
    reader = Reader(source)
    root = Table(reader, raw, "")
    area_tables = root.tables("areas")
    area_codes = unique(area_tables, "code", "area")
    if MARKER_AREA not in area_codes:
        root.fail("areas", f"the demo's marker area {MARKER_AREA!r} is missing")
    center_tables = root.tables("centers")
    center_codes = unique(center_tables, "code", "center")
    org_tables = root.tables("organizations")
    org_keys = unique(org_tables, "key", "organization")
    resource_tables = root.tables("resources")
    resource_keys = unique(resource_tables, "key", "resource")
    needs = root.table("needs")
    scenarios = root.table("scenarios")
    counts = scenarios.table("counts")
    municipality = Municipality(
        areas=tuple(Area(t.text("code"), t.text("name"), t.texts("towns")) for t in area_tables),
        centers=tuple(
            Center(t.text("code"), t.text("name"), t.refs("areas", area_codes, "area"))
            for t in center_tables
        ),
        accounts=_accounts(root, center_codes),
        organizations=tuple(_organization(t, area_codes) for t in org_tables),
        resources=tuple(_resource(t, area_codes, org_keys) for t in resource_tables),
        people=_people(root.table("people")),
        category_weights=needs.table("category_weights").by_member(
            NeedCategory, lambda t, k: t.integer(k, minimum=1), required=list(NeedCategory)
        ),
        need_texts=needs.table("texts").by_member(
            NeedCategory,
            lambda t, k: tuple(
                NeedText(n.text("description"), n.text("goal")) for n in t.tables(k)
            ),
            required=list(NeedCategory),
        ),
        scenarios={key: counts.integer(key, minimum=1) for key in counts.data_keys()},
        scenario_targets=_targets(scenarios.table("targets"), set(counts.raw), resource_keys),
        texts=_texts(root.table("texts")),
        initiatives=tuple(_initiative(t, area_codes, org_keys) for t in root.tables("initiatives")),
        councils=tuple(_council(t, area_codes, org_keys) for t in root.tables("councils")),
        contacts=_contacts(root.table("contacts"), org_keys),
        complex_case=_complex_case(root.table("complex_case"), area_codes),
    )
    reader.check_unknown()
    return municipality


def _accounts(root: Table, centers: set[str]) -> tuple[Account, ...]:
    tables = root.tables("accounts")
    unique(tables, "username", "account")
    accounts = tuple(
        Account(
            username=t.text("username"),
            role=t.choice("role", Role),
            center=t.ref("center", centers, "center") if t.has("center") else None,
            display_name=t.text("display_name"),
        )
        for t in tables
    )
    if not any(a.role is Role.COORDINATOR for a in accounts):
        root.fail("accounts", "no account has the role 'coordinator'")
    served = {a.center for a in accounts if a.role is Role.CARE_MANAGER}
    for code in sorted(centers - served):
        root.fail("accounts", f"no care_manager account at center {code!r}")
    return accounts


def _organization(t: Table, areas: set[str]) -> Organization:
    return Organization(
        key=t.text("key"),
        name=t.text("name"),
        kind=t.choice("kind", OrganizationKind),
        areas=t.refs("areas", areas, "area"),
        phone=t.text("phone"),
        address=t.text("address"),
        registered_ago=t.opt_integer("registered_ago"),
    )


def _resource(t: Table, areas: set[str], orgs: set[str]) -> Resource:
    suspended_ago = t.opt_integer("suspended_ago")
    return Resource(
        key=t.text("key"),
        name=t.text("name"),
        organization=t.ref("organization", orgs, "organization"),
        service_type=t.choice("service_type", ServiceType),
        categories=t.choices("categories", NeedCategory, nonempty=True),
        areas=t.refs("areas", areas, "area"),
        weekdays=t.choices("weekdays", Weekday),
        capacity=t.opt_integer("capacity", minimum=1),
        fee=t.text("fee"),
        eligible=t.choices("eligible", CareLevel) if t.has("eligible") else (),
        popularity=t.integer("popularity", minimum=1) if t.has("popularity") else 1,
        favoured=t.flag("favoured"),
        planned=t.flag("planned"),
        suspended_ago=suspended_ago,
        # A suspension needs its reason; without one, the key is not expected.
        suspend_reason=t.text("suspend_reason") if suspended_ago is not None else "",
    )


def _people(t: Table) -> People:
    changes = t.table("care_level_changes")

    def level(table: Table, key: str) -> CareLevel:
        return table.choice(key, CareLevel)

    return People(
        city=t.text("city"),
        apartment=t.text("apartment"),
        client_count=t.integer("client_count", minimum=1),
        availability_share=t.share("availability_share"),
        surnames=t.pairs("surnames"),
        women=t.pairs("women"),
        men=t.pairs("men"),
        care_level_weights=t.table("care_level_weights").by_member(
            CareLevel, lambda table, key: table.integer(key, minimum=1)
        ),
        improve=changes.table("improve").by_member(CareLevel, level),
        worsen=changes.table("worsen").by_member(CareLevel, level),
    )


def _targets(
    t: Table, scenarios: set[str], resource_keys: set[str]
) -> dict[str, tuple[str, NeedCategory]]:
    targets = {}
    for key in t.data_keys():
        if key not in scenarios:
            t.fail(key, "not a scenario of scenarios.counts")
        target = t.table(key)
        targets[key] = (
            target.ref("resource", resource_keys, "resource"),
            target.choice("category", NeedCategory),
        )
    return targets


def _by_style(t: Table) -> dict[str, tuple[str, ...]]:
    for key in t.data_keys():
        if key not in STYLES:
            t.fail(key, f"unknown style (one of: {', '.join(STYLES)})")
    for style in STYLES:
        if not t.has(style):
            t.fail(style, "missing")
    return {style: t.texts(style) for style in STYLES}


def _texts(t: Table) -> Texts:
    development = t.table("development")
    return Texts(
        provider_busy=t.text("provider_busy"),
        provider_full=t.text("provider_full"),
        provider_ended=t.text("provider_ended"),
        reopen_reason=t.text("reopen_reason"),
        gap_reason=t.text("gap_reason"),
        gap_searched=t.text("gap_searched"),
        care_level_kept=t.text("care_level_kept"),
        care_level_improved=t.text("care_level_improved"),
        care_level_changed=t.text("care_level_changed"),
        care_plan=t.text("care_plan"),
        prevention_care_plan=t.text("prevention_care_plan"),
        care_plan_ref=t.text("care_plan_ref"),
        organization_contact=t.text("organization_contact"),
        resource_contact=t.text("resource_contact"),
        pauses=t.texts("pauses"),
        resumes=t.texts("resumes"),
        propose_reasons=_by_style(t.table("propose_reasons")),
        client_declines=_by_style(t.table("client_declines")),
        follow_ups=t.table("follow_ups").by_member(
            Progress, lambda table, key: table.texts(key), required=list(Progress)
        ),
        close_reasons=t.table("close_reasons").by_member(
            Outcome, lambda table, key: table.texts(key), required=list(Outcome)
        ),
        gap_close_reasons=t.table("gap_close_reasons").by_member(
            Outcome,
            lambda table, key: table.text(key),
            required=(Outcome.NOT_ACHIEVED, Outcome.TRANSFERRED_TO_CARE),
        ),
        development=DevelopmentTexts(
            launched_reason=development.text("launched_reason"),
            readmitted=NeedText(
                development.text("readmitted_description"), development.text("readmitted_goal")
            ),
            waiting_pause=development.text("waiting_pause"),
            waiting_resume=development.text("waiting_resume"),
        ),
    )


def _joinings(t: Table, key: str, orgs: set[str]) -> tuple[Joining, ...]:
    return tuple(
        Joining(j.ref("organization", orgs, "organization"), j.integer("ago"))
        for j in t.tables(key)
    )


def _initiative(t: Table, areas: set[str], orgs: set[str]) -> Initiative:
    waiting = []
    for w in t.tables("waiting"):
        fate = w.text("fate")
        if fate not in FATES:
            w.fail("fate", f"unknown fate {fate!r} (one of: {', '.join(FATES)})")
        waiting.append(Waiting(w.day_range("raised_ago"), fate))
    launched_ago = t.opt_integer("launched_ago")
    abandoned_ago = t.opt_integer("abandoned_ago")
    if launched_ago is not None and abandoned_ago is not None:
        t.fail("abandoned_ago", "an initiative cannot be both launched and abandoned")
    if any(w.fate != "wait" for w in waiting) and launched_ago is None:
        t.fail("waiting", "only a launched initiative (launched_ago) has needs that do not wait")
    return Initiative(
        key=t.text("key"),
        title=t.text("title"),
        area=t.ref("area", areas, "area"),
        category=t.choice("category", NeedCategory),
        description=t.text("description"),
        opened_ago=t.integer("opened_ago"),
        waiting=tuple(waiting),
        partners=_joinings(t, "partners", orgs),
        milestones=tuple(
            MilestoneEntry(
                m.choice("milestone", Milestone),
                m.integer("ago"),
                m.text("note"),
                m.opt_integer("volunteers", minimum=1),
            )
            for m in (t.tables("milestones") if t.has("milestones") else [])
        ),
        launched_ago=launched_ago,
        # Only a launched initiative has a resource, and it must have one.
        resource=_resource(t.table("resource"), areas, orgs) if launched_ago is not None else None,
        abandoned_ago=abandoned_ago,
        abandon_reason=t.text("abandon_reason") if abandoned_ago is not None else "",
    )


def _council(t: Table, areas: set[str], orgs: set[str]) -> Council:
    tier = t.choice("tier", CouncilTier)
    # Tier 2 councils work in one area; tier 1 covers the municipality.
    area = t.ref("area", areas, "area") if tier is CouncilTier.AREA else None
    return Council(
        key=t.text("key"),
        name=t.text("name"),
        tier=tier,
        area=area,
        formed_ago=t.integer("formed_ago"),
        members=_joinings(t, "members", orgs),
        meetings=tuple(
            Meeting(m.integer("ago"), m.texts("topics"), m.opt_text("note"))
            for m in t.tables("meetings")
        ),
    )


def _contacts(t: Table, orgs: set[str]) -> Contacts:
    topics = t.table("topics")
    weights = t.table("weights")
    for table in (topics, weights):
        for key in table.data_keys():
            if key not in orgs:
                table.fail(key, f"unknown organization {key!r}")
    return Contacts(
        topics={
            key: tuple(
                ContactTopic(c.text("purpose"), c.text("outcome")) for c in topics.tables(key)
            )
            for key in topics.data_keys()
        },
        weights={key: weights.integer(key, minimum=1) for key in weights.data_keys()},
        stories=tuple(
            StoryContact(
                s.integer("ago"),
                s.ref("organization", orgs, "organization"),
                s.text("purpose"),
                s.text("outcome"),
            )
            for s in t.tables("stories")
        ),
    )


def _complex_case(t: Table, areas: set[str]) -> ComplexCase:
    return ComplexCase(
        area=t.ref("area", areas, "area"),
        care_level=t.choice("care_level", CareLevel),
        raised_ago=t.integer("raised_ago"),
        weekdays=t.choices("weekdays", Weekday, nonempty=True),
        plan_reason=t.text("plan_reason"),
        needs=tuple(
            ComplexNeed(
                n.choice("category", NeedCategory),
                n.text("description"),
                n.text("goal"),
                n.choice("urgency", Urgency),
            )
            for n in t.tables("needs")
        ),
    )


def _decode(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DemoDataError(f"{source}: not valid TOML: {error}") from error


def read_municipality(path: Path) -> Municipality:
    """The municipality described by the TOML file at ``path``."""
    return parse_municipality(_decode(path.read_text(encoding="utf-8"), path.name), path.name)


@cache
def municipality() -> Municipality:
    """The demo municipality shipped with the package (read once per process)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_municipality(_decode(text, DATA_FILE))
