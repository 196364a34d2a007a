"""The clients' data keys, made in bulk for the scale generator.

:class:`~infrastructure.keystore.SqlKeyring` makes a client's key in a
transaction of its own on first need and links each need in another: right for
one command, a transaction per client and per need for a million of them. This
keyring writes the very same rows (a random AES-256 key wrapped by the master
key, the client id as associated data; the need → client links) with one
``executemany`` per batch, and seals with the same key objects, so the
:class:`~application.privacy.SealingMapper` stores exactly what the application
stores and every reader opens it with the ordinary keyring.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Engine

from infrastructure.keystore import (
    NONCE_BYTES,
    MasterKey,
    SqlKeyring,
    personal_key_subjects,
    personal_keys,
)


class BulkKeyring(SqlKeyring):
    """A keyring whose new keys and links are written in batches (:meth:`flush`)."""

    def __init__(self, writer: Engine, master: MasterKey, reader: Engine) -> None:
        super().__init__(writer, master, reader)
        self._made: dict[UUID, AESGCM] = {}
        self._linked: dict[UUID, UUID] = {}
        self._new_keys: list[dict[str, Any]] = []
        self._new_links: list[dict[str, Any]] = []

    def make_key(self, client_id: UUID) -> None:
        """A new client's data key (written by the next :meth:`flush_keys`)."""
        key = AESGCM.generate_key(bit_length=256)
        self._made[client_id] = AESGCM(key)
        self._new_keys.append(
            {
                "client_id": client_id,
                "wrapped": self.master.wrap(client_id, key),
                "master_key_id": self.master.id,
                "created_at": datetime.now(UTC),
            }
        )

    def forget(self, client_id: UUID, need_ids: list[UUID]) -> None:
        """Drop a client whose last need has ended from memory (its rows stay)."""
        self._made.pop(client_id, None)
        for need_id in need_ids:
            self._linked.pop(need_id, None)

    def seal(self, client_id: UUID, plaintext: bytes, associated: bytes) -> bytes:
        key = self._made.get(client_id)
        if key is None:
            return super().seal(client_id, plaintext, associated)
        nonce = os.urandom(NONCE_BYTES)
        return nonce + key.encrypt(nonce, plaintext, associated)

    def link(self, subject_id: UUID, client_id: UUID, *, recorded: bool = False) -> None:
        if self._linked.get(subject_id) == client_id:
            return
        self._linked[subject_id] = client_id
        if not recorded:
            self._new_links.append({"subject_id": subject_id, "client_id": client_id})

    def client_of(self, subject_id: UUID) -> UUID | None:
        return self._linked.get(subject_id) or super().client_of(subject_id)

    def flush_keys(self) -> None:
        """Write the keys made since the last flush (before the events they seal)."""
        if self._new_keys:
            with self.engine.begin() as conn:
                conn.execute(personal_keys.insert(), self._new_keys)
            self._new_keys = []

    def flush_links(self) -> None:
        """Write the need → client links recorded since the last flush."""
        if self._new_links:
            with self.engine.begin() as conn:
                conn.execute(personal_key_subjects.insert(), self._new_links)
            self._new_links = []
