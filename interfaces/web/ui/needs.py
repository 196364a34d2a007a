"""Needs: the case board, raising a need (and registering its client), the need
page with its timeline and the actions this role may take now."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flask import abort, flash, request, url_for

from application.board import BoardSort, NeedFilter
from application.errors import (
    ApplicationError,
    LikelyDuplicateClientError,
    PermissionDeniedError,
    RankingChangedError,
    VersionConflictError,
)
from application.needs import NeedPage
from application.security import ACTION_PERMISSIONS, Actor
from domain.errors import DomainError, InvalidValueError
from domain.values import (
    CareLevel,
    DeclinedBy,
    NeedCategory,
    NeedStatus,
    Outcome,
    PersonalData,
    Progress,
    Role,
    Urgency,
)
from interfaces.web.ui.auth import STALE_DAYS
from interfaces.web.ui.core import Screens, actor, now, redirect_to, render, services, signed_in
from interfaces.web.ui.dashboard import as_of_form
from interfaces.web.ui.forms import FORM, NAME_MAX, Form
from interfaces.web.ui.i18n import _, local
from interfaces.web.ui.matching import CANDIDATES_SHOWN
from interfaces.web.ui.refusals import refusal

screens = Screens()

PER_PAGE_CHOICES = (10, 25, 50, 100)
ALL_STATUSES = "all"
"""The board's status tab of every need, closed ones included."""
MAX_STALE_DAYS = 3650


def _places(areas: bool = True) -> dict[str, Any]:
    app = services()
    who = actor()
    return {
        "areas": {a.code: a.name for a in app.reference.list_areas(who)} if areas else {},
        "centers": {c.code: c.name for c in app.reference.list_centers(who)},
    }


# -- the case board -------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardArgs:
    """The board's filters as given in the query string (invalid ones are dropped)."""

    filters: NeedFilter
    sort: BoardSort
    page: int
    per_page: int
    stale_days: int | None
    query: dict[str, str]


def _board_args(who: Actor) -> BoardArgs:
    form = Form(request.args)
    # No status: the open needs (closed ones are a tab away); "all": every need.
    every = form.value("status") == ALL_STATUSES
    status = None if every else form.choice("status", NeedStatus, required=False)
    category = form.choice("category", NeedCategory, required=False)
    urgency = form.choice("urgency", Urgency, required=False)
    area = form.text("area", required=False, max_length=32)
    center = form.text("center", required=False, max_length=32)
    assignee = form.text("assignee", required=False, max_length=64)
    stale = form.integer("stale", required=False, minimum=1, maximum=MAX_STALE_DAYS)
    paused = form.value("paused") == "1"
    try:
        sort = BoardSort(form.value("sort") or BoardSort.LAST_ACTIVITY.value)
    except ValueError:
        sort = BoardSort.LAST_ACTIVITY
    page = form.integer("page", required=False, minimum=1, maximum=100000) or 1
    per_page = form.integer("per_page", required=False, minimum=1, maximum=100) or 25
    if per_page not in PER_PAGE_CHOICES:
        per_page = 25
    filters = NeedFilter(
        status=status,
        open_only=status is None and not every,
        category=category,
        area_code=area,
        center_code=center,
        assignee=assignee,
        urgency=urgency,
        paused=True if paused else None,
        stale_before=now() - timedelta(days=stale) if stale else None,
    )
    query = {
        key: value
        for key, value in {
            "status": status.value if status else ALL_STATUSES if every else "",
            "category": category.value if category else "",
            "urgency": urgency.value if urgency else "",
            "area": area or "",
            "center": center or "",
            "assignee": assignee or "",
            "stale": str(stale) if stale else "",
            "paused": "1" if paused else "",
            "sort": sort.value if sort is not BoardSort.LAST_ACTIVITY else "",
            "per_page": str(per_page) if per_page != 25 else "",
        }.items()
        if value
    }
    return BoardArgs(filters, sort, page, per_page, stale, query)


@screens.get("/needs")
@signed_in("need.read")
def board() -> Any:
    who = actor()
    app = services()
    args = _board_args(who)
    form, as_of = as_of_form()
    page = None
    if as_of is not None:
        try:
            page = app.board.board(
                args.filters, who, args.sort, args.page, args.per_page, counts=True, as_of=as_of
            )
        except InvalidValueError as refused:
            form.refused(refused)
        else:
            args.query["as_of"] = form.value("as_of")  # the tabs and pages keep the moment
    if page is None:
        as_of = None
        page = app.board.board(args.filters, who, args.sort, args.page, args.per_page, counts=True)
    moment = as_of or now()
    stale_days = args.stale_days or STALE_DAYS
    rows = [
        {
            "need": row,
            "age": (moment - row.raised_at).days,
            "idle": (moment - row.last_activity_at).days,
            "stale": row.status is not NeedStatus.CLOSED
            and (moment - row.last_activity_at).days >= stale_days,
            "urgent": row.urgency is Urgency.HIGH and row.status is not NeedStatus.CLOSED,
        }
        for row in page.items
    ]
    return render(
        "needs/board.html",
        422 if form.errors else 200,
        page=page,
        form=form,
        as_of=as_of,
        rows=rows,
        args=args,
        open_count=sum(n for s, n in page.status_counts.items() if s is not NeedStatus.CLOSED),
        names=app.clients.names([r.client_id for r in page.items], who),
        stale_days=stale_days,
        statuses=list(NeedStatus),
        categories=list(NeedCategory),
        urgencies=list(Urgency),
        sorts=list(BoardSort),
        per_page_choices=PER_PAGE_CHOICES,
        coordinators=app.accounts.coordinators(who),
        scoped=who.center_scope is not None,
        **_places(),
    )


def board_url(args: BoardArgs, **changes: Any) -> str:
    query: dict[str, Any] = {
        **args.query,
        **{k: str(v) for k, v in changes.items() if v not in (None, "")},
    }
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
    return url_for("ui.board", **query)


screens.template_global(board_url, "board_url")


# -- raising a need ---------------------------------------------------------------------------


@screens.route("/needs/new", methods=["GET", "POST"])
@signed_in("need.raise")
def raise_need() -> Any:
    who = actor()
    app = services()
    form = Form(request.form if request.method == "POST" else request.args)
    # The search is sent by POST: a client's kana in a URL would stay in access logs,
    # proxies and the browser's history. Search words in a URL are not read.
    searching = request.method == "POST" and "q" in request.form and not form.value("client")
    client_id = _uuid(form.value("client"))
    card = None
    if client_id is not None:
        try:
            card = app.clients.card(client_id, who)
        except ApplicationError:
            form.error("client", _("Choose a client of your support center."))
    if request.method == "GET" or card is None:
        query = form.value("q").strip() if searching else ""
        results = app.clients.search(query, who) if query else []
        if (
            request.method == "POST"
            and not searching
            and card is None
            and "client" not in form.errors
        ):
            form.error("client", _("Choose the client first."))
        return render(
            "needs/raise.html",
            422 if form.errors else 200,
            form=form,
            card=card,
            query=query,
            results=results,
            names=app.clients.names([r.id for r in results], who),
            searched=bool(query),
            purpose=who.purpose,
            key=form.value("key") or uuid.uuid4().hex,
            categories=list(NeedCategory),
            urgencies=list(Urgency),
            **_places(),
        )
    category = form.choice("category", NeedCategory)
    urgency = form.choice("urgency", Urgency)
    description = form.text("description")
    goal = form.text("goal")
    care_plan_ref = form.text("care_plan_ref", required=False, max_length=100)
    key = form.text("key", required=False, max_length=64) or uuid.uuid4().hex
    if form.ok and category and urgency and description and goal:
        try:
            need = app.needs.raise_need(
                card.summary.id,
                category,
                description,
                goal,
                urgency,
                who,
                care_plan_ref=care_plan_ref,
                idempotency_key=f"ui-{key}",
            )
        except (DomainError, ApplicationError) as error:
            if isinstance(error, PermissionDeniedError):
                raise
            form.refused(error)
        else:
            flash(_("The need was raised."), "success")
            return redirect_to("ui.need", need_id=need.id)
    return render(
        "needs/raise.html",
        422,
        form=form,
        card=card,
        query="",
        results=[],
        names={},
        searched=False,
        purpose=who.purpose,
        key=key,
        categories=list(NeedCategory),
        urgencies=list(Urgency),
        **_places(),
    )


@screens.route("/clients", methods=["GET", "POST"])
@signed_in("need.raise")
def clients() -> Any:
    """Find a client (利用者) by display code or kana and open their page. The search is
    sent by POST, as on the raise form, so that no kana lands in a URL."""
    who = actor()
    app = services()
    query = Form(request.form).value("q").strip() if request.method == "POST" else ""
    results = app.clients.search(query, who) if query else []
    return render(
        "clients/search.html",
        query=query,
        results=results,
        names=app.clients.names([r.id for r in results], who),
        **_places(),
    )


@screens.route("/clients/new", methods=["GET", "POST"])
@signed_in("client.create")
def register_client() -> Any:
    who = actor()
    app = services()
    places = _places()
    centers = places["centers"]
    if who.center_scope is not None:
        centers = {k: v for k, v in centers.items() if k == who.center_scope}
    form = Form(request.form if request.method == "POST" else {"center": who.center_scope or ""})
    key = form.value("key") or uuid.uuid4().hex
    duplicates: list[dict[str, str]] = []
    if request.method == "POST":
        name = form.text("name", max_length=NAME_MAX)
        kana = form.text("name_kana", max_length=NAME_MAX)
        birth_date = form.day("birth_date")
        if birth_date is not None and not date(1900, 1, 1) <= birth_date <= now().date():
            form.error("birth_date", _("Enter a birth date in the past."))
        address = form.text("address", required=False, max_length=NAME_MAX)
        phone = form.text("phone", required=False, max_length=40)
        care_level = form.choice("care_level", CareLevel)
        area = form.code("area", places["areas"])
        center = form.code("center", centers)
        confirmed = form.checkbox("confirm_duplicate")
        if form.ok and name and kana and birth_date and care_level and area and center:
            try:
                client = app.clients.register(
                    PersonalData(name, kana, birth_date, address, phone),
                    care_level,
                    form.checkbox("frailty"),
                    area,
                    center,
                    who,
                    idempotency_key=f"ui-{key}",
                    confirm_duplicate=confirmed,
                )
            except LikelyDuplicateClientError as error:
                duplicates = list(error.params["candidates"])
                form.refused(error)
            except (DomainError, ApplicationError) as error:
                if isinstance(error, PermissionDeniedError):
                    raise
                form.refused(error)
            else:
                flash(_("Client %(code)s registered.", code=client.display_code), "success")
                if who.can("need.raise"):
                    return redirect_to("ui.raise_need", client=client.id)
                return redirect_to("ui.home")
    return render(
        "needs/register_client.html",
        409 if duplicates else 422 if form.errors else 200,
        form=form,
        duplicates=duplicates,
        key=key,
        care_levels=list(CareLevel),
        areas=places["areas"],
        centers=centers,
    )


# -- one need -----------------------------------------------------------------------------------


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value.strip())
    except (ValueError, AttributeError):
        return None


def _need_screen(
    page: NeedPage,
    status: int = 200,
    form: Form | None = None,
    open_action: str | None = None,
    conflict: Any = None,
) -> Any:
    app = services()
    who = actor()
    need = page.need
    coordinators = (
        app.accounts.coordinators(who) if {"assign", "reassign"} & set(page.actions) else []
    )
    propose_action = _propose_action(page, who)
    candidates = app.matching.candidates_for(need, who) if propose_action else None
    chosen = _uuid(form.value("resource_id")) if form is not None else None
    shown: int | None = CANDIDATES_SHOWN
    if request.args.get("candidates") == "all" or (
        candidates is not None
        and chosen in {c.resource_id for c in candidates.candidates[CANDIDATES_SHOWN:]}
    ):
        shown = None  # asked for, or the refused proposal's form is further down
    primary = None if propose_action else next((a for a in NEXT if a in page.actions), None)
    return render(
        "needs/detail.html",
        status,
        page=page,
        need=need,
        form=form or Form(),
        blank=Form(),
        open_action=open_action,
        conflict=conflict,
        coordinators=coordinators,
        candidates=candidates,
        propose_action=propose_action,
        primary=primary,
        secondary=[a for a in page.actions if a not in ("propose", primary)],
        ranking=candidates.digest if candidates else "",
        chosen=chosen,
        candidates_shown=shown,
        client_name=app.clients.names([need.client_id], who).get(need.client_id),
        outcomes=list(Outcome),
        progresses=list(Progress),
        urgencies=list(Urgency),
        declined_by=list(DeclinedBy),
        today=local(now()).date(),
        age=(now() - need.raised_at).days,
        **_places(),
    )


NEXT = ("confirm", "resume", "follow_up", "assign", "reopen")
"""The step that moves a need on, per state, in order of preference: shown open and
primary; the other actions wait, collapsed, below it. Proposing (the candidates) comes
before all of them when it is possible."""


def _propose_action(page: NeedPage, who: Actor) -> str | None:
    """How this actor proposes from the candidates now: "propose" when the need is in
    matching; "assign_propose" when a coordinator may take a raised need and propose
    in one step; None when the candidates are not for them now."""
    if "propose" in page.actions:
        return "propose"
    if (
        "assign" in page.actions
        and Role.COORDINATOR in who.roles
        and who.can(ACTION_PERMISSIONS["propose"])
    ):
        return "assign_propose"
    return None


@screens.get("/needs/<uuid:need_id>")
@signed_in("need.read")
def need(need_id: UUID) -> Any:
    return _need_screen(services().needs.page(need_id, actor()))


Command = Callable[[Form, UUID, int, Actor], Any]


def _assign(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    names = {u.username for u in services().accounts.coordinators(who)}
    coordinator = form.code("coordinator", names)
    reason = form.text("reason", required=form.value("action") == "reassign")
    if not form.ok or coordinator is None:
        return None
    return services().needs.assign(need_id, coordinator, version, who, reason=reason)


def _propose(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    resource_id = _uuid(form.value("resource_id"))
    if resource_id is None:
        form.error("resource_id", _("Choose a resource."))
    reason = form.text("reason")
    if not form.ok or resource_id is None or reason is None:
        return None
    shown = form.value("ranking").strip() or None
    return services().matching.propose(need_id, resource_id, reason, version, who, ranking=shown)


def _assign_propose(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    resource_id = _uuid(form.value("resource_id"))
    if resource_id is None:
        form.error("resource_id", _("Choose a resource."))
    reason = form.text("reason")
    if not form.ok or resource_id is None or reason is None:
        return None
    shown = form.value("ranking").strip() or None
    return services().matching.assign_to_me_and_propose(
        need_id, resource_id, reason, version, who, ranking=shown
    )


def _decline(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    by = form.choice("by", DeclinedBy)
    reason = form.text("reason")
    if not form.ok or by is None or reason is None:
        return None
    return services().matching.decline(need_id, by, reason, version, who)


def _confirm(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    start = form.day("start_date")
    reason = form.text("reason", required=False)
    if not form.ok or start is None:
        return None
    return services().matching.confirm(need_id, start, version, who, reason=reason)


def _follow_up(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    note = form.text("note")
    progress = form.choice("progress", Progress)
    if not form.ok or note is None or progress is None:
        return None
    return services().needs.follow_up(need_id, note, progress, version, who)


def _close(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    outcome = form.choice("outcome", Outcome)
    reason = form.text("reason")
    if not form.checkbox("confirm"):
        form.error("confirm", _("Tick the box to confirm that the need is to be closed."))
    if not form.ok or outcome is None or reason is None:
        return None
    return services().needs.close(need_id, outcome, reason, version, who)


ReasonCommand = Callable[[UUID, str, int, Actor], Any]


def _edit(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
    description = form.text("description")
    goal = form.text("goal")
    urgency = form.choice("urgency", Urgency)
    reason = form.text("reason")
    if not form.ok or description is None or goal is None or urgency is None or reason is None:
        return None
    return services().needs.edit(need_id, description, goal, urgency, reason, version, who)


def _with_reason(use_case: Callable[[], ReasonCommand]) -> Command:
    """A command whose only field is a reason; ``use_case`` names the method to call."""

    def command(form: Form, need_id: UUID, version: int, who: Actor) -> Any:
        reason = form.text("reason")
        if not form.ok or reason is None:
            return None
        return use_case()(need_id, reason, version, who)

    return command


COMMANDS: dict[str, Command] = {
    "assign": _assign,
    "reassign": _assign,
    "propose": _propose,
    "assign_propose": _assign_propose,
    "decline": _decline,
    "confirm": _confirm,
    "record_gap": _with_reason(lambda: services().matching.record_gap),
    "follow_up": _follow_up,
    "pause": _with_reason(lambda: services().needs.pause),
    "resume": _with_reason(lambda: services().needs.resume),
    "close": _close,
    "reopen": _with_reason(lambda: services().needs.reopen),
    "edit": _edit,
}


def _done_message(action: str) -> str:
    messages = {
        "assign": _("The coordinator was assigned."),
        "reassign": _("The need was reassigned."),
        "propose": _("The resource was proposed."),
        "assign_propose": _("You took the need and proposed the resource."),
        "decline": _("The decline was recorded."),
        "confirm": _("The match was confirmed."),
        "record_gap": _("The resource gap was recorded."),
        "follow_up": _("The follow-up was recorded."),
        "pause": _("The need was paused."),
        "resume": _("The need was resumed."),
        "close": _("The need was closed."),
        "reopen": _("The need was reopened."),
        "edit": _("The need was edited."),
    }
    return messages[action]


@screens.post("/needs/<uuid:need_id>/<action>")
@signed_in("need.read")
def need_action(need_id: UUID, action: str) -> Any:
    if action not in COMMANDS:
        abort(404)
    who = actor()
    app = services()
    who.require(ACTION_PERMISSIONS.get(action, ACTION_PERMISSIONS["propose"]))
    if action == "assign_propose":
        who.require(ACTION_PERMISSIONS["assign"])
    form = Form(request.form)
    form.data.setlist("action", [action])
    version = form.version()
    status = 422
    conflict = None
    if version is not None:
        try:
            result = COMMANDS[action](form, need_id, version, who)
        except VersionConflictError:
            status = 412
            conflict = app.history.last_change(need_id, who)
        except RankingChangedError as error:
            status = 409
            form.error(FORM, refusal(error))
        except PermissionDeniedError:
            raise
        except (DomainError, ApplicationError) as error:
            status = 409 if isinstance(error, DomainError) else 422
            form.refused(error)
        else:
            if result is not None:
                flash(_done_message(action), "success")
                return redirect_to("ui.need", need_id=need_id, _anchor="status")
    page = app.needs.page(need_id, who)
    if conflict is not None:
        # Show the current state; what the person typed stays in the form,
        # now carrying the current version, to send again once they have checked.
        form.data.setlist("version", [str(page.need.version)])
    if not form.errors and conflict is None:
        form.error(FORM, _("Check the form."))
    return _need_screen(page, status, form, action, conflict)
