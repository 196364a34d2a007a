"""The projection worker of an "inline views off" run, as a separate process.

``python -m bench.worker --database-url URL [--schema S] --poll SECONDS`` does
what ``tsunagu projections run`` does (``ViewUpdater.run_forever``) without the
web application around it, on the settings the benchmark uses. With inline
views off, tsunagu relies on such a worker: some commands (proposing a match)
wait for the views to reach the log's head before they rank resources.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO

from bench.backends import BackendKind, Target
from infrastructure.views.projection import ViewUpdater
from interfaces.bootstrap import Container, bootstrap

READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 15.0


class Worker:
    """A running worker process; stop it with :meth:`stop` (or use it as a context)."""

    def __init__(self, target: Target, poll: float, log: IO[bytes]) -> None:
        self.log = log
        command = [sys.executable, "-m", "bench.worker", "--database-url", target.database_url]
        if target.schema:
            command += ["--schema", target.schema]
        command += ["--poll", str(poll)]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def wait_until_current(self, container: Container) -> None:
        """Block until every view has reached the log's head as it is now."""
        updater = container.projections
        if not isinstance(updater, ViewUpdater):
            raise TypeError("the benchmark needs the SQL view updater")
        head = container.services.oversight.head()
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        for name in updater.names:
            while not updater.wait_for(name, head, 1.0):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the projection worker exited:\n{self._log_text()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the projection worker did not catch up with {name!r}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _log_text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", default=None)
    parser.add_argument("--poll", type=float, default=0.05)
    args = parser.parse_args(argv)
    kind: BackendKind = "sqlite" if args.database_url.startswith("sqlite") else "postgres"
    target = Target(kind, args.database_url, args.schema)
    container = bootstrap(target.settings(inline_projections=False))
    projections = container.projections

    def stop(_signum: int, _frame: FrameType | None) -> None:
        projections.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        projections.run_forever(poll_interval=args.poll)
    finally:
        container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
