"""Publication-date strings to ISO 8601 at the precision they state.

``2025-07-04T13:19:00Z`` -> ``2025-07-04``; ``4 Jul, 2025 13:19`` ->
``2025-07-04``; ``2025-06`` -> ``2025-06``; ``May 2017`` -> ``2017-05``.
Anything that does not state at least a year gives ``None``: the clock of
the machine is never consulted, so nothing here can invent a date.
"""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T\s].*)?\s*$")
_US_NUMERIC = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\b")
_YEAR = re.compile(r"\b(1[89]\d{2}|2[01]\d{2})\b")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?", re.I)
_DAY = re.compile(r"(?<![\d:])(\d{1,2})(?:st|nd|rd|th)?(?![\d:])")


def _valid(year: int, month: int | None = None, day: int | None = None) -> bool:
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return False
    return True


def _format(year: int, month: int | None, day: int | None) -> str | None:
    if not _valid(year, month, day):
        return None
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalize_date(value: object) -> str | None:
    """Return ``value`` as an ISO date at its stated precision, or ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if match := _ISO.match(text):
        year, month, day = (int(g) if g else None for g in match.groups())
        return _format(year, month, day)  # type: ignore[arg-type]
    if match := _US_NUMERIC.match(text):
        month, day, year = (int(g) for g in match.groups())
        return _format(year, month, day)
    return _from_words(text)


def _from_words(text: str) -> str | None:
    """``4 Jul, 2025 13:19`` / ``July 4, 2025`` / ``May 2017``."""
    year_match = _YEAR.search(text)
    if not year_match:
        return None
    year = int(year_match.group(1))
    month_match = _MONTH_WORD.search(text)
    if not month_match:
        return _format(year, None, None)
    month = _MONTHS[month_match.group(1).lower()]
    # A day is a 1-2 digit number next to the month name, not a time or the year.
    near = text[max(0, month_match.start() - 6) : month_match.end() + 6]
    days = [int(d) for d in _DAY.findall(near) if 1 <= int(d) <= 31]
    day = days[0] if days else None
    return _format(year, month, day)
