"""``python -m bench.privacy``: what sealing clients' personal data costs.

The same writes through tsunagu's event store with and without the sealing
mapper (per-client AES-256-GCM keys in ``personal_keys``): per client, one
``Client.Registered`` (sealed), and a need raised (sealed, links the need to
the client's key), assigned (not sealed), paused, resumed and closed (reasons
sealed) — six saves, one event each, as six commands would. Then every event
is read back through the mapper (decrypting), as a view rebuild does.

Each run gets an empty database (SQLite file; PostgreSQL schema when
``TSUNAGU_TEST_POSTGRES_URL`` or ``BENCH_POSTGRES_URL`` is set) and an untimed
warm-up. ``--clients`` sets the size; ``--rounds`` repeats with alternating order.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from dataclasses import dataclass
from datetime import date
from uuid import uuid4

from application.store import EventStore
from bench.backends import Backend, BackendKind, Target, postgres_url_from_env
from domain.client import Client
from domain.need import Need
from domain.values import (
    CareLevel,
    ClientId,
    NeedCategory,
    NeedId,
    Outcome,
    PersonalData,
    Urgency,
    UserId,
)
from infrastructure import migrations
from infrastructure.keystore import MasterKey, SqlKeyring

SAVES_PER_CLIENT = 6


@dataclass(frozen=True)
class Run:
    sealed: bool
    saves_per_second: float
    reads_per_second: float


def _store(target: Target, sealed: bool) -> EventStore:
    if not sealed:
        return EventStore(target.native_env())
    reader, writer = target.database.create_engines()
    migrations.upgrade(writer)
    keyring = SqlKeyring(writer, MasterKey(secrets.token_bytes(32)), reader)
    return EventStore(target.native_env(), keyring=keyring)


def _client_lifecycle(store: EventStore, actor: UserId, index: int) -> None:
    # The reading (name_kana) is kana only since the domain refuses anything else;
    # the index stays in the name.
    personal = PersonalData(
        f"試験 太郎{index}", "シケン タロウ", date(1940, 1, 1), "北町1-2-3", "090-0000-0000"
    )
    client = Client.register(
        ClientId(uuid4()), personal, CareLevel.SUPPORT_1, True, "north", "c-north", actor
    )
    store.save(client)
    need = Need.raise_need(
        NeedId(uuid4()),
        client.id,
        "c-north",
        "north",
        NeedCategory.SHOPPING,
        "膝の痛みでスーパーまで歩けない",
        "自分で選んだ食材で料理する生活を取り戻す",
        Urgency.NORMAL,
        actor,
    )
    store.save(need)
    need.assign(actor, actor)
    store.save(need)
    need.pause("入院のため", actor)
    store.save(need)
    need.resume("退院した", actor)
    store.save(need)
    need.close(Outcome.GOAL_ACHIEVED, "自分で買い物に行けるようになった", actor)
    store.save(need)


def measure(target: Target, sealed: bool, clients: int) -> Run:
    store = _store(target, sealed)
    try:
        actor = UserId(uuid4())
        for index in range(5):  # warm-up: connections, caches, first key rows
            _client_lifecycle(store, actor, -index)
        started = time.perf_counter()
        for index in range(clients):
            _client_lifecycle(store, actor, index)
        write_seconds = time.perf_counter() - started
        started = time.perf_counter()
        read = 0
        position = 1
        while True:
            batch = store.recorder.select_notifications(start=position, limit=500)
            if not batch:
                break
            for notification in batch:
                store.mapper.to_domain_event(notification)
            read += len(batch)
            position = batch[-1].id + 1
        read_seconds = time.perf_counter() - started
        return Run(sealed, clients * SAVES_PER_CLIENT / write_seconds, read / read_seconds)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.privacy", description=__doc__)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    args = parser.parse_args(argv)
    kinds: list[BackendKind] = ["sqlite"]
    postgres = postgres_url_from_env()
    if args.backend in ("postgres", "all") and postgres:
        kinds.append("postgres")
    if args.backend == "postgres":
        kinds = ["postgres"] if postgres else []
    print(
        f"## Sealing personal data: {args.clients} clients x {SAVES_PER_CLIENT} saves, "
        f"median of {args.rounds} rounds\n"
    )
    print("| backend | mode | saves/s | events read/s | write slowdown | read slowdown |")
    print("|---|---|---:|---:|---:|---:|")
    for kind in kinds:
        with Backend(kind, postgres) as backend:
            runs: dict[bool, list[Run]] = {False: [], True: []}
            for round_ in range(args.rounds):
                order = (False, True) if round_ % 2 == 0 else (True, False)
                for sealed in order:
                    tag = f"privacy_{'sealed' if sealed else 'plain'}_{round_}"
                    runs[sealed].append(measure(backend.fresh(tag), sealed, args.clients))
            plain_w = statistics.median(r.saves_per_second for r in runs[False])
            plain_r = statistics.median(r.reads_per_second for r in runs[False])
            for sealed in (False, True):
                w = statistics.median(r.saves_per_second for r in runs[sealed])
                r = statistics.median(r.reads_per_second for r in runs[sealed])
                print(
                    f"| {backend.title} | {'sealed' if sealed else 'plain'} | {w:,.0f} | "
                    f"{r:,.0f} | {plain_w / w:.2f}x | {plain_r / r:.2f}x |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
