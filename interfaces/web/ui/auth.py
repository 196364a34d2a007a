"""Signing in and out, the language switch, and each role's home."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import g, request, session
from werkzeug.wrappers import Response

from application.board import BoardSort, NeedFilter
from application.errors import AuthenticationError
from domain.user import LANGUAGES
from domain.values import NeedStatus, Role
from interfaces.web.ui.core import (
    LANGUAGE_KEY,
    TOKEN_KEY,
    Screens,
    actor,
    current_user,
    home_endpoint,
    now,
    redirect_to,
    render,
    safe_next,
    services,
    session_token,
    signed_in,
)
from interfaces.web.ui.forms import FORM, Form
from interfaces.web.ui.i18n import _
from interfaces.web.ui.refusals import refusal

screens = Screens()

STALE_DAYS = 14
"""A need without activity for this many days stands out (the board's default)."""


@screens.get("/")
def index() -> Response:
    user = current_user()
    if user is None:
        return redirect_to("ui.sign_in")
    return redirect_to(home_endpoint(user.actor))


@screens.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = Form(
        request.form if request.method == "POST" else {"next": request.args.get("next", "")}
    )
    if request.method == "GET":
        if current_user() is not None:
            return redirect_to(home_endpoint(actor()))
        expired = bool(g.get("session_expired")) or request.args.get("expired") == "1"
        return render("auth/sign_in.html", form=form, expired=expired)
    username = form.text("username", max_length=64)
    password = form.text("password", max_length=200)
    if not form.ok or username is None or password is None:
        return render("auth/sign_in.html", 422, form=form, expired=False)
    try:
        token = services().accounts.issue_token(username, password)
    except AuthenticationError as error:
        form.error(FORM, refusal(error))
        return render("auth/sign_in.html", 401, form=form, expired=False)
    language = session.get(LANGUAGE_KEY)
    session.clear()  # a fresh session: nothing from before signing in carries over
    session[TOKEN_KEY] = token.token
    if language in LANGUAGES:
        session[LANGUAGE_KEY] = language
    g.session_user = services().accounts.session_user(token.token)
    default = "/"
    target = safe_next(form.value("next"), default)
    if target == default:
        return redirect_to(home_endpoint(actor()))
    return Response(status=303, headers={"Location": target})


@screens.post("/sign-out")
def sign_out() -> Response:
    token = session_token()
    if token is not None:
        services().accounts.revoke_token(token)
    user = current_user()
    language = session.get(LANGUAGE_KEY) or (user.language if user is not None else None)
    session.clear()
    if language in LANGUAGES:
        session[LANGUAGE_KEY] = language
    return redirect_to("ui.sign_in", signed_out=1)


@screens.post("/language")
def choose_language() -> Response:
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next"), "/")
    if language not in LANGUAGES:
        return Response(status=303, headers={"Location": target})
    session[LANGUAGE_KEY] = language
    user = current_user()
    if user is not None:
        services().accounts.choose_language(language, user.actor)
    return Response(status=303, headers={"Location": target})


@screens.get("/home")
@signed_in()
def home() -> Any:
    """Care managers and coordinators: what waits for them today."""
    who = actor()
    app = services()
    sections: list[dict[str, Any]] = []
    stale_before = now() - timedelta(days=STALE_DAYS)
    if who.can("need.read") and (Role.COORDINATOR in who.roles or Role.CARE_MANAGER in who.roles):
        if Role.COORDINATOR in who.roles:
            sections.append(
                {
                    "title": _("Waiting for a coordinator"),
                    "page": app.board.board(
                        NeedFilter(status=NeedStatus.RAISED), who, BoardSort.URGENCY, 1, 10
                    ),
                    "more": {"status": NeedStatus.RAISED.value},
                }
            )
            ready = app.board.board(
                NeedFilter(status=NeedStatus.RESOURCE_CREATED), who, BoardSort.OLDEST, 1, 10
            )
            if ready.total:
                # The end of the development loop: a launched resource released these needs.
                sections.append(
                    {
                        "title": _("Ready to match: a new resource was created for them"),
                        "page": ready,
                        "more": {"status": NeedStatus.RESOURCE_CREATED.value},
                    }
                )
            sections.append(
                {
                    "title": _("My needs"),
                    "page": app.board.board(
                        NeedFilter(assignee=who.username), who, BoardSort.URGENCY, 1, 10
                    ),
                    "more": {"assignee": who.username},
                }
            )
        else:
            sections.append(
                {
                    "title": _("Matched: time for a follow-up"),
                    "page": app.board.board(
                        NeedFilter(status=NeedStatus.MATCHED), who, BoardSort.OLDEST_ACTIVITY, 1, 10
                    ),
                    "more": {"status": NeedStatus.MATCHED.value},
                }
            )
        sections.append(
            {
                "title": _("No activity for %(days)d days or more", days=STALE_DAYS),
                "page": app.board.board(
                    NeedFilter(stale_before=stale_before), who, BoardSort.OLDEST_ACTIVITY, 1, 10
                ),
                "more": {"stale": STALE_DAYS},
            }
        )
    counts = app.board.board(NeedFilter(), who, per_page=1, counts=True).status_counts
    return render(
        "home.html",
        sections=sections,
        counts=counts,
        statuses=list(NeedStatus),
        stale_days=STALE_DAYS,
        today=now(),
        areas={a.code: a.name for a in app.reference.list_areas(who)},
    )
