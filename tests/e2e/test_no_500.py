"""No request may produce a 500: hostile input against every declared operation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from marshmallow import fields
from werkzeug.test import TestResponse

from interfaces.web.api.framework import OPERATIONS, Operation
from tests.e2e.support import (
    API,
    PROBLEM_TYPE,
    Api,
    aggregate_path,
    allowed_role,
    assert_ok,
    new_need,
    organization_body,
    resource_body,
    seed,
    template,
    url_for_template,
    valid_body,
)

HUGE = "長" * 5000 + "x" * 5000
UNICODE = "𠮷野家🍣\u202eevil\u200b\u0301\ufeff"
BAD_UUID = "00000000-0000-0000-0000-00000000000g"
SURROGATE = "\udc00"  # travels as an escape: json.dumps keeps ASCII below

HOSTILE_VALUES: list[Any] = [
    None,
    "",
    HUGE,
    UNICODE,
    10**30,
    -1,
    1.5,
    True,
    BAD_UUID,
    [],
    {"a": [{"b": None}, [[]]]},
    ["x"] * 60,
    SURROGATE,
]
HOSTILE_BODIES = [
    b"",
    b"{}",
    b"[]",
    b"null",
    b'"x"',
    b"1e309",
    b"{" * 1000,
    b'{"a":' * 300,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b"[" * 100_000 + b"]" * 100_000,
    b'{"\\udc00": 1}',
]
HOSTILE_QUERY_VALUES = [
    "",
    HUGE,
    UNICODE,
    "-1",
    str(10**30),
    "null",
    "[]",
    BAD_UUID,
    "2026-13-45T99:99:99+09:00",
    "1e309",
    "NaN",
    "%",
    "true",
]

KNOWN_500: dict[str, str] = {}


def _params() -> list[Any]:
    params = []
    for op in OPERATIONS:
        marks = (
            [pytest.mark.xfail(strict=True, reason=KNOWN_500[op.name])]
            if op.name in KNOWN_500
            else []
        )
        params.append(pytest.param(op, id=f"{op.method} {op.rule}", marks=marks))
    return params


def _field_names(op: Operation) -> list[str]:
    schema = op.body or op.query
    return list(schema().fields) if schema is not None else []


PER_FIELD_VALUES: list[Any] = [None, HUGE, UNICODE, {"a": [{"b": None}, [[]]]}, 10**30, SURROGATE]


def _bodies(op: Operation, valid: Any, *, per_field: bool) -> list[bytes]:
    """Hostile bodies: broken JSON, every field set to one hostile value and,
    with ``per_field``, a valid body with one field at a time made hostile."""
    names = _field_names(op)
    bodies = list(HOSTILE_BODIES)
    bodies += [json.dumps(dict.fromkeys(names, value)).encode() for value in HOSTILE_VALUES]
    if per_field:
        bodies += [
            json.dumps({**valid, name: value}).encode()
            for name in names
            for value in PER_FIELD_VALUES
        ]
    return bodies


PER_FIELD_QUERY_VALUES = [
    "",
    HUGE,
    UNICODE,
    "-1",
    str(10**30),
    BAD_UUID,
    "2026-13-45T25:00+09",
    "2000000000000",
]


def _queries(op: Operation, *, per_field: bool) -> list[dict[str, str]]:
    names = _field_names(op) or ["page"]
    queries = [dict.fromkeys(names, value) for value in HOSTILE_QUERY_VALUES]
    if per_field:
        queries += [{name: value} for name in names for value in PER_FIELD_QUERY_VALUES]
    return queries


@pytest.fixture(scope="module")
def ids(api: Api) -> dict[str, str]:
    return seed(api)


@pytest.mark.parametrize("op", _params())
def test_hostile_requests_never_get_a_server_error(
    api: Api, ids: dict[str, str], op: Operation
) -> None:
    path = template(op.rule)
    role = allowed_role(op.method, path)
    failures = []
    targets = [url_for_template(path, ids)]
    if "{" in path:
        targets.append(re.sub(r"{[a-z]+}", str(uuid4()), path))
    for url in targets:
        version: str | None = None
        real = url == targets[0]
        if op.method == "GET":
            for query in _queries(op, per_field=real):
                response = api.get(url, role, query)
                if response.status_code >= 500 or (
                    response.status_code >= 400 and response.mimetype != PROBLEM_TYPE
                ):
                    failures.append((url, query, response.status_code))
            continue
        valid = valid_body("POST", path, ids)
        target = aggregate_path(path, ids) if real else None
        for body in _bodies(op, valid, per_field=real):
            if version is None:
                version = api.etag(target) if target else '"1"'
            response = api.post_raw(url, body, role, if_match=version)
            if response.status_code < 300:
                version = None  # the aggregate moved on: read its new ETag
            if response.status_code >= 500 or (
                response.status_code >= 400 and response.mimetype != PROBLEM_TYPE
            ):
                failures.append((url, body[:120], response.status_code))
    assert failures == []


def test_sweep_covers_every_operation_with_body_or_query_fields() -> None:
    for op in OPERATIONS:
        for schema in (op.body, op.query):
            if schema is not None:
                assert all(isinstance(f, fields.Field) for f in schema().fields.values())
    assert {op.name for op in OPERATIONS} >= set(KNOWN_500)


# -- the NUL character -------------------------------------------------------------------------

NUL = "北\u0000地区"


def _nul_in_area_name(api: Api) -> TestResponse:
    return api.post("/areas", {"code": "nul-area", "name": NUL}, "admin")


def _nul_in_organization_name(api: Api) -> TestResponse:
    return api.post("/organizations", organization_body(name=NUL), "coordinator")


def _nul_in_resource_name(api: Api) -> TestResponse:
    return api.post("/resources", resource_body(name=NUL), "coordinator")


def _nul_in_user_display_name(api: Api) -> TestResponse:
    body = {
        "username": "nul-user",
        "password": "a long secret",
        "role": "coordinator",
        "display_name": NUL,
    }
    return api.post("/users", body, "admin")


def _nul_in_a_reason(api: Api) -> TestResponse:
    need = new_need(api)
    return api.post(f"/needs/{need['id']}/pause", {"reason": NUL}, "care_manager", if_match=1)


@pytest.mark.parametrize(
    "send",
    [
        _nul_in_area_name,
        _nul_in_organization_name,
        _nul_in_resource_name,
        _nul_in_user_display_name,
        _nul_in_a_reason,
    ],
    ids=["area-name", "organization-name", "resource-name", "user-display-name", "reason"],
)
def test_nul_character_in_text_never_breaks_the_views(
    fresh_api: Api, send: Callable[[Api], TestResponse]
) -> None:
    response = send(fresh_api)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert_ok(fresh_api.post("/areas", {"code": "after-nul", "name": "後"}, "admin"), 201)
    status = assert_ok(fresh_api.get("/system/projections", "admin"))
    assert [view["lag"] for view in status["views"]] == [0] * len(status["views"])


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/needs", {"area": "\u0000"}),
        ("/needs", {"center": "c\u0000"}),
        ("/resources", {"area": "\u0000"}),
    ],
    ids=["needs-area", "needs-center", "resources-area"],
)
def test_nul_character_in_a_list_filter_is_not_a_server_error(
    api: Api, path: str, query: dict[str, str]
) -> None:
    response = api.get(API + path, "coordinator", query)
    assert response.status_code < 500, response.get_data(as_text=True)
