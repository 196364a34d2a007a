"""What the ledger keeps and hands out: the leaf encoding, leaves, signed
checkpoints and verification results, with the formats of their documents."""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from application.errors import ApplicationError, ConflictError

LEAF_FORMAT = 1
CHECKPOINT_FORMAT = "tsunagu-checkpoint/1"
INCLUSION_FORMAT = "tsunagu-inclusion-proof/1"
CONSISTENCY_FORMAT = "tsunagu-consistency-proof/1"
BATCH = 10_000
MAX_POSITION = 2**62
"""Positions and ids are 64-bit integers in the database; larger ones name nothing."""
GAP_WAIT = 2.0
"""Seconds a missing position below the head is waited for before the ledger moves
past it (PostgreSQL: a position is taken at insert, committed later or never)."""

ALTERED, REMOVED, INSERTED, REORDERED, CHECKPOINT = (
    "altered",
    "removed",
    "inserted",
    "reordered",
    "checkpoint",
)


class LedgerError(ApplicationError):
    """The ledger cannot do what was asked (no key, no checkpoint, bad proof file)."""

    code = "ledger.error"


class CheckpointNeededError(LedgerError, ConflictError):
    """No signed checkpoint covers the event yet, and the caller may not sign one."""

    code = "ledger.checkpoint_needed"

    def __init__(self, position: int) -> None:
        super().__init__(
            f"no signed checkpoint covers the event at position {position} yet: have one "
            "signed (POST /api/v1/ledger/checkpoints, or `tsunagu ledger checkpoint`), "
            "then ask for the proof again"
        )


class ProofError(LedgerError):
    """A proof or checkpoint does not check out."""

    code = "ledger.invalid_proof"


@dataclass(frozen=True)
class StoredEvent:
    """One row of the event log, as stored."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes

    def row(self) -> Row:
        return (
            self.position,
            self.originator_id.bytes,
            self.originator_version,
            self.topic,
            self.state,
        )

    @classmethod
    def of(cls, row: Row) -> StoredEvent:
        return cls(row[0], UUID(bytes=row[1]), row[2], row[3], row[4])


Row = tuple[int, bytes, int, str, bytes]
"""A stored event as read in bulk: (position, originator id's 16 bytes, originator
version, topic, state)."""

_HEAD = struct.Struct(">BQ16sQI")
_LENGTH = struct.Struct(">I")


def encode_row(row: Row) -> bytes:
    position, originator, version, topic, state = row
    name = topic.encode("utf-8", "surrogateescape")  # bytes that were no UTF-8 stay as stored
    return (
        _HEAD.pack(LEAF_FORMAT, position, originator, version, len(name))
        + name
        + _LENGTH.pack(len(state))
        + state
    )


def encode_leaf(event: StoredEvent) -> bytes:
    return encode_row(event.row())


def decode_leaf(leaf: bytes) -> StoredEvent:
    if len(leaf) < 41 or leaf[0] != LEAF_FORMAT:
        raise ProofError("the leaf is not a tsunagu event encoding")
    topic_length = int.from_bytes(leaf[33:37], "big")
    topic_end = 37 + topic_length
    state_length = int.from_bytes(leaf[topic_end : topic_end + 4], "big")
    state = leaf[topic_end + 4 :]
    if len(state) != state_length:
        raise ProofError("the leaf's length fields do not match its size")
    return StoredEvent(
        position=int.from_bytes(leaf[1:9], "big"),
        originator_id=UUID(bytes=leaf[9:25]),
        originator_version=int.from_bytes(leaf[25:33], "big"),
        topic=leaf[37:topic_end].decode("utf-8", "surrogateescape"),
        state=state,
    )


def event_digest(leaf: bytes) -> bytes:
    """The event without its position: the same event moved elsewhere keeps it."""
    return hashlib.sha256(leaf[9:]).digest()


@dataclass(frozen=True)
class Leaf:
    index: int
    position: int
    hash: bytes
    digest: bytes


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the first ``tree_size`` events of the log, up to
    ``last_position``, have the Merkle root ``root_hash``."""

    tree_size: int
    root_hash: bytes
    last_position: int
    timestamp: datetime
    key_id: str
    signature: bytes = b""
    compact: tuple[bytes, ...] = field(default=(), compare=False)
    """The tree's perfect subtrees (kept to extend it; not part of what is signed)."""

    def message(self) -> bytes:
        """The exact bytes signed."""
        return (
            f"{CHECKPOINT_FORMAT}\n{self.tree_size}\n{self.root_hash.hex()}\n"
            f"{self.last_position}\n{_iso(self.timestamp)}\n{self.key_id}\n"
        ).encode("ascii")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "last_position": self.last_position,
            "timestamp": _iso(self.timestamp),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        try:
            if data["format"] != CHECKPOINT_FORMAT:
                raise ProofError(f"not a {CHECKPOINT_FORMAT} document")
            return cls(
                tree_size=_count(data["tree_size"]),
                root_hash=_hash(data["root_hash"]),
                last_position=_count(data["last_position"]),
                timestamp=datetime.fromisoformat(str(data["timestamp"])),
                key_id=str(data["key_id"]),
                signature=base64.b64decode(str(data["signature"]), validate=True),
            )
        except ProofError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise ProofError(f"not a valid checkpoint: {error}") from None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


def _hash(value: Any) -> bytes:
    raw = bytes.fromhex(str(value))
    if len(raw) != 32:
        raise ValueError("a hash has 32 bytes")
    return raw


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the tree from the log."""

    id: int = 0
    status: str = "done"
    """``running``, ``done``, or ``stale``: a job that gave no sign of life for
    ``JOB_STALE_AFTER`` (its process stopped) and never will."""
    ok: bool = False
    events: int = 0
    tree_size: int = 0
    root_hash: str = ""
    checkpoints: int = 0
    """Signed checkpoints compared with the recomputed tree."""
    position: int | None = None
    """The first position that differs."""
    kind: str | None = None
    """altered | removed | inserted | reordered | checkpoint."""
    detail: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    """When it ended; while it runs, its last sign of life (heartbeat)."""
    actor: str = ""

    def describe(self) -> str:
        if self.status == "stale":
            return f"verification {self.id} did not finish: {self.detail}"
        if self.status != "done":
            return f"verification {self.id} is running"
        if self.ok:
            return (
                f"intact: {self.events} events, {self.checkpoints} signed checkpoints match "
                f"(root {self.root_hash} over {self.tree_size} events)"
            )
        where = f" at position {self.position}" if self.position is not None else ""
        return f"NOT intact: {self.kind}{where}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "ok": self.ok,
            "events": self.events,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "checkpoints": self.checkpoints,
            "position": self.position,
            "kind": self.kind,
            "detail": self.detail,
            "started_at": _iso(self.started_at) if self.started_at else None,
            "finished_at": (
                _iso(self.finished_at) if self.finished_at and self.status != "running" else None
            ),
        }
