"""The read-access log, as auditors search and export it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from interfaces.web.api.schemas.common import MAX_POSITION, Username

__all__ = ["AccessEntrySchema", "AccessPageSchema", "AccessQuerySchema"]


class AccessQuerySchema(Schema):
    client_id = fields.UUID(load_default=None)
    actor = Username(load_default=None, metadata={"description": "Username of the reader."})
    since = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "Reads at or after this instant (ISO 8601 with offset)."},
    )
    until = fields.AwareDateTime(
        load_default=None, metadata={"description": "Reads before this instant."}
    )
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_POSITION),
        metadata={"description": "Only entries after this seq (the cursor: next_after)."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: every matching entry after the cursor, in one file."},
    )


class AccessEntrySchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "Place in the hash chain."})
    at = fields.AwareDateTime(required=True)
    actor_id = fields.UUID(required=True)
    actor = fields.String(required=True)
    client_id = fields.UUID(required=True)
    need_id = fields.UUID(allow_none=True)
    what = fields.String(
        required=True,
        metadata={
            "description": "client, client_search, need, need_history or need_replay",
        },
    )
    via = fields.String(
        required=True,
        metadata={"description": "Endpoint or screen: api:get_client, ui:client, ..."},
    )
    purpose = fields.String(allow_none=True)
    previous_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AccessPageSchema(Schema):
    entries = fields.List(fields.Nested(AccessEntrySchema), required=True)
    next_after = fields.Integer(
        required=True, metadata={"description": "Pass as 'after' to read the next page."}
    )
