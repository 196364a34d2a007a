"""Files that hold secrets or personal data are created readable by their owner only
(0600), whatever the umask: the SQLite database (and its WAL files) and the
generated secret key."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from interfaces.bootstrap import Settings, bootstrap, instance_secret
from interfaces.web import create_app
from tests.builders import make_town


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path: Path, umask: int) -> None:
    database = tmp_path / "instance" / "tsunagu.sqlite3"
    built = bootstrap(Settings(database_url=f"sqlite:///{database}", fast_passwords=True))
    try:
        make_town(built.services)
        files = sorted(database.parent.glob("tsunagu.sqlite3*"))
        modes = {path.name: _mode(path) for path in files}
    finally:
        built.close()

    assert database in files
    assert set(modes.values()) == {0o600}, modes
    assert _mode(database.parent) == 0o700


def test_an_existing_database_is_opened_as_it_is(tmp_path: Path, umask: int) -> None:
    database = tmp_path / "tsunagu.sqlite3"
    first = bootstrap(Settings(database_url=f"sqlite:///{database}", fast_passwords=True))
    make_town(first.services)
    first.close()

    again = bootstrap(Settings(database_url=f"sqlite:///{database}", fast_passwords=True))
    try:
        assert again.services.oversight.head() > 0
    finally:
        again.close()


def test_the_generated_secret_key_is_readable_by_its_owner_only(tmp_path: Path, umask: int) -> None:
    instance = tmp_path / "instance"

    key = instance_secret(instance)

    assert len(key) == 64
    assert _mode(instance / "secret_key") == 0o600
    assert _mode(instance) == 0o700
    assert instance_secret(instance) == key


def test_the_instance_folder_is_where_tsunagu_instance_path_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "var-lib-tsunagu"
    monkeypatch.setenv("TSUNAGU_INSTANCE_PATH", str(folder))
    for name in ("DATABASE_URL", "TSUNAGU_SECRET_KEY", "TSUNAGU_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TSUNAGU_FAST_PASSWORDS", "1")

    app = create_app()
    try:
        assert app.instance_path == str(folder)
        made = {p.name for p in folder.iterdir()}
        assert {"secret_key", "master_key"} <= made  # the keys, generated there
        assert any(name.endswith(".sqlite3") for name in made)  # the default database
        assert _mode(folder / "master_key") == 0o600
    finally:
        app.extensions["tsunagu"].close()
