"""TIMEX3 values: the records of the times stage, partial dates, and the arithmetic on them.

A value keeps the precision its anchor supports (``2025-07-04``, ``2017-05``, ``--10-21``); the
machine's clock is never consulted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(slots=True)
class TimeExpr:
    """One temporal expression: offsets into the text and its TIMEX3 value."""

    start: int
    end: int
    type: str  # date | time | duration | set
    value: str | None
    mod: str | None = None
    value_end: str | None = None  # last day of a range such as ``May 13-16``

    def as_finding(self) -> dict[str, Any]:
        finding: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "type": self.type,
        }
        if self.mod:
            finding["mod"] = self.mod
        if self.value_end:
            finding["value_end"] = self.value_end
        return finding


@dataclass(slots=True, frozen=True)
class Partial:
    """A calendar date known at some precision; any part may be unknown."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def full(self) -> date | None:
        if self.year and self.month and self.day:
            return date(self.year, self.month, self.day)
        return None

    def iso(self) -> str | None:
        y, m, d = self.year, self.month, self.day
        if y is not None:
            if m is None:
                return f"{y:04d}"
            return f"{y:04d}-{m:02d}" if d is None else f"{y:04d}-{m:02d}-{d:02d}"
        # ISO 8601 truncated forms for a year the text does not give.
        if m is None:
            return None
        return f"--{m:02d}" if d is None else f"--{m:02d}-{d:02d}"


def parse_anchor(anchor: str | None) -> Partial:
    if not anchor:
        return Partial()
    match = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", anchor)
    if not match:
        return Partial()
    year, month, day = (int(g) if g else None for g in match.groups())
    return Partial(year, month, day)


def from_date(value: date) -> Partial:
    return Partial(value.year, value.month, value.day)


def parse_value(value: str | None) -> Partial | None:
    """A value this module wrote (``2025-07-04``, ``--10-21``, ``2017-05``) as a Partial."""
    if not value:
        return None
    if match := re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$", value):
        year, month, day = (int(g) if g else None for g in match.groups())
        return Partial(year, month, day)
    if match := re.match(r"^--(\d{2})(?:-(\d{2}))?$", value):
        month, day = (int(g) if g else None for g in match.groups())
        return Partial(None, month, day)
    return None


def valid(p: Partial) -> bool:
    try:
        date(p.year or 2000, p.month or 1, p.day or 1)
    except ValueError:
        return False
    return True


def shift(anchor: Partial, unit: str, n: int) -> str | None:
    """``anchor`` moved by ``n`` units, at the precision of the unit."""
    if unit == "Y" and anchor.year:
        return f"{anchor.year + n:04d}"
    if unit == "DE" and anchor.year:
        return f"{(anchor.year + 10 * n) // 10:03d}"
    if unit == "CE" and anchor.year:
        return f"{(anchor.year + 100 * n) // 100:02d}"
    if unit == "M" and anchor.year and anchor.month:
        months = anchor.year * 12 + anchor.month - 1 + n
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    if unit == "Q" and anchor.year and anchor.month:
        quarters = anchor.year * 4 + (anchor.month - 1) // 3 + n
        return f"{quarters // 4:04d}-Q{quarters % 4 + 1}"
    base = anchor.full
    if base is None:
        if unit == "D" and anchor.month and anchor.day:
            # Without a year a day can still move inside its month.
            moved = anchor.day + n
            if 1 <= moved <= 28:
                return Partial(None, anchor.month, moved).iso()
        return None
    if unit == "D":
        return from_date(base + timedelta(days=n)).iso()
    if unit in {"W", "WE"}:
        year, week, _ = (base + timedelta(weeks=n)).isocalendar()
        return f"{year:04d}-W{week:02d}" + ("-WE" if unit == "WE" else "")
    return None


# The dossier's date: ISO at its precision, or --MM-DD / --MM without a year.
DATE_VALUE = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|--\d{2}(-\d{2})?)$")


def calendar_date(value: str | None) -> str | None:
    """``value`` as a dossier date: its date part, a week as its month when it
    lies in one month (``2025-W10`` -> ``2025-03``); else None (quarters, ``PAST_REF``)."""
    day = (value or "").split("T")[0]
    if DATE_VALUE.match(day):
        return day
    if week := re.fullmatch(r"(\d{4})-W(\d\d)(-WE)?", day):
        year, number = int(week.group(1)), int(week.group(2))
        first = date.fromisocalendar(year, number, 6 if week.group(3) else 1)
        last = date.fromisocalendar(year, number, 7)
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.year:04d}-{first.month:02d}"
    return None
