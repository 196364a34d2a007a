"""What every part of the demo shares: its public constants and its clock.

The demo's history happens in office hours in Japan; :func:`moment` turns a day
and minutes after 9:00 there into the UTC instant the events are recorded at.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.calendar import JST
from domain.values import Role

DEMO_MUNICIPALITY = "つなぐ市（架空・デモ）"
DEMO_PASSWORD = "tsunagu-demo"  # noqa: S105 - documented password of the fictional demo accounts
"""Password of every demo account, printed by ``tsunagu demo`` (the demo is for trying out only)."""

MARKER_AREA = "demo-kita"
"""The area whose presence means the demo is loaded (the data file must define it)."""

"""Japan Standard Time (no daylight saving time since 1951, so a fixed offset is exact)."""

HISTORY_DAYS = 360
"""The oldest need is raised at most this many days before ``today``."""

OFFICE_MINUTES = 510
"""Office hours last this many minutes after 9:00 (until 17:30)."""

ProgressCallback = Callable[[int, int], None]
"""Called with (commands done, commands in all) while the demo loads."""


@dataclass(frozen=True)
class DemoAccount:
    """One sign-in of the demo municipality."""

    username: str
    password: str
    role: Role
    center_code: str | None


def moment(day: date, minutes: int) -> datetime:
    """``minutes`` after 9:00 in Tokyo on ``day``, in UTC."""
    return (datetime.combine(day, time(9, 0), tzinfo=JST) + timedelta(minutes=minutes)).astimezone(
        UTC
    )


def office_minutes(rng: random.Random, earliest: int = 0) -> int:
    """Minutes after 9:00 within office hours."""
    return rng.randint(earliest, OFFICE_MINUTES)


def days_before(today: date, ago: int) -> date:
    """The day ``ago`` days before ``today``."""
    return today - timedelta(days=ago)


def at(
    rng: random.Random, today: date, ago: int, earliest: int = 0, latest: int = OFFICE_MINUTES
) -> datetime:
    """``ago`` days before ``today``, ``earliest`` to ``latest`` minutes after 9:00."""
    return moment(days_before(today, ago), rng.randint(earliest, latest))


def local_day(instant: datetime) -> date:
    """The day in Japan at ``instant``."""
    return instant.astimezone(JST).date()
