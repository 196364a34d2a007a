"""Importing a generated national 介護サービス事業所一覧: read, dry run, apply, re-import.

    .venv/bin/python -m bench.importing [--rows 2000] [--database sqlite:///…]

The file is made by ``tests/national_list.py`` (36 columns, Shift_JIS, every
care-insurance service type, capacities as published, no area column: areas
come from the towns the two areas list). Each step is timed once with
``time.perf_counter``; the figures in docs/importing.md come from here.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from application.import_rows import ImportReport
from application.security import SYSTEM_ACTOR
from interfaces.bootstrap import Settings, bootstrap
from interfaces.importing import read_resource_file
from tests.builders import make_town
from tests.national_list import TOWNS, national_csv

T = TypeVar("T")


def _timed(label: str, rows: int, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    print(f"{label:<28} {seconds:7.2f} s   {rows / seconds:8.0f} rows/s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Time importing a generated national list.")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--database", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        built = bootstrap(Settings(database_url=url, secret_key=secrets.token_hex(16), demo=False))
        try:
            app = built.services
            make_town(app)
            for code, towns in TOWNS.items():
                app.reference.list_towns(code, list(towns), SYSTEM_ACTOR)
            data = national_csv(args.rows)
            rows = args.rows
            print(f"{rows} rows, {len(data) / 1024:.0f} KiB Shift_JIS CSV, {url.split(':')[0]}")
            parsed = _timed("read", rows, lambda: read_resource_file(data, "national.csv"))
            drafts = parsed.drafts

            def run(apply: bool) -> ImportReport:
                return app.importing.import_resources(drafts, SYSTEM_ACTOR, apply=apply)

            dry = _timed("dry run", rows, lambda: run(False))
            _timed("apply", rows, lambda: run(True))
            again = _timed("re-import (unchanged)", rows, lambda: run(True))
            print(f"dry run counts {dry.counts}")
            print(f"re-import counts {again.counts}")
        finally:
            built.close()


if __name__ == "__main__":
    main()
