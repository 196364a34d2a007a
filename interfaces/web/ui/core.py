"""What every screen shares: the signed-in user, permission checks, navigation,
safe redirects and rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from application.accounts import SessionUser
from application.errors import PermissionDeniedError
from application.security import Actor
from application.services import Services
from domain.values import Role

F = TypeVar("F", bound=Callable[..., Any])

TOKEN_KEY = "token"  # noqa: S105 - the session key, not a secret
LANGUAGE_KEY = "lang"


class Screens:
    """The routes and template helpers of one screen module.

    Each module declares its screens on its own ``Screens`` (like a blueprint);
    :func:`interfaces.web.ui.init_ui` registers every module's on the UI
    blueprint of each app it builds. Importing a module registers nothing.
    """

    def __init__(self) -> None:
        self._deferred: list[Callable[[Blueprint], None]] = []

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        def decorator(view: F) -> F:
            self._deferred.append(lambda bp: bp.add_url_rule(rule, view_func=view, **options))
            return view

        return decorator

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(rule, methods=["POST"], **options)

    def template_global(self, function: Callable[..., Any], name: str) -> None:
        self._deferred.append(lambda bp: bp.add_app_template_global(function, name))

    def register(self, blueprint: Blueprint) -> None:
        for deferred in self._deferred:
            deferred(blueprint)


class SignInRequiredError(Exception):
    """Raised by screens that need a signed-in user (answered with a redirect)."""


def services() -> Services:
    built: Services = current_app.extensions["tsunagu"].services
    return built


def now() -> datetime:
    return services().clock()


def current_user() -> SessionUser | None:
    user: SessionUser | None = g.get("session_user")
    return user


def actor() -> Actor:
    """The signed-in user, acting through this screen (``ui:<endpoint>``) for the
    ``purpose`` the form or link gives, if any (both go into the access log)."""
    user = current_user()
    if user is None:
        raise SignInRequiredError
    screen = (request.endpoint or "unknown").removeprefix("ui.")
    return user.actor.through(f"ui:{screen}", purpose())


MAX_PURPOSE = 200


def purpose() -> str | None:
    """The ``purpose`` field of the form or the link: why personal data is read."""
    text = " ".join(request.values.get("purpose", "").split())[:MAX_PURPOSE]
    return text if text and text.isprintable() else None


def signed_in(permission: str | None = None) -> Callable[[F], F]:
    """The view needs a signed-in user (and, if given, the permission)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = actor()
            if permission is not None:
                who.require(permission)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def require(permission: str) -> None:
    actor().require(permission)


def safe_next(target: str | None, default: str) -> str:
    """Only paths on this site are followed after a form (no open redirects), and only
    printable ones: a line break would split the Location header (a 500 at best)."""
    if not target or not target.isprintable():
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def redirect_to(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=303)


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


# -- navigation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation, shown to those with ``permission``."""

    endpoint: str
    label: Any
    permission: str | None
    section: str


NAVIGATION: list[NavItem] = [
    NavItem("ui.home", _l("Home"), None, "home"),
    NavItem("ui.board", _l("Case board"), "need.read", "needs"),
    NavItem("ui.clients", _l("Clients"), "need.raise", "clients"),
    NavItem("ui.raise_need", _l("Raise a need"), "need.raise", "raise"),
    NavItem("ui.resources", _l("Resources"), "resource.read", "resources"),
    NavItem("ui.dashboard", _l("Dashboard"), "dashboard.read", "dashboard"),
    NavItem("ui.initiatives", _l("Resource development"), "report.read", "development"),
    NavItem("ui.organizations", _l("Network"), "report.read", "network"),
    NavItem("ui.logic_model", _l("Logic model"), "report.read", "reports"),
    NavItem("ui.audit", _l("Audit log"), "audit.read", "audit"),
    NavItem("ui.admin_users", _l("Administration"), "user.read", "admin"),
]
"""Matching lives on the need and client pages; importing on the resource directory."""

SECTIONS: dict[str, str] = {
    "ui.board": "needs",
    "ui.need": "needs",
    "ui.need_action": "needs",
    "ui.client": "clients",
    "ui.client_availability": "clients",
    "ui.client_assessment": "clients",
    "ui.client_contact": "clients",
    "ui.accept_plan": "needs",
    "ui.raise_need": "raise",
    "ui.register_client": "raise",
    "ui.resources": "resources",
    "ui.resource": "resources",
    "ui.new_resource": "resources",
    "ui.edit_resource": "resources",
    "ui.resource_action": "resources",
    "ui.import_resources": "resources",
    "ui.initiatives": "development",
    "ui.initiative": "development",
    "ui.new_initiative": "development",
    "ui.initiative_action": "development",
    "ui.gaps": "development",
    "ui.organizations": "network",
    "ui.organization": "network",
    "ui.new_organization": "network",
    "ui.log_contact": "network",
    "ui.councils": "network",
    "ui.council": "network",
    "ui.council_action": "network",
    "ui.network": "network",
    "ui.logic_model": "reports",
    "ui.replay": "audit",
}
"""The navigation entry each screen belongs to (marked as the current one)."""


def current_section(endpoint: str | None) -> str | None:
    if endpoint is None:
        return None
    if endpoint in SECTIONS:
        return SECTIONS[endpoint]
    if endpoint.startswith("ui.admin_"):
        return "admin"
    return next((item.section for item in NAVIGATION if item.endpoint == endpoint), None)


def navigation() -> list[NavItem]:
    user = current_user()
    if user is None:
        return []
    return [
        item
        for item in NAVIGATION
        if item.endpoint in current_app.view_functions
        and (item.permission is None or user.actor.can(item.permission))
    ]


HOME_ORDER = (
    (Role.COORDINATOR, "ui.home"),
    (Role.CARE_MANAGER, "ui.home"),
    (Role.SUPERVISOR, "ui.dashboard"),
    (Role.AUDITOR, "ui.audit"),
    (Role.ADMIN, "ui.admin_users"),
)


def home_endpoint(who: Actor) -> str:
    """Where each role lands after signing in."""
    for role, endpoint in HOME_ORDER:
        if role in who.roles:
            return endpoint
    return "ui.home"


def forbid(permission: str) -> None:
    raise PermissionDeniedError(permission)


def session_token() -> str | None:
    token = session.get(TOKEN_KEY)
    return token if isinstance(token, str) else None


def wants_html() -> bool:
    return not request.path.startswith("/api/") and request.endpoint not in (
        "healthz",
        "readyz",
    )
