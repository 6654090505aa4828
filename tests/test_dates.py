"""dates.py: strict date parsing and Dataview durations added to dates."""

from __future__ import annotations

import datetime as dt

import pytest

from vaultpartner.config_schema import Duration
from vaultpartner.dates import add_duration, as_date, parse_date, parse_datetime_kind

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-05", D(2026, 11, 5)),
        ("2026-11-05T09:30", D(2026, 11, 5)),
        ("2026-11-05T09:30:59", D(2026, 11, 5)),
        ("2026-11-05T23:59:59.123", D(2026, 11, 5)),
        ("2024-02-29", D(2024, 2, 29)),
    ],
)
def test_parse_date_accepts(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-5",
        "05.11.2026",
        "2026-02-30",
        " 2026-11-05",
        "2026-11-05 ",
        "2026-11-05T24:00",
        "2026-11-05T9:30",
        "2026-13-01",
        "20261105",
        "2026-11-05T10:61",
        "",
        "вчера",
    ],
)
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"date|time"):
        parse_date(text)


def test_datetime_kind_and_as_date() -> None:
    assert parse_datetime_kind("2026-11-05") == "date"
    assert parse_datetime_kind("2026-11-05T10:00") == "datetime"
    assert parse_datetime_kind("soon") is None
    assert as_date(" 2026-11-05 ") == D(2026, 11, 5)
    assert as_date(dt.datetime(2026, 11, 5, 10, 0)) == D(2026, 11, 5)
    assert as_date(D(2026, 1, 1)) == D(2026, 1, 1)
    assert as_date(20261105) is None
    assert as_date(None) is None


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (D(2026, 10, 2), "6w", D(2026, 11, 13)),
        (D(2026, 10, 2), "30d", D(2026, 11, 1)),
        (D(2026, 1, 31), "1mo", D(2026, 2, 28)),
        (D(2024, 1, 31), "1mo", D(2024, 2, 29)),
        (D(2026, 11, 30), "3mo", D(2027, 2, 28)),
        (D(2026, 12, 15), "1mo", D(2027, 1, 15)),
        (D(2024, 2, 29), "1y", D(2025, 2, 28)),
        (D(2026, 5, 1), "2 weeks", D(2026, 5, 15)),
        (D(2026, 5, 1), Duration(14, "mo"), D(2027, 7, 1)),
    ],
)
def test_add_duration(start: dt.date, duration: str | Duration, expected: dt.date) -> None:
    assert add_duration(start, duration) == expected


def test_bare_m_is_ambiguous() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        add_duration(D(2026, 1, 1), "3m")
