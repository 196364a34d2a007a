"""Resource development (資源開発): initiatives from gap to launched resource, and the
gaps report (unmet needs by area × category, and their monthly flows)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import abort, flash, request, url_for

from application.board import BoardSort, NeedFilter, NeedRow
from application.development import GapReport, InitiativeFilter, InitiativePage
from application.errors import ApplicationError, PermissionDeniedError, VersionConflictError
from application.security import Actor
from domain.errors import DomainError
from domain.values import (
    CareLevel,
    InitiativeStatus,
    Milestone,
    NeedCategory,
    NeedStatus,
    ServiceType,
    Weekday,
)
from interfaces.web.ui import charts
from interfaces.web.ui.core import Screens, actor, now, redirect_to, render, services, signed_in
from interfaces.web.ui.display import changed_by
from interfaces.web.ui.forms import FORM, NAME_MAX, Form
from interfaces.web.ui.i18n import _, format_month, local
from interfaces.web.ui.labels import label
from interfaces.web.ui.refusals import refusal
from interfaces.web.ui.resources import MAX_CAPACITY, read_resource_form
from interfaces.web.ui.tables import Table, table_csv

screens = Screens()

LINKABLE_SHOWN = 100
MONTHS_SHOWN = 24
MAX_VOLUNTEERS = 100000


def _lookups() -> dict[str, Any]:
    app = services()
    who = actor()
    return {
        "areas": {a.code: a.name for a in app.reference.list_areas(who)},
        "organizations": {o.id: o.name for o in app.organizations.list_organizations(who)},
    }


# -- the list ---------------------------------------------------------------------------------


@screens.get("/initiatives")
@signed_in("initiative.read")
def initiatives() -> Any:
    lookups = _lookups()
    form = Form(request.args)
    status = form.choice("status", InitiativeStatus, required=False)
    category = form.choice("category", NeedCategory, required=False)
    area = form.code("area", lookups["areas"], required=False)
    items = services().development.list_initiatives(
        InitiativeFilter(status=status, area_code=area, category=category), actor()
    )
    return render(
        "development/initiatives.html",
        items=items,
        filters={"status": status, "category": category, "area": area},
        filtered=any(v for k, v in request.args.items() if k in ("status", "category", "area")),
        statuses=list(InitiativeStatus),
        categories=list(NeedCategory),
        **lookups,
    )


# -- opening ------------------------------------------------------------------------------------


@screens.route("/initiatives/new", methods=["GET", "POST"])
@signed_in("initiative.create")
def new_initiative() -> Any:
    lookups = _lookups()
    form = Form(request.form if request.method == "POST" else request.args)
    key = form.value("key") or uuid.uuid4().hex
    if request.method == "POST":
        title = form.text("title", max_length=NAME_MAX)
        area = form.code("area", lookups["areas"])
        category = form.choice("category", NeedCategory)
        description = form.text("description")
        if form.ok and title and area and category and description:
            try:
                opened = services().development.open(
                    title, area, category, description, actor(), idempotency_key=f"ui-{key}"
                )
            except PermissionDeniedError:
                raise
            except (DomainError, ApplicationError) as error:
                form.refused(error)
            else:
                flash(_("The initiative was opened."), "success")
                return redirect_to("ui.initiative", initiative_id=opened.id)
    return render(
        "development/initiative_form.html",
        422 if form.errors else 200,
        form=form,
        key=key,
        categories=list(NeedCategory),
        **lookups,
    )


# -- one initiative -------------------------------------------------------------------------------


def _linkable(page: InitiativePage, who: Actor) -> list[NeedRow]:
    """Needs in resource_gap of the initiative's category; its own area first."""
    initiative = page.initiative
    rows = services().board.board(
        NeedFilter(status=NeedStatus.RESOURCE_GAP, category=initiative.category),
        who,
        BoardSort.OLDEST,
        1,
        LINKABLE_SHOWN,
    )
    return sorted(
        (r for r in rows.items if not r.paused),
        key=lambda r: (r.area_code != initiative.area_code, r.raised_at),
    )


def _initiative_screen(
    page: InitiativePage,
    status: int = 200,
    form: Form | None = None,
    open_action: str | None = None,
    conflict: bool = False,
) -> Any:
    who = actor()
    initiative = page.initiative
    can_change = initiative.status is InitiativeStatus.OPEN and who.can("initiative.change")
    milestones = [e for e in page.timeline if e.type.endswith(".MilestoneRecorded")]
    unlinked = [e for e in page.timeline if e.type.endswith(".NeedUnlinked")]
    lookups = _lookups()
    partners_first = sorted(
        lookups["organizations"].items(),
        key=lambda item: (item[0] not in page.partners, item[1]),
    )
    history_names: dict[UUID, str] = {**lookups["organizations"]}
    history_names.update({row.id: row.client_code for row in page.needs})
    if initiative.resource_id is not None and page.resource_name:
        history_names[initiative.resource_id] = page.resource_name
    return render(
        "development/initiative.html",
        status,
        history_names=history_names,
        page=page,
        initiative=initiative,
        form=form or Form(),
        blank=Form(),
        open_action=open_action,
        conflict=conflict,
        can_change=can_change,
        linkable=_linkable(page, who) if can_change else [],
        milestones=milestones,
        unlinked=unlinked,
        milestone_kinds=list(Milestone),
        service_types=list(ServiceType),
        categories=list(NeedCategory),
        weekdays=list(Weekday),
        care_levels=list(CareLevel),
        partner_choices=[
            (str(o), name) for o, name in lookups["organizations"].items() if o not in page.partners
        ],
        organization_choices=[(str(o), name) for o, name in partners_first],
        today=local(now()).date(),
        **lookups,
    )


@screens.get("/initiatives/<uuid:initiative_id>")
@signed_in("initiative.read")
def initiative(initiative_id: UUID) -> Any:
    return _initiative_screen(services().development.page(initiative_id, actor()))


Command = Callable[[Form, UUID, int, Actor], Any]


def _need_id(form: Form, name: str = "need_id") -> UUID | None:
    try:
        return UUID(form.value(name).strip())
    except ValueError:
        form.error(name, _("Choose a need."))
        return None


def _link(form: Form, initiative_id: UUID, version: int, who: Actor) -> Any:
    need_id = _need_id(form)
    if need_id is None:
        return None
    return services().development.link_need(initiative_id, need_id, version, who)


def _unlink(form: Form, initiative_id: UUID, version: int, who: Actor) -> Any:
    need_id = _need_id(form)
    reason = form.text("reason")
    if not form.ok or need_id is None or reason is None:
        return None
    return services().development.unlink_need(initiative_id, need_id, reason, version, who)


def _partner(form: Form, initiative_id: UUID, version: int, who: Actor) -> Any:
    try:
        organization_id = UUID(form.value("organization_id").strip())
    except ValueError:
        form.error("organization_id", _("Choose an organization."))
        return None
    return services().development.add_partner(initiative_id, organization_id, version, who)


def _milestone(form: Form, initiative_id: UUID, version: int, who: Actor) -> Any:
    milestone = form.choice("milestone", Milestone)
    on = form.day("on")
    note = form.text("note")
    volunteers = form.integer("volunteers", required=False, minimum=0, maximum=MAX_VOLUNTEERS)
    if milestone is Milestone.VOLUNTEERS_TRAINED and volunteers is None and form.ok:
        form.error("volunteers", _("Enter how many volunteers were trained."))
    if milestone is not None and milestone is not Milestone.VOLUNTEERS_TRAINED and volunteers:
        form.error("volunteers", _("Only volunteer training counts volunteers; leave it empty."))
    if not form.ok or milestone is None or on is None or note is None:
        return None
    if milestone is not Milestone.VOLUNTEERS_TRAINED:
        volunteers = None
    return services().development.record_milestone(
        initiative_id, milestone, on, note, version, who, volunteers=volunteers
    )


def _launch(form: Form, initiative_id: UUID, version: int, who: Actor) -> Any:
    capacity = form.integer("capacity", required=False, minimum=0, maximum=MAX_CAPACITY)
    values = read_resource_form(form, _lookups())
    if values is None or not form.ok:
        return None
    return services().development.launch(
        initiative_id,
        values["name"],
        values["service_type"],
        version,
        who,
        categories=values["categories"],
        area_codes=values["area_codes"],
        organization_id=values["organization_id"],
        weekdays=values["weekdays"],
        capacity=capacity,
        eligible_care_levels=values["eligible_care_levels"],
        fee=values["fee"],
        contact=values["contact"],
    )


def _abandon(form: Form, initiative_id: UUID, version: int, who: Actor) -> Any:
    reason = form.text("reason")
    if not form.ok or reason is None:
        return None
    return services().development.abandon(initiative_id, reason, version, who)


COMMANDS: dict[str, Command] = {
    "link": _link,
    "unlink": _unlink,
    "partner": _partner,
    "milestone": _milestone,
    "launch": _launch,
    "abandon": _abandon,
}


def _done_message(action: str) -> str:
    return {
        "link": _("The need now waits on this initiative."),
        "unlink": _("The need was unlinked; it is a resource gap again."),
        "partner": _("The partner was added."),
        "milestone": _("The milestone was recorded."),
        "launch": _("The resource was launched. The needs that waited on it are ready to match."),
        "abandon": _("The initiative was abandoned; its needs are resource gaps again."),
    }[action]


@screens.post("/initiatives/<uuid:initiative_id>/<action>")
@signed_in("initiative.change")
def initiative_action(initiative_id: UUID, action: str) -> Any:
    if action not in COMMANDS:
        abort(404)
    app = services()
    who = actor()
    form = Form(request.form)
    version = form.version()
    status = 422
    conflict = False
    if version is not None:
        try:
            result = COMMANDS[action](form, initiative_id, version, who)
        except VersionConflictError:
            status, conflict = 412, True
            form.error(
                FORM,
                _(
                    "Someone else changed this initiative since you opened the page. Nothing "
                    "you sent was saved; check the page as it is now and send again."
                )
                + " "
                + changed_by(app.history.last_change(initiative_id, who)),
            )
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409 if isinstance(error, DomainError) else 422
            field = getattr(error, "field", None)
            form.error(
                field if isinstance(field, str) and field in form.data else FORM,
                refusal(error),
            )
        else:
            if result is not None:
                flash(_done_message(action), "success")
                return redirect_to("ui.initiative", initiative_id=initiative_id)
    page = app.development.page(initiative_id, who)
    if conflict:
        form.data.setlist("version", [str(page.initiative.version)])
    if not form.errors:
        form.error(FORM, _("Check the form."))
    return _initiative_screen(page, status, form, action, conflict)


# -- gaps -----------------------------------------------------------------------------------------


def _month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``, both included."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _monthly(report: GapReport, area: str | None, category: NeedCategory | None) -> list[list[Any]]:
    """Per month: unmet needs opened and resolved, and how many stayed unmet at its end
    (every month from the first flow to this one, empty months included)."""
    flows = [
        m
        for m in report.months
        if (not area or m.area_code == area) and (not category or m.category is category)
    ]
    if not flows:
        return []
    this_month = local(now()).strftime("%Y-%m")
    months = _month_range(min(m.month for m in flows), max(this_month, flows[-1].month))
    balance: dict[tuple[str, NeedCategory], int] = {}
    rows = []
    for month in months:
        opened = resolved = 0
        for m in flows:
            if m.month == month:
                opened += m.opened
                resolved += m.resolved
                balance[(m.area_code, m.category)] = m.unmet_at_end
        rows.append([month, opened, resolved, sum(balance.values())])
    return rows[-MONTHS_SHOWN:]


def _gap_tables(
    report: GapReport, areas: dict[str, str], area: str | None, category: NeedCategory | None
) -> dict[str, Table]:
    cells = {(c.area_code, c.category): c.unmet for c in report.current}
    categories = list(NeedCategory)
    codes = sorted(areas) if area is None else [area]
    where = []
    if area:
        where.append(areas.get(area, area))
    if category:
        where.append(str(label(category)))
    suffix = f" ({' · '.join(where)})" if where else ""
    return {
        "unmet": Table(
            "gaps-unmet",
            _("Unmet needs now by area and category"),
            [_("Area"), *[str(label(c)) for c in categories]],
            [[areas.get(a, a), *[cells.get((a, c), 0) for c in categories]] for a in codes],
        ),
        "monthly": Table(
            "gaps-monthly",
            _("Unmet needs per month") + suffix,
            [_("Month"), _("Became unmet"), _("Resolved"), _("Unmet at the month's end")],
            _monthly(report, area, category),
        ),
    }


def _gap_args() -> tuple[dict[str, str], str | None, NeedCategory | None, Form]:
    areas = {a.code: a.name for a in services().reference.list_areas(actor())}
    form = Form(request.args)
    area = form.code("area", areas, required=False)
    category = form.choice("category", NeedCategory, required=False)
    return areas, area, category, form


@screens.get("/gaps")
@signed_in("report.read")
def gaps() -> Any:
    areas, area, category, form = _gap_args()
    report = services().development.gap_report(actor())
    tables = _gap_tables(report, areas, area, category)
    unmet, monthly = tables["unmet"], tables["monthly"]
    query: dict[str, Any] = {
        k: v for k, v in (("area", area), ("category", category and category.value)) if v
    }
    return render(
        "development/gaps.html",
        422 if form.errors else 200,
        form=form,
        tables=tables,
        charts={
            "unmet": charts.heat_map(
                "chart-gaps",
                unmet.title,
                _("Heat map: darker cells hold more unmet needs; every cell shows its count."),
                [row[0] for row in unmet.rows],
                unmet.header[1:],
                [row[1:] for row in unmet.rows],
            ),
            "monthly": charts.columns(
                "chart-gap-months",
                monthly.title,
                _(
                    "Columns per month: became unmet (solid), resolved (hatched), "
                    "unmet at the month's end (dotted)."
                ),
                [format_month(row[0]) for row in monthly.rows],
                [
                    charts.Series(
                        _("Became unmet"), [r[1] for r in monthly.rows], charts.ORANGE, "solid"
                    ),
                    charts.Series(
                        _("Resolved"), [r[2] for r in monthly.rows], charts.GREEN, "hatch"
                    ),
                    charts.Series(
                        _("Unmet at the month's end"),
                        [r[3] for r in monthly.rows],
                        charts.BLUE,
                        "dots",
                    ),
                ],
            ),
        },
        csv_urls={
            name: url_for("ui.gaps_csv", name=name, **query) for name in ("unmet", "monthly")
        },
        area=area,
        category=category,
        areas=areas,
        categories=list(NeedCategory),
        total=sum(c.unmet for c in report.current),
        generated=local(now()),
    )


@screens.get("/gaps/<name>.csv")
@signed_in("report.read")
def gaps_csv(name: str) -> Any:
    areas, area, category, _form = _gap_args()
    tables = _gap_tables(services().development.gap_report(actor()), areas, area, category)
    if name not in tables:
        abort(404)
    return table_csv(tables[name])
