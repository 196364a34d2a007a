"""One projection worker per group of views (``tsunagu projections run --views``)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import event

from interfaces.bootstrap import Container, bootstrap
from interfaces.cli import cli
from tests.builders import make_need, make_town


def test_a_worker_given_views_keeps_only_those_current(container: Container) -> None:
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        app = quiet.services
        make_need(app, make_town(container.services))  # the need's events: no view has them
        head = quiet.store.head()
        before = quiet.projections.position("dashboard")
        worker = threading.Thread(
            target=quiet.projections.run_forever,
            kwargs={"poll_interval": 0.05, "names": ["case_board"], "reactions": False},
        )
        worker.start()
        try:
            deadline = time.monotonic() + 30
            while quiet.projections.position("case_board") < head:
                assert time.monotonic() < deadline, "the worker never brought case_board up"
                time.sleep(0.05)
        finally:
            quiet.projections.stop()
            worker.join()
        assert quiet.projections.position("dashboard") == before < head
    finally:
        quiet.close()


def test_an_unknown_view_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}", "TSUNAGU_SECRET_KEY": "t"}
    result = CliRunner().invoke(cli, ["projections", "run", "--views", "case_board,nope"], env=env)
    assert result.exit_code == 2
    assert "no view nope" in result.output
    assert "case_board" in result.output


def _write_transactions(container: Container) -> list[str]:
    """Collects a marker for each transaction committed on the views' writer (on
    PostgreSQL the readers share its engine; their transactions end in a rollback)."""
    committed: list[str] = []
    event.listen(container.projections.writer, "commit", lambda _conn: committed.append("commit"))
    return committed


def test_a_pass_of_the_worker_near_the_head_writes_every_view_in_one_transaction(
    container: Container,
) -> None:
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        make_need(quiet.services, make_town(container.services))  # every view behind by a few
        begun = _write_transactions(quiet)

        moved = quiet.projections.catch_up()

        # One transaction took every view to the head; one per view held the write lock
        # (on SQLite, the lock every command waits for) ten times a pass.
        assert moved > 0
        assert len(begun) == 1
        head = quiet.store.head()
        assert {status.position for status in quiet.projections.status()} == {head}
    finally:
        quiet.close()


def test_a_pass_of_an_idle_worker_begins_no_write_transaction(container: Container) -> None:
    quiet = bootstrap(replace(container.settings, inline_projections=False))
    try:
        make_need(quiet.services, make_town(container.services))
        quiet.projections.catch_up()
        begun = _write_transactions(quiet)

        assert quiet.projections.catch_up() == 0
        assert begun == []
    finally:
        quiet.close()
