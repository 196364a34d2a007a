"""The OpenAPI 3 document, generated from the declared operations and schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, jsonify

from application.security import PERMISSIONS
from interfaces.web.api.framework import OPERATIONS, Operation
from interfaces.web.api.schemas import ProblemSchema

openapi = Blueprint("openapi", __name__)

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

_ERROR_TEXT = {
    400: "Malformed request (JSON, If-Match or Idempotency-Key)",
    401: "Missing, unknown or expired token",
    403: "Your role does not allow this",
    404: "No such resource (or not visible to you)",
    409: "Not possible in the current state, or already exists",
    411: "An upload without Content-Length",
    412: "Changed by someone else since you read it (stale If-Match)",
    413: "The upload is too large",
    415: "The body is not JSON (or not multipart/form-data, for uploads)",
    422: "Invalid fields; see 'errors'",
    428: "If-Match is missing",
}


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
    """What a success looks like: the response schema, or the declared media types."""
    if op.produces:
        return {
            media: {"schema": {"type": "object"}}
            if media.startswith("application/json")
            else {"schema": {"type": "string", "format": "binary"}}
            for media in op.produces
        }
    return {"application/json": {"schema": op.response}} if op.response else {}


def _form_body(op: Operation, plugin: MarshmallowPlugin) -> dict[str, Any]:
    """A multipart/form-data request body: the form schema's fields plus the files."""
    assert op.form is not None  # noqa: S101 - only called for form operations
    converter: Any = plugin.converter  # set once the plugin is in a spec; untyped
    schema: dict[str, Any] = converter.schema2jsonschema(op.form())
    schema.setdefault("properties", {})
    for name in op.files:
        schema["properties"][name] = {"type": "string", "format": "binary"}
    schema["required"] = sorted({*schema.get("required", []), *op.files})
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _operation_doc(op: Operation, plugin: MarshmallowPlugin) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": {
            str(op.status): {
                "description": "OK" if op.status == 200 else "Created",
                "content": _content(op),
            }
        },
    }
    if op.status == 201 and op.location:
        doc["responses"]["201"]["headers"] = {"Location": {"schema": {"type": "string"}}}
    parameters: list[dict[str, Any]] = [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        }
        for name in _CONVERTER.findall(op.rule)
    ]
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    if op.if_match:
        parameters.append(
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "description": 'The ETag you read, e.g. "3"',
                "schema": {"type": "string"},
            }
        )
    if op.idempotent:
        parameters.append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "description": "A retry with the same key returns the first result.",
                "schema": {"type": "string", "maxLength": 200},
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
    codes = {422} if op.body or op.query or op.form else set()
    if op.permission is None:
        doc["security"] = []
    else:
        codes |= {401, 403}
    if op.body:
        codes |= {400, 415}
    if op.form:
        codes |= {411, 413, 415}
    if "<" in op.rule:
        codes.add(404)
    if op.if_match:
        codes |= {409, 412, 428}
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
            "POST /api/v1/auth/token.\n\n" + PROBLEMS_TEXT
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ProblemSchema", schema=ProblemSchema)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation_doc(op, plugin)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    document["paths"]["/healthz"] = _health_doc("Liveness: the process answers")
    document["paths"]["/readyz"] = _health_doc("Readiness: the database answers")
    return document


def _health_doc(summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": [],
            "tags": ["health"],
            "responses": {"200": {"description": "OK"}, "503": {"description": "Not ready"}},
        }
    }


@openapi.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(build_spec())
