"""Verification: recompute the tree from the log, streaming, and compare it with every
kept leaf and signed checkpoint; on the first difference, name what happened there."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence

from application.ledger.ports import EventLog, LedgerStore, Signer
from application.ledger.records import (
    ALTERED,
    BATCH,
    CHECKPOINT,
    INSERTED,
    REMOVED,
    REORDERED,
    Checkpoint,
    StoredEvent,
    Verification,
    encode_leaf,
    encode_row,
    event_digest,
)
from domain.merkle import CompactTree

Progress = Callable[[int, int], None]
"""Called with (events checked, head) now and then."""


class _MismatchError(Exception):
    def __init__(self, position: int | None, kind: str, detail: str) -> None:
        # A tampered topic may hold bytes that are no UTF-8: shown escaped, storable.
        detail = detail.encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(detail)
        self.position, self.kind, self.detail = position, kind, detail


class Verifier:
    """One pass over the log against what the ledger keeps."""

    def __init__(self, log_: EventLog, store: LedgerStore, signer: Callable[[], Signer]) -> None:
        self._log, self._store, self._signer = log_, store, signer

    def run(self, external: Sequence[Checkpoint], progress: Progress | None) -> Verification:
        """The outcome (not yet recorded): intact, or the first difference."""
        try:
            return self._verify(external, progress)
        except _MismatchError as mismatch:
            return Verification(
                ok=False,
                events=self._log.head(),
                position=mismatch.position,
                kind=mismatch.kind,
                detail=mismatch.detail,
            )

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
