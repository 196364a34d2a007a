"""Network building (ネットワーク構築): the organization directory and pages, councils
(協議体) with their members and meeting records, and the network overview per area."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import abort, flash, request, url_for

from application.board import BoardSort, NeedFilter, NeedRow
from application.errors import ApplicationError, PermissionDeniedError, VersionConflictError
from application.network import CouncilDTO, MeetingRow, NetworkOverview
from application.security import Actor
from domain.errors import DomainError
from domain.values import Contact, CouncilTier, NeedCategory, NeedStatus, OrganizationKind
from interfaces.web.ui import charts
from interfaces.web.ui.core import Screens, actor, now, redirect_to, render, services, signed_in
from interfaces.web.ui.display import changed_by
from interfaces.web.ui.forms import FORM, NAME_MAX, Form
from interfaces.web.ui.i18n import _, format_month, local
from interfaces.web.ui.labels import label
from interfaces.web.ui.refusals import refusal
from interfaces.web.ui.tables import Table, table_csv

screens = Screens()

MONTHS_SHOWN = 12
NEEDS_OFFERED = 50
MAX_TOPICS = 30


def _areas() -> dict[str, str]:
    return {a.code: a.name for a in services().reference.list_areas(actor())}


def _organizations() -> dict[UUID, str]:
    return {o.id: o.name for o in services().organizations.list_organizations(actor())}


def _refuse(form: Form, error: Exception) -> None:
    field = getattr(error, "field", None)
    form.error(field if isinstance(field, str) and field in form.data else FORM, refusal(error))


# -- organizations -------------------------------------------------------------------------------


@screens.get("/organizations")
@signed_in("organization.read")
def organizations() -> Any:
    app = services()
    who = actor()
    areas = _areas()
    form = Form(request.args)
    kind = form.choice("kind", OrganizationKind, required=False)
    area = form.code("area", areas, required=False)
    query = (form.text("q", required=False, max_length=100) or "").casefold()
    items = [
        o
        for o in app.organizations.list_organizations(who)
        if (kind is None or o.kind is kind)
        and (area is None or area in o.area_codes)
        and (not query or query in o.name.casefold())
    ]
    network = {}
    if who.can("report.read"):
        network = {o.id: o for o in app.network.overview(who).organizations}
    return render(
        "network/organizations.html",
        items=items,
        network=network,
        filters={"kind": kind, "area": area, "q": query},
        filtered=any(request.args.get(k) for k in ("kind", "area", "q")),
        kinds=list(OrganizationKind),
        areas=areas,
    )


@screens.route("/organizations/new", methods=["GET", "POST"])
@signed_in("organization.create")
def new_organization() -> Any:
    areas = _areas()
    form = Form(request.form if request.method == "POST" else {})
    key = form.value("key") or uuid.uuid4().hex
    if request.method == "POST":
        name = form.text("name", max_length=NAME_MAX)
        kind = form.choice("kind", OrganizationKind)
        area_codes = form.codes("area_codes", areas, required=True)
        person = form.text("contact_person", required=False, max_length=NAME_MAX)
        phone = form.text("contact_phone", required=False, max_length=40)
        email = form.text("contact_email", required=False, max_length=NAME_MAX)
        address = form.text("contact_address", required=False, max_length=NAME_MAX)
        if email and "@" not in email:
            form.error("contact_email", _("Enter an email address like name@example.jp."))
        if form.ok and name and kind:
            contact = (
                Contact(person, phone, email, address)
                if any((person, phone, email, address))
                else None
            )
            try:
                created = services().organizations.register(
                    name, kind, area_codes, actor(), contact=contact, idempotency_key=f"ui-{key}"
                )
            except PermissionDeniedError:
                raise
            except (DomainError, ApplicationError) as error:
                form.refused(error)
            else:
                flash(_("The organization was registered."), "success")
                return redirect_to("ui.organization", organization_id=created.id)
    return render(
        "network/organization_form.html",
        422 if form.errors else 200,
        form=form,
        key=key,
        kinds=list(OrganizationKind),
        areas=areas,
    )


def _organization_screen(
    organization_id: UUID, status: int = 200, form: Form | None = None, conflict: bool = False
) -> Any:
    number = (
        Form(request.args).integer("resources_page", required=False, minimum=1, maximum=100_000)
        or 1
    )
    page = services().organizations.page(organization_id, actor(), resources_page=number)
    if form is not None and conflict:
        form.data.setlist("version", [str(page.organization.version)])
    return render(
        "network/organization.html",
        status,
        page=page,
        org=page.organization,
        form=form or Form(),
        today=local(now()).date(),
        areas=_areas(),
        resources_url=lambda n: url_for(
            "ui.organization", organization_id=organization_id, resources_page=n
        ),
    )


@screens.get("/organizations/<uuid:organization_id>")
@signed_in("organization.read")
def organization(organization_id: UUID) -> Any:
    return _organization_screen(organization_id)


@screens.post("/organizations/<uuid:organization_id>/contact")
@signed_in("organization.contact")
def log_contact(organization_id: UUID) -> Any:
    form = Form(request.form)
    version = form.version()
    on = form.day("on")
    purpose = form.text("purpose")
    outcome = form.text("outcome")
    status = 422
    conflict = False
    if form.ok and version is not None and on and purpose and outcome:
        try:
            services().organizations.log_contact(
                organization_id, on, purpose, outcome, version, actor()
            )
        except VersionConflictError:
            status, conflict = 412, True
            form.error(
                FORM,
                _(
                    "Someone else changed this organization since you opened the page. What "
                    "you typed is below; send it again."
                )
                + " "
                + changed_by(services().history.last_change(organization_id, actor())),
            )
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409 if isinstance(error, DomainError) else 422
            _refuse(form, error)
        else:
            flash(_("The contact was logged."), "success")
            return redirect_to(
                "ui.organization", organization_id=organization_id, _anchor="contacts"
            )
    return _organization_screen(organization_id, status, form, conflict)


# -- councils -----------------------------------------------------------------------------------


@screens.route("/councils", methods=["GET", "POST"])
@signed_in("council.read")
def councils() -> Any:
    app = services()
    who = actor()
    areas = _areas()
    form = Form(request.form if request.method == "POST" else {})
    key = form.value("key") or uuid.uuid4().hex
    if request.method == "POST":
        who.require("council.create")
        name = form.text("name", max_length=NAME_MAX)
        tier = form.choice("tier", CouncilTier)
        area = form.code("area_code", areas, required=False)
        if form.ok and name and tier:
            try:
                formed = app.network.form_council(
                    name, tier, who, area_code=area, idempotency_key=f"ui-{key}"
                )
            except PermissionDeniedError:
                raise
            except (DomainError, ApplicationError) as error:
                _refuse(form, error)
            else:
                flash(_("The council was formed."), "success")
                return redirect_to("ui.council", council_id=formed.id)
    return render(
        "network/councils.html",
        422 if form.errors else 200,
        items=app.network.list_councils(who),
        form=form,
        key=key,
        tiers=list(CouncilTier),
        areas=areas,
    )


def _offered_needs(council: CouncilDTO, who: Actor) -> list[NeedRow]:
    """Unmet needs a meeting may discuss: those of the council's area (tier 2) or all."""
    rows: list[NeedRow] = []
    for status in (NeedStatus.RESOURCE_GAP, NeedStatus.IN_DEVELOPMENT):
        page = services().board.board(
            NeedFilter(status=status, area_code=council.area_code),
            who,
            BoardSort.OLDEST,
            1,
            NEEDS_OFFERED,
        )
        rows.extend(page.items)
    return rows


def _council_screen(
    council_id: UUID,
    status: int = 200,
    form: Form | None = None,
    open_action: str | None = None,
    conflict: bool = False,
) -> Any:
    app = services()
    who = actor()
    council = app.network.get_council(council_id, who)
    meetings = app.network.council_meetings(council_id, who)
    organizations = _organizations()
    discussed = {n for m in meetings for n in m.need_ids}
    can_change = who.can("council.change")
    offered = _offered_needs(council, who) if can_change else []
    need_rows = {r.id: r for r in app.board.rows(discussed | {r.id for r in offered}, who)}
    gap_cells: list[tuple[str, NeedCategory]] = []
    if can_change and who.can("report.read"):
        gap_cells = [
            (c.area_code, c.category)
            for c in app.development.gap_report(who).current
            if c.unmet and (council.area_code is None or c.area_code == council.area_code)
        ]
    if form is not None and conflict:
        form.data.setlist("version", [str(council.version)])
    return render(
        "network/council.html",
        status,
        council=council,
        meetings=meetings,
        organizations=organizations,
        members=sorted(
            ((m, organizations.get(m, str(m))) for m in council.member_ids), key=lambda x: x[1]
        ),
        candidates=[
            (str(o), name)
            for o, name in sorted(organizations.items(), key=lambda x: x[1])
            if o not in council.member_ids
        ],
        need_rows=need_rows,
        offered=offered,
        gap_cells=gap_cells,
        can_change=can_change,
        form=form or Form(),
        blank=Form(),
        open_action=open_action,
        conflict=conflict,
        today=local(now()).date(),
        areas=_areas(),
    )


@screens.get("/councils/<uuid:council_id>")
@signed_in("council.read")
def council(council_id: UUID) -> Any:
    return _council_screen(council_id)


CouncilCommand = Callable[[Form, UUID, int, Actor], Any]


def _organization_id(form: Form) -> UUID | None:
    try:
        return UUID(form.value("organization_id").strip())
    except ValueError:
        form.error("organization_id", _("Choose an organization."))
        return None


def _admit(form: Form, council_id: UUID, version: int, who: Actor) -> Any:
    organization_id = _organization_id(form)
    on = form.day("on")
    if not form.ok or organization_id is None or on is None:
        return None
    return services().network.admit_to_council(council_id, organization_id, on, version, who)


def _release(form: Form, council_id: UUID, version: int, who: Actor) -> Any:
    organization_id = _organization_id(form)
    on = form.day("on")
    reason = form.text("reason")
    if not form.ok or organization_id is None or on is None or reason is None:
        return None
    return services().network.release_from_council(
        council_id, organization_id, on, reason, version, who
    )


def _uuids(form: Form, name: str) -> list[UUID]:
    ids = []
    for raw in form.values(name):
        try:
            ids.append(UUID(raw.strip()))
        except ValueError:
            form.error(name, _("Choose among the options."))
            return []
    return list(dict.fromkeys(ids))


def _gaps(form: Form, areas: dict[str, str]) -> list[tuple[str, NeedCategory]]:
    gaps = []
    for raw in form.values("gaps"):
        area, _sep, category = raw.partition("|")
        try:
            gaps.append((area, NeedCategory(category)))
        except ValueError:
            form.error("gaps", _("Choose among the options."))
            return []
        if area not in areas:
            form.error("gaps", _("Choose among the options."))
            return []
    return list(dict.fromkeys(gaps))


def _meeting(form: Form, council_id: UUID, version: int, who: Actor) -> Any:
    held_on = form.day("held_on")
    attendees = _uuids(form, "attendees")
    topics_text = form.text("topics", max_length=MAX_TOPICS * 201)
    topics = [t.strip() for t in (topics_text or "").splitlines() if t.strip()]
    if topics_text is not None and len(topics) > MAX_TOPICS:
        form.error("topics", _("Name at most %(count)d topics.", count=MAX_TOPICS))
    if any(len(t) > NAME_MAX for t in topics):
        form.error("topics", _("Keep each topic to %(count)d characters.", count=NAME_MAX))
    need_ids = _uuids(form, "need_ids")
    gaps = _gaps(form, _areas())
    note = form.text("note", required=False)
    if not form.ok or held_on is None or not topics:
        return None
    return services().network.record_council_meeting(
        council_id,
        held_on,
        attendees,
        topics,
        version,
        who,
        need_ids=need_ids,
        gaps=gaps,
        note=note,
    )


COUNCIL_COMMANDS: dict[str, CouncilCommand] = {
    "admit": _admit,
    "release": _release,
    "meeting": _meeting,
}


@screens.post("/councils/<uuid:council_id>/<action>")
@signed_in("council.change")
def council_action(council_id: UUID, action: str) -> Any:
    if action not in COUNCIL_COMMANDS:
        abort(404)
    form = Form(request.form)
    version = form.version()
    status = 422
    conflict = False
    if version is not None:
        try:
            result = COUNCIL_COMMANDS[action](form, council_id, version, actor())
        except VersionConflictError:
            status, conflict = 412, True
            form.error(
                FORM,
                _(
                    "Someone else changed this council since you opened the page. Nothing you "
                    "sent was saved; what you typed is below, send it again."
                )
                + " "
                + changed_by(services().history.last_change(council_id, actor())),
            )
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409 if isinstance(error, DomainError) else 422
            _refuse(form, error)
        else:
            if result is not None:
                flash(
                    {
                        "admit": _("The organization joined the council."),
                        "release": _("The organization left the council."),
                        "meeting": _("The meeting was recorded."),
                    }[action],
                    "success",
                )
                return redirect_to("ui.council", council_id=council_id)
    if not form.errors:
        form.error(FORM, _("Check the form."))
    return _council_screen(council_id, status, form, action, conflict)


def meeting_gaps(meeting: MeetingRow, areas: dict[str, str]) -> list[str]:
    return [f"{areas.get(a, a)} × {label(c)}" for a, c in meeting.gaps]


screens.template_global(meeting_gaps, "meeting_gaps")


# -- the network overview ----------------------------------------------------------------------


def _last_months(count: int) -> list[str]:
    """``YYYY-MM`` of the last ``count`` months, this one included, oldest first."""
    today = local(now()).date()
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _network_tables(overview: NetworkOverview, areas: dict[str, str]) -> dict[str, Table]:
    months = _last_months(MONTHS_SHOWN)
    by_area = {a.area_code: a for a in overview.areas}
    codes = [code for code in areas if code in by_area] + [
        code for code in by_area if code not in areas
    ]
    return {
        "active": Table(
            "network-active",
            _("Active organizations per area"),
            [_("Area"), _("Active organizations")],
            [[areas.get(c, c), by_area[c].active_organizations] for c in codes],
        ),
        "ties": Table(
            "network-ties",
            _("New ties per month and area (last 12 months)"),
            [_("Area"), *months],
            [
                [areas.get(c, c), *[dict(by_area[c].new_ties).get(m, 0) for m in months]]
                for c in codes
            ],
        ),
    }


@screens.get("/network")
@signed_in("report.read")
def network() -> Any:
    app = services()
    overview = app.network.overview(actor())
    tables = _network_tables(overview, _areas())
    active, ties = tables["active"], tables["ties"]
    return render(
        "network/overview.html",
        overview=overview,
        tables=tables,
        charts={
            "active": charts.horizontal_bars(
                "chart-active",
                active.title,
                _(
                    "Horizontal bars: organizations per area that are in a council, were "
                    "contacted in the last 90 days, or run a resource."
                ),
                [(row[0], row[1]) for row in active.rows],
            ),
            "ties": charts.heat_map(
                "chart-ties",
                ties.title,
                _(
                    "Heat map: organizations per area that joined a council or were first "
                    "contacted in each month; every cell shows its count."
                ),
                [row[0] for row in ties.rows],
                [format_month(month) for month in ties.header[1:]],
                [row[1:] for row in ties.rows],
                header=70,
            ),
        },
        csv_urls={name: url_for("ui.network_csv", name=name) for name in tables},
        generated=local(now()),
    )


@screens.get("/network/<name>.csv")
@signed_in("report.read")
def network_csv(name: str) -> Any:
    tables = _network_tables(services().network.overview(actor()), _areas())
    if name not in tables:
        abort(404)
    return table_csv(tables[name])
