"""Uploaded files kept between the dry run and the import, for the person who sent them.

A browser cannot send a file again by itself, so the file checked in a dry run
is kept on the server under a random token and imported from there when the
coordinator confirms. Files live in ``TSUNAGU_UPLOAD_DIR`` (the app's config or
the environment; default: the instance folder's ``uploads``), are named after
their owner, and are removed once imported or after :data:`KEEP_FOR`. With
several servers behind a load balancer the folder must be shared; otherwise a
missing file only means choosing it again.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from uuid import UUID

from flask import current_app

KEEP_FOR = 3600.0
"""Seconds an uploaded file is kept."""

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def folder() -> Path:
    configured = current_app.config.get("TSUNAGU_UPLOAD_DIR") or os.environ.get(
        "TSUNAGU_UPLOAD_DIR"
    )
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _path(owner: UUID, token: str) -> Path | None:
    if not _TOKEN.fullmatch(token):
        return None
    return folder() / f"{owner.hex}-{token}.upload"


def keep(data: bytes, owner: UUID) -> str:
    """Keep ``data`` for ``owner``; returns the token to fetch it with."""
    _forget_old()
    token = secrets.token_urlsafe(24)
    path = _path(owner, token)
    assert path is not None  # noqa: S101 - token_urlsafe(24) is 32 URL-safe characters
    path.write_bytes(data)
    path.chmod(0o600)
    return token


def fetch(token: str, owner: UUID) -> bytes | None:
    """The file ``owner`` kept under ``token``, or None (unknown, someone else's, expired)."""
    path = _path(owner, token)
    if path is None or not path.is_file():
        return None
    if time.time() - path.stat().st_mtime > KEEP_FOR:
        path.unlink(missing_ok=True)
        return None
    return path.read_bytes()


def drop(token: str, owner: UUID) -> None:
    path = _path(owner, token)
    if path is not None:
        path.unlink(missing_ok=True)


def _forget_old() -> None:
    limit = time.time() - KEEP_FOR
    for path in folder().glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue
