"""Read models: exactly-once updates, rebuild equality, lag and freshness waits."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from application.board import NeedFilter
from application.oversight import AuditQuery
from application.services import Services
from domain.values import (
    CareLevel,
    CouncilTier,
    DeclinedBy,
    Milestone,
    NeedCategory,
    OrganizationKind,
    Outcome,
    Progress,
    ServiceType,
)
from infrastructure.views import projection
from interfaces import bootstrap as bootstrapping
from interfaces.bootstrap import Container, bootstrap
from interfaces.cli import cli
from tests.builders import Town, make_client, make_need, make_resource, make_town


def _workload(container: Container) -> Town:
    """Needs in many states, resources that took and gave back places."""
    app = container.services
    town = make_town(app)
    app.organizations.register(
        "北町社会福祉協議会", OrganizationKind.WELFARE_COUNCIL, ["north"], town.coordinator
    )
    resource = make_resource(app, town.coordinator, capacity=3)
    client = make_client(app, town.care_manager)
    for step in range(6):
        need = make_need(app, town, client)
        if step == 0:
            continue
        need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
        if step == 1:
            gap = app.matching.record_gap(need.id, "該当資源なし", need.version, town.coordinator)
            _develop(app, town, gap.id)
            _network(app, town)
            continue
        need = app.matching.propose(need.id, resource.id, "近い", need.version, town.coordinator)
        if step == 2:
            app.matching.decline(
                need.id, DeclinedBy.CLIENT, "曜日が合わない", need.version, town.coordinator
            )
            continue
        need = app.matching.confirm(need.id, date(2026, 12, 1), need.version, town.coordinator)
        need = app.needs.follow_up(
            need.id, "順調", Progress.ON_TRACK, need.version, town.coordinator
        )
        if step == 3:
            app.needs.pause(need.id, "入院", need.version, town.care_manager)
        elif step == 4:
            need = app.needs.close(
                need.id, Outcome.GOAL_ACHIEVED, "目標達成", need.version, town.coordinator
            )
            app.needs.reopen(need.id, "再発", need.version, town.supervisor)
    return town


def _develop(app: Services, town: Town, need_id: UUID) -> None:
    """An initiative that takes the gap need and launches a resource for it."""
    org = app.organizations.register(
        "北町ボランティア会", OrganizationKind.VOLUNTEER, ["north"], town.coordinator
    )
    initiative = app.development.open(
        "サロン立ち上げ",
        "north",
        NeedCategory.SOCIAL_PARTICIPATION,
        "通いの場がない",
        town.coordinator,
    )
    initiative = app.development.link_need(
        initiative.id, need_id, initiative.version, town.coordinator
    )
    initiative = app.development.add_partner(
        initiative.id, org.id, initiative.version, town.coordinator
    )
    initiative = app.development.record_milestone(
        initiative.id,
        Milestone.VOLUNTEERS_TRAINED,
        date(2026, 10, 1),
        "8名修了",
        initiative.version,
        town.coordinator,
        volunteers=8,
    )
    app.development.launch(
        initiative.id,
        "ふれあいサロン",
        ServiceType.GATHERING_PLACE,
        initiative.version,
        town.coordinator,
        capacity=10,
    )


def _network(app: Services, town: Town) -> None:
    """A council with a member and a meeting, a contact, and a re-assessment."""
    org = app.organizations.register(
        "南町老人クラブ", OrganizationKind.SENIORS_CLUB, ["north"], town.coordinator
    )
    council = app.network.form_council("第1層協議体", CouncilTier.MUNICIPALITY, town.coordinator)
    council = app.network.admit_to_council(
        council.id, org.id, date(2026, 4, 1), council.version, town.coordinator
    )
    app.network.record_council_meeting(
        council.id, date(2026, 6, 1), [org.id], ["見守り"], council.version, town.coordinator
    )
    org = app.organizations.get(org.id, town.coordinator)
    app.organizations.log_contact(
        org.id, date(2026, 7, 1), "相談", "協力", org.version, town.coordinator
    )
    client = make_client(app, town.care_manager)
    app.clients.change_care_level(
        client.id,
        CareLevel.SUPPORT_2,
        date(2026, 9, 1),
        "再認定",
        client.version,
        town.care_manager,
    )


def _view_rows(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    from infrastructure.views.schema import view_metadata

    engine = container.projections.reader  # type: ignore[attr-defined]
    rows = {}
    with engine.connect() as conn:  # what readers see: the serving generation of each view
        for table in view_metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
    return rows


def _cli_env(container: Container, master_key: str) -> dict[str, str]:
    """The environment of a ``tsunagu`` command on ``container``'s database (its
    process must open the sealed events too: the same master key)."""
    return {
        "DATABASE_URL": container.settings.database_url,
        "TSUNAGU_DB_SCHEMA": container.settings.db_schema or "",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_REDIS_URL": "",
        "TSUNAGU_MASTER_KEY": master_key,
    }


def test_rebuilding_every_view_reproduces_the_incremental_result(container: Container) -> None:
    _workload(container)
    incremental = _view_rows(container)

    for name in container.projections.names:
        container.projections.rebuild(name)

    assert _view_rows(container) == incremental
    assert all(len(rows) > 0 for rows in incremental.values())


def test_a_rebuild_that_keeps_few_rows_in_memory_reproduces_the_incremental_result(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million needs the rows a build folds outgrow its cache: the least recently
    used are dropped (a view built from the start still knows which keys have rows,
    and reads those back). Here one event a batch, a cache of two rows: every
    later event of a case finds its row dropped."""
    town = _workload(container)
    app = container.services
    # Clients with a recurring need, resources whose places two clients take, in turns.
    clients = [make_client(app, town.care_manager) for _ in range(3)]
    resources = [make_resource(app, town.coordinator, capacity=2) for _ in range(3)]
    for turn in range(2):
        for index, resource in enumerate(resources):
            need = make_need(app, town, clients[(index + turn) % len(clients)])
            need = app.needs.assign(need.id, "sc", need.version, town.coordinator)
            need = app.matching.propose(
                need.id, resource.id, "近い", need.version, town.coordinator
            )
            app.matching.confirm(need.id, date(2026, 12, 1), need.version, town.coordinator)
    incremental = _view_rows(container)
    projections = container.projections
    monkeypatch.setattr(projection, "BUILD_CACHE_ROWS", 2)
    monkeypatch.setattr(projection, "BUILD_BATCH_SIZE", 1)
    monkeypatch.setattr(projections, "batch_size", 1)

    projections.rebuild_many(projections.names)

    assert _view_rows(container) == incremental


def test_the_cli_rebuilds_every_view_in_one_pass_and_switches_each(container: Container) -> None:
    key = secrets.token_hex(32)  # the CLI's process must open the sealed events too
    own = bootstrap(replace(container.settings, master_key=key))
    try:
        _workload(own)
        incremental = _view_rows(own)
        before = {name: own.projections.serving(name) for name in own.projections.names}
        env = _cli_env(own, key)

        result = CliRunner().invoke(cli, ["projections", "rebuild"], env=env)

        assert result.exit_code == 0, result.output
        assert f"rebuilding {len(before)} views" in result.output
        for name, old in before.items():
            now = own.projections.serving(name)
            assert old is not None
            assert now is not None
            assert now.generation > old.generation, name  # a new generation serves
        assert _view_rows(own) == incremental
    finally:
        own.close()


def test_redelivering_events_changes_nothing(container: Container) -> None:
    _workload(container)
    before = _view_rows(container)
    everything = container.store.recorder.select_notifications(start=1, limit=10_000)

    for name in container.projections.names:
        applied = container.projections.deliver(name, everything)  # type: ignore[attr-defined]
        assert applied == 0

    assert _view_rows(container) == before


def test_status_shows_the_lag_until_the_worker_catches_up(container: Container) -> None:
    town = make_town(container.services)
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        make_need(quiet.services, town)
        lagging = {s.name: s.lag for s in quiet.projections.status()}
        assert lagging["case_board"] > 0
        quiet.projections.catch_up()
        assert {s.lag for s in quiet.projections.status()} == {0}
    finally:
        quiet.close()


def test_a_command_that_moves_views_itself_finds_them_where_they_were(
    container: Container,
) -> None:
    """The app a command builds catches lagging views up first (inline views), except
    for the projection commands: ``status`` must show the lag, and ``run`` and
    ``rebuild`` move or replace the views with their own progress."""
    key = secrets.token_hex(32)
    quiet = bootstrap(replace(container.settings, master_key=key, inline_projections=False))
    try:
        make_need(quiet.services, make_town(quiet.services))
        env = {**_cli_env(quiet, key), "TSUNAGU_INLINE_PROJECTIONS": "1"}

        status = CliRunner().invoke(cli, ["projections", "status", "--json"], env=env)

        assert status.exit_code == 0, status.output
        assert {d["name"]: d["lag"] for d in json.loads(status.stdout)}["case_board"] > 0

        init = CliRunner().invoke(cli, ["init"], env=env)

        assert init.exit_code == 0, init.output
        assert {s.lag for s in quiet.projections.status()} == {0}
    finally:
        quiet.close()


def test_views_far_behind_at_start_up_are_caught_up_with_a_warning(
    container: Container, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        make_need(quiet.services, make_town(quiet.services))
        behind = max(s.lag for s in quiet.projections.status())
        monkeypatch.setattr(bootstrapping, "FAR_BEHIND", behind - 1)

        with caplog.at_level(logging.WARNING, logger=bootstrapping.__name__):
            started = bootstrap(container.settings)
        started.close()

        assert f"views are {behind} events behind the log" in caplog.text
        head = container.store.head()
        assert caplog.text.count(f"catching up the views: at {head} of {head} events") == 1
        assert {s.lag for s in quiet.projections.status()} == {0}
    finally:
        quiet.close()


def test_lists_wait_for_min_position_while_a_worker_runs(container: Container) -> None:
    town = make_town(container.services)
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    worker = threading.Thread(target=quiet.projections.run_forever, kwargs={"poll_interval": 0.05})
    try:
        need = make_need(quiet.services, town)
        worker.start()
        page = quiet.services.board.board(
            NeedFilter(), town.coordinator, min_position=need.position
        )
    finally:
        quiet.projections.stop()
        worker.join()
        quiet.close()
    assert page.stale is False
    assert [row.id for row in page.items] == [need.id]


def test_lists_report_stale_when_no_one_updates_the_view(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    import application.common

    monkeypatch.setattr(application.common, "VIEW_WAIT_SECONDS", 0.2)
    town = make_town(container.services)
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        need = make_need(quiet.services, town)
        page = quiet.services.board.board(
            NeedFilter(), town.coordinator, min_position=need.position
        )
    finally:
        quiet.close()
    assert page.stale is True
    assert page.position < (need.position or 0)


def test_the_dashboard_reports_stale_when_no_one_updates_its_view(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    import application.common

    monkeypatch.setattr(application.common, "VIEW_WAIT_SECONDS", 0.2)
    town = make_town(container.services)
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        need = make_need(quiet.services, town)
        late = quiet.services.oversight.dashboard(town.supervisor, min_position=need.position)
    finally:
        quiet.close()
    assert late.stale is True
    assert late.position < (need.position or 0)


def test_two_runners_at_once_apply_each_event_exactly_once(container: Container) -> None:
    town = make_town(container.services)
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    other = bootstrap(replace(container.settings, inline_projections=False))
    try:
        for _ in range(15):
            make_need(quiet.services, town)
        runners = [
            threading.Thread(target=quiet.projections.catch_up),
            threading.Thread(target=other.projections.catch_up),
        ]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
        head = quiet.services.oversight.head()
        counts = quiet.services.oversight.dashboard(town.supervisor).totals
        audit = quiet.services.oversight.audit_after(AuditQuery(), town.auditor, limit=1000).items
    finally:
        quiet.close()
        other.close()
    assert counts == {"raised": 15}
    assert [e.position for e in audit] == list(range(1, head + 1))


def test_a_rebuilt_view_has_planner_statistics(container: Container) -> None:
    """PostgreSQL's autovacuum may be off or late, and SQLite keeps no statistics unless
    asked: without ANALYZE the planners chose plans 20-70x slower on freshly rebuilt
    tables, and without a vacuum PostgreSQL has no index-only scans (docs/benchmarks.md,
    "Scale")."""
    _workload(container)

    container.projections.rebuild("case_board")

    serving = container.projections.serving("case_board")
    assert serving is not None
    table = f"case_board_g{serving.generation}"
    with container.projections.writer.connect() as conn:  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            analyzed = conn.execute(
                sa.text(
                    "SELECT last_analyze IS NOT NULL AND last_vacuum IS NOT NULL "
                    "FROM pg_stat_user_tables "
                    "WHERE relname = :name AND schemaname = current_schema()"
                ),
                {"name": table},
            ).scalar()
        else:
            analyzed = bool(
                conn.execute(
                    sa.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :name"),
                    {"name": table},
                ).scalar()
            )
    assert analyzed is True
