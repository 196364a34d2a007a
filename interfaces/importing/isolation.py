"""Reading an uploaded resource list in a child process with memory and CPU limits.

The reader's own limits (rows, columns, cells, unpacked size, compression ratio)
refuse what they can see coming; a file that still costs too much (a parser's
weak spot, an XML trick) can then exhaust only a child process that the kernel
stops (``resource.setrlimit``: address space, CPU seconds, no files written), while
the server answers 422 ``file.too_costly`` and goes on serving.

The child gets the upload on stdin and answers on stdout with a pickle that the
parent reads back allowing only the classes a parsed file is made of, so that
even a child subverted by a hostile file cannot make the parent run anything.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from interfaces.importing import read_resource_file
from interfaces.importing.reader import FileFormatError
from interfaces.importing.rows import ParsedFile, RowDefaults

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadingLimits:
    """What reading one upload may cost."""

    memory_bytes: int = 1024 * 1024 * 1024
    """Address space of the child (Python and openpyxl take about 100 MiB of it)."""
    cpu_seconds: int = 30
    wall_seconds: float = 60.0


LIMITS = ReadingLimits()

TOO_COSTLY = (
    "reading the file needed more memory or time than a resource list may; "
    "split it or save it again as CSV",
    "file.too_costly",
)


def read_upload(
    data: bytes,
    filename: str | None = None,
    *,
    encoding: str | None = None,
    defaults: RowDefaults | None = None,
    limits: ReadingLimits = LIMITS,
) -> ParsedFile:
    """``read_resource_file`` in a child process bounded by ``limits``; raises
    ``FileFormatError`` for a file that cannot be read or costs too much."""
    request = pickle.dumps(
        (data, filename, encoding, defaults, limits), protocol=pickle.HIGHEST_PROTOCOL
    )
    try:
        finished = subprocess.run(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", __name__],
            input=request,
            capture_output=True,
            timeout=limits.wall_seconds,
            check=False,
            env=_child_environment(),
        )
    except subprocess.TimeoutExpired:
        log.warning("reading an upload took more than %s s; stopped", limits.wall_seconds)
        raise FileFormatError(*TOO_COSTLY) from None
    if finished.returncode != 0:
        stderr = finished.stderr.decode("utf-8", "replace")[-2000:]
        if finished.returncode < 0 or "MemoryError" in stderr:
            log.warning("reading an upload was stopped (exit %s)", finished.returncode)
            raise FileFormatError(*TOO_COSTLY)
        log.error("reading an upload failed (exit %s):\n%s", finished.returncode, stderr)
        raise FileFormatError("the file cannot be read", "file.unreadable")
    kind, value = _SafeUnpickler(io.BytesIO(finished.stdout)).load()
    if kind == "refused":
        message, code = value
        raise FileFormatError(message, code)
    if not isinstance(value, ParsedFile):
        raise FileFormatError("the file cannot be read", "file.unreadable")
    return value


def _child_environment() -> dict[str, str]:
    """The parent's environment, with the parent's import path so that the child
    runs the same code wherever the server was started."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


_ALLOWED_MODULES = (
    "domain.values",
    "application.import_rows",
    "interfaces.importing.rows",
    "interfaces.importing.columns",
)


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles only the classes a parsed file is made of (dataclasses and enums)."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED_MODULES:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a parsed file")


# -- the child ---------------------------------------------------------------------------------


def _limit(limits: ReadingLimits) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child() -> None:
    data, filename, encoding, defaults, limits = pickle.load(sys.stdin.buffer)  # noqa: S301 - from our parent
    _limit(limits)
    result: tuple[str, Any]
    try:
        parsed = read_resource_file(data, filename, encoding=encoding, defaults=defaults)
        result = ("parsed", parsed)
    except FileFormatError as error:
        result = ("refused", (str(error), error.code))
    except MemoryError:
        result = ("refused", TOO_COSTLY)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child()
