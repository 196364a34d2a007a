"""How every API operation is declared, checked and answered.

``operation`` registers a view with its request and response schemas, the
permission it needs and whether it changes an existing aggregate. The wrapper
does the cross-cutting work in one order for every endpoint:

    authenticate (401) → permission (403) → JSON body (415/400) → schemas (422)
    → If-Match (428/412) → the application → response schema, ETag, Location

An operation that takes a file declares ``form`` (the schema of the other form
fields) and ``files`` instead of ``body``: its body must be multipart/form-data.
One that answers with something other than JSON declares ``produces`` and
returns a Flask ``Response`` itself.

The same declarations produce the OpenAPI document (``openapi.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from marshmallow import Schema
from marshmallow import fields as ma_fields
from werkzeug.datastructures import FileStorage

from application.security import ANONYMOUS, Actor
from application.services import Services
from interfaces.web.api.problems import ProblemError

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
VERSION_TAG = re.compile(r'^\s*"?(\d{1,9})"?\s*$')


@dataclass(frozen=True)
class Operation:
    """One API operation, as declared (used for routing and the OpenAPI document)."""

    method: str
    rule: str
    blueprint: str
    name: str
    summary: str
    tag: str
    permission: str | None
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    if_match: bool = False
    idempotent: bool = False
    location: str | None = None
    responses: tuple[int, ...] = field(default_factory=tuple)
    form: type[Schema] | None = None
    files: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()


OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class Call:
    """What a view receives: the actor, the validated body and query, the version."""

    services: Services
    actor: Actor
    body: dict[str, Any]
    query: dict[str, Any]
    expected_version: int | None
    idempotency_key: str | None
    files: dict[str, FileStorage] = field(default_factory=dict)


def services() -> Services:
    built: Services = current_app.extensions["tsunagu"].services
    return built


def operation(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    summary: str,
    permission: str | None,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    if_match: bool = False,
    idempotent: bool = False,
    location: str | None = None,
    tag: str | None = None,
    form: type[Schema] | None = None,
    files: tuple[str, ...] = (),
    produces: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API operation; the view gets ``call: Call`` plus URL arguments.

    ``location`` names the endpoint whose URL (with the result's ``id``) goes
    into the Location header of a 201 response.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(
            method=method,
            rule=(bp.url_prefix or "") + rule,
            blueprint=bp.name,
            name=view.__name__,
            summary=summary,
            tag=tag or bp.name,
            permission=permission,
            body=body,
            query=query,
            response=response,
            status=status,
            if_match=if_match,
            idempotent=idempotent,
            location=location,
            form=form,
            files=files,
            produces=produces,
        )
        OPERATIONS.append(op)

        def wrapper(**url_args: Any) -> Response:
            app = services()
            actor = authenticate(app) if permission is not None else ANONYMOUS
            if permission is not None:
                actor.require(permission)
            payload = _load_body(body) if body is not None else {}
            uploads: dict[str, FileStorage] = {}
            if form is not None:
                payload, uploads = _load_form(form, files)
            args = _load_query(query) if query is not None else {}
            expected = _expected_version() if if_match else None
            key = _idempotency_key() if idempotent else None
            result = view(
                Call(app, actor, payload, args, expected, key, uploads),
                **url_args,
            )
            return _respond(op, result)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return view

    return decorator


def authenticate(app: Services) -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "unauthenticated",
            "Authentication required",
            "send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token",
            headers={"WWW-Authenticate": 'Bearer realm="tsunagu"'},
        )
    actor = app.accounts.authenticate(token.strip())
    g.actor = actor
    return actor


def _load_body(schema: type[Schema]) -> dict[str, Any]:
    if not request.is_json:
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as JSON with 'Content-Type: application/json'",
        )
    data = request.get_json(silent=True)
    if data is None:
        raise ProblemError(400, "malformed-json", "Malformed JSON", "the body is not valid JSON")
    if not isinstance(data, dict):
        raise ProblemError(
            400, "malformed-json", "Malformed JSON", "the body must be a JSON object"
        )
    loaded: dict[str, Any] = schema().load(data)
    return loaded


MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _load_form(
    schema: type[Schema], names: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, FileStorage]]:
    if request.mimetype != "multipart/form-data":
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send the file as multipart/form-data (curl -F 'file=@list.csv')",
        )
    if request.content_length is None:
        # A chunked body could be any size; werkzeug would spool it before we could refuse.
        raise ProblemError(
            411,
            "length-required",
            "Content-Length required",
            "send the upload with a Content-Length header (curl -F does)",
        )
    if request.content_length > MAX_UPLOAD_BYTES:
        raise ProblemError(
            413,
            "too-large",
            "File too large",
            f"upload at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB; split the file",
        )
    # Uploads may be larger than the app-wide limit for JSON bodies.
    request.max_content_length = MAX_UPLOAD_BYTES
    fields_ = schema().fields
    raw: dict[str, Any] = {}
    for name in request.form:
        field_ = fields_.get(name)
        many = field_ is not None and isinstance(field_, ma_fields.List)
        raw[name] = request.form.getlist(name) if many else request.form.get(name)
    loaded: dict[str, Any] = schema().load(raw)
    uploads = {name: request.files[name] for name in names if name in request.files}
    missing = [name for name in names if name not in uploads]
    if missing:
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            f"attach the file as the form field {missing[0]!r}",
            {name: ["Missing file."] for name in missing},
        )
    return loaded, uploads


def _load_query(schema: type[Schema]) -> dict[str, Any]:
    raw = {key: request.args.get(key) for key in request.args}
    # A '+' in an unencoded offset arrives as a space (2026-11-27T10:00:00 09:00).
    for key, value in raw.items():
        if value is not None and re.search(r"T\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:?\d\d$", value):
            raw[key] = value[::-1].replace(" ", "+", 1)[::-1]
    loaded: dict[str, Any] = schema().load(raw)
    return loaded


def _expected_version() -> int:
    header = request.headers.get("If-Match")
    if header is None:
        raise ProblemError(
            428,
            "precondition-required",
            "If-Match required",
            "send 'If-Match: \"<version>\"' with the ETag you read, so that no one's "
            "change is overwritten",
        )
    match = VERSION_TAG.match(header.split(",")[0])
    if match is None:
        raise ProblemError(
            400,
            "bad-if-match",
            "Malformed If-Match",
            'If-Match must be the aggregate\'s ETag, a quoted version number like "3"',
        )
    return int(match.group(1))


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ProblemError(
            400,
            "bad-idempotency-key",
            "Malformed Idempotency-Key",
            "Idempotency-Key must be 1-200 visible ASCII characters (a UUID is a good choice)",
        )
    return key


def _respond(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    body = op.response().dump(result) if op.response is not None else result
    response = jsonify(body)
    response.status_code = op.status
    version = getattr(result, "version", None)
    if isinstance(version, int) and hasattr(result, "id"):
        response.headers["ETag"] = f'"{version}"'
    if op.status == 201 and op.location is not None:
        response.headers["Location"] = url_for(op.location, **{_id_arg(op.location): result.id})
    return response


def _id_arg(endpoint: str) -> str:
    for rule in current_app.url_map.iter_rules(endpoint):
        return next(iter(rule.arguments))
    raise LookupError(endpoint)
