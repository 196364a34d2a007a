"""The ledger's tables, the event log as stored, and the Ed25519 signing key.

The key never enters the database: it comes from ``TSUNAGU_LEDGER_KEY`` (a PEM
private key, or 64 hex digits of an Ed25519 seed) or from ``ledger_key.pem`` in
the instance folder, created with mode 0600 the first time a checkpoint is signed.
"""

from __future__ import annotations

import binascii
import hashlib
import time
from binascii import unhexlify
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from application.ledger import Checkpoint, Leaf, LedgerError, Row, Verification
from application.store import EventStore
from infrastructure.secret_files import create_secret_file
from infrastructure.views.schema import UtcDateTime, metadata

KEY_FILE = "ledger_key.pem"

ledger_leaves = sa.Table(
    "ledger_leaves",
    metadata,
    sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("event_digest", sa.LargeBinary(32), nullable=False, index=True),
)

ledger_checkpoints = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("last_position", sa.BigInteger, nullable=False),
    sa.Column("signed_at", UtcDateTime(), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("signature", sa.LargeBinary(64), nullable=False),
    sa.Column("compact", sa.LargeBinary, nullable=False),
)

ledger_verifications = sa.Table(
    "ledger_verifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("events", sa.BigInteger, nullable=False),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("checkpoints", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=True),
    sa.Column("kind", sa.String(20), nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("actor", sa.String(200), nullable=False),
)


class StoredEventLog:
    """application.ledger.EventLog on the eventsourcing recorder's rows.

    On SQLite the rows are read with one plain query on the reader's driver
    connection: the recorder's own method builds a UUID and an object per row,
    which halved verify's rate (38,800 instead of 50,000+ events/s, measured).
    """

    def __init__(
        self, store: EventStore, gaps_are_final: bool, sqlite: Engine | None = None
    ) -> None:
        self._store = store
        self.gaps_are_final = gaps_are_final
        """SQLite and memory write one transaction at a time; PostgreSQL does not."""
        self._sqlite = sqlite
        """The engine of the SQLite file holding the event store, if it is one."""

    def head(self) -> int:
        return self._store.head()

    def rows(self, after: int, limit: int) -> Sequence[Row]:
        if self._sqlite is not None:
            return self._sqlite_rows(self._sqlite, after, limit)
        notifications = self._store.recorder.select_notifications(start=after + 1, limit=limit)
        return [
            (
                n.id,
                _uuid(n.originator_id).bytes,
                int(n.originator_version),
                n.topic,
                bytes(n.state),
            )
            for n in notifications
        ]

    @staticmethod
    def _sqlite_rows(reader: Engine, after: int, limit: int) -> list[Row]:
        connection = reader.raw_connection()
        try:
            cursor = connection.cursor()
            # Every column as the bytes stored: a value written past the recorder (text
            # where a blob belongs, bytes that are no UTF-8) is compared, never a crash.
            cursor.execute(
                "SELECT rowid, CAST(originator_id AS BLOB), originator_version, "
                "CAST(topic AS BLOB), CAST(state AS BLOB) "
                "FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, limit),
            )
            rows: list[Row] = []
            names: dict[bytes | None, str] = {}  # a few dozen topics, decoded once
            for position, originator, version, topic, state in cursor.fetchall():
                name = names.get(topic)
                if name is None:
                    name = names[topic] = (topic or b"").decode("utf-8", "surrogateescape")
                if type(version) is int and 0 <= version < 2**64 and len(originator or b"") == 32:
                    try:
                        rows.append((position, unhexlify(originator), version, name, state or b""))
                        continue
                    except (binascii.Error, ValueError):
                        pass
                rows.append(_as_stored(position, originator, version, name, state))
            return rows
        finally:
            connection.close()


def _as_stored(position: int, originator: Any, version: Any, topic: Any, state: Any) -> Row:
    """A row someone wrote past the recorder (a text state, an id that is no UUID):
    encoded from what is there, so that it is compared, never crashes verify."""
    try:
        text = originator.decode("ascii") if isinstance(originator, bytes) else originator
        originator_bytes = _uuid(text).bytes
    except (TypeError, ValueError, AttributeError):
        originator_bytes = hashlib.sha256(repr(originator).encode("utf-8")).digest()[:16]
    try:
        number = int(version)
    except (TypeError, ValueError):
        number = 0
    raw = state if isinstance(state, bytes) else str(state).encode("utf-8", "surrogateescape")
    return (position, originator_bytes, number % 2**64, str(topic), raw)


def _uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class SqlLedgerStore:
    """application.ledger.LedgerStore on tables of ours (Alembic revision 0006)."""

    def __init__(self, reader: Engine, writer: Engine) -> None:
        self.reader, self.writer = reader, writer

    def size(self) -> tuple[int, int]:
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(ledger_leaves.c.leaf_index, ledger_leaves.c.position)
                .order_by(ledger_leaves.c.leaf_index.desc())
                .limit(1)
            ).first()
        return (int(row.leaf_index) + 1, int(row.position)) if row else (0, 0)

    def append(self, leaves: Sequence[Leaf]) -> bool:
        if not leaves:
            return True
        try:
            with self.writer.begin() as conn:
                last = conn.execute(sa.select(sa.func.max(ledger_leaves.c.leaf_index))).scalar()
                if (-1 if last is None else int(last)) + 1 != leaves[0].index:
                    return False
                conn.execute(
                    sa.insert(ledger_leaves),
                    [
                        {
                            "leaf_index": leaf.index,
                            "position": leaf.position,
                            "leaf_hash": leaf.hash,
                            "event_digest": leaf.digest,
                        }
                        for leaf in leaves
                    ],
                )
        except IntegrityError:
            return False
        return True

    def leaves(self, start: int, end: int) -> Sequence[Leaf]:
        t = ledger_leaves
        with self.reader.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.leaf_index, t.c.position, t.c.leaf_hash, t.c.event_digest)
                .where(t.c.leaf_index >= start, t.c.leaf_index < end)
                .order_by(t.c.leaf_index)
            ).all()
        return [Leaf(int(r[0]), int(r[1]), bytes(r[2]), bytes(r[3])) for r in rows]

    def hashes(self, start: int, end: int) -> Sequence[tuple[int, bytes]]:
        # On the driver's cursor: verify reads every leaf, and SQLAlchemy's rows cost
        # as much as the hashing (measured).
        query = str(
            sa.select(ledger_leaves.c.position, ledger_leaves.c.leaf_hash)
            .where(
                ledger_leaves.c.leaf_index >= sa.bindparam("start"),
                ledger_leaves.c.leaf_index < sa.bindparam("end"),
            )
            .order_by(ledger_leaves.c.leaf_index)
            .compile(dialect=self.reader.dialect)
        )
        params: Any = (
            {"start": start, "end": end}
            if self.reader.dialect.paramstyle in ("named", "pyformat")
            else (start, end)
        )
        connection = self.reader.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(query, params)
            return [(position, bytes(hashed)) for position, hashed in cursor.fetchall()]
        finally:
            connection.close()

    def leaf_at(self, position: int) -> Leaf | None:
        t = ledger_leaves
        with self.reader.connect() as conn:
            r = conn.execute(sa.select(t).where(t.c.position == position)).first()
        return Leaf(int(r[0]), int(r[1]), bytes(r[2]), bytes(r[3])) if r else None

    def positions_of(self, digest: bytes) -> list[int]:
        t = ledger_leaves
        query = sa.select(t.c.position).where(t.c.event_digest == digest).order_by(t.c.position)
        with self.reader.connect() as conn:
            rows: list[Any] = list(conn.execute(query).scalars())
        found = [int(p) for p in rows]
        return found

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        try:
            with self.writer.begin() as conn:
                conn.execute(
                    sa.insert(ledger_checkpoints).values(
                        tree_size=checkpoint.tree_size,
                        root_hash=checkpoint.root_hash,
                        last_position=checkpoint.last_position,
                        signed_at=checkpoint.timestamp,
                        key_id=checkpoint.key_id,
                        signature=checkpoint.signature,
                        compact=b"".join(checkpoint.compact),
                    )
                )
        except IntegrityError:
            pass  # another process signed this size first: one checkpoint per size

    def checkpoints(self, limit: int | None = None) -> list[Checkpoint]:
        query = sa.select(ledger_checkpoints).order_by(ledger_checkpoints.c.tree_size.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.reader.connect() as conn:
            return [_checkpoint(row) for row in conn.execute(query)]

    def checkpoint_of_size(self, size: int) -> Checkpoint | None:
        t = ledger_checkpoints
        with self.reader.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.tree_size == size)).first()
        return _checkpoint(row) if row else None

    def save_verification(self, verification: Verification) -> int:
        t = ledger_verifications
        values = {
            "status": verification.status,
            "ok": verification.ok,
            "events": verification.events,
            "tree_size": verification.tree_size,
            "root_hash": verification.root_hash,
            "checkpoints": verification.checkpoints,
            "position": verification.position,
            "kind": verification.kind,
            "detail": verification.detail,
            "started_at": verification.started_at,
            "finished_at": verification.finished_at,
            "actor": verification.actor,
        }
        with self.writer.begin() as conn:
            if verification.id:
                conn.execute(sa.update(t).where(t.c.id == verification.id).values(values))
                return verification.id
            inserted = conn.execute(sa.insert(t).values(values)).inserted_primary_key
            assert inserted is not None  # noqa: S101 - an insert has a key
            return int(inserted[0])

    def verification(self, ident: int) -> Verification | None:
        t = ledger_verifications
        with self.reader.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.id == ident)).first()
        return _verification(row) if row else None

    def last_verification(self) -> Verification | None:
        t = ledger_verifications
        with self.reader.connect() as conn:
            row = conn.execute(
                sa.select(t).where(t.c.status == "done").order_by(t.c.id.desc()).limit(1)
            ).first()
        return _verification(row) if row else None


def _checkpoint(row: sa.Row[tuple[object, ...]]) -> Checkpoint:
    m = row._mapping
    compact = bytes(m["compact"])
    return Checkpoint(
        tree_size=int(m["tree_size"]),
        root_hash=bytes(m["root_hash"]),
        last_position=int(m["last_position"]),
        timestamp=m["signed_at"],
        key_id=str(m["key_id"]),
        signature=bytes(m["signature"]),
        compact=tuple(compact[i : i + 32] for i in range(0, len(compact), 32)),
    )


def _verification(row: sa.Row[tuple[object, ...]]) -> Verification:
    m = row._mapping
    return Verification(
        id=int(m["id"]),
        status=str(m["status"]),
        ok=bool(m["ok"]),
        events=int(m["events"]),
        tree_size=int(m["tree_size"]),
        root_hash=str(m["root_hash"]),
        checkpoints=int(m["checkpoints"]),
        position=None if m["position"] is None else int(m["position"]),
        kind=m["kind"],
        detail=str(m["detail"]),
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        actor=str(m["actor"]),
    )


# -- keys ----------------------------------------------------------------------------------


class Ed25519PublicKeyChecker:
    """application.ledger.PublicKey: checks checkpoint signatures."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> Ed25519PublicKeyChecker:
        """A PEM public key, or the 32 raw bytes in hex or base64."""
        text = text.strip()
        try:
            if text.startswith("-----BEGIN"):
                key = serialization.load_pem_public_key(text.encode("ascii"))
                if not isinstance(key, Ed25519PublicKey):
                    raise LedgerError("the public key is not an Ed25519 key")
                return cls(key)
            raw = bytes.fromhex(text) if len(text) == 64 else _b64(text)
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except LedgerError:
            raise
        except ValueError as error:
            raise LedgerError(f"not an Ed25519 public key: {error}") from None

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def pem(self) -> str:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text, validate=True)


class Ed25519Signer:
    """application.ledger.Signer with a key from the environment or the instance folder."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._public = Ed25519PublicKeyChecker(key.public_key())
        self.key_id = self._public.key_id

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_key(self) -> Ed25519PublicKeyChecker:
        return self._public

    @classmethod
    def from_text(cls, text: str) -> Ed25519Signer:
        """A PEM (PKCS#8) private key, or 64 hex digits of an Ed25519 seed."""
        text = text.strip()
        try:
            if text.startswith("-----BEGIN"):
                key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
                if not isinstance(key, Ed25519PrivateKey):
                    raise LedgerError("TSUNAGU_LEDGER_KEY is not an Ed25519 key")
                return cls(key)
            return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text)))
        except LedgerError:
            raise
        except (ValueError, TypeError) as error:
            raise LedgerError(
                f"TSUNAGU_LEDGER_KEY is neither an Ed25519 PEM key nor 64 hex digits: {error}"
            ) from None

    @classmethod
    def generate(cls) -> Ed25519Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_instance(cls, instance_path: Path) -> Ed25519Signer:
        """The key in the instance folder, made (mode 0600) the first time it is needed."""
        path = instance_path / KEY_FILE
        for _ in range(100):
            try:
                text = path.read_text(encoding="ascii")
            except FileNotFoundError:
                text = None
            if text and text.strip().endswith("-----"):
                return cls.from_text(text)
            if text is None:
                pem = (
                    Ed25519PrivateKey.generate()
                    .private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                    .decode("ascii")
                )
                if create_secret_file(path, pem):
                    return cls.from_text(pem)
            time.sleep(0.02)  # another process is writing it
        raise LedgerError(f"{path} stays incomplete; restore the key or remove the file")
