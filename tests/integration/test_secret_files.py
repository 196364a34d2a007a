"""Key files are created whole and owner-only, whatever the umask, and never replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infrastructure.secret_files import create_secret_file


def test_a_secret_file_is_created_owner_only_even_with_an_empty_umask(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "key"
    previous = os.umask(0)
    try:
        assert create_secret_file(path, "secret")
    finally:
        os.umask(previous)

    assert path.read_text(encoding="ascii") == "secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["key"]  # no temporary file left


def test_an_existing_secret_file_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "key"
    assert create_secret_file(path, "first")

    assert not create_secret_file(path, "second")

    assert path.read_text(encoding="ascii") == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["key"]


def test_the_file_appears_only_once_its_content_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "key"
    visible_while_writing: list[bool] = []
    write = os.write

    def observed_write(descriptor: int, data: bytes) -> int:
        visible_while_writing.append(path.exists())
        return write(descriptor, data)

    monkeypatch.setattr(os, "write", observed_write)

    assert create_secret_file(path, "secret")

    assert visible_while_writing == [False]  # a racing reader never sees it empty
    assert path.read_text(encoding="ascii") == "secret"
