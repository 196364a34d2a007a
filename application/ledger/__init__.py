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

The package: ``records`` (the leaf encoding, checkpoints, verification results),
``ports``, ``service`` (the :class:`Ledger` use cases: extend, sign, prove, run
verifications), ``verifier`` (recomputing and classifying differences) and
``proofs`` (checking proofs offline). Callers import from ``application.ledger``.
"""

from application.ledger.ports import EventLog, LedgerStore, PublicKey, Signer
from application.ledger.proofs import check_proof, load_json
from application.ledger.records import (
    ALTERED,
    BATCH,
    CHECKPOINT,
    CHECKPOINT_FORMAT,
    CONSISTENCY_FORMAT,
    GAP_WAIT,
    INCLUSION_FORMAT,
    INSERTED,
    LEAF_FORMAT,
    MAX_POSITION,
    REMOVED,
    REORDERED,
    Checkpoint,
    CheckpointNeededError,
    Leaf,
    LedgerError,
    ProofError,
    Row,
    StoredEvent,
    Verification,
    decode_leaf,
    encode_leaf,
    encode_row,
    event_digest,
)
from application.ledger.service import JOB_HEARTBEAT, JOB_STALE_AFTER, Ledger
from application.ledger.verifier import Progress

__all__ = [
    "ALTERED",
    "BATCH",
    "CHECKPOINT",
    "CHECKPOINT_FORMAT",
    "CONSISTENCY_FORMAT",
    "GAP_WAIT",
    "INCLUSION_FORMAT",
    "INSERTED",
    "JOB_HEARTBEAT",
    "JOB_STALE_AFTER",
    "LEAF_FORMAT",
    "MAX_POSITION",
    "REMOVED",
    "REORDERED",
    "Checkpoint",
    "CheckpointNeededError",
    "EventLog",
    "Leaf",
    "Ledger",
    "LedgerError",
    "LedgerStore",
    "Progress",
    "ProofError",
    "PublicKey",
    "Row",
    "Signer",
    "StoredEvent",
    "Verification",
    "check_proof",
    "decode_leaf",
    "encode_leaf",
    "encode_row",
    "event_digest",
    "load_json",
]
