"""Checking proofs offline: with only the public key and the proof files, no database."""

from __future__ import annotations

import base64
import json
from typing import Any

from application.ledger.ports import PublicKey
from application.ledger.records import (
    CHECKPOINT_FORMAT,
    CONSISTENCY_FORMAT,
    INCLUSION_FORMAT,
    Checkpoint,
    ProofError,
    _count,
    _hash,
    _iso,
    decode_leaf,
)
from domain.merkle import InvalidProofError, leaf_hash, verify_consistency, verify_inclusion


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
