"""Tokens, the 401 family, health checks and the OpenAPI document."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.user import USERNAME_PATTERN
from interfaces.web.api.framework import OPERATIONS
from tests.builders import PASSWORD
from tests.e2e.support import API, Api, assert_ok, assert_problem

# An id no record has; fixed, as it names tests (parallel workers must collect the same).
ANY_ID = "3f1c2a9e-7b4d-4e0a-9c55-1d2e3f4a5b6c"
PROTECTED = [op for op in OPERATIONS if op.permission is not None]


def _path(rule: str) -> str:
    return API + re.sub(r"<[^>]+>", ANY_ID, re.sub(r"<int:[^>]+>", "1", rule))


# -- health ------------------------------------------------------------------------------------


def test_healthz_answers_without_token(api: Api) -> None:
    response = api.client.get("/healthz")
    assert assert_ok(response) == {"status": "ok"}


def test_readyz_says_ready_without_a_token(api: Api) -> None:
    # What it does not say (database, log head, errors) is in tests/e2e/test_http.py.
    assert assert_ok(api.client.get("/readyz")) == {"status": "ready"}


# -- tokens ------------------------------------------------------------------------------------


def test_token_exchange_returns_token_expiry_and_username(api: Api) -> None:
    before = datetime.now(UTC)
    body = assert_ok(api.post("/auth/token", {"username": "sc", "password": PASSWORD}, None))
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    assert body["username"] == "sc"
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None
    assert before + timedelta(hours=11) < expires_at <= datetime.now(UTC) + timedelta(hours=12)


def test_issued_token_authenticates_requests(api: Api) -> None:
    body = assert_ok(api.post("/auth/token", {"username": "boss", "password": PASSWORD}, None))
    response = api.client.get(
        f"{API}/dashboard", headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert_ok(response)


@pytest.mark.parametrize(
    ("username", "password"),
    [("sc", "wrong password"), ("nobody", PASSWORD), ("sc", PASSWORD.upper())],
    ids=["wrong-password", "unknown-user", "wrong-case"],
)
def test_token_exchange_is_refused_when_credentials_are_wrong(
    api: Api, username: str, password: str
) -> None:
    response = api.post("/auth/token", {"username": username, "password": password}, None)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_exchange_answers_422_when_fields_are_missing(api: Api) -> None:
    body = assert_problem(api.post("/auth/token", {}, None), 422)
    assert {"username", "password"} <= body["errors"].keys()


# -- 401 on every protected endpoint -----------------------------------------------------------


@pytest.mark.parametrize("op", PROTECTED, ids=[f"{op.method} {op.rule}" for op in PROTECTED])
def test_protected_endpoint_answers_401_when_no_token_is_sent(api: Api, op: Any) -> None:
    response = api.client.open(_path(op.rule), method=op.method, json={})
    assert_problem(response, 401)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic c2M6cGFzc3dvcmQ=", "sc", "Bearer " + "x" * 5000],
    ids=["unknown-token", "empty-token", "basic-scheme", "no-scheme", "huge-token"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/areas"),
        ("GET", "/needs"),
        ("POST", "/needs"),
        ("GET", f"/needs/{ANY_ID}"),
        ("POST", f"/resources/{ANY_ID}/suspend"),
        ("GET", "/audit/events"),
        ("GET", "/system/projections"),
    ],
)
def test_protected_endpoint_answers_401_when_token_is_bad(
    api: Api, authorization: str, method: str, path: str
) -> None:
    response = api.client.open(
        API + path, method=method, json={}, headers={"Authorization": authorization}
    )
    assert_problem(response, 401)


def test_401_without_token_challenges_with_www_authenticate(api: Api) -> None:
    response = api.client.get(f"{API}/needs")
    assert_problem(response, 401)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


# -- the OpenAPI document ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(api: Api) -> dict[str, Any]:
    return assert_ok(api.client.get(f"{API}/openapi.json"))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _app_routes(api: Api) -> set[tuple[str, str]]:
    routes = set()
    for rule in api.app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                routes.add((method, path))
    return routes


def test_openapi_document_is_openapi_3_without_token(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    assert openapi["info"]["title"]
    assert openapi["info"]["version"]
    assert openapi["paths"]
    assert openapi["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_openapi_lists_every_api_route_of_the_app(api: Api, openapi: dict[str, Any]) -> None:
    documented = {
        (method.upper(), path) for path, ops in openapi["paths"].items() for method in ops
    }
    # The document does not describe itself; every other route under /api/v1 must be there.
    expected = {
        (method, path)
        for method, path in _app_routes(api)
        if path.startswith(API + "/") and path != f"{API}/openapi.json"
    }
    assert expected - documented == set()
    assert {("GET", "/healthz"), ("GET", "/readyz")} <= documented


def test_openapi_lists_nothing_the_app_does_not_serve(api: Api, openapi: dict[str, Any]) -> None:
    documented = {
        (method.upper(), path) for path, ops in openapi["paths"].items() for method in ops
    }
    assert documented - _app_routes(api) == set()


def test_openapi_references_all_resolve(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    refs = _refs(openapi["paths"])
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_openapi_operations_are_well_formed(openapi: dict[str, Any]) -> None:
    operation_ids = []
    for path, operations in openapi["paths"].items():
        for method, op in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            assert op["responses"], (path, method)
            for code, response in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", code), (path, method, code)
                assert response["description"], (path, method, code)
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{([^}]+)}", path)), (path, method)
            if "operationId" in op:
                operation_ids.append(op["operationId"])
    assert len(operation_ids) == len(set(operation_ids))


@pytest.mark.parametrize("op", OPERATIONS, ids=[f"{op.method} {op.rule}" for op in OPERATIONS])
def test_openapi_documents_each_operation_as_declared(openapi: dict[str, Any], op: Any) -> None:
    path = API + re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", op.rule)
    doc = openapi["paths"][path][op.method.lower()]
    assert str(op.status) in doc["responses"]
    headers = {p["name"]: p for p in doc.get("parameters", []) if p["in"] == "header"}
    if op.if_match:
        assert headers["If-Match"]["required"] is True
        assert {"412", "428"} <= doc["responses"].keys()
    if op.idempotent:
        assert "Idempotency-Key" in headers
    if op.status == 201 and op.location:
        assert "Location" in doc["responses"]["201"]["headers"]
    if op.permission is None:
        assert doc["security"] == []
    else:
        assert {"401", "403"} <= doc["responses"].keys()
    if op.body is not None:
        assert doc["requestBody"]["content"]["application/json"]["schema"]
        assert {"400", "415", "422"} <= doc["responses"].keys()


@pytest.mark.parametrize("op", OPERATIONS, ids=[f"{op.method} {op.rule}" for op in OPERATIONS])
def test_openapi_gives_each_path_parameter_the_schema_of_its_converter(
    openapi: dict[str, Any], op: Any
) -> None:
    path = API + re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", op.rule)
    doc = openapi["paths"][path][op.method.lower()]
    documented = {p["name"]: p["schema"] for p in doc.get("parameters", []) if p["in"] == "path"}
    converters = dict(
        (name, converter) for converter, name in re.findall(r"<(?:([^:>]+):)?([^>]+)>", op.rule)
    )
    assert documented.keys() == converters.keys()
    for name, converter in converters.items():
        if converter == "uuid":
            assert documented[name] == {"type": "string", "format": "uuid"}
        elif converter == "int":
            assert documented[name] == {"type": "integer", "minimum": 1}
        else:
            assert documented[name]["type"] == "string"
            assert "format" not in documented[name], name


def test_openapi_gives_the_username_its_pattern(openapi: dict[str, Any]) -> None:
    doc = openapi["paths"][f"{API}/users/{{username}}"]["get"]
    (username,) = [p for p in doc["parameters"] if p["name"] == "username"]

    assert username["schema"] == {"type": "string", "pattern": USERNAME_PATTERN.pattern}


def test_every_role_signs_in_with_a_token_of_its_own(api: Api, tokens: dict[str, str]) -> None:
    assert len(set(tokens.values())) == len(tokens) == 5
    for token in tokens.values():
        response = api.client.get(f"{API}/areas", headers={"Authorization": f"Bearer {token}"})
        assert_ok(response)
