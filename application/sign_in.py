"""Sign-in throttling: the rule, and the ports it keeps its counts and its log in.

Every password check (signing in, changing one's password) first asks the
:class:`SignInGuard`. Failures are counted per account and per client address
in an :class:`AttemptStore` shared by every worker and server; from a number of
failures on, a key is locked for a time that doubles with each further failure
(exponential backoff, capped). A locked key is refused before the password is
checked, so a guessing client costs the server almost nothing, and the refusal
says when to come back (HTTP 429 with ``Retry-After``). Failures and lockouts
are kept in a :class:`SignInLog` for administrators.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from application.common import Clock
from application.errors import ApplicationError


@dataclass(frozen=True)
class Backoff:
    """When failures lock a key, and for how long."""

    free_failures: int
    """Failures allowed before the first lock."""
    first_lock: timedelta
    """The lock after the ``free_failures``-th failure; each further failure doubles it."""
    longest_lock: timedelta
    forget_after: timedelta
    """Failures are forgotten once the last one is this old."""

    def lock_after(self, failures: int) -> timedelta | None:
        """How long ``failures`` failures in a row lock the key (None: not at all)."""
        if failures < self.free_failures:
            return None
        doublings = min(failures - self.free_failures, 32)  # 2**32 × seconds: past any cap
        return min(self.first_lock * (1 << doublings), self.longest_lock)


ACCOUNT_BACKOFF = Backoff(
    free_failures=5,
    first_lock=timedelta(seconds=30),
    longest_lock=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)
"""One account: 5 failures, then 30 s, 1, 2, 4, 8 and at most 15 minutes per further guess."""

ADDRESS_BACKOFF = Backoff(
    free_failures=30,
    first_lock=timedelta(seconds=30),
    longest_lock=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
)
"""One client address: more failures are allowed, since an office may share one
address; it stops a client that tries one password on many accounts."""


class SignInEvent(Enum):
    """What the sign-in log records."""

    FAILED = "failed"
    """A wrong password, or an unknown username."""
    LOCKED = "locked"
    """A failure that locked the account or the address."""


@dataclass(frozen=True)
class SignInRecord:
    """One failed sign-in or lockout, as administrators read it."""

    at: datetime
    event: SignInEvent
    username: str
    address: str
    known_user: bool
    """Whether the username exists (guessing usernames looks different from guessing
    one person's password)."""
    locked_until: datetime | None = None
    locked: str | None = None
    """What a lockout locked: ``account`` or ``address``."""


class AttemptStore(Protocol):
    """Failed attempts per key, shared by every worker and server (the counts of the rule).

    Keys are opaque strings of at most 200 characters. Every method is atomic
    with respect to concurrent callers on other processes.
    """

    def locked_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        """The latest instant after ``now`` until which any of ``keys`` is locked, or None."""

    def add_failure(self, key: str, now: datetime, forget_before: datetime) -> int:
        """Count one more failure of ``key`` at ``now`` and return how many it has; a
        count whose last failure is older than ``forget_before`` starts again at 1."""

    def lock(self, key: str, until: datetime, now: datetime) -> None:
        """Lock ``key`` until ``until`` (a longer lock already there stays)."""

    def clear(self, key: str) -> None:
        """Forget the failures and the lock of ``key`` (after a successful sign-in)."""


class SignInLog(Protocol):
    """Failed sign-ins and lockouts, kept for administrators."""

    def record(self, record: SignInRecord) -> None:
        """Keep one record (old records may be dropped, after 90 days at the earliest)."""

    def recent(self, limit: int) -> list[SignInRecord]:
        """The newest records first, at most ``limit``."""


class SignInThrottledError(ApplicationError):
    """Too many failed sign-ins for this account or from this address (HTTP 429).

    ``retry_after`` is the whole number of seconds until the lock ends.
    """

    code = "auth.throttled"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after} seconds",
            retry_after=retry_after,
        )


LOG_USERNAME_LENGTH = 64


def account_key(username: str) -> str:
    return "account:" + _printable(username.strip().casefold())[:LOG_USERNAME_LENGTH]


def address_key(address: str) -> str | None:
    """The key of a client address: IPv6 clients by their /64 network (one host
    usually holds a whole /64), anything unparsable as itself."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "address:" + _printable(address)[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return f"address:{parsed.ipv4_mapped}"
        return f"address:{ipaddress.IPv6Network((parsed, 64), strict=False)}"
    return f"address:{parsed}"


def _printable(text: str) -> str:
    """What a store can keep whatever arrived: no lone surrogates, no control characters."""
    cleaned = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else "?" for c in cleaned)


class SignInGuard:
    """The throttling rule of every password check (see the module's docstring)."""

    def __init__(
        self,
        attempts: AttemptStore,
        log: SignInLog,
        clock: Clock,
        account: Backoff = ACCOUNT_BACKOFF,
        address: Backoff = ADDRESS_BACKOFF,
    ) -> None:
        self._attempts = attempts
        self._log = log
        self._clock = clock
        self._account = account
        self._address = address

    def check(self, username: str, address: str | None) -> None:
        """Refuse at once (:class:`SignInThrottledError`) while the account or the
        address is locked; nothing is counted for a refused attempt."""
        now = self._clock()
        keys = [account_key(username), *_present(address_key(address or ""))]
        until = self._attempts.locked_until(keys, now)
        if until is not None and until > now:
            raise SignInThrottledError(max(1, math.ceil((until - now).total_seconds())))

    def failed(self, username: str, address: str | None, known_user: bool) -> None:
        """Count a wrong password (or unknown username), lock what must be locked, log it."""
        now = self._clock()
        name = _printable(username.strip())[:LOG_USERNAME_LENGTH]
        shown_address = _printable(address or "")[:64]
        self._log.record(SignInRecord(now, SignInEvent.FAILED, name, shown_address, known_user))
        keys = [("account", account_key(username), self._account)]
        address_k = address_key(address or "")
        if address_k is not None:
            keys.append(("address", address_k, self._address))
        for what, key, backoff in keys:
            failures = self._attempts.add_failure(key, now, now - backoff.forget_after)
            lock = backoff.lock_after(failures)
            if lock is None:
                continue
            self._attempts.lock(key, now + lock, now)
            self._log.record(
                SignInRecord(
                    now,
                    SignInEvent.LOCKED,
                    name,
                    shown_address,
                    known_user,
                    locked_until=now + lock,
                    locked=what,
                )
            )

    def succeeded(self, username: str) -> None:
        """The right password: the account's failures are forgotten. The address's are
        not, or one valid account would let a client go on guessing the others."""
        self._attempts.clear(account_key(username))

    def release(self, username: str) -> None:
        """Unlock an account (an administrator reset its password)."""
        self._attempts.clear(account_key(username))

    def recent(self, limit: int) -> list[SignInRecord]:
        return self._log.recent(limit)


def _present(key: str | None) -> list[str]:
    return [key] if key is not None else []
