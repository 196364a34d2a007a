"""Languages and formats of the screens: ja by default, en on request.

The language is, in this order: the signed-in user's choice, the choice made
before signing in (kept in the session), the browser's ``Accept-Language``,
and Japanese when nothing says otherwise. Times are shown in Japan time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal
from flask import Flask, g, request, session
from flask_babel import Babel, get_locale, gettext

from domain.calendar import JST
from domain.user import LANGUAGES
from interfaces.eras import era_date, era_fiscal_year

DEFAULT_LANGUAGE = "ja"
TIMEZONE_NAME = "Asia/Tokyo"
"""Japan has no daylight saving time: a fixed offset is exact."""

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def _(text: str, **variables: Any) -> str:
    """The translation of ``text`` in the request's language (``%(name)s`` filled in)."""
    return str(gettext(text, **variables))


def select_locale() -> str:
    user = g.get("session_user")
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def local(moment: datetime) -> datetime:
    """``moment`` in Japan time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST)


def format_day(value: date | datetime | None) -> str:
    """令和8年11月27日 (ja, the era as municipalities write dates) or Nov 27, 2026 (en)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    if language() == "ja":
        return era_date(value)
    return babel_format_date(value, "medium", locale=language())


def format_fiscal_year(year: int, western: bool = True) -> str:
    """令和8年度（2026年度） (ja; without the Western year when ``western`` is false) or
    FY2026 (en)."""
    if language() == "ja":
        era = era_fiscal_year(year)
        return f"{era}（{year}年度）" if western else era
    return f"FY{year}"


def format_month(key: str) -> str:
    """A ``YYYY-MM`` month as 2025年12月 (ja) or Dec 2025 (en)."""
    year, month = (int(part) for part in key.split("-"))
    return format_skeleton("yMMM", date(year, month, 1), locale=language())


def format_moment(value: datetime | None, seconds: bool = False) -> str:
    """2026年11月27日 14:05 (ja) or Nov 27, 2026, 14:05 (en), in Japan time."""
    if value is None:
        return ""
    moment = local(value)
    clock = babel_format_time(moment, "HH:mm:ss" if seconds else "HH:mm", locale=language())
    separator = " " if language() == "ja" else ", "
    return format_day(moment) + separator + clock


def format_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=language())


def input_moment(value: datetime | None) -> str:
    """A ``datetime-local`` input's value (Japan time, to the second)."""
    if value is None:
        return ""
    return local(value).strftime("%Y-%m-%dT%H:%M:%S")


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE_NAME)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: TIMEZONE_NAME)
    filters: dict[str, Any] = {
        "day": format_day,
        "moment": format_moment,
        "number": format_number,
        "fiscal_year": format_fiscal_year,
        "month": format_month,
        "input_moment": input_moment,
    }
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals["language"] = language
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
