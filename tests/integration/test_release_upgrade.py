"""``tsunagu init`` upgrades a database written by an earlier release in place, on
SQLite and PostgreSQL: its own tables are migrated (Alembic), its views adopted
or rebuilt, and the application shows what the release showed.

The SQLite fixture is the file release 0.1.0 wrote; the PostgreSQL one is a
``pg_dump`` of a schema that release 0.1.0 built from the same events
(``postgres.sql.gz``, see the fixture's README).
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from infrastructure import migrations
from interfaces.bootstrap import bootstrap
from interfaces.cli import cli
from interfaces.web import create_app
from tests.conftest import BACKENDS, POSTGRES_URL, _drop_schema
from tests.releases import (
    capture_figures,
    differences,
    load_figures,
    normalise,
    readers_of,
    settings_for,
)

RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "releases" / "v0.1.0"
DUMPED_SCHEMA = "release_v010"


@pytest.fixture(params=BACKENDS)
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a database exactly as release 0.1.0 left it."""
    if request.param == "sqlite":
        working = tmp_path / "tsunagu.sqlite3"
        shutil.copyfile(RELEASE / "tsunagu.sqlite3", working)
        yield {"DATABASE_URL": f"sqlite:///{working}"}
        return
    schema = f"upgrade_{uuid4().hex[:12]}"
    dump = gzip.decompress((RELEASE / "postgres.sql.gz").read_bytes()).decode()
    script = tmp_path / "dump.sql"
    script.write_text(dump.replace(DUMPED_SCHEMA, schema), encoding="utf-8")
    subprocess.run(  # noqa: S603 - psql reads pg_dump's own meta-commands
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", POSTGRES_URL, "-f", str(script)],  # noqa: S607
        check=True,
        capture_output=True,
    )
    try:
        yield {"DATABASE_URL": POSTGRES_URL, "TSUNAGU_DB_SCHEMA": schema}
    finally:
        _drop_schema(schema)


def test_init_upgrades_a_release_database_in_place(
    old_database: dict[str, str], tmp_path: Path
) -> None:
    env = {**old_database, "TSUNAGU_SECRET_KEY": "test", "TSUNAGU_FAST_PASSWORDS": "1"}
    result = CliRunner().invoke(cli, ["init"], env=env, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    settings = settings_for(env["DATABASE_URL"], db_schema=env.get("TSUNAGU_DB_SCHEMA"))
    container = bootstrap(settings)
    try:
        assert migrations.current(container.projections.reader) == migrations.head()
        with container.projections.reader.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            tokens = conn.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar()
        assert not tables & {"projection_tracking", "stat_needs", "stat_monthly", "dashboard_needs"}
        assert tokens  # the release's sign-in tokens are kept
        assert {s.lag for s in container.projections.status()} == {0}
        expected = load_figures(RELEASE / "figures.json")
        client = create_app(container=container).test_client()
        found = differences(
            normalise(expected), normalise(capture_figures(client, readers_of(expected)))
        )
        assert not found, "\n".join(found)
    finally:
        container.close()


def test_migrations_describe_exactly_the_tables_the_code_uses(
    settings: object, tmp_path: Path
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from infrastructure.views.schema import metadata

    container = bootstrap(settings)  # type: ignore[arg-type]
    try:

        def ours(name: str | None, kind: str, parent: object) -> bool:
            # Only tsunagu's own tables: not the event store's, not the views'.
            return kind != "table" or name in metadata.tables

        with container.projections.reader.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": ours})
            differences_found = compare_metadata(context, metadata)
    finally:
        container.close()
    assert differences_found == []
