"""The master key: from TSUNAGU_MASTER_KEY, or a file made 0600 in the instance folder
on first need; never in the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from interfaces.bootstrap import Settings


def test_the_master_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    settings = Settings.from_env({"TSUNAGU_SECRET_KEY": "t"}, instance_path=str(instance))

    first = settings.master()
    again = Settings.from_env({"TSUNAGU_SECRET_KEY": "t"}, instance_path=str(instance)).master()

    path = instance / "master_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text(encoding="ascii").strip()) == 64
    assert first.id == again.id


def test_the_environment_wins_and_a_malformed_key_is_refused(tmp_path: Path) -> None:
    key = "ab" * 32
    settings = Settings.from_env(
        {"TSUNAGU_SECRET_KEY": "t", "TSUNAGU_MASTER_KEY": key}, instance_path=str(tmp_path)
    )
    assert settings.master().id == Settings(database_url="memory://", master_key=key).master().id
    assert not (tmp_path / "master_key").exists()
    with pytest.raises(ValueError, match="TSUNAGU_MASTER_KEY must be 32 bytes"):
        Settings(database_url="memory://", master_key="too short").master()
    assert key not in repr(settings)  # never in logs
