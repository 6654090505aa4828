"""Dates as vault notes write them, and Dataview durations added to them. Pure, no clock.

- `parse_date("2026-11-05")` -> `date(2026, 11, 5)`; a YAML / Obsidian date-time
  (`2026-11-05T09:30`, `2026-11-05T09:30:00`, optionally with fractional seconds) gives its date.
  Anything else (`2026-11-5`, `05.11.2026`, `2026-02-30`, spaces) raises `ValueError`.
- `add_duration(day, "3mo")`: `d` days, `w` weeks, `mo` calendar months and `y` years; months and
  years are clamped to the month's end (`2026-01-31 + 1mo = 2026-02-28`, `2024-02-29 + 1y =
  2025-02-28`). A bare `m` is refused as ambiguous (Dataview reads it as minutes).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from vaultpartner.config_schema import Duration, parse_duration

_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?"
)

__all__ = ["add_duration", "as_date", "is_date_text", "parse_date", "parse_datetime_kind"]


def parse_date(text: str) -> dt.date:
    """The date of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM(:SS)`; raise ValueError for anything else."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-11-05")
    year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None
    if match.group(4) is not None:
        hour, minute = int(match.group(4)), int(match.group(5))
        second = int(match.group(6) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError(f"{text!r} has an impossible time of day")
    return value


def parse_datetime_kind(text: str) -> str | None:
    """ "date", "datetime" (Obsidian's property types) or None when text is neither."""
    try:
        parse_date(text)
    except ValueError:
        return None
    return "datetime" if "T" in text else "date"


def is_date_text(text: str) -> bool:
    return parse_datetime_kind(text) is not None


def as_date(value: object) -> dt.date | None:
    """A date from a frontmatter value (text as above, or a date object); None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value.strip())
        except ValueError:
            return None
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def add_duration(day: dt.date, duration: Duration | str) -> dt.date:
    """`day` plus a Dataview duration ("30d", "6w", "3mo", "1y" or a parsed `Duration`)."""
    parsed = parse_duration(duration) if isinstance(duration, str) else duration
    number, unit = parsed.number, parsed.unit
    if unit == "d":
        return day + dt.timedelta(days=number)
    if unit == "w":
        return day + dt.timedelta(weeks=number)
    return _add_months(day, number if unit == "mo" else 12 * number)
