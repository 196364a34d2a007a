"""The ledger's ports: the log it reads, the tables it keeps, the key it signs with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from application.ledger.records import Checkpoint, Leaf, Row, Verification


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
