"""The OpenAPI 3 document, generated from the declared operations and schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, jsonify

from application.security import PERMISSIONS
from domain.user import USERNAME_PATTERN
from interfaces.importing import reader
from interfaces.web.api.framework import (
    MAX_JSON_DEPTH,
    MAX_UPLOAD_BYTES,
    OPERATIONS,
    Operation,
)
from interfaces.web.api.schemas import AggregateSchema, ProblemSchema

openapi = Blueprint("openapi", __name__)

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_PARAMETER = re.compile(r"<(?:([a-z]+):)?([a-z_]+)>")
_STRING_PATTERNS = {"username": USERNAME_PATTERN.pattern}
"""Path parameters without a converter that have a known form."""

_ERROR_TEXT = {
    400: "Malformed request (JSON, If-Match, Idempotency-Key or X-Purpose)",
    401: "Missing, unknown or expired token",
    403: "Your role does not allow this",
    404: "No such resource (or not visible to you)",
    409: "Not possible in the current state, or already exists",
    411: "An upload without Content-Length",
    412: "Changed by someone else since you read it (no If-Match tag is the current ETag)",
    413: "The body is too large (1 MiB for JSON, 10 MiB for uploads)",
    415: "The body is not JSON (or not multipart/form-data, for uploads)",
    422: "Invalid fields; see 'errors'",
    428: "If-Match is missing",
    429: "Too many attempts; retry after the seconds in Retry-After",
    503: "The database is unreachable or busy, or did not confirm a save "
    "(`store.outcome_unknown`: read before repeating); retry after Retry-After",
}

_STATUS_TEXT = {200: "OK", 201: "Created", 204: "No content"}


IF_MATCH_PATTERN = r'^\s*(\*|\d{1,9}|"[!#-~]*"(\s*,\s*"[!#-~]*")*)\s*$'
IF_MATCH_TEXT = (
    'The ETag you read, e.g. `"3"`. As RFC 9110 says: `*` matches any current version; a '
    'comma-separated list (`"3", "4"`) matches when one of its tags is the current ETag; '
    'a well-formed tag that is not the current ETag is 412; a weak tag (`W/"3"`) never '
    "matches a strong comparison and is refused with 400, as is a malformed value."
)
IDEMPOTENCY_KEY_PATTERN = "^[!-~]{1,200}$"
IDEMPOTENCY_TEXT = (
    "1 to 200 visible ASCII characters (a UUID is a good choice), new for each command. "
    "A retry with the same key and the same request (method, path, If-Match, body) gets "
    "the first successful answer again, with `Idempotent-Replayed: true`, for 24 hours, "
    "from any server; the same key with a different request is 422 "
    "`idempotency.key_reused`; while the first is still running, 409 "
    "`idempotency.in_progress` with Retry-After. A refused command keeps no answer: "
    "its retry runs again."
)

PURPOSE_PATTERN = "^[ -~]{1,1000}$"
PURPOSE_TEXT = (
    "Why you read this client's personal data (at most 200 characters; UTF-8, "
    "percent-encoded where not ASCII). This read is written into the access log — who, "
    "which client, when, through which endpoint and this purpose, never the data — and "
    "refused (503 `access_log.unavailable`) when it cannot be. A malformed value is 400 "
    "`bad-purpose`."
)

LIMITS_TEXT = (
    "Limits the server enforces: a JSON body of at most 1 MiB, nested at most "
    f"{MAX_JSON_DEPTH} levels; text must be valid Unicode (a lone surrogate such as "
    "`\\udc00` is 422) without control characters other than tab, line feed and carriage "
    "return; booleans are JSON `true`/`false` (the words `true`/`false` in a query or a "
    "form); a query parameter that is not a list may be given once; `min_position` "
    "may not be beyond the newest event of the log (422 at once). Every answer under "
    "`/api/` carries `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`."
)

UPLOAD_TEXT = (
    f"CSV (UTF-8 or Shift_JIS) or .xlsx, at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB; "
    f"at most {reader.MAX_ROWS:,} rows, {reader.MAX_COLUMNS} columns and "
    f"{reader.MAX_CELLS:,} cells in the rows with data ({reader.MAX_CELLS_READ:,} read in "
    "all); an .xlsx may unpack to at most "
    f"{reader.MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB and compress at most "
    f"{reader.MAX_COMPRESSION_RATIO} times. The file is read in a process of its own with "
    "memory and CPU limits. A refusal is 422 with the reason as the problem's type "
    "(`file.too_many_cells`, `file.compression_ratio`, `file.too_costly`, ...)."
)


PROBLEMS_TEXT = (
    "Errors are `application/problem+json` (RFC 9457). Their `type` is "
    "`urn:tsunagu:problem:<code>`: for a business refusal the stable code of the rule "
    "(`need.transition_not_allowed`, `need.paused`, `need.already_closed`, `resource.full`, "
    "`resource.not_active`, `match.ranking_changed`, `match.plan_changed`, "
    "`<kind>.not_found`, `<kind>.version_conflict`, `<kind>.already_exists`, `value.empty`, "
    "`value.too_long`, `permission.denied`, `auth.invalid_credentials`, `file.encoding`, …), "
    "otherwise "
    "`validation` (422, see `errors`), `unauthenticated`, `malformed-json`, "
    "`precondition-required`, `bad-if-match`, `unsupported-media-type` or `http-<status>`. "
    "Key off `type`; `detail` is for people and may be reworded."
)


def _path(rule: str) -> str:
    return API_PREFIX + _CONVERTER.sub(r"{\1}", rule)


def _content(op: Operation) -> dict[str, Any]:
    """What a success looks like: the response schema as JSON, and the other media
    types the operation declares (CSV as text, spreadsheets as binary)."""
    content: dict[str, Any] = {}
    if op.response is not None:
        content["application/json"] = {"schema": op.response}
    for declared in op.produces:
        media = declared.split(";")[0].strip()
        if media == "application/json":
            content.setdefault(media, {"schema": {"type": "object"}})
        elif media.startswith("text/"):
            content[media] = {"schema": {"type": "string"}}
        else:
            content[media] = {"schema": {"type": "string", "format": "binary"}}
    return content


def _form_body(op: Operation, plugin: MarshmallowPlugin) -> dict[str, Any]:
    """A multipart/form-data request body: the form schema's fields plus the files."""
    assert op.form is not None  # noqa: S101 - only called for form operations
    converter: Any = plugin.converter  # set once the plugin is in a spec; untyped
    schema: dict[str, Any] = converter.schema2jsonschema(op.form())
    schema.setdefault("properties", {})
    for name in op.files:
        schema["properties"][name] = {
            "type": "string",
            "format": "binary",
            "description": UPLOAD_TEXT,
        }
    schema["required"] = sorted({*schema.get("required", []), *op.files})
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _path_schema(converter: str, name: str) -> dict[str, Any]:
    """The schema of a path parameter, from its Flask converter."""
    if converter == "uuid":
        return {"type": "string", "format": "uuid"}
    if converter == "int":  # log positions and job ids (the ledger)
        return {"type": "integer", "minimum": 1}
    pattern = _STRING_PATTERNS.get(name)
    return {"type": "string", "pattern": pattern} if pattern else {"type": "string"}


def _operation_doc(op: Operation, plugin: MarshmallowPlugin) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": {
            str(op.status): {"description": _STATUS_TEXT.get(op.status, "OK")},
        },
    }
    content = _content(op)
    if content:
        doc["responses"][str(op.status)]["content"] = content
    if op.status == 201 and op.location:
        doc["responses"]["201"]["headers"] = {"Location": {"schema": {"type": "string"}}}
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": _path_schema(converter, name)}
        for converter, name in _PARAMETER.findall(op.rule)
    ]
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    if op.if_match:
        parameters.append(
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "description": IF_MATCH_TEXT,
                "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            }
        )
    if op.idempotent or op.replayable:
        parameters.append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "description": IDEMPOTENCY_TEXT,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "pattern": IDEMPOTENCY_KEY_PATTERN,
                },
            }
        )
    if op.personal:
        parameters.append(
            {
                "in": "header",
                "name": "X-Purpose",
                "required": False,
                "description": PURPOSE_TEXT,
                "schema": {"type": "string", "maxLength": 1000, "pattern": PURPOSE_PATTERN},
            }
        )
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.form is not None:
        doc["requestBody"] = _form_body(op, plugin)
    codes = {*op.responses, 503}  # every operation reads or writes the database
    if op.body or op.query or op.form:
        codes.add(422)
    if op.permission is None:
        doc["security"] = []
    else:
        codes |= {401, 403}
    if op.body:
        codes |= {400, 413, 415}
    if op.form:
        codes |= {411, 413, 415}
    if "<" in op.rule:
        codes.add(404)
    if op.if_match:
        codes |= {400, 409, 412, 428}
    if op.idempotent or op.replayable or op.personal:
        codes.add(400)
    if op.replayable:
        codes |= {409, 422}
    if op.status == 201:
        codes.add(409)
    for code in sorted(codes):
        doc["responses"][str(code)] = {
            "description": _ERROR_TEXT[code],
            "content": {"application/problem+json": {"schema": "ProblemSchema"}},
        }
    if op.permission is not None:
        roles = ", ".join(sorted(r.value for r in PERMISSIONS[op.permission]))
        doc["description"] = f"Permission `{op.permission}`: {roles}."
    if op.notes:
        doc["description"] = (doc.get("description", "") + "\n\n" + op.notes).strip()
    return doc


def build_spec() -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="tsunagu API",
        version="1",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={
            "description": "Needs, resources and matching for community life-support "
            "coordination (生活支援体制整備事業). Authenticate with a bearer token from "
            "POST /api/v1/auth/token.\n\n" + PROBLEMS_TEXT + "\n\n" + LIMITS_TEXT
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ProblemSchema", schema=ProblemSchema)
    paths: dict[str, dict[str, Any]] = {}
    links = _links(OPERATIONS)
    for op in OPERATIONS:
        doc = _operation_doc(op, plugin)
        if op.name in links:
            doc["responses"][str(op.status)]["links"] = links[op.name]
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = doc
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    document["paths"]["/healthz"] = _health_doc("Liveness: the process answers")
    document["paths"]["/readyz"] = _health_doc("Readiness: the database answers")
    return document


def _links(operations: list[Operation]) -> dict[str, dict[str, Any]]:
    """OpenAPI links from every answer that is an aggregate (its creation, its reading,
    a command on it) to what may be done next with it: the aggregate's id goes into the
    path, and its ETag into If-Match, as a client would carry them along."""
    links: dict[str, dict[str, Any]] = {}
    items = [
        op
        for op in operations
        if op.method == "GET"
        and op.response is not None
        and issubclass(op.response, AggregateSchema)
        and re.search(r"<uuid:[a-z_]+>$", op.rule)  # addressed by the id in its body
    ]
    for item in items:
        [*_, param] = _CONVERTER.findall(item.rule)
        family = [
            op
            for op in operations
            if (op.rule == item.rule or op.rule.startswith(item.rule + "/"))
            and _CONVERTER.findall(op.rule) == [param]
        ]
        for source in operations:
            if source.response is not item.response or source.status not in (200, 201):
                continue
            for target in family:
                parameters = {f"path.{param}": "$response.body#/id"}
                if target.if_match:
                    parameters["header.If-Match"] = "$response.header.ETag"
                links.setdefault(source.name, {})[target.name] = {
                    "operationId": target.name,
                    "parameters": parameters,
                }
    return links


def _health_doc(summary: str) -> dict[str, Any]:
    status = {"type": "object", "properties": {"status": {"type": "string"}}}
    return {
        "get": {
            "summary": summary,
            "security": [],
            "tags": ["health"],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": status}}},
                "503": {
                    "description": "Not ready (why is in the server's log)",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/ProblemSchema"}
                        }
                    },
                },
            },
        }
    }


@openapi.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(build_spec())
