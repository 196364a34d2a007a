"""Progress on stderr and result tables on stdout."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO


class ProgressLine:
    """One line of progress on stderr, redrawn in place on a terminal.

    Off a terminal (CI logs, redirected output) it prints a line at every
    quarter instead (or nothing, without ``milestones``), so that logs stay short.
    """

    def __init__(
        self, label: str, total: int, stream: TextIO | None = None, *, milestones: bool = True
    ) -> None:
        self.label = label
        self.milestones = milestones
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self._last_draw = 0.0
        self._last_quarter = -1
        self._started = time.perf_counter()

    def update(self, done: int) -> None:
        if self.tty:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1 or done >= self.total:
                self._last_draw = now
                pct = 100 * done / self.total
                self.stream.write(f"\r  {self.label}: {done}/{self.total} ({pct:3.0f}%)\033[K")
                self.stream.flush()
            return
        if not self.milestones:
            return
        quarter = 4 * done // self.total
        if quarter != self._last_quarter:
            self._last_quarter = quarter
            self.stream.write(f"  {self.label}: {done}/{self.total}\n")
            self.stream.flush()

    def on_batch(self, reached: int, head: int) -> None:
        """The ``progress(position, head)`` callback of the view updater."""
        self.update(reached)

    def finish(self, note: str = "") -> None:
        elapsed = time.perf_counter() - self._started
        text = f"  {self.label}: done in {elapsed:.1f} s{(' - ' + note) if note else ''}"
        if self.tty:
            self.stream.write(f"\r{text}\033[K\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def say(message: str) -> None:
    """A progress message (stderr, so that stdout holds only the results)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def rate(value: float) -> str:
    """A rate with three significant figures or so."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def millis(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    markdown: bool = False,
) -> str:
    """Columns aligned (first one left, the rest right), or a Markdown table."""
    if markdown:
        lines = [
            "| " + " | ".join(headers) + " |",
            "|" + "|".join([":---", *["---:" for _ in headers[1:]]]) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
