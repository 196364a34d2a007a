"""The ledger: tamper evidence for the event log (docs/audit.md).

Every stored event is a leaf of an RFC 6962 Merkle tree (``domain.merkle``), in
log order. The leaf is a canonical encoding of the event *as stored*: its
position, originator id and version, topic and state bytes (ciphertext where a
field is encrypted, so erasing a key never changes a leaf)::

    0x01                         format of the encoding
    position            u64 BE   notification id in the log
    originator id       16 bytes UUID
    originator version  u64 BE
    topic               u32 BE length + UTF-8
    state               u32 BE length + the bytes exactly as stored

The tree is extended and *signed* (Ed25519, the key outside the database) into
checkpoints by the projection worker and on demand. For each leaf the ledger
keeps its position, leaf hash and *event digest* (SHA-256 of the encoding
without the position): the signed roots prove that nothing covered changed;
the per-leaf data lets ``verify`` name the first position that differs and
whether an event was altered, removed, inserted or reordered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.common import Clock
from application.errors import ApplicationError, NotFoundError
from application.security import Actor
from domain.merkle import (
    CompactTree,
    InvalidProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

log = logging.getLogger(__name__)

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


# -- ports ----------------------------------------------------------------------------------


class EventLog(Protocol):
    """The stored events, as stored."""

    gaps_are_final: bool
    """Whether a missing position below the head can never appear (SQLite: one writer)."""

    def head(self) -> int:
        """Position of the newest event (0 when empty)."""

    def rows(self, after: int, limit: int) -> Sequence[Row]:
        """Up to ``limit`` events after position ``after``, in position order (the hot
        path of verify: plain tuples)."""


class LedgerStore(Protocol):
    """Leaves, checkpoints and verification results (tables of ours, not the log)."""

    def size(self) -> tuple[int, int]:
        """(number of leaves, position of the last one)."""

    def append(self, leaves: Sequence[Leaf]) -> bool:
        """Add leaves after the last one; False when another process added some first."""

    def leaves(self, start: int, end: int) -> Sequence[Leaf]:
        """Leaves with index in [start, end), by index."""

    def hashes(self, start: int, end: int) -> Sequence[tuple[int, bytes]]:
        """(position, leaf hash) of the leaves with index in [start, end), by index."""

    def leaf_at(self, position: int) -> Leaf | None:
        """The leaf of the event at ``position``."""

    def positions_of(self, digest: bytes) -> list[int]:
        """Positions of the leaves with this event digest."""

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Keep a signed checkpoint (once per tree size)."""

    def checkpoints(self, limit: int | None = None) -> list[Checkpoint]:
        """Checkpoints, newest first."""

    def checkpoint_of_size(self, size: int) -> Checkpoint | None:
        """The checkpoint of this tree size."""

    def save_verification(self, verification: Verification) -> int:
        """Keep a verification (its ``id`` 0: a new one); returns its id."""

    def verification(self, ident: int) -> Verification | None:
        """The verification with this id."""

    def last_verification(self) -> Verification | None:
        """The newest finished verification."""


class Signer(Protocol):
    """Signs checkpoints with a key kept outside the database."""

    key_id: str

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message``."""

    def public_key(self) -> PublicKey:
        """The key that checks these signatures."""


class PublicKey(Protocol):
    """Checks signatures; all an auditor needs besides the proof files."""

    key_id: str

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` is this key's signature of ``message``."""

    def pem(self) -> str:
        """The key as PEM (SubjectPublicKeyInfo)."""


# -- verification result --------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the tree from the log."""

    id: int = 0
    status: str = "done"
    """``running`` or ``done``."""
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
    actor: str = ""

    def describe(self) -> str:
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
            "finished_at": _iso(self.finished_at) if self.finished_at else None,
        }


Progress = Callable[[int, int], None]
"""Called with (events checked, head) now and then."""


class _MismatchError(Exception):
    def __init__(self, position: int | None, kind: str, detail: str) -> None:
        # A tampered topic may hold bytes that are no UTF-8: shown escaped, storable.
        detail = detail.encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(detail)
        self.position, self.kind, self.detail = position, kind, detail


# -- the use cases ----------------------------------------------------------------------------


class Ledger:
    """Extends, signs, verifies and proves the tree over the event log."""

    name = "ledger"
    """As a Reaction: the projection worker calls :meth:`catch_up` on every pass."""

    def __init__(
        self,
        log_: EventLog,
        store: LedgerStore,
        signer: Callable[[], Signer],
        clock: Clock,
        every_events: int = 1000,
        every: timedelta = timedelta(minutes=10),
        inline_limit: int = 20_000,
    ) -> None:
        self._log, self._store, self._signer, self._clock = log_, store, signer, clock
        self.every_events = every_events
        self.every = every
        self.inline_limit = inline_limit
        """Above this many events, POST /ledger/verify answers with a job to poll."""
        self._gaps: dict[int, float] = {}

    # -- extending and signing ----------------------------------------------------------

    def catch_up(self) -> int:
        """Add the new events as leaves; sign a checkpoint when ``every_events``
        leaves or ``every`` time have passed since the last. Returns leaves added."""
        added = self.extend()
        size, _ = self._store.size()
        latest = self.latest()
        signed = latest.tree_size if latest else 0
        if size > signed and (
            size - signed >= self.every_events
            or latest is None
            or self._clock() - latest.timestamp >= self.every
        ):
            self.checkpoint()
        return added

    def extend(self, limit: int | None = None) -> int:
        """Append the events after the last leaf (in position order, up to a gap that
        may still fill); returns how many."""
        added = 0
        while limit is None or added < limit:
            size, last = self._store.size()
            events = self._log.rows(last, BATCH)
            if not events:
                break
            events = self._before_gap(last, events)
            if not events:
                break
            leaves = []
            for offset, event in enumerate(events):
                encoded = encode_row(event)
                leaves.append(
                    Leaf(size + offset, event[0], leaf_hash(encoded), event_digest(encoded))
                )
            if not self._store.append(leaves):
                continue  # another process extended it meanwhile
            added += len(leaves)
            if len(events) < BATCH:
                break
        return added

    def _before_gap(self, last: int, events: Sequence[Row]) -> Sequence[Row]:
        if self._log.gaps_are_final:
            return events
        expected = last + 1
        now = time.monotonic()
        for index, event in enumerate(events):
            if event[0] != expected:
                seen = self._gaps.setdefault(expected, now)
                if now - seen < GAP_WAIT:
                    return events[:index]
            expected = event[0] + 1
        self._gaps = {gap: seen for gap, seen in self._gaps.items() if gap >= expected}
        return events

    def checkpoint(self) -> Checkpoint:
        """Extend the tree to the log's head and sign it (or the latest, when nothing is new)."""
        self.extend()
        latest = self.latest()
        size, last = self._store.size()
        if latest is not None and latest.tree_size == size:
            return latest
        tree = CompactTree(latest.tree_size, latest.compact) if latest else CompactTree()
        for start in range(tree.size, size, BATCH):
            for leaf in self._store.leaves(start, min(start + BATCH, size)):
                tree.append(leaf.hash)
        signer = self._signer()
        unsigned = Checkpoint(size, tree.root(), last, self._clock(), signer.key_id)
        checkpoint = replace(
            unsigned, signature=signer.sign(unsigned.message()), compact=tuple(tree.hashes)
        )
        self._store.add_checkpoint(checkpoint)
        return checkpoint

    def latest(self) -> Checkpoint | None:
        found = self._store.checkpoints(limit=1)
        return found[0] if found else None

    def checkpoints(self, actor: Actor, limit: int = 50) -> list[Checkpoint]:
        actor.require("ledger.read")
        return self._store.checkpoints(limit=limit)

    def public_key(self) -> PublicKey:
        return self._signer().public_key()

    # -- proofs ------------------------------------------------------------------------

    def prove(self, position: int, actor: Actor | None = None) -> dict[str, Any]:
        """An inclusion proof of the event at ``position`` in the latest checkpoint's tree
        (signed now when the event is newer), with that checkpoint."""
        if actor is not None:
            actor.require("ledger.read")
        if not 1 <= position <= MAX_POSITION:
            raise NotFoundError("event", position)
        found = self._store.leaf_at(position)
        latest = self.latest()
        if found is None or latest is None or found.index >= latest.tree_size:
            self.checkpoint()
            found = self._store.leaf_at(position)
            latest = self.latest()
        if found is None or latest is None:
            raise NotFoundError("event", position)
        rows = self._log.rows(position - 1, 1)
        if not rows or rows[0][0] != position:
            raise NotFoundError("event", position)
        path = inclusion_proof(self._leaf_hashes, found.index, latest.tree_size)
        event = StoredEvent.of(rows[0])
        return {
            "format": INCLUSION_FORMAT,
            "position": position,
            "leaf_index": found.index,
            "event": {
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version,
                "topic": event.topic,
            },
            "leaf": base64.b64encode(encode_leaf(event)).decode("ascii"),
            "audit_path": [node.hex() for node in path],
            "checkpoint": latest.to_json(),
        }

    def prove_consistency(self, old: Checkpoint, actor: Actor | None = None) -> dict[str, Any]:
        """A proof that the tree of ``old`` is a prefix of the latest checkpoint's tree."""
        if actor is not None:
            actor.require("ledger.read")
        latest = self.checkpoint()
        if old.tree_size > latest.tree_size:
            raise LedgerError(
                f"the old checkpoint has {old.tree_size} events, more than the log's "
                f"{latest.tree_size}: it is not from this log, or events were removed"
            )
        proof = consistency_proof(self._leaf_hashes, old.tree_size, latest.tree_size)
        return {
            "format": CONSISTENCY_FORMAT,
            "old": old.to_json(),
            "new": latest.to_json(),
            "proof": [node.hex() for node in proof],
        }

    def _leaf_hashes(self, start: int, end: int) -> list[bytes]:
        hashes: list[bytes] = []
        for chunk in range(start, end, BATCH):
            hashes.extend(h for _, h in self._store.hashes(chunk, min(chunk + BATCH, end)))
        return hashes

    # -- verification ------------------------------------------------------------------

    def verify(
        self,
        external: Sequence[Checkpoint] = (),
        progress: Progress | None = None,
        actor: str = "",
    ) -> Verification:
        """Recompute the tree from the log, streaming, and compare it with every leaf
        and signed checkpoint kept (and ``external`` ones an auditor kept); the result
        is recorded."""
        started = self._clock()
        try:
            result = self._verify(external, progress)
        except _MismatchError as mismatch:
            result = Verification(
                ok=False,
                events=self._log.head(),
                position=mismatch.position,
                kind=mismatch.kind,
                detail=mismatch.detail,
            )
        result = replace(result, started_at=started, finished_at=self._clock(), actor=actor)
        ident = self._store.save_verification(result)
        return replace(result, id=ident)

    def start_verification(self, actor: str) -> Verification:
        """Record a running verification (its job), to finish with :meth:`finish`."""
        running = Verification(status="running", started_at=self._clock(), actor=actor)
        return replace(running, id=self._store.save_verification(running))

    def finish(self, job: Verification) -> Verification:
        done = self.verify(actor=job.actor)
        result = replace(done, id=job.id, started_at=job.started_at)
        self._store.save_verification(result)
        return result

    def verification(self, ident: int, actor: Actor) -> Verification:
        actor.require("ledger.verify")
        found = self._store.verification(ident) if 1 <= ident <= MAX_POSITION else None
        if found is None:
            raise NotFoundError("verification", ident)
        return found

    def last_verification(self) -> Verification | None:
        return self._store.last_verification()

    def head(self) -> int:
        return self._log.head()

    def _verify(self, external: Sequence[Checkpoint], progress: Progress | None) -> Verification:
        public = self._signer().public_key()
        signed: dict[int, Checkpoint] = {}
        for checkpoint in [*reversed(self._store.checkpoints()), *external]:
            if checkpoint.key_id != public.key_id or not public.verify(
                checkpoint.signature, checkpoint.message()
            ):
                raise _MismatchError(
                    None,
                    CHECKPOINT,
                    f"the checkpoint of {checkpoint.tree_size} events is not signed by "
                    f"this instance's key {public.key_id}",
                )
            known = signed.setdefault(checkpoint.tree_size, checkpoint)
            if known.root_hash != checkpoint.root_hash:
                raise _MismatchError(
                    None,
                    CHECKPOINT,
                    f"two signed checkpoints of {checkpoint.tree_size} events differ",
                )
        stored_size, _ = self._store.size()
        head = self._log.head()
        tree = CompactTree()
        stored = self._stored_leaves(stored_size)
        last = 0
        last_signed = max(signed, default=0)
        append, sha256, encode = tree.append, hashlib.sha256, encode_row
        while True:
            events = self._log.rows(last, BATCH)
            if not events:
                break
            for event in events:
                hashed = sha256(b"\x00" + encode(event)).digest()  # the RFC 6962 leaf hash
                index = tree.size
                if index < stored_size:
                    kept_position, kept_hash = next(stored)
                    if kept_position != event[0] or kept_hash != hashed:
                        raise self._classify(index, StoredEvent.of(event))
                append(hashed)
                due = signed.get(tree.size)
                if due is not None and due.root_hash != tree.root():
                    raise _MismatchError(
                        event[0],
                        CHECKPOINT,
                        f"the log up to position {event[0]} does not have the root "
                        f"signed for {tree.size} events, though every kept leaf matches: "
                        "the ledger's leaf table was rewritten too",
                    )
            last = events[-1][0]
            if progress is not None:
                progress(tree.size, head)
        if tree.size < stored_size:
            kept_position, _ = next(stored)
            raise _MismatchError(
                kept_position,
                REMOVED,
                f"the event at position {kept_position} (leaf {tree.size}) is no longer in "
                f"the log, which ends after {tree.size} events",
            )
        if tree.size < last_signed:
            raise _MismatchError(
                last or None,
                REMOVED,
                f"a checkpoint signed {last_signed} events; the log has {tree.size}",
            )
        return Verification(
            ok=True,
            events=tree.size,
            tree_size=tree.size,
            root_hash=tree.root().hex(),
            checkpoints=len(signed),
        )

    def _stored_leaves(self, size: int) -> Iterator[tuple[int, bytes]]:
        for start in range(0, size, BATCH):
            yield from self._store.hashes(start, min(start + BATCH, size))

    def _classify(self, index: int, event: StoredEvent) -> _MismatchError:
        """Name what happened at the first leaf where the log and the ledger differ."""
        kept = self._store.leaves(index, index + 1)[0]
        position = event.position
        if position > kept.position:
            return _MismatchError(
                kept.position,
                REMOVED,
                f"the event at position {kept.position} is missing from the log",
            )
        if position < kept.position:
            return _MismatchError(
                position,
                INSERTED,
                f"position {position} was never in the ledger: an event was inserted",
            )
        digest = event_digest(encode_leaf(event))
        moved_from = [p for p in self._store.positions_of(digest) if p != position]
        if moved_from:
            return _MismatchError(
                position,
                REORDERED,
                f"position {position} holds the event kept at position {moved_from[0]} "
                f"({event.topic} v{event.originator_version} of {event.originator_id})",
            )
        following = self._log.rows(position, 1)
        if following and event_digest(encode_row(following[0])) == kept.digest:
            return _MismatchError(
                position,
                INSERTED,
                f"an event was inserted at position {position}; the one kept there follows it",
            )
        next_kept = self._store.leaves(index + 1, index + 2)
        if next_kept and next_kept[0].digest == digest:
            return _MismatchError(
                position,
                REMOVED,
                f"the event kept at position {position} was removed and the later ones renumbered",
            )
        return _MismatchError(
            position,
            ALTERED,
            f"the event at position {position} ({event.topic} v{event.originator_version} "
            f"of {event.originator_id}) differs from the one signed",
        )


# -- checking proofs offline -------------------------------------------------------------


def check_proof(document: Any, key: PublicKey) -> str:
    """Check an inclusion or consistency proof with only the public key; returns what
    it proves, raises ProofError when it does not hold. Needs no database."""
    if not isinstance(document, dict):
        raise ProofError("a proof is a JSON object")
    kind = document.get("format")
    try:
        if kind == INCLUSION_FORMAT:
            return _check_inclusion(document, key)
        if kind == CONSISTENCY_FORMAT:
            return _check_consistency(document, key)
        if kind == CHECKPOINT_FORMAT:
            checkpoint = _signed(document, key)
            return (
                f"checkpoint: {checkpoint.tree_size} events, root {checkpoint.root_hash.hex()}, "
                f"signed {_iso(checkpoint.timestamp)} by key {checkpoint.key_id}"
            )
    except InvalidProofError as error:
        raise ProofError(str(error)) from None
    except (KeyError, TypeError, ValueError) as error:
        raise ProofError(f"the proof is malformed: {error}") from None
    raise ProofError(
        f"unknown format {kind!r}: expected {INCLUSION_FORMAT}, {CONSISTENCY_FORMAT} "
        f"or {CHECKPOINT_FORMAT}"
    )


def _signed(data: Any, key: PublicKey) -> Checkpoint:
    checkpoint = Checkpoint.from_json(data)
    if checkpoint.key_id != key.key_id:
        raise ProofError(
            f"the checkpoint is signed by key {checkpoint.key_id}, not by {key.key_id}"
        )
    if not key.verify(checkpoint.signature, checkpoint.message()):
        raise ProofError("the checkpoint's signature is not valid for this public key")
    return checkpoint


def _check_inclusion(document: dict[str, Any], key: PublicKey) -> str:
    checkpoint = _signed(document["checkpoint"], key)
    leaf = base64.b64decode(str(document["leaf"]), validate=True)
    event = decode_leaf(leaf)
    if event.position != document["position"]:
        raise ProofError("the leaf is not the event at the position the proof names")
    path = [_hash(node) for node in document["audit_path"]]
    verify_inclusion(
        _count(document["leaf_index"]), checkpoint.tree_size, leaf_hash(leaf), path,
        checkpoint.root_hash,
    )  # fmt: skip
    return (
        f"event at position {event.position} ({event.topic} v{event.originator_version} of "
        f"{event.originator_id}, {len(event.state)} bytes of state) is leaf "
        f"{document['leaf_index']} of the {checkpoint.tree_size}-event tree signed "
        f"{_iso(checkpoint.timestamp)} by key {checkpoint.key_id}"
    )


def _check_consistency(document: dict[str, Any], key: PublicKey) -> str:
    old = _signed(document["old"], key)
    new = _signed(document["new"], key)
    proof = [_hash(node) for node in document["proof"]]
    verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof)
    return (
        f"the {old.tree_size}-event tree signed {_iso(old.timestamp)} is a prefix of the "
        f"{new.tree_size}-event tree signed {_iso(new.timestamp)}: nothing before it changed"
    )


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ProofError(f"not JSON: {error}") from None
