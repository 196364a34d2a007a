"""Per-client data keys, wrapped by the master key, in tables of their own outside
the event store (``personal_keys``, ``personal_key_subjects``; migration 0007).

Each client gets a random 256-bit data key on first need; it is stored wrapped
(AES-256-GCM under a key derived from the master key, the client id as associated
data, so a wrapped key cannot be moved to another client). The master key never
enters the database: it comes from ``TSUNAGU_MASTER_KEY`` or the ``master_key``
file in the instance folder (created 0600 on first need). Destroying a client's
key overwrites its wrapped bytes and keeps a tombstone row: nothing can be
sealed for that client again, and everything sealed before reads as erased.

Unwrapped keys are cached in the process for :data:`KEY_CACHE_SECONDS` (replays
read many events of the same client); the process that erases forgets its copy
at once, other processes within that time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from application.privacy import ClientErasedError
from infrastructure.idempotency import idempotent_requests
from infrastructure.secret_files import create_secret_file
from infrastructure.views.schema import UtcDateTime, metadata

KEY_CACHE_SECONDS = 10.0
"""How long a process keeps a client's unwrapped key (or its absence) in memory."""
NONCE_BYTES = 12
PREFETCH_CHUNK = 500
"""Clients whose keys one prefetching query looks up."""
MASTER_KEY_FILE = "master_key"

personal_keys = sa.Table(
    "personal_keys",
    metadata,
    sa.Column("client_id", sa.Uuid, primary_key=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=True),
    sa.Column("master_key_id", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("destroyed_at", UtcDateTime(), nullable=True),
)
"""One row per client with a data key; ``wrapped`` is NULL once it was destroyed."""

personal_key_subjects = sa.Table(
    "personal_key_subjects",
    metadata,
    sa.Column("subject_id", sa.Uuid, primary_key=True),
    sa.Column("client_id", sa.Uuid, nullable=False, index=True),
)
"""Which client's key seals each need's free text."""


class MasterKeyError(ValueError):
    """The master key is malformed, or is not the one the stored keys were wrapped with."""


class MasterKey:
    """The instance's master key and the keys derived from it."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise MasterKeyError("the master key must be 32 bytes (64 hex or 44 base64 characters)")
        self._wrapping = AESGCM(_derive(secret, b"tsunagu personal-data key wrapping"))
        self.blind_index_key = _derive(secret, b"tsunagu blind index")
        self.id = _derive(secret, b"tsunagu master key id")[:16].hex()
        """A fingerprint of the key (not the key), stored with each wrapped key."""

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        """From ``TSUNAGU_MASTER_KEY``: 64 hex characters or base64 of 32 bytes."""
        text = text.strip()
        try:
            secret = (
                bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
            )
        except (ValueError, binascii.Error):
            raise MasterKeyError(
                "TSUNAGU_MASTER_KEY must be 32 bytes as 64 hex or base64 characters"
            ) from None
        return cls(secret)

    @classmethod
    def from_instance(cls, instance_path: Path) -> MasterKey:
        """The key in ``instance_path/master_key``, made (0600) when there is none."""
        path = instance_path / MASTER_KEY_FILE
        for _ in range(100):
            try:
                text = path.read_text(encoding="ascii").strip()
            except FileNotFoundError:
                text = None
            if text:
                return cls.parse(text)
            if text is None and create_secret_file(path, secrets.token_hex(32)):
                continue
            time.sleep(0.02)  # another process created it and is writing the key
        raise MasterKeyError(f"{path} stays empty; remove it and start again")

    def wrap(self, client_id: UUID, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._wrapping.encrypt(nonce, data_key, client_id.bytes)

    def unwrap(self, client_id: UUID, wrapped: bytes) -> bytes:
        try:
            return self._wrapping.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], client_id.bytes
            )
        except InvalidTag:
            raise MasterKeyError(
                f"the data key of client {client_id} does not unwrap with this master key"
            ) from None


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class BlindIndex:
    """Keyed hashes (HMAC-SHA256, key derived from the master key) of search terms:
    equal terms give equal tokens, and a token tells nothing without the key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def token(self, term: str) -> str:
        return hmac.new(self._key, term.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class SqlKeyring:
    """application.privacy.Keyring on ``personal_keys`` and ``personal_key_subjects``."""

    def __init__(
        self,
        writer: Engine,
        master: MasterKey,
        reader: Engine | None = None,
        cache_seconds: float = KEY_CACHE_SECONDS,
    ) -> None:
        self.cache_seconds = cache_seconds
        """How long a key stays cached; unbounded for a database only this process
        uses (``memory://``, one shared connection: its cache is never stale)."""
        self.engine = writer
        self.reader = reader or writer
        """Reads go through the reader: views decrypt events inside their write
        transaction, and on SQLite a second writer would wait for that lock forever."""
        self.master = master
        self._lock = threading.Lock()
        self._keys: dict[UUID, tuple[AESGCM | None, bool, float]] = {}
        self._subjects: dict[UUID, UUID] = {}

    # -- data keys -------------------------------------------------------------------

    def seal(self, client_id: UUID, plaintext: bytes, associated: bytes) -> bytes:
        key = self._key(client_id, create=True)
        if key is None:
            raise ClientErasedError(client_id)
        nonce = os.urandom(NONCE_BYTES)
        return nonce + key.encrypt(nonce, plaintext, associated)

    def open(self, client_id: UUID, sealed: bytes, associated: bytes) -> bytes | None:
        key = self._key(client_id, create=False)
        if key is None:
            return None
        return key.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)

    def is_destroyed(self, client_id: UUID) -> bool:
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(personal_keys.c.wrapped).where(personal_keys.c.client_id == client_id)
            ).first()
        return row is not None and row.wrapped is None

    def destroy(self, client_id: UUID) -> None:
        c = personal_keys.c
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(c.wrapped).where(c.client_id == client_id)).first()
            if row is None:
                conn.execute(
                    personal_keys.insert().values(
                        client_id=client_id,
                        wrapped=None,
                        master_key_id=self.master.id,
                        created_at=datetime.now(UTC),
                        destroyed_at=datetime.now(UTC),
                    )
                )
            elif row.wrapped is not None:
                # Overwrite the bytes in place first (SQLite: secure_delete zeroes the
                # freed cell content), then keep only the tombstone.
                conn.execute(
                    personal_keys.update()
                    .where(c.client_id == client_id)
                    .values(wrapped=bytes(len(row.wrapped)))
                )
                conn.execute(
                    personal_keys.update()
                    .where(c.client_id == client_id)
                    .values(wrapped=None, destroyed_at=datetime.now(UTC))
                )
        with self._lock:
            self._keys[client_id] = (None, True, time.monotonic() + self.cache_seconds)

    def prefetch(self, client_ids: Collection[UUID]) -> None:
        now = time.monotonic()
        with self._lock:
            wanted = [
                client_id
                for client_id in client_ids
                if (cached := self._keys.get(client_id)) is None or cached[2] <= now
            ]
        c = personal_keys.c
        query = sa.select(c.client_id, c.wrapped, c.master_key_id)
        for first in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[first : first + PREFETCH_CHUNK]
            with self.reader.connect() as conn:
                if conn.dialect.name == "postgresql":
                    # One array parameter: psycopg re-parses a query text of hundreds
                    # of placeholders on every call (too long for its cache): 2.5-3.3 ms
                    # a chunk with IN (...), 1.05 ms with = ANY (docs/benchmarks.md).
                    ids = sa.bindparam("ids", chunk, type_=ARRAY(sa.Uuid))
                    found_rows = conn.execute(query.where(c.client_id == sa.any_(ids)))
                else:
                    found_rows = conn.execute(query.where(c.client_id.in_(chunk)))
                rows = found_rows.all()
            found = [(row.client_id, self._unwrapped(row.client_id, row)) for row in rows]
            with self._lock:
                for (client_id, key), row in zip(found, rows, strict=True):
                    self._keys[client_id] = (key, row.wrapped is None, now + self.cache_seconds)

    def _key(self, client_id: UUID, create: bool) -> AESGCM | None:
        now = time.monotonic()
        with self._lock:
            cached = self._keys.get(client_id)
        if cached is not None and cached[2] > now and (cached[0] is not None or cached[1]):
            return cached[0]
        c = personal_keys.c
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(c.wrapped, c.master_key_id).where(c.client_id == client_id)
            ).first()
        destroyed = row is not None and row.wrapped is None
        if row is None and create:
            row = self._create(client_id)
        key = None if row is None else self._unwrapped(client_id, row)
        with self._lock:
            self._keys[client_id] = (key, destroyed, now + self.cache_seconds)
        return key

    def _unwrapped(self, client_id: UUID, row: Any) -> AESGCM | None:
        """The data key of a ``personal_keys`` row; None when destroyed."""
        if row.wrapped is None:
            return None
        if row.master_key_id != self.master.id:
            raise MasterKeyError(
                f"the data key of client {client_id} was wrapped with master key "
                f"{row.master_key_id}, not with the configured one ({self.master.id})"
            )
        return AESGCM(self.master.unwrap(client_id, bytes(row.wrapped)))

    def _create(self, client_id: UUID) -> Any:
        c = personal_keys.c
        row = {
            "client_id": client_id,
            "wrapped": self.master.wrap(client_id, AESGCM.generate_key(bit_length=256)),
            "master_key_id": self.master.id,
            "created_at": datetime.now(UTC),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(personal_keys.insert().values(row))
        except IntegrityError:
            # Another process made it first: use theirs.
            with self.reader.connect() as conn:
                return conn.execute(
                    sa.select(c.wrapped, c.master_key_id).where(c.client_id == client_id)
                ).one()
        return SimpleNamespace(wrapped=row["wrapped"], master_key_id=row["master_key_id"])

    def rewrap(self, new: MasterKey) -> int:
        """Wrap every live data key with ``new`` instead of the current master key, in
        one transaction (all or nothing); returns how many. Erased clients have none."""
        c = personal_keys.c
        count = 0
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(c.client_id, c.wrapped, c.master_key_id).where(c.wrapped.is_not(None))
            ).all()
            for row in rows:
                if row.master_key_id == new.id:
                    continue  # re-wrapped already (a repeated rotation)
                if row.master_key_id != self.master.id:
                    raise MasterKeyError(
                        f"the data key of client {row.client_id} was wrapped with master key "
                        f"{row.master_key_id}, neither the configured one nor the new one"
                    )
                key = self.master.unwrap(row.client_id, bytes(row.wrapped))
                conn.execute(
                    personal_keys.update()
                    .where(c.client_id == row.client_id)
                    .values(wrapped=new.wrap(row.client_id, key), master_key_id=new.id)
                )
                count += 1
        with self._lock:
            self._keys.clear()
        return count

    # -- subjects --------------------------------------------------------------------

    def link(self, subject_id: UUID, client_id: UUID, *, recorded: bool = False) -> None:
        with self._lock:
            if self._subjects.get(subject_id) == client_id:
                return
            if recorded:  # written with the need's events: no transaction of its own
                self._subjects[subject_id] = client_id
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    personal_key_subjects.insert().values(
                        subject_id=subject_id, client_id=client_id
                    )
                )
        except IntegrityError:
            pass  # linked already (a need's first event names its client for good)
        with self._lock:
            self._subjects[subject_id] = client_id

    def client_of(self, subject_id: UUID) -> UUID | None:
        with self._lock:
            known = self._subjects.get(subject_id)
        if known is not None:
            return known
        c = personal_key_subjects.c
        with self.reader.connect() as conn:
            client_id = conn.execute(
                sa.select(c.client_id).where(c.subject_id == subject_id)
            ).scalar()
        if client_id is not None:
            with self._lock:
                self._subjects[subject_id] = client_id
        return client_id

    def subjects(self, client_id: UUID) -> list[UUID]:
        c = personal_key_subjects.c
        with self.reader.connect() as conn:
            return list(
                conn.execute(
                    sa.select(c.subject_id).where(c.client_id == client_id).order_by(c.subject_id)
                ).scalars()
            )


class SqlPersonalTraces:
    """application.privacy.PersonalTraces: the answers kept for Idempotency-Key retries
    (they repeat what was sent, names included), and SQLite's write-ahead log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def forget(self, ids: Iterable[UUID]) -> int:
        needles = [n for i in ids for n in (str(i).encode(), i.hex.encode())]
        t = idempotent_requests
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(t.c.user_id, t.c.key, t.c.body)).all()
            doomed = [r for r in rows if r.body and any(n in bytes(r.body) for n in needles)]
            for r in doomed:
                conn.execute(sa.delete(t).where((t.c.user_id == r.user_id) & (t.c.key == r.key)))
        if self.engine.dialect.name == "sqlite":
            # Old page images stay in the write-ahead log until it is checkpointed.
            raw = self.engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        return len(doomed)
