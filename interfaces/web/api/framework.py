"""How every API operation is declared, checked and answered.

``operation`` registers a view with its request and response schemas, the
permission it needs and whether it changes an existing aggregate. The wrapper
does the cross-cutting work in one order for every endpoint:

    authenticate (401) → permission (403) → JSON body (415/400) → schemas (422)
    → If-Match (428/400) → the application (412 when no tag matches)
    → response schema, ETag, Location

Before any schema sees a request, its text must be text: a lone surrogate in
JSON (``"\\udc00"``, which no event, id or log line can encode), a query
string that is not UTF-8, JSON nested deeper than any request needs, and a
scalar parameter given twice are refused, naming the field.

An operation that takes a file declares ``form`` (the schema of the other form
fields) and ``files`` instead of ``body``: its body must be multipart/form-data.
One that answers with something other than JSON declares ``produces`` and
returns a Flask ``Response`` itself.

The same declarations produce the OpenAPI document (``openapi.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from marshmallow import Schema
from marshmallow import fields as ma_fields
from werkzeug.datastructures import FileStorage

from application.errors import VersionConflictError
from application.replies import Answer, IdempotentRequests
from application.security import ANONYMOUS, Actor
from application.services import Services
from interfaces.web.api.problems import ProblemError

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
MAX_JSON_DEPTH = 32
"""Deeper than any request body needs (the deepest is 3), far below Python's recursion limit."""
_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_TEXT = "Must be valid Unicode text (a lone surrogate such as \\udc00 is not)."
GIVE_ONCE = "Give this parameter once."

ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
"""One entity-tag of an If-Match list (RFC 9110 §8.8.3), with the comma that ends it."""
VERSION = re.compile(r"\d{1,9}")
BARE_VERSION = re.compile(r"^\s*(\d{1,9})\s*$")
"""An unquoted version number, accepted as its ETag since the first release."""


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
    secret: bool = False
    """Its request or answer holds a password: never kept for replays."""
    notes: str = ""
    """More for the OpenAPI description (refusals particular to this operation)."""
    personal: bool = False
    """It reads a client's personal data: logged in the access log, with the
    caller's ``X-Purpose`` when given."""

    @property
    def replayable(self) -> bool:
        """A command whose first answer is replayed to a retry with the same
        Idempotency-Key (every command but those carrying secrets)."""
        return self.method != "GET" and self.permission is not None and not self.secret


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
    responses: tuple[int, ...] = (),
    secret: bool = False,
    notes: str = "",
    personal: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API operation; the view gets ``call: Call`` plus URL arguments.

    ``location`` names the endpoint whose URL (with the result's ``id``) goes
    into the Location header of a 201 response. ``responses`` lists the statuses
    the use case may refuse with that the declaration does not imply (the
    OpenAPI document adds 401/403 for a permission, 422 for a body, and so on).
    ``idempotent`` creates derive the new aggregate's id from the Idempotency-Key;
    every command (``secret`` ones aside) replays its first answer to a retry.
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
            responses=responses,
            secret=secret,
            notes=notes,
            personal=personal,
        )
        OPERATIONS.append(op)

        def wrapper(**url_args: Any) -> Response:
            app = services()
            actor = authenticate(app) if permission is not None else ANONYMOUS
            if permission is not None:
                actor.require(permission)
            actor = actor.through(f"api:{op.name}", _purpose() if personal else None)
            payload = _load_body(body) if body is not None else {}
            uploads: dict[str, FileStorage] = {}
            if form is not None:
                payload, uploads = _load_form(form, files)
            args = _load_query(query) if query is not None else {}
            precondition = _if_match() if if_match else None
            key = _idempotency_key() if idempotent or op.replayable else None
            call = Call(app, actor, payload, args, None, key if idempotent else None, uploads)

            def run() -> Response:
                if precondition is None:
                    return _respond(op, view(call, **url_args))
                return _respond(op, _with_precondition(view, call, precondition, url_args))

            if key is not None and op.replayable:
                return _replayed(actor, key, run)
            return run()

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
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # not a ValueError, so get_json lets it through
        raise _too_deep() from None
    if data is None:
        raise ProblemError(400, "malformed-json", "Malformed JSON", "the body is not valid JSON")
    if not isinstance(data, dict):
        raise ProblemError(
            400, "malformed-json", "Malformed JSON", "the body must be a JSON object"
        )
    _refuse_fields(_json_text_problems(data))
    loaded: dict[str, Any] = schema().load(data)
    return loaded


def _too_deep() -> ProblemError:
    return ProblemError(
        400,
        "malformed-json",
        "Malformed JSON",
        f"the JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels of objects and arrays)",
    )


def readable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape (``\\udc00``), printable in UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json_text_problems(document: dict[str, Any]) -> dict[str, list[str]]:
    """Every key and string value of ``document`` that is not Unicode text, by its path
    (``contact.person``, ``area_codes.1``); raises 400 when it is nested too deeply.

    Iterative, so that no nesting can exhaust the stack here.
    """
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", document, 1)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                problems[path or "_schema"] = [NOT_TEXT]
            continue
        if isinstance(value, dict):
            items: list[tuple[str, Any]] = list(value.items())
        elif isinstance(value, list):
            items = [(str(index), item) for index, item in enumerate(value)]
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        for key, item in items:
            name = f"{path}.{key}" if path else key
            if _SURROGATE.search(key):
                problems[readable(name)] = [NOT_TEXT]
                continue
            stack.append((name, item, depth + 1))
    return problems


def _refuse_fields(problems: dict[str, list[str]]) -> None:
    if problems:
        names = ", ".join(sorted(problems))
        raise ProblemError(
            422, "validation", "Invalid request", f"check these fields: {names}", problems
        )


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
    problems: dict[str, list[str]] = {}
    for name in request.form:
        values = request.form.getlist(name)
        if _SURROGATE.search(name) or any(_SURROGATE.search(v) for v in values):
            problems[readable(name)] = [NOT_TEXT]
        elif isinstance(fields_.get(name), ma_fields.List):
            raw[name] = values
        elif len(values) > 1:
            problems[name] = [GIVE_ONCE]
        else:
            raw[name] = values[0]
    _refuse_fields(problems)
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
    _refuse_fields(_query_text_problems())
    fields_ = schema().fields
    raw: dict[str, Any] = {}
    repeated: dict[str, list[str]] = {}
    for key in request.args:
        values = request.args.getlist(key)
        if isinstance(fields_.get(key), ma_fields.List):
            raw[key] = values
        elif len(values) > 1:
            # "First wins" would let a proxy and the app read different filters.
            repeated[key] = [GIVE_ONCE]
        else:
            raw[key] = values[0]
    _refuse_fields(repeated)
    # A '+' in an unencoded offset arrives as a space (2026-11-27T10:00:00 09:00).
    for key, value in raw.items():
        if isinstance(value, str) and re.search(r"T\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:?\d\d$", value):
            raw[key] = value[::-1].replace(" ", "+", 1)[::-1]
    loaded: dict[str, Any] = schema().load(raw)
    return loaded


def _query_text_problems() -> dict[str, list[str]]:
    """Query parameters whose name or value is not UTF-8 (werkzeug would have replaced
    the bytes with U+FFFD, and the request would mean something else than was sent)."""
    problems: dict[str, list[str]] = {}
    for pair in request.query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        raw_name = unquote_to_bytes(name.replace(b"+", b" "))
        try:
            key = raw_name.decode("utf-8")
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            problems[raw_name.decode("utf-8", "backslashreplace")] = [
                "Must be UTF-8 text, percent-encoded."
            ]
            continue
        if _SURROGATE.search(key):
            problems[readable(key)] = [NOT_TEXT]
    return problems


@dataclass(frozen=True)
class Precondition:
    """What an If-Match header accepts: any current version (``*``), or these."""

    any_version: bool
    versions: tuple[int, ...]


def _if_match() -> Precondition:
    """The If-Match header read as RFC 9110 §13.1.1 says: ``*``, or a list of strong
    entity-tags of which one must be the current ETag. A weak tag can never match
    (If-Match compares strongly), so it is refused as a mistake rather than answered 412."""
    header = request.headers.get("If-Match")
    if header is None:
        raise ProblemError(
            428,
            "precondition-required",
            "If-Match required",
            "send 'If-Match: \"<version>\"' with the ETag you read, so that no one's "
            "change is overwritten",
        )
    if header.strip() == "*":
        return Precondition(any_version=True, versions=())
    bare = BARE_VERSION.match(header)
    if bare is not None:
        return Precondition(any_version=False, versions=(int(bare.group(1)),))
    tags: list[str] = []
    position = 0
    while position < len(header):
        match = ENTITY_TAG.match(header, position)
        if match is None or match.end() == position:
            raise ProblemError(
                400,
                "bad-if-match",
                "Malformed If-Match",
                'If-Match must be "*" or a comma-separated list of ETags as the server sent '
                'them, each a quoted version number like "3"',
            )
        if match.group(1):
            raise ProblemError(
                400,
                "bad-if-match",
                "Weak ETag in If-Match",
                'If-Match compares ETags strongly, so a weak tag (W/"3") never matches: '
                'send the ETag as the server sent it, like "3"',
            )
        tags.append(match.group(2))
        position = match.end()
    if not tags:
        raise ProblemError(
            400, "bad-if-match", "Malformed If-Match", 'If-Match is empty; send an ETag like "3"'
        )
    versions = tuple(dict.fromkeys(int(tag) for tag in tags if VERSION.fullmatch(tag)))
    return Precondition(any_version=False, versions=versions)


NO_VERSION = 0
"""Versions start at 1: expecting version 0 of an existing aggregate always fails with 412."""


def _with_precondition(
    view: Callable[..., Any], call: Call, precondition: Precondition, url_args: dict[str, Any]
) -> Any:
    """Run ``view`` expecting the current version to be one that If-Match accepts.

    The use cases take one expected version. With several tags, the first is tried;
    when the aggregate turns out to be at another of the listed versions, the command
    runs again at that one (a version conflict wrote nothing).
    """
    if precondition.any_version:
        return view(call, **url_args)
    versions = precondition.versions or (NO_VERSION,)
    tried: set[int] = set()
    expected = versions[0]
    while True:
        tried.add(expected)
        try:
            return view(replace(call, expected_version=expected), **url_args)
        except VersionConflictError as conflict:
            current = conflict.current
            if conflict.expected != expected or current not in versions or current in tried:
                raise
            expected = current


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


PURPOSE = re.compile(r"[ -~]{1,1000}")
MAX_PURPOSE = 200


def _purpose() -> str | None:
    """Why the caller reads personal data (``X-Purpose``: UTF-8, percent-encoded where
    not ASCII), for the access log; None when not given."""
    raw = request.headers.get("X-Purpose")
    if raw is None or not raw.strip():
        return None
    try:
        text = unquote(raw, errors="strict") if PURPOSE.fullmatch(raw) else None
    except UnicodeDecodeError:
        text = None
    if text is None or len(text.strip()) > MAX_PURPOSE or not text.isprintable():
        raise ProblemError(
            400,
            "bad-purpose",
            "Malformed X-Purpose",
            f"X-Purpose must be 1-{MAX_PURPOSE} printable characters, UTF-8 percent-encoded "
            "where not ASCII",
        )
    return text.strip()


REPLAYED_HEADERS = ("Content-Type", "ETag", "Location")


def _replayed(actor: Actor, key: str, run: Callable[[], Response]) -> Response:
    """Run a command once per Idempotency-Key: a retry gets the first answer."""
    replies: IdempotentRequests = current_app.extensions["tsunagu"].replies
    user = str(actor.user_id)
    claim = replies.claim(user, key, _fingerprint(), datetime.now(UTC))
    if claim.mismatch:
        raise ProblemError(
            422,
            "idempotency.key_reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was sent with a different request; "
            "use a new key for a new request",
            {"Idempotency-Key": ["Already used for a different request."]},
        )
    if claim.pending:
        raise ProblemError(
            409,
            "idempotency.in_progress",
            "Request in progress",
            "a request with this Idempotency-Key is still running; try again in a moment",
            headers={"Retry-After": "1"},
        )
    if claim.answer is not None:
        first = claim.answer
        replay = Response(first.body, status=first.status, headers=first.headers)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = run()
    except BaseException:
        try:
            replies.release(user, key)
        except Exception:  # the database is gone too: the claim lapses on its own
            log.warning("could not release Idempotency-Key claim", exc_info=True)
        raise
    if not 200 <= response.status_code < 300:
        replies.release(user, key)
        return response
    headers = {
        name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers
    }
    answer = Answer(response.status_code, headers, response.get_data())
    replies.answer(user, key, answer, datetime.now(UTC))
    return response


def _fingerprint() -> str:
    """What makes two requests the same command: method, path and query, If-Match,
    and the body (JSON compared by meaning, forms with their files' contents)."""
    digest = hashlib.sha256()
    for part in (request.method, request.full_path, request.headers.get("If-Match", "")):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    if request.is_json:
        document = request.get_json(silent=True)
        text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest.update(text.encode("utf-8", "surrogatepass"))
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\0".encode("utf-8", "surrogatepass"))
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"{name}:{upload.filename}\0".encode("utf-8", "surrogatepass"))
            while chunk := upload.stream.read(65536):
                digest.update(chunk)
            upload.stream.seek(0)
    else:
        digest.update(request.get_data())
    return digest.hexdigest()


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
