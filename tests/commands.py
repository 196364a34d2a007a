"""The ``tsunagu`` script run as an operator runs it: a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_tsunagu(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``tsunagu ARGS`` in ``cwd`` with this environment and ``env`` over it."""
    return subprocess.run(  # noqa: S603 - the tests' own arguments
        [sys.executable, "-c", "from interfaces.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        check=False,
        timeout=60,
    )
