"""Settings read from the environment: a value tsunagu does not understand is refused,
naming the variable, never read as something else (a mistyped flag turned fast
password hashing on, and left the session cookie without Secure behind HTTPS)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from interfaces.bootstrap import Settings, SettingsError
from interfaces.web import HttpSettings
from tests.commands import run_tsunagu


@pytest.mark.parametrize("word", ["1", "true", "YES", " on ", "y"])
def test_a_flag_is_on_for_the_words_that_say_so(word: str, tmp_path: Path) -> None:
    settings = Settings.from_env({"TSUNAGU_FAST_PASSWORDS": word}, str(tmp_path))
    assert settings.fast_passwords is True
    assert HttpSettings.from_env({"TSUNAGU_BEHIND_HTTPS": word}).behind_https is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off", "n", ""])
def test_a_flag_is_off_for_the_words_that_say_so(word: str, tmp_path: Path) -> None:
    settings = Settings.from_env({"TSUNAGU_INLINE_PROJECTIONS": word}, str(tmp_path))
    assert settings.inline_projections is (word == "")  # blank: the default, on
    assert HttpSettings.from_env({"TSUNAGU_BEHIND_HTTPS": word}).behind_https is False


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("TSUNAGU_FAST_PASSWORDS", lambda env, path: Settings.from_env(env, path)),
        ("TSUNAGU_INLINE_PROJECTIONS", lambda env, path: Settings.from_env(env, path)),
        ("TSUNAGU_BEHIND_HTTPS", lambda env, path: HttpSettings.from_env(env)),
    ],
)
def test_any_other_word_is_refused_naming_the_flag(
    name: str, read: Callable[[dict[str, str], str], object], tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be 1 or 0.*'disabled'"):
        read({name: "disabled"}, str(tmp_path))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TSUNAGU_TOKEN_TTL_HOURS", "12h"),
        ("TSUNAGU_TOKEN_TTL_HOURS", "0"),
        ("TSUNAGU_TOKEN_TTL_HOURS", "-1"),
        ("TSUNAGU_TOKEN_TTL_HOURS", "nan"),
        ("TSUNAGU_LEDGER_CHECKPOINT_EVENTS", "1e999"),
        ("TSUNAGU_LEDGER_CHECKPOINT_MINUTES", "ten"),
    ],
)
def test_a_number_that_is_not_a_positive_one_is_refused(
    name: str, value: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=f"{name} must be a positive number"):
        Settings.from_env({name: value}, str(tmp_path))


def test_numbers_are_read_as_given(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"TSUNAGU_TOKEN_TTL_HOURS": "0.5", "TSUNAGU_LEDGER_CHECKPOINT_EVENTS": "250"},
        str(tmp_path),
    )
    assert settings.token_ttl.total_seconds() == 1800
    assert settings.ledger_checkpoint_events == 250


def test_a_refused_setting_touches_nothing(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"TSUNAGU_INLINE_PROJECTIONS": "maybe"}, str(tmp_path / "instance"))
    assert not (tmp_path / "instance").exists()


@pytest.mark.parametrize(
    ("name", "value"), [("TSUNAGU_FAST_PASSWORDS", "nope"), ("TSUNAGU_BEHIND_HTTPS", "ture")]
)
def test_the_command_line_says_so_in_one_line(name: str, value: str, tmp_path: Path) -> None:
    run = run_tsunagu(
        tmp_path,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tsunagu.sqlite3'}",
            "TSUNAGU_SECRET_KEY": "test",
            name: value,
        },
        "projections",
        "status",
    )

    assert run.returncode == 2, run.stdout
    assert "Traceback" not in run.stderr
    said = f"Error: {name} must be 1 or 0 (or true/false, yes/no, on/off), not {value!r}"
    assert run.stderr.strip() == said
