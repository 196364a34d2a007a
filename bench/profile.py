"""Where a command's time goes: the need lifecycle under pyinstrument.

``python -m bench.profile --views on|off [--needs N] [--backend sqlite|postgres]``
runs the same six commands as ``python -m bench`` (with views off, no worker
unless ``--worker``: then nothing applies the events but what a command itself needs) and prints
pyinstrument's call tree of the timed needs; ``--rebuild`` profiles rebuilding
every view after them instead. Needs the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from bench.backends import Target, postgres_url_from_env
from bench.worker import Worker
from bench.workload import Laps, Plan, build_town, need_lifecycle
from interfaces.bootstrap import bootstrap


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--views", choices=("on", "off"), default="on")
    parser.add_argument("--needs", type=int, default=40)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="with --views off, run a projection worker process (poll 0.05 s) as make bench does",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="profile rebuilding every view after the needs instead of the commands",
    )
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "sqlite":
            target = Target("sqlite", f"sqlite:///{tmp}/profile.sqlite3")
        else:
            url = postgres_url_from_env()
            if url is None:
                parser.error("set TSUNAGU_TEST_POSTGRES_URL for --backend postgres")
            target = Target("postgresql", url, schema=f"profile_{Path(tmp).name.lower()}")
        container = bootstrap(target.settings(inline_projections=args.views == "on"))
        worker_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
        worker = Worker(target, 0.05, worker_log) if args.worker and args.views == "off" else None
        try:
            plan = Plan(needs=args.needs, warmup=5, needs_per_resource=10)
            app = container.services
            town = build_town(app, plan, lambda _: None)
            run_one = need_lifecycle(app, town, plan)
            laps = Laps()
            for index in range(plan.warmup):
                run_one(index, laps)
            profiler = Profiler(interval=0.0005)
            if args.rebuild:
                for index in range(plan.warmup, plan.total):
                    run_one(index, laps)
                container.projections.catch_up()
                profiler.start()
                for name in container.projections.names:
                    container.projections.rebuild(name)
            else:
                profiler.start()
                for index in range(plan.warmup, plan.total):
                    run_one(index, laps)
            profiler.stop()
        finally:
            if worker is not None:
                worker.stop()
            worker_log.close()
            if target.schema is not None:
                with container.projections.writer.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE')
            container.close()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html is not None:
        args.html.write_text(profiler.output_html())


if __name__ == "__main__":
    main()
