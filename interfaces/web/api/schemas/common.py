"""Field types and the schemas every part of the API shares."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

NAME_MAX = 200
TEXT_MAX = 2000
CODE_MAX = 32
LIST_MAX = 50
MAX_POSITION = 2**62  # log positions are 64-bit integers in the database


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
"""The same rule as a JSON Schema pattern (ECMA-262 and Python alike), for the OpenAPI document."""


class CleanString(fields.String):
    """Text without control characters (NUL cannot even be stored by PostgreSQL); tab,
    line feed and carriage return are allowed."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": NO_CONTROL_CHARACTERS, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Must not contain control characters.")
        return text


class Flag(fields.Boolean):
    """A JSON boolean: ``true`` or ``false``. marshmallow's Boolean also takes 1, "yes"
    or "off"; a client that sends those has a bug worth hearing about."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:  # not ``in``: 1 == True
            return value
        raise self.make_error("invalid")


class WordFlag(fields.Boolean):
    """A boolean in a query string or a form field: the words ``true`` or ``false``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value == "true":
            return True
        if value == "false":
            return False
        raise self.make_error("invalid")


def MinPosition() -> fields.Integer:  # noqa: N802
    """A log position a response gave (``position``), to read views at least that fresh."""
    return fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=MAX_POSITION),
        metadata={
            "description": "Wait (up to 2 s) for the view to reach this log position, as "
            "given by a command's `position`; `stale: true` if it does not. A position "
            "beyond the newest event of the log is refused at once (422)."
        },
    )


def Name(**kwargs: Any) -> fields.String:  # noqa: N802 - reads like a field class
    return CleanString(validate=validate.Length(min=1, max=NAME_MAX), **kwargs)


def Text(**kwargs: Any) -> fields.String:  # noqa: N802
    return CleanString(validate=validate.Length(min=1, max=TEXT_MAX), **kwargs)


def Code(**kwargs: Any) -> fields.String:  # noqa: N802
    return CleanString(validate=validate.Length(min=1, max=CODE_MAX), **kwargs)


def Username(**kwargs: Any) -> fields.String:  # noqa: N802
    return CleanString(validate=validate.Length(min=1, max=64), **kwargs)


def EnumField(enum: Any, **kwargs: Any) -> fields.Enum[Any]:  # noqa: N802
    return fields.Enum(enum, by_value=True, **kwargs)


def ListOf(inner: fields.Field[Any], *, min_items: int = 0, **kwargs: Any) -> fields.List[Any]:  # noqa: N802
    return fields.List(inner, validate=validate.Length(min=min_items, max=LIST_MAX), **kwargs)


# -- shared ----------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    candidates = fields.List(
        fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={
            "description": "`client.likely_duplicate` only: the clients this one may be "
            "(`id`, `display_code`)."
        },
    )


class ContactSchema(Schema):
    person = CleanString(validate=validate.Length(max=NAME_MAX), allow_none=True)
    phone = CleanString(validate=validate.Length(max=40), allow_none=True)
    email = fields.Email(validate=validate.Length(max=NAME_MAX), allow_none=True)
    address = CleanString(validate=validate.Length(max=NAME_MAX), allow_none=True)


class ReasonSchema(Schema):
    reason = Text(required=True)


class AggregateSchema(Schema):
    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    position = fields.Integer(
        allow_none=True,
        metadata={
            "description": "A log position at or after this state; pass it as "
            "min_position to lists to see views at least this fresh."
        },
    )


def list_schema(item: type[Schema], name: str) -> type[Schema]:
    """A ``{items: [item, ...]}`` envelope schema (named for the OpenAPI document)."""
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item), required=True)})
