"""Errors as pages for people, problem documents for the API.

One handler serves the whole app: requests under ``/api/`` (and the health
checks) keep ``application/problem+json``; every other request gets an HTML
page in the user's language, with the status code the API would use.
"""

from __future__ import annotations

import logging

from flask import Flask, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from application.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
)
from interfaces.web.api.problems import (
    as_unavailable,
    http_headers,
    problem_response,
    to_problem,
)
from interfaces.web.ui.core import SignInRequiredError, current_user, wants_html
from interfaces.web.ui.i18n import _

log = logging.getLogger(__name__)


UNAVAILABLE_MESSAGES = {
    "store.unavailable": _l(
        "The database cannot be reached just now. Nothing was saved. Try again in a few "
        "seconds; if it persists, tell the administrator."
    ),
    "store.busy": _l(
        "Others were changing the same record at the same moment. Nothing was saved. "
        "Send the form again."
    ),
    "access_log.unavailable": _l(
        "This page shows personal data, and reading it could not be recorded in the "
        "access log just now, so it is not shown. Try again in a few seconds; if it "
        "persists, tell the administrator."
    ),
    "store.outcome_unknown": _l(
        "The database did not confirm the save: it may or may not have happened. Open "
        "the record again to see before you repeat it."
    ),
}
"""What a person is told for each kind of 503 (the API's problem codes)."""


def _page(status: int, title: str, message: str) -> Response:
    body = render_template("errors/error.html", status=status, title=title, message=message)
    return Response(body, status=status, mimetype="text/html")


def html_error(error: Exception) -> Response:
    if isinstance(error, SignInRequiredError | AuthenticationError):
        expired = 1 if g.get("session_expired") else None
        target = url_for("ui.sign_in", next=request.full_path.rstrip("?"), expired=expired)
        return redirect(target, code=303)
    if isinstance(error, CSRFError):
        return _page(
            400,
            _("The form has expired"),
            _(
                "For your safety the form could not be accepted. Go back, reload the page and "
                "send it again."
            ),
        )
    if isinstance(error, PermissionDeniedError):
        return _page(403, _("Not allowed"), _("Your role does not allow this page or action."))
    if isinstance(error, NotFoundError):
        return _page(404, _("Not found"), _("This page does not exist, or you may not see it."))
    unavailable = as_unavailable(error)
    if unavailable is not None:
        page = _page(
            503,
            _("Please try again in a moment"),
            str(
                UNAVAILABLE_MESSAGES.get(
                    unavailable.code, UNAVAILABLE_MESSAGES["store.unavailable"]
                )
            ),
        )
        page.headers["Retry-After"] = str(unavailable.retry_after)
        return page
    if isinstance(error, HTTPException):
        code = error.code or 500
        if code == 404:
            return _page(404, _("Not found"), _("This page does not exist, or you may not see it."))
        if code == 405:
            page = _page(405, _("Not possible"), _("This address does not accept this request."))
            page.headers.update(http_headers(error))  # Allow
            return page
        if code == 413:
            return _page(413, _("Too large"), _("What you sent is too large."))
        if code < 500:
            return _page(code, _("Bad request"), _("The request could not be understood."))
    log.exception("unexpected error", exc_info=error)
    return _page(
        500,
        _("Something went wrong"),
        _(
            "Something went wrong on our side. Try again "
            "later; if it persists, tell the administrator."
        ),
    )


def handle_error(error: Exception) -> Response:
    # The health checks answer machines, also for a method they do not serve.
    if wants_html() and request.path not in ("/healthz", "/readyz"):
        try:
            return html_error(error)
        except Exception:  # the error page itself failed: fall back to plain text
            log.exception("error page failed", exc_info=error)
            return Response("error", status=500, mimetype="text/plain")
    return problem_response(to_problem(error))


def register_error_pages(app: Flask) -> None:
    """Replace the app-wide problem handlers with the dispatching one."""
    app.register_error_handler(Exception, handle_error)
    app.register_error_handler(HTTPException, handle_error)
    app.jinja_env.globals["current_user"] = current_user
