"""The HTML screens: server-rendered Flask + Jinja, usable without JavaScript.

``init_ui`` adds to the app: languages (flask-babel), CSRF protection on every
form (Flask-WTF; the bearer-token API is exempt), the browser session (a
signed cookie holding a sign-in token, so that expiry and deactivation apply
at once), the screens' blueprint, security headers and HTML error pages.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from application.errors import AuthenticationError
from interfaces.web.api.framework import MAX_UPLOAD_BYTES
from interfaces.web.ui import (
    admin,
    audit,
    auth,
    dashboard,
    development,
    ledger,
    matching,
    needs,
    network,
    privacy,
    reports,
    resource_files,
    resources,
)
from interfaces.web.ui.core import (
    LANGUAGE_KEY,
    TOKEN_KEY,
    current_section,
    current_user,
    navigation,
    services,
    session_token,
    wants_html,
)
from interfaces.web.ui.display import init_display
from interfaces.web.ui.errors import register_error_pages
from interfaces.web.ui.i18n import init_i18n
from interfaces.web.ui.labels import label

SCREENS = (
    admin,
    audit,
    auth,
    dashboard,
    development,
    ledger,
    matching,
    needs,
    network,
    privacy,
    reports,
    resource_files,
    resources,
)
"""The screen modules; each declares its routes on its own ``screens``."""

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is HttpOnly, SameSite=Lax, and Secure whenever the
    request came over https (directly or through a TLS-terminating proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return (
            bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure or forwarded == "https"
        )


def init_ui(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="tsunagu_session",
        # Checked per request by ``protect_forms`` so that the API stays exempt.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A home-visit form may stay open for long; the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = SessionCookies()
    init_i18n(app)
    init_display(app)
    csrf.init_app(app)
    app.before_request(load_session_user)
    app.before_request(protect_forms)
    app.after_request(security_headers)
    ui = Blueprint(
        "ui",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/assets",
    )
    for module in SCREENS:
        module.screens.register(ui)
    app.register_blueprint(ui)
    register_error_pages(app)
    app.jinja_env.globals.update(label=label, options=options)
    app.context_processor(template_context)


def load_session_user() -> None:
    """Who is signed in: the session's token, checked against the token store."""
    if not wants_html() or request.endpoint == "ui.static":
        return
    token = session_token()
    if token is None:
        return
    try:
        g.session_user = services().accounts.session_user(token)
    except AuthenticationError:
        language = session.get(LANGUAGE_KEY)
        session.clear()
        if language:
            session[LANGUAGE_KEY] = language
        g.session_expired = True


def protect_forms() -> None:
    # A method or path the app does not serve is answered 405 or 404 by routing; a
    # CSRF page there would hide the answer (and its Allow header).
    if request.routing_exception is not None:
        return
    if wants_html():
        if request.endpoint in resource_files.UPLOAD_ENDPOINTS:
            # A resource list may be larger than a form; the API's upload limit applies.
            request.max_content_length = MAX_UPLOAD_BYTES
        csrf.protect()


def security_headers(response: Response) -> Response:
    if wants_html():
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if session.get(TOKEN_KEY):
            response.headers.setdefault("Cache-Control", "no-store")
    return response


def options(members: Iterable[enum.Enum]) -> list[tuple[str, Any]]:
    """(value, label) pairs of enum members, for select fields."""
    return [(member.value, label(member)) for member in members]


def template_context() -> dict[str, Any]:
    return {
        "nav": navigation(),
        "user": current_user(),
        "section": current_section(request.endpoint),
    }
