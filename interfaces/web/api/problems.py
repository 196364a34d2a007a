"""Errors as ``application/problem+json`` (RFC 9457), for every failure."""

from __future__ import annotations

import logging
from typing import Any

import eventsourcing.persistence
import sqlalchemy.exc
from flask import Flask, Response, json
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from application.errors import (
    AlreadyExistsError,
    ApplicationError,
    AuthenticationError,
    ConflictError,
    InvalidReferenceError,
    NotFoundError,
    PermissionDeniedError,
    StoreUnavailableError,
    UnavailableError,
    VersionConflictError,
)
from domain.errors import DomainError, InvalidTransitionError, InvalidValueError

PROBLEM_TYPE = "urn:tsunagu:problem:"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        candidates: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.candidates = candidates
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(problem: ProblemError) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors:
        body["errors"] = problem.errors
    if problem.candidates is not None:
        body["candidates"] = problem.candidates
    text = json.dumps(body, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate that slipped into a message: escape it
        text = json.dumps(body, ensure_ascii=True)
    response = Response(text + "\n", status=problem.status, mimetype="application/problem+json")
    response.headers.update(problem.headers)
    return response


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"field.sub": [...]}``."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = [str(m) for m in value]
    return flat


FAMILIES: tuple[tuple[type[Exception], int, str], ...] = (
    (UnavailableError, 503, "Service unavailable"),
    (InvalidValueError, 422, "Invalid request"),
    (InvalidReferenceError, 422, "Invalid request"),
    (AuthenticationError, 401, "Authentication failed"),
    (PermissionDeniedError, 403, "Not allowed for your role"),
    (NotFoundError, 404, "Not found"),
    (VersionConflictError, 412, "Changed by someone else"),
    (AlreadyExistsError, 409, "Already exists"),
    (ConflictError, 409, "Conflicts with the current state"),
    (InvalidTransitionError, 409, "Not possible in this state"),
    (DomainError, 409, "Refused by a business rule"),
)
"""Each family of refusals, the HTTP status it answers with, and the problem's title.

The problem's ``type`` is the error's stable code (``urn:tsunagu:problem:resource.full``):
clients key off it, never off the wording of ``detail``.
"""


DATABASE_GONE = (
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)
"""What the event store's and the views' drivers raise when the database is down,
restarting or out of connections: answered 503 with Retry-After, never 500."""


def as_unavailable(error: Exception) -> UnavailableError | None:
    """The error as "try again later" (503), when it is one: the application's own, or
    the database gone away."""
    if isinstance(error, UnavailableError):
        return error
    if isinstance(error, DATABASE_GONE):
        log.warning("the database cannot be reached: %s", error)
        return StoreUnavailableError()
    return None


def to_problem(error: Exception) -> ProblemError:
    """The problem a known exception stands for."""
    if isinstance(error, ProblemError):
        return error
    if isinstance(error, ValidationError):
        errors = _flatten(error.messages)
        fields = ", ".join(sorted(errors))
        return ProblemError(
            422, "validation", "Invalid request", f"check these fields: {fields}", errors
        )
    error = as_unavailable(error) or error
    if isinstance(error, DomainError | ApplicationError):
        for family, status, title in FAMILIES:
            if isinstance(error, family):
                return _refusal(error, status, title)
    if isinstance(error, HTTPException):
        code = error.code or 500
        return ProblemError(
            code,
            f"http-{code}",
            error.name,
            error.description or error.name,
            headers=http_headers(error),
        )
    log.exception("unexpected error", exc_info=error)
    return ProblemError(500, "internal", "Internal error", "something went wrong on our side")


def http_headers(error: HTTPException) -> dict[str, str]:
    """The headers an HTTP error must carry (``Allow`` on a 405, ``Retry-After``...),
    without its HTML content type."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def _refusal(error: DomainError | ApplicationError, status: int, title: str) -> ProblemError:
    field = getattr(error, "field", None)
    errors = {field: [getattr(error, "detail", str(error))]} if isinstance(field, str) else None
    headers: dict[str, str] | None = None
    if isinstance(error, AuthenticationError):
        headers = {"WWW-Authenticate": 'Bearer realm="tsunagu"'}
    elif isinstance(error, UnavailableError):
        headers = {"Retry-After": str(error.retry_after)}
    candidates = error.params.get("candidates") if isinstance(error, ApplicationError) else None
    return ProblemError(status, error.code, title, str(error), errors, headers, candidates)


def register_problem_handlers(app: Flask) -> None:
    def handle(error: Exception) -> Response:
        return problem_response(to_problem(error))

    app.register_error_handler(Exception, handle)
    app.register_error_handler(HTTPException, handle)
