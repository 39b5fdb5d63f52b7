from datetime import date

import pytest

from storyline.core.dates import normalize_date


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2025-07-04T13:19:00Z", "2025-07-04"),
        ("2025-07-04", "2025-07-04"),
        ("2025-06", "2025-06"),
        ("2017", "2017"),
        ("4 Jul, 2025 13:19", "2025-07-04"),
        ("July 4, 2025", "2025-07-04"),
        ("May 2017", "2017-05"),
        ("Sept. 9th 2024", "2024-09-09"),
        ("3/12/2024", "2024-03-12"),
    ],
)
def test_dates_normalize_keeps_stated_precision(given, expected):
    assert normalize_date(given) == expected


@pytest.mark.parametrize("given", [None, "", "   ", "yesterday", "today", "Friday", "4 Jul", "2025-02-30", "2025-13"])
def test_dates_normalize_never_invents(given):
    assert normalize_date(given) is None


def test_dates_normalize_does_not_use_the_clock():
    today = date.today()
    for text in ("now", "today", "this morning", f"{today:%d %b}"):
        assert normalize_date(text) is None
