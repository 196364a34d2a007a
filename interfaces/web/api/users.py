"""Users and API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from interfaces.web.api import schemas as s
from interfaces.web.api.framework import Call, operation

auth = Blueprint("auth", __name__, url_prefix="/auth")
users = Blueprint("users", __name__, url_prefix="/users")


@operation(
    auth,
    "POST",
    "/token",
    summary="Exchange username and password for a bearer token",
    permission=None,
    body=s.TokenRequestSchema,
    response=s.TokenSchema,
)
def issue_token(call: Call) -> Any:
    return call.services.accounts.issue_token(call.body["username"], call.body["password"])


@operation(
    users,
    "POST",
    "",
    summary="Create a user",
    permission="user.create",
    body=s.UserCreateSchema,
    response=s.UserSchema,
    status=201,
)
def create_user(call: Call) -> Any:
    b = call.body
    return call.services.accounts.create_user(
        b["username"],
        b["password"],
        [b["role"]],
        call.actor,
        center_code=b["center_code"],
        display_name=b["display_name"],
    )


@operation(
    users, "GET", "", summary="List users", permission="user.read", response=s.UserListSchema
)
def list_users(call: Call) -> Any:
    return {"items": call.services.accounts.list_users(call.actor)}
