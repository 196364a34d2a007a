"""The client directory: find a client by display code, kana or name; show one client.

Rows hold the pseudonymous case data and, in a column of its own, the personal
data that identifies the person, so that a need's detail page shows its client
from this table instead of replaying a second stream. Personal data leaves the
adapter only through ``card(..., with_personal=True)``; search results never
carry it.

Search does not keep the kana or the name in plain text: ``client_search`` holds
a keyed blind index — the HMAC (key derived from the master key) of every
prefix of the normalised kana and name, whole and of each part (family name,
given name). A search finds a client whose kana or name, or one of their parts,
*starts with* the text (release 0.1.0 matched the kana anywhere inside).
When the client's personal data is erased, the row forgets the personal data
and the client's tokens are deleted, in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from application.clients import ClientCard, ClientName, ClientSummary
from domain.client import Client
from domain.values import CareLevel, NeedStatus, PersonalData, display_code
from infrastructure.keystore import BlindIndex
from infrastructure.views.schema import UtcDateTime, case_board, view_metadata
from infrastructure.views.view import Handler, View

client_directory = sa.Table(
    "client_directory",
    view_metadata,
    sa.Column("client_id", sa.Uuid, primary_key=True),
    sa.Column("display_code", sa.String(16), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("center_code", sa.String(32), nullable=False, index=True),
    sa.Column("area_code", sa.String(32), nullable=False),
    sa.Column("care_level", sa.String(32), nullable=False),
    sa.Column("frailty", sa.Boolean, nullable=False),
    sa.Column("assessed_on", sa.String(10), nullable=True),
    sa.Column("registered_at", UtcDateTime(), nullable=False),
    sa.Column("personal", sa.JSON, nullable=True),
    sa.Column("erased", sa.Boolean, nullable=False, default=False),
)

client_search = sa.Table(
    "client_search",
    view_metadata,
    sa.Column("token", sa.String(32), primary_key=True),
    sa.Column("client_id", sa.Uuid, primary_key=True, index=True),
)
"""The blind index: one row per (keyed hash of a search prefix, client)."""

PREFIX_MAX = 24
"""Longest prefix indexed (characters): longer search texts are cut to it."""

_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_SPACES = re.compile(r"\s+")
_CODE = re.compile(r"^(C-?)?[A-Z2-7]{2,8}$")


def kana_key(text: str) -> str:
    """Kana as searched: NFKC (half-width to full-width), katakana, no spaces."""
    normal = unicodedata.normalize("NFKC", text)
    katakana = _HIRAGANA.sub(lambda m: chr(ord(m.group(0)) + 0x60), normal)
    return _SPACES.sub("", katakana).upper()


def search_terms(personal: PersonalData) -> set[str]:
    """Every normalised prefix a search may use to find this person."""
    terms: set[str] = set()
    for text in (personal.name_kana, personal.name):
        if not text:
            continue
        normal = unicodedata.normalize("NFKC", text)
        for part in [normal, *_SPACES.split(normal.strip())]:
            key = kana_key(part)[:PREFIX_MAX]
            terms.update(key[:length] for length in range(1, len(key) + 1))
    return terms


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ClientDirectoryView(View):
    """``client_directory``: one row per client."""

    name = "client_directory"
    tables: ClassVar = (client_directory, client_search)
    lookups = frozenset({"client_search.client_id"})  # an erasure deletes the client's tokens
    version = 3
    """2: blind index instead of the plain kana, erasure. 3: the blind index's rows
    indexed by client too (an erasure scanned every client's tokens for its own)."""
    blind_index: ClassVar[BlindIndex | None] = None

    @classmethod
    def keyed(cls, blind_index: BlindIndex) -> ClientDirectoryView:
        """The view, hashing search prefixes with ``blind_index``."""
        keyed = type(
            cls.__name__,
            (cls,),
            {"blind_index": blind_index, "__module__": cls.__module__},
        )
        view: ClientDirectoryView = keyed()
        return view

    def handlers(self) -> dict[type, Handler]:
        return {
            Client.Registered: self._registered,
            Client.CareLevelChanged: self._assessed,
            Client.PersonalDataErased: self._erased,
            Client.ContactChanged: self._contact_changed,
        }

    def _tokens(self, personal: PersonalData) -> set[str]:
        if self.blind_index is None:  # built without keyed(): no search (e.g. a scratch copy)
            return set()
        return {self.blind_index.token(term) for term in search_terms(personal)}

    def _contact_changed(self, conn: Connection, e: Any, position: int) -> None:
        personal: PersonalData | None = e.personal  # None: erased since
        self._update(
            conn,
            e,
            personal=None
            if personal is None
            else {**asdict(personal), "birth_date": personal.birth_date.isoformat()},
        )

    def _registered(self, conn: Connection, e: Any, position: int) -> None:
        personal: PersonalData | None = e.personal
        tokens = self._tokens(personal) if personal is not None else set()
        for token in sorted(tokens):  # one executemany per batch
            self.insert_later(self.t.client_search, {"token": token, "client_id": e.originator_id})
        self.add_row(
            self.t.client_directory,
            {
                "client_id": e.originator_id,
                "display_code": display_code("C", e.originator_id),
                "version": e.originator_version,
                "center_code": e.center_code,
                "area_code": e.area_code,
                "care_level": e.care_level.value,
                "frailty": bool(e.frailty),
                "registered_at": e.timestamp,
                "personal": None
                if personal is None
                else {**asdict(personal), "birth_date": personal.birth_date.isoformat()},
                "erased": personal is None,
            },
        )

    def _erased(self, conn: Connection, e: Any, position: int) -> None:
        self._update(conn, e, personal=None, erased=True)
        self.flush(conn)  # the batch's tokens are in the table before they are deleted
        conn.execute(
            self.t.client_search.delete().where(self.t.client_search.c.client_id == e.originator_id)
        )

    def _assessed(self, conn: Connection, e: Any, position: int) -> None:
        self._update(conn, e, care_level=e.care_level.value, assessed_on=e.assessed_on.isoformat())

    def _update(self, conn: Connection, e: Any, **values: Any) -> None:
        row = self.row(conn, self.t.client_directory, e.originator_id)
        if row is not None:  # (an UPDATE of no row did nothing either)
            row.update(version=e.originator_version, **values)


class SqlClientDirectory:
    """application.oversight_ports.ClientDirectory on ``client_directory``."""

    def __init__(self, engine: Engine, blind_index: BlindIndex) -> None:
        self.engine = engine
        self.blind_index = blind_index

    def search(self, text: str, center_code: str | None, limit: int) -> list[ClientSummary]:
        c = client_directory.c
        query = sa.select(client_directory).order_by(c.registered_at.desc(), c.client_id)
        code = text.strip().upper().replace(" ", "")
        kana = kana_key(text)
        if not kana:
            return []
        token = self.blind_index.token(kana[:PREFIX_MAX])
        matching = sa.select(client_search.c.client_id).where(client_search.c.token == token)
        conditions = [c.client_id.in_(matching)]
        if _CODE.fullmatch(code):
            prefix = code if code.startswith("C-") else "C-" + code
            conditions.append(c.display_code.like(f"{_like(prefix)}%", escape="\\"))
        query = query.where(sa.or_(*conditions))
        if center_code is not None:
            query = query.where(c.center_code == center_code)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [_summary(r) for r in rows]

    def card(self, client_id: UUID, with_personal: bool) -> ClientCard | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(client_directory).where(client_directory.c.client_id == client_id)
            ).first()
        if row is None:
            return None
        personal = None
        if with_personal and row.personal is not None:
            data = dict(row.personal)
            personal = PersonalData(
                name=data["name"],
                name_kana=data.get("name_kana"),
                birth_date=date.fromisoformat(data["birth_date"]),
                address=data.get("address"),
                phone=data.get("phone"),
            )
        return ClientCard(summary=_summary(row), personal=personal, erased=bool(row.erased))

    def names(self, client_ids: Collection[UUID], center_code: str) -> dict[UUID, ClientName]:
        ids = sorted(set(client_ids))[:MAX_NAMES]
        if not ids:
            return {}
        c = client_directory.c
        query = sa.select(c.client_id, c.personal).where(
            c.client_id.in_(ids), c.center_code == center_code, c.personal.is_not(None)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            r.client_id: ClientName(r.personal["name"], r.personal.get("name_kana"))
            for r in rows
            if r.personal
        }

    def likely_duplicates(
        self, personal: PersonalData, center_code: str, scope: str | None
    ) -> list[ClientSummary]:
        c = client_directory.c
        birth = personal.birth_date.isoformat()
        phone = _digits(personal.phone)
        name = _SPACES.sub("", unicodedata.normalize("NFKC", personal.name))
        kana = kana_key(personal.name_kana or "")
        same_kana: Any = sa.false()
        if kana:  # the blind index holds the whole normalised kana as one of its prefixes
            token = self.blind_index.token(kana[:PREFIX_MAX])
            same_kana = c.client_id.in_(
                sa.select(client_search.c.client_id).where(client_search.c.token == token)
            )
        if scope is not None:
            same_kana = sa.and_(same_kana, c.center_code == scope)
        same_center = c.center_code == center_code if phone else sa.false()
        query = (
            sa.select(client_directory)
            .where(sa.or_(same_kana, same_center), c.personal.is_not(None))
            .order_by(c.registered_at, c.client_id)
        )
        found = []
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                data = row.personal or {}
                kana_match = (
                    bool(kana)
                    and kana_key(data.get("name_kana") or "") == kana
                    and data.get("birth_date") == birth
                    and (scope is None or row.center_code == scope)
                )
                phone_match = (
                    row.center_code == center_code
                    and bool(phone)
                    and _digits(data.get("phone")) == phone
                    and _SPACES.sub("", unicodedata.normalize("NFKC", data.get("name", ""))) == name
                )
                if kana_match or phone_match:
                    found.append(_summary(row))
                if len(found) >= MAX_DUPLICATES:
                    break
        return found


MAX_DUPLICATES = 5
"""Likely duplicates named at most (a person registered more often is a bigger problem)."""


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))


MAX_NAMES = 500
"""Names read in one query at most (a page of a board is 100 rows)."""


def _summary(r: Any) -> ClientSummary:
    return ClientSummary(
        id=r.client_id,
        display_code=r.display_code,
        care_level=CareLevel(r.care_level),
        frailty=r.frailty,
        area_code=r.area_code,
        center_code=r.center_code,
        registered_at=r.registered_at,
        assessed_on=date.fromisoformat(r.assessed_on) if r.assessed_on else None,
    )


class SqlClientRecords:
    """application.clients.ClientRecords on ``case_board`` and ``client_directory``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def needs_of(self, client_id: UUID) -> list[UUID]:
        c = case_board.c
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(c.need_id).where(c.client_id == client_id).order_by(c.need_id)
                ).scalars()
            )

    def expired(self, closed_before: datetime) -> list[UUID]:
        c = case_board.c
        d = client_directory.c
        open_needs = sa.func.sum(sa.case((c.status != NeedStatus.CLOSED.value, 1), else_=0))
        query = (
            sa.select(c.client_id)
            .join(client_directory, d.client_id == c.client_id)
            .where(d.erased.is_(False))
            .group_by(c.client_id)
            .having(open_needs == 0)
            .having(sa.func.max(c.closed_at) < closed_before)
            .order_by(c.client_id)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())
