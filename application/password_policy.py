"""The password policy: what a new password must be, checked whenever one is set
(creating a user, changing one's own, an administrator's reset).

Passwords already set are never re-checked: a user whose password predates the
policy keeps signing in with it until they change it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from domain.errors import InvalidValueError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
MIN_DISTINCT_CHARACTERS = 5
MIN_GUESSES = 10**8
"""Fewer estimated guesses than this is "too common": zxcvbn's score 3 and above
("safely unguessable"), what an online attacker cannot reach through the throttle
and what costs an offline attacker years of Argon2id."""

_REPEATED_UNIT = re.compile(r"(.{1,6}?)\1+", re.DOTALL)


class PasswordStrength(Protocol):
    """An estimate of how hard a password is to guess."""

    def guesses(self, password: str, hints: Sequence[str]) -> float:
        """How many guesses an attacker who tries common passwords, words, names,
        keyboard patterns, dates, sequences and ``hints`` (the username, ...) first
        would need to find ``password``. Never raises for any string."""


def check_new_password(
    password: str, username: str, strength: PasswordStrength, field: str = "password"
) -> None:
    """Refuse a password that is too short or too long, contains the username,
    repeats a few characters, or is common enough to be guessed (each with its own
    code: ``password.too_short``, ``value.too_long``, ``password.contains_username``,
    ``password.repetitive``, ``password.too_common``), naming ``field``."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValueError(
            field,
            f"must be at most {MAX_PASSWORD_LENGTH} characters",
            code="value.too_long",
            max_length=MAX_PASSWORD_LENGTH,
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValueError(
            field,
            f"must be at least {MIN_PASSWORD_LENGTH} characters",
            code="password.too_short",
            minimum=MIN_PASSWORD_LENGTH,
        )
    folded = password.casefold()
    if username and username.casefold() in folded:
        raise InvalidValueError(
            field, "must not contain the username", code="password.contains_username"
        )
    if len(set(folded)) < MIN_DISTINCT_CHARACTERS or _REPEATED_UNIT.fullmatch(password):
        raise InvalidValueError(
            field,
            "must not be a few characters repeated",
            code="password.repetitive",
        )
    if strength.guesses(password, [username]) < MIN_GUESSES:
        raise InvalidValueError(
            field,
            "is too common or too easy to guess; use a few unrelated words",
            code="password.too_common",
        )
