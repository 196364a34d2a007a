"""Signing in and out, one's password and sessions, the language switch, and each
role's home."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, g, request, session
from werkzeug.wrappers import Response

from application.accounts import PasswordChangeRequiredError, TokenDTO, TokenKind
from application.board import BoardSort, NeedFilter
from application.errors import ApplicationError, AuthenticationError
from application.sign_in import SignInThrottledError
from domain.errors import DomainError
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

USER_AGENT_LENGTH = 200


def _client() -> tuple[str | None, str]:
    """The browser's address (as the proxy settings give it) and User-Agent."""
    return request.remote_addr, request.user_agent.string[:USER_AGENT_LENGTH]


def _throttled(template: str, form: Form, error: SignInThrottledError, **context: Any) -> Any:
    """The form again, saying when to try again (429 with Retry-After)."""
    minutes = max(1, -(-error.retry_after // 60))
    form.error(
        FORM,
        _(
            "Too many failed sign-ins. Try again in %(minutes)d minute(s).",
            minutes=minutes,
        ),
    )
    body, status = render(template, 429, form=form, **context)
    return body, status, {"Retry-After": str(error.retry_after)}


def _start_session(token: TokenDTO, target: str) -> Response:
    """Keep the new session's token in a fresh cookie and go on to ``target``."""
    language = session.get(LANGUAGE_KEY)
    session.clear()  # a fresh session: nothing from before signing in carries over
    session[TOKEN_KEY] = token.token
    if language in LANGUAGES:
        session[LANGUAGE_KEY] = language
    g.session_user = services().accounts.session_user(token.token)
    if target == "/":
        return redirect_to(home_endpoint(actor()))
    return Response(status=303, headers={"Location": target})


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
    target = safe_next(form.value("next"), "/")  # before a token exists
    address, agent = _client()
    try:
        token = services().accounts.sign_in(username, password, address, agent)
    except SignInThrottledError as error:
        return _throttled("auth/sign_in.html", form, error, expired=False)
    except PasswordChangeRequiredError:
        change = Form({"username": username, "next": form.value("next")})
        return render("auth/password.html", 200, form=change, forced=True)
    except AuthenticationError as error:
        form.error(FORM, refusal(error))
        return render("auth/sign_in.html", 401, form=form, expired=False)
    return _start_session(token, target)


@screens.post("/sign-in/password")
def forced_password_change() -> Any:
    """After an administrator's reset: the temporary password and a new one sign in."""
    form = Form(request.form)
    username = form.text("username", max_length=64)
    return _change_password(form, username, forced=True)


@screens.route("/account/password", methods=["GET", "POST"])
@signed_in()
def change_password() -> Any:
    """One's own password; every other session and token ends."""
    if request.method == "GET":
        return render("auth/password.html", form=Form(), forced=False)
    return _change_password(Form(request.form), actor().username, forced=False)


def _change_password(form: Form, username: str | None, *, forced: bool) -> Any:
    current = form.text("current_password", max_length=200)
    new = form.text("new_password", max_length=200)
    repeated = form.text("repeat_password", max_length=200)
    if new is not None and repeated is not None and new != repeated:
        form.error("repeat_password", _("The two new passwords differ."))
    if not form.ok or username is None or current is None or new is None:
        return render("auth/password.html", 422, form=form, forced=forced)
    target = safe_next(form.value("next"), "/")
    address, agent = _client()
    try:
        token = services().accounts.change_password(
            username, current, new, address, TokenKind.SESSION, agent
        )
    except SignInThrottledError as error:
        return _throttled("auth/password.html", form, error, forced=forced)
    except AuthenticationError as error:
        if error.code == "auth.invalid_credentials":
            form.error("current_password", _("This is not your current password."))
        else:
            form.error(FORM, refusal(error))
        return render("auth/password.html", 401, form=form, forced=forced)
    except (DomainError, ApplicationError) as error:
        form.refused(error)
        return render("auth/password.html", 422, form=form, forced=forced)
    response = _start_session(token, target)
    flash(_("Your password was changed; your other sessions have ended."), "success")
    return response


@screens.get("/account")
@signed_in()
def account() -> Any:
    """Who one is, and one's valid sessions and API tokens (each can be ended)."""
    sessions = services().accounts.sessions(actor(), session_token())
    return render("auth/account.html", sessions=sessions)


@screens.post("/account/sessions/<session_id>/end")
@signed_in()
def end_session(session_id: str) -> Any:
    current = session_token()
    ended_current = current is not None and any(
        s.current and s.id == session_id for s in services().accounts.sessions(actor(), current)
    )
    try:
        services().accounts.end_session(session_id, actor())
    except ApplicationError as error:
        flash(refusal(error), "error")
        return redirect_to("ui.account")
    if ended_current:
        language = session.get(LANGUAGE_KEY)
        session.clear()
        if language in LANGUAGES:
            session[LANGUAGE_KEY] = language
        return redirect_to("ui.sign_in", signed_out=1)
    flash(_("The session has ended."), "success")
    return redirect_to("ui.account")


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
                        NeedFilter(assignee=who.username, open_only=True),
                        who,
                        BoardSort.URGENCY,
                        1,
                        10,
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
    shown = [row.client_id for section in sections for row in section["page"].items]
    return render(
        "home.html",
        sections=sections,
        names=app.clients.names(shown, who),
        counts=counts,
        statuses=list(NeedStatus),
        stale_days=STALE_DAYS,
        today=now(),
        areas={a.code: a.name for a in app.reference.list_areas(who)},
    )
