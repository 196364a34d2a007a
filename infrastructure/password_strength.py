"""How guessable a password is, estimated with zxcvbn (Dropbox's estimator: common
passwords, English words and names, keyboard patterns, dates, sequences, repeats)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_ESTIMATED_LENGTH = 72
"""zxcvbn refuses longer input (its matching grows fast with length); a longer
password is judged by its first 72 characters, which is only ever pessimistic."""


class ZxcvbnStrength:
    """application.password_policy.PasswordStrength with zxcvbn."""

    def guesses(self, password: str, hints: Sequence[str]) -> float:
        # Imported on first use: the dictionaries take a moment to load, and most
        # commands never set a password.
        from zxcvbn import zxcvbn  # type: ignore[import-untyped]

        result: dict[str, Any] = zxcvbn(
            password[:MAX_ESTIMATED_LENGTH], user_inputs=[hint for hint in hints if hint]
        )
        return float(result["guesses"])
