"""Secret files (keys) in the instance folder: created whole, owner-only, once."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def create_secret_file(path: Path, content: str) -> bool:
    """Create ``path`` holding ``content``, mode 0600, in a folder created 0700;
    False (and ``path`` untouched) when it already exists.

    The content is written to a temporary file in the same folder (``mkstemp``
    makes it 0600 whatever the umask), flushed to disk, then hard-linked to
    ``path``, which fails when ``path`` exists: the file is never readable by
    others, not even briefly, and never seen empty or half-written by another
    process racing to create it.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        try:
            os.fchmod(descriptor, 0o600)
            os.write(descriptor, content.encode("ascii"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)
