"""The ledger's use cases: extend and sign the tree, prove, run verifications."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from application.common import Clock
from application.errors import NotFoundError
from application.ledger.ports import EventLog, LedgerStore, PublicKey, Signer
from application.ledger.records import (
    BATCH,
    CONSISTENCY_FORMAT,
    GAP_WAIT,
    INCLUSION_FORMAT,
    MAX_POSITION,
    Checkpoint,
    CheckpointNeededError,
    Leaf,
    LedgerError,
    Row,
    StoredEvent,
    Verification,
    encode_leaf,
    encode_row,
    event_digest,
)
from application.ledger.verifier import Progress, Verifier
from application.security import Actor
from domain.merkle import CompactTree, consistency_proof, inclusion_proof, leaf_hash

log = logging.getLogger(__name__)

JOB_HEARTBEAT = timedelta(seconds=30)
"""How often a running verification job records that it is alive (at most)."""
JOB_STALE_AFTER = timedelta(minutes=10)
"""A running job with no sign of life for this long is marked ``stale``: the process
running it stopped (restart, crash, OOM kill) and nothing will finish it."""


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
        self._job_lock = threading.Lock()
        self._job: Verification | None = None
        """The verification job running in this process (at most one)."""

    # -- extending and signing ----------------------------------------------------------

    def catch_up(self, upto: int | None = None, saved: Sequence[Any] = ()) -> int:
        """Add the new events as leaves; sign a checkpoint when ``every_events``
        leaves or ``every`` time have passed since the last. Returns leaves added.
        Always up to the head (or a gap that may still fill), whatever ``upto`` and
        ``saved`` say (the leaves hash the rows as stored)."""
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

    def prove(self, position: int, actor: Actor | None = None, sign: bool = True) -> dict[str, Any]:
        """An inclusion proof of the event at ``position`` in the latest checkpoint's tree,
        with that checkpoint. When the event is newer, one is signed now, or with
        ``sign=False`` (a read that must not write) CheckpointNeededError is raised."""
        if actor is not None:
            actor.require("ledger.read")
        if not 1 <= position <= MAX_POSITION:
            raise NotFoundError("event", position)
        found = self._store.leaf_at(position)
        latest = self.latest()
        if found is None or latest is None or found.index >= latest.tree_size:
            if not sign:
                self._event_row(position)  # NotFoundError when there is no such event
                raise CheckpointNeededError(position)
            self.checkpoint()
            found = self._store.leaf_at(position)
            latest = self.latest()
        if found is None or latest is None:
            raise NotFoundError("event", position)
        event = StoredEvent.of(self._event_row(position))
        path = inclusion_proof(self._leaf_hashes, found.index, latest.tree_size)
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

    def _event_row(self, position: int) -> Row:
        rows = self._log.rows(position - 1, 1)
        if not rows or rows[0][0] != position:
            raise NotFoundError("event", position)
        return rows[0]

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
        result = Verifier(self._log, self._store, self._signer).run(external, progress)
        result = replace(result, started_at=started, finished_at=self._clock(), actor=actor)
        ident = self._store.save_verification(result)
        return replace(result, id=ident)

    def verify_in_background(self, actor: str) -> Verification:
        """Start a verification job in a thread of this process and return it to poll;
        while one runs here, return that one instead (at most one per process)."""
        with self._job_lock:
            if self._job is not None:
                return self._job
            job = self._job = self.start_verification(actor)
        threading.Thread(
            target=self._run_job, args=(job,), name="tsunagu-ledger-verify", daemon=True
        ).start()
        return job

    def _run_job(self, job: Verification) -> None:
        try:
            self.finish(job)
        except Exception:
            log.exception("ledger verification %d failed to run", job.id)
            self._store.save_verification(
                replace(
                    job,
                    status="stale",
                    finished_at=self._clock(),
                    detail="it stopped with an error (see the server log); start a new "
                    "verification",
                )
            )
        finally:
            with self._job_lock:
                self._job = None

    def start_verification(self, actor: str) -> Verification:
        """Record a running verification (its job), to finish with :meth:`finish`."""
        now = self._clock()
        running = Verification(status="running", started_at=now, finished_at=now, actor=actor)
        return replace(running, id=self._store.save_verification(running))

    def finish(self, job: Verification) -> Verification:
        """Run the job's verification, recording a heartbeat now and then."""
        last = [job.finished_at or self._clock()]

        def heartbeat(checked: int, _head: int) -> None:
            now = self._clock()
            if now - last[0] >= JOB_HEARTBEAT:
                last[0] = now
                self._store.save_verification(replace(job, events=checked, finished_at=now))

        done = self.verify(actor=job.actor, progress=heartbeat)
        result = replace(done, id=job.id, started_at=job.started_at)
        self._store.save_verification(result)
        return result

    def verification(self, ident: int, actor: Actor) -> Verification:
        """A verification; a running one silent for ``JOB_STALE_AFTER`` is answered as
        stale (derived when read: reading writes nothing)."""
        actor.require("ledger.verify")
        found = self._store.verification(ident) if 1 <= ident <= MAX_POSITION else None
        if found is None:
            raise NotFoundError("verification", ident)
        now = self._clock()
        alive = found.finished_at or found.started_at or now
        if found.status == "running" and now - alive > JOB_STALE_AFTER:
            return replace(
                found,
                status="stale",
                finished_at=alive,
                detail=f"no sign of life since {alive.isoformat(timespec='seconds')}: the "
                "process running it stopped; start a new verification",
            )
        return found

    def last_verification(self) -> Verification | None:
        return self._store.last_verification()

    def head(self) -> int:
        return self._log.head()
