"""The read-access log: who looked at which client's personal data, when, through
what and why — never the data itself.

Every use case that hands out a client's personal data (name, kana, birth date,
address, phone) or a need's free text (description, goal, notes and reasons)
records the read here *before* it answers. When the entry cannot be written the
read is refused (:class:`AccessLogUnavailableError`, HTTP 503): a read of
sensitive personal information that leaves no trace is what the log exists to
prevent, so it fails closed.

Entries are append-only and hash-chained: each stores the SHA-256 of the previous
entry's hash and its own canonical content (:func:`entry_hash`), so that any change,
removal, insertion or reordering behind the application's back shows in
:meth:`AccessCases.verify` at the first entry that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, Protocol
from uuid import UUID

from application.common import Clock
from application.errors import UnavailableError
from application.security import Actor

log = logging.getLogger(__name__)

GENESIS = "0" * 64
"""The "previous hash" of the first entry."""

EXPORT_PAGE = 1000


class AccessLogUnavailableError(UnavailableError):
    """The read could not be logged, so it was refused (HTTP 503; try again)."""

    code = "access_log.unavailable"

    def __init__(self) -> None:
        super().__init__(
            "the read of personal data could not be recorded in the access log, so it "
            "was refused; try again"
        )


@dataclass(frozen=True)
class AccessRead:
    """One read about to be logged (what the use cases hand to :class:`AccessRecorder`)."""

    client_id: UUID
    what: str
    """What was read: ``client``, ``client_search``, ``need``, ``need_history``, ``need_replay``."""
    need_id: UUID | None = None


@dataclass(frozen=True)
class AccessEntry:
    """One logged read, as stored."""

    seq: int
    """1, 2, 3... without gaps: the entry's place in the chain."""
    at: datetime
    actor_id: UUID
    actor: str
    """The username at the time of the read."""
    client_id: UUID
    need_id: UUID | None
    what: str
    via: str
    """The endpoint or screen (``api:get_client``, ``ui:client``, ``cli:...``)."""
    purpose: str | None
    previous_hash: str
    hash: str

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "seq",
        "at",
        "actor_id",
        "actor",
        "client_id",
        "need_id",
        "what",
        "via",
        "purpose",
        "previous_hash",
        "hash",
    )
    """The fields in the order exports list them."""

    def row(self) -> list[str | int]:
        """The entry as one row of an export (``COLUMNS``), empty text for none."""
        values = [getattr(self, name) for name in self.COLUMNS]
        return [
            v
            if isinstance(v, int)
            else ""
            if v is None
            else v.isoformat()
            if isinstance(v, datetime)
            else str(v)
            for v in values
        ]

    def canonical(self) -> str:
        """The content the hash covers, one canonical JSON text."""
        return canonical(
            self.seq,
            self.at,
            self.actor_id,
            self.actor,
            self.client_id,
            self.need_id,
            self.what,
            self.via,
            self.purpose,
        )


def canonical(
    seq: int,
    at: datetime,
    actor_id: UUID,
    actor: str,
    client_id: UUID,
    need_id: UUID | None,
    what: str,
    via: str,
    purpose: str | None,
) -> str:
    return json.dumps(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor_id": str(actor_id),
            "actor": actor,
            "client_id": str(client_id),
            "need_id": str(need_id) if need_id is not None else None,
            "what": what,
            "via": via,
            "purpose": purpose,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def entry_hash(previous_hash: str, content: str) -> str:
    """SHA-256 (hex) of the previous entry's hash and this entry's canonical content."""
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class AccessQuery:
    """Filters of the access log (all optional)."""

    client_id: UUID | None = None
    actor_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int = 0
    """Only entries after this ``seq`` (the cursor)."""


@dataclass(frozen=True)
class AccessVerification:
    """The outcome of checking the chain from its first entry."""

    entries: int
    """How many entries were checked."""
    head_hash: str
    """The last entry's hash (keep it: removing entries at the end shows only against it)."""
    broken_seq: int | None = None
    """The first entry that does not fit (None: intact)."""
    problem: str | None = None
    """``missing`` (a gap in the numbering: an entry removed), ``altered`` (its content
    no longer gives its hash) or ``unlinked`` (its link names another previous entry:
    put in or moved there)."""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


class AccessLog(Protocol):
    """The append-only, hash-chained store of reads."""

    def append(self, actor: Actor, reads: list[AccessRead], at: datetime) -> None:
        """Chain one entry per read after the newest, atomically (all or none); raises
        on any failure."""

    def search(self, query: AccessQuery, limit: int) -> list[AccessEntry]:
        """Entries matching ``query`` after its cursor, in chain order."""

    def entries(self) -> Iterator[AccessEntry]:
        """Every entry in stored order (by ``seq``), streamed, for verification."""


def verify(entries: Iterable[AccessEntry]) -> AccessVerification:
    """Walk the chain; stop at the first entry whose place, link or hash is wrong."""
    previous = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        problem = None
        if entry.seq != expected_seq:
            problem = "missing"  # a gap in the numbering: entries were removed
        elif entry_hash(entry.previous_hash, entry.canonical()) != entry.hash:
            problem = "altered"  # its content (or hash) is not what was written
        elif entry.previous_hash != previous:
            problem = "unlinked"  # whole in itself, but chained after another entry
        if problem is not None:
            return AccessVerification(count, previous, expected_seq, problem)
        previous = entry.hash
        expected_seq += 1
        count += 1
    return AccessVerification(count, previous)


class AccessRecorder:
    """What use cases call to log a read before they answer (fails closed)."""

    def __init__(self, log: AccessLog, clock: Clock) -> None:
        self._log = log
        self._clock = clock

    def record(self, actor: Actor, reads: list[AccessRead]) -> None:
        if not reads:
            return
        try:
            self._log.append(actor, reads, self._clock())
        except Exception as error:
            log.warning("a read was refused: the access log could not be written: %r", error)
            raise AccessLogUnavailableError() from error


class AccessCases:
    """What auditors do with the access log: search it, export it, verify it."""

    def __init__(self, log: AccessLog) -> None:
        self._log = log

    def search(self, query: AccessQuery, actor: Actor, *, limit: int = 100) -> list[AccessEntry]:
        """Entries after the query's cursor, in chain order (at most ``limit``, 1-1000)."""
        actor.require("audit.read")
        return self._log.search(query, min(max(limit, 1), 1000))

    def all(self, query: AccessQuery, actor: Actor) -> Iterator[AccessEntry]:
        """Every matching entry after the cursor, read page by page (for exports)."""
        actor.require("audit.read")  # now, not when the first entry is read
        return self._pages(query)

    def _pages(self, query: AccessQuery) -> Iterator[AccessEntry]:
        after = query.after
        while True:
            page = self._log.search(replace(query, after=after), EXPORT_PAGE)
            yield from page
            if len(page) < EXPORT_PAGE:
                return
            after = page[-1].seq

    def verify(self, actor: Actor) -> AccessVerification:
        actor.require("audit.read")
        return verify(self._log.entries())
