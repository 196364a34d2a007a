"""One projection worker per group of views (``tsunagu projections run --views``)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

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
