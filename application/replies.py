"""Port: the answers to commands sent with an Idempotency-Key.

A client that did not get an answer (a timeout, a dropped connection) sends the
same command again with the same key and gets the first answer, whichever web
server takes it; the same key with a different request is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Answer:
    """What a command answered the first time."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ``claimed`` (run the command), or the first
    request's ``answer``, or a ``mismatch`` (another request used the key), or
    ``pending`` (the first request is still running)."""

    claimed: bool = False
    answer: Answer | None = None
    mismatch: bool = False
    pending: bool = False


class IdempotentRequests(Protocol):
    """Claims, answers and releases of idempotency keys, per user."""

    def claim(self, user_id: str, key: str, fingerprint: str, now: datetime) -> Claim:
        """Claim ``key`` for a request with ``fingerprint``, or say why not."""

    def answer(self, user_id: str, key: str, answer: Answer, now: datetime) -> None:
        """Keep the answer of the claimed key's command for replays."""

    def release(self, user_id: str, key: str) -> None:
        """The command changed nothing: the key may be used again at once."""
