"""What every command shares: the app's container, errors as messages, progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import current_app

from application.errors import ApplicationError
from domain.errors import DomainError
from interfaces.bootstrap import Container


def container() -> Container:
    built: Container = current_app.extensions["tsunagu"]
    return built


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Business and input errors end the command with a message, not a traceback."""
    try:
        yield
    except (DomainError, ApplicationError, LookupError) as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar driven by ``update(done, total)`` callbacks."""
    bars: list[Any] = []
    reached = [0]

    def update(done: int, total: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=max(total, 1), label=label, file=sys.stderr))
            bars[0].__enter__()
        bars[0].length = max(total, 1)
        bars[0].update(max(done - reached[0], 0))
        reached[0] = done

    try:
        yield update
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)
