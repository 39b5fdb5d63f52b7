"""Times stage: find temporal expressions and normalise them TIMEX3-style.

Candidates come from a small grammar of regular expressions over the body
(dates, times, durations, sets, relative phrases); spaCy's parse supplies the
context the grammar cannot see: the tense of the clause an expression sits in
(``Friday`` in a past-tense clause is the Friday on or before the article's
date, in a future one the Friday after) and whether ``May`` is a month.

Values are resolved against the article's own publication date at the
precision it has (``2025-07-04``, ``2017-05``, ``2025`` or none). What the
anchor cannot support stays partial: with no anchor ``Oct. 21`` is
``--10-21`` and ``in August`` is ``--08``; a weekday or ``yesterday`` has no
value. The machine's clock is never consulted.

Expressions such as ``the day before`` or ``the following month`` are
resolved against the last date the text mentioned (TimeML's reference time),
falling back to the publication date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

from storyline.parse import doc_of
from storyline.pipeline import Options, register_stage
from storyline.language import analysed
from storyline.records import Article

# ---------------------------------------------------------------------------
# Records


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


# ---------------------------------------------------------------------------
# Vocabulary

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
    "saturday": 6, "sunday": 7,
}  # fmt: skip
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "a hundred": 100, "a dozen": 12, "dozen": 12,
    "a couple of": 2, "couple of": 2,
}  # fmt: skip
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
UNITS = {
    "second": "S", "minute": "M", "hour": "H", "day": "D", "week": "W",
    "month": "M", "year": "Y", "decade": "DE", "century": "CE", "quarter": "Q",
    "weekend": "WE",
}  # fmt: skip
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
SEASON_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
MODIFIERS = {
    "early": "START", "late": "END", "mid": "MID", "the end of": "END",
    "the beginning of": "START", "the start of": "START", "the middle of": "MID",
    "the first half of": "START", "the second half of": "END", "end of": "END",
    "beginning of": "START", "start of": "START", "middle of": "MID",
}  # fmt: skip
FUTURE_VERBS = {"schedule", "plan", "expect", "set", "due", "intend", "prepare", "slate"}

# ---------------------------------------------------------------------------
# Grammar (plain regular expressions; lower-case words match in any case,
# month and weekday names must be capitalised as in edited copy)

_I = "(?i:{})".format
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)(?![A-Za-z])"
)
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d|:\d)"
YEAR = r"(?:1[6-9]\d\d|20\d\d)(?![\d,]\d)"
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
NUM_WORD = "|".join(sorted((re.escape(k) for k in NUMBERS), key=len, reverse=True))
NUM = r"(?:\d{1,3}(?:\.\d+)?(?: 1/2)?|" + _I(NUM_WORD) + r"(?:[- ](?i:one|two|three|four|five|six|seven|eight|nine))?)"
VAGUE = _I(r"several|a few|few|many|some|recent|coming|the next several|the past several|the last several")
UNIT = _I(r"second|minute|hour|day|week|month|year|decade|centur(?:y|ie)|quarter")
SEASON = _I(r"spring|summer|fall|autumn|winter")
PART = _I(r"morning|afternoon|evening|night")
ZONE = r"(?: (?:[ECMP][SD]T|GMT|UTC|a\.m\.|p\.m\.))?"
MOD_PREFIX = _I(
    r"(?:the )?(?:very )?(?:early|late|mid|the end of|end of|the beginning of|beginning of|"
    r"the start of|start of|the middle of|middle of|the first half of|the second half of)"
)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str], "Context"], "TimeExpr | None"]]
RULES: list[Rule] = []


def rule(pattern: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        # A rule starts at a word's start, never inside one (``Clint|on Saturday``).
        RULES.append((re.compile(r"(?<!\w)(?:" + pattern + ")"), handler))
        return handler

    return register


def month_number(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def number_value(word: str) -> int | None:
    word = word.lower().replace("-", " ").strip()
    if re.fullmatch(r"\d+(?:\.\d+)?(?: 1/2)?", word):
        return int(float(word.split()[0]))
    if word in NUMBERS:
        return NUMBERS[word]
    parts = word.split()
    if len(parts) == 2 and parts[0] in NUMBERS and parts[1] in NUMBERS:
        return NUMBERS[parts[0]] + NUMBERS[parts[1]]
    return None


def day_number(word: str) -> int:
    return int(re.match(r"\d+", word).group())  # type: ignore[union-attr]


def expr(m: re.Match[str], kind: str, value: str | None, **extra: Any) -> TimeExpr:
    return TimeExpr(m.start(), m.end(), kind, value, **extra)


# --- explicit calendar dates ----------------------------------------------


def place_month_day(month: int, day: int | None, ctx: Context) -> Partial:
    """Give a year-less month (and day) the year the anchor and tense support."""
    anchor = ctx.anchor
    if anchor.year is None:
        return Partial(None, month, day)
    if anchor.month is None:
        return Partial(anchor.year, month, day)
    tense = ctx.tense
    year = anchor.year
    later = (month, day or 0) > (anchor.month, anchor.day or 31)
    if tense == "past" and later and month - anchor.month >= 2:
        year -= 1
    elif tense == "future" and (month, day or 32) < (anchor.month, anchor.day or 0) and anchor.month - month >= 2:
        year += 1
    elif tense == "present" and abs(month - anchor.month) > 6:
        year += -1 if month > anchor.month else 1
    elif tense == "unknown":
        # News reports mostly what has happened: a bare month reaches
        # about a season ahead and most of a year back.
        if month - anchor.month > 3:
            year -= 1
        elif anchor.month - month > 8:
            year += 1
    return Partial(year, month, day)


def valid(p: Partial) -> bool:
    try:
        date(p.year or 2000, p.month or 1, p.day or 1)
    except ValueError:
        return False
    return True


@rule(
    rf"(?:{WEEKDAY},?\s+)?(?:{MONTH}\s?({DAY})|({DAY}) (?:of )?{MONTH})"
    rf"(?:(?: ?[-–] ?| to | through | and | or )({DAY})(?! ?{MONTH}))?"
    rf"(?:,? ({YEAR}))?"
)
def full_date(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    text = m.group(0)
    month = month_number(re.search(MONTH, text).group())  # type: ignore[union-attr]
    day = day_number(m.group(1) or m.group(2))
    if m.group(2) and (word := re.search(MONTH, text)) and word.group() in {"May", "March"}:
        if not ctx.is_month(m.start() + word.start()):
            return None  # ``by 2 May be`` / ``the 3 march``: not a date
    year = int(m.group(4)) if m.group(4) else None
    ctx.tense = ctx.tense_at(m.start(), m.end())
    start = Partial(year, month, day) if year else place_month_day(month, day, ctx)
    if not valid(start):
        return None
    end = None
    if m.group(3):
        last = Partial(start.year, month, day_number(m.group(3)))
        if valid(last) and last.day > day:  # type: ignore[operator]
            end = last.iso()
    return expr(m, "date", start.iso(), value_end=end)


@rule(r"(?<![\d/])(\d{4})-(\d{2})-(\d{2})(?![\d])|(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
def numeric_date(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m.group(1):
        p = Partial(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    else:
        p = Partial(int(m.group(6)), int(m.group(4)), int(m.group(5)))
    return expr(m, "date", p.iso()) if valid(p) else None


@rule(rf"{MONTH},? (?:of )?({YEAR})")
def month_year(m: re.Match[str], ctx: Context) -> TimeExpr:
    return expr(m, "date", Partial(int(m.group(1)), month_number(m.group().split()[0].rstrip(",")), None).iso())


@rule(rf"(?:(?i:last|next|this) )?{MONTH}(?!\.?\s?\d)")
def month_only(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    words = m.group().split()
    if words[-1].lower().rstrip(".") in {"may", "mar", "jan", "dec", "jun", "jul"} and not ctx.is_month(m.end() - 1):
        return None
    month = month_number(words[-1])
    which = words[0].lower() if len(words) > 1 else None
    anchor = ctx.anchor
    if anchor.year is None or anchor.month is None:
        if which is None and anchor.year is not None:
            return expr(m, "date", place_month_day(month, None, ctx_tense(ctx, m)).iso())
        return expr(m, "date", Partial(None, month, None).iso())
    if which == "last":
        year = anchor.year - (1 if month >= anchor.month else 0)
    elif which == "next":
        year = anchor.year + (1 if month <= anchor.month else 0)
    elif which == "this":
        year = anchor.year
    else:
        return expr(m, "date", place_month_day(month, None, ctx_tense(ctx, m)).iso())
    return expr(m, "date", Partial(year, month, None).iso())


def ctx_tense(ctx: Context, m: re.Match[str]) -> Context:
    ctx.tense = ctx.tense_at(m.start(), m.end())
    return ctx


@rule(rf"(?<![\d$.,])({YEAR})(?![\d%])(?!s\b)")
def year_only(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if not ctx.is_year(m.start(), m.end()):
        return None
    return expr(m, "date", m.group(1))


@rule(rf"(?i:fiscal(?: year)?) ({YEAR}|'\d\d)")
def fiscal_year(m: re.Match[str], ctx: Context) -> TimeExpr:
    year = m.group(1)
    if year.startswith("'"):
        year = ("19" if int(year[1:]) > 30 else "20") + year[1:]
    return expr(m, "date", year)


@rule(r"(?:(?i:the) )?(?:(1[6-9]\d|20\d)0s|'(\d)0s)(?![\w])")
def decade(m: re.Match[str], ctx: Context) -> TimeExpr:
    value = m.group(1) or f"19{m.group(2)}"
    return expr(m, "date", value)


# --- weekdays, parts of day ------------------------------------------------


def weekday_date(weekday: int, ctx: Context, which: str | None, start: int, end: int) -> Partial | None:
    base = ctx.anchor.full
    if base is None:
        return None
    delta = weekday - base.isoweekday()
    tense = ctx.tense_at(start, end)
    if tense == "present":
        # ``Albright meets Monday with ...``: in news copy a weekday in the
        # present tense is the coming one.
        tense = "future"
    if which == "last" or (which is None and tense != "future"):
        delta = delta - 7 if delta > 0 or (which == "last" and delta == 0) else delta
    elif which == "next" or tense == "future":
        delta = delta + 7 if delta < 0 or (which == "next" and delta == 0) else delta
    return from_date(base + timedelta(days=delta))


@rule(rf"(?:(?i:last|next|this|this coming|the previous|the following|the next) )?({WEEKDAY})(?:'s)?(?: ({PART}))?")
def weekday(m: re.Match[str], ctx: Context) -> TimeExpr:
    words = m.group().split()
    lead = " ".join(words[:-1] if m.group(2) is None else words[:-2]).lower().removesuffix("'s")
    lead = re.sub(r"\s*\b\w+day\b.*$", "", lead)
    which = {"last": "last", "the previous": "last", "next": "next", "this coming": "next", "the following": "next", "the next": "next", "this": "this"}.get(lead)
    p = weekday_date(WEEKDAYS[m.group(1).lower()], ctx, which, m.start(), m.end())
    end = m.end() - (2 if m.group().endswith("'s") else 0)
    # ``Friday night`` keeps its part of day in the span; TimeBank's gold
    # mostly values it as the plain date, and so do we.
    return TimeExpr(m.start(), end, "date", p.iso() if p else None)


@rule(_I(r"today|tonight|yesterday|tomorrow|this (?:morning|afternoon|evening)|(?:last|tomorrow|yesterday) (?:night|morning|afternoon|evening)"))
def deictic_day(m: re.Match[str], ctx: Context) -> TimeExpr:
    words = m.group().lower().split()
    offset = {"yesterday": -1, "tomorrow": 1, "last": -1}.get(words[0], 0)
    if words[0] == "last":
        offset = -1 if words[1] == "night" else 0
    base = ctx.anchor.full
    value = from_date(base + timedelta(days=offset)).iso() if base else None
    part = "NI" if words[0] == "tonight" else (PARTS_OF_DAY.get(words[-1]) if len(words) > 1 else None)
    if part and value:
        return expr(m, "time", f"{value}T{part}")
    return expr(m, "time" if part else "date", value)


# --- relative to the publication date --------------------------------------


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


def unit_code(word: str) -> str:
    word = word.lower()
    word = "century" if word.startswith("centur") else word.rstrip("s")
    return UNITS[word]


@rule(_I(r"(?:earlier|later) (?:this|that|last|next) (?:week|month|year|quarter)"))
def earlier_this(m: re.Match[str], ctx: Context) -> TimeExpr:
    first, which, unit = m.group().lower().split()
    offset = {"this": 0, "that": 0, "last": -1, "next": 1}[which]
    base = ctx.reference if which == "that" and ctx.reference.year else ctx.anchor
    return expr(m, "date", shift(base, unit_code(unit), offset), mod="START" if first == "earlier" else "END")


@rule(_I(r"(?:the )?(?:last|this|next|past|coming|previous|current|same|following|latest|prior) (?:week(?:end)?|month|year|quarter|decade|century)"))
def direction_unit(m: re.Match[str], ctx: Context) -> TimeExpr:
    words = m.group().lower().split()
    which, unit = words[-2], unit_code(words[-1])
    if which in {"latest", "current", "same", "this"}:
        offset = 0
    elif which in {"last", "past", "previous", "prior"}:
        offset = -1
    else:
        offset = 1
    if which in {"following", "previous", "same"} and words[0] == "the":
        base = ctx.reference if ctx.reference.year else ctx.anchor
    else:
        base = ctx.anchor
    if which == "latest" and unit == "Q":
        offset = -1
    return expr(m, "date", shift(base, unit, offset))


@rule(_I(r"(?:this past|this|that|the same|the|last|next) (?:spring|summer|fall|autumn|winter)"))
def season(m: re.Match[str], ctx: Context) -> TimeExpr:
    which, name = m.group().lower().rsplit(" ", 1)
    which = "last" if which == "this past" else which
    code = SEASONS[name]
    year = ctx.anchor.year
    if year is None:
        return expr(m, "date", None)
    month = ctx.anchor.month or 12
    if which == "last" and SEASON_MONTH[code] >= month:
        year -= 1
    elif which == "next" and SEASON_MONTH[code] <= month:
        year += 1
    return expr(m, "date", f"{year:04d}-{code}")


@rule(
    _I(r"(?:the |this year's |last year's |(?:the )?fiscal |the fiscal )?(?:first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter")
    + r"(?:,? (?:of )?(" + YEAR + r"))?"
)
def quarter(m: re.Match[str], ctx: Context) -> TimeExpr:
    text = m.group().lower()
    number = next(v for k, v in ORDINALS.items() if k in text.replace("-", " ").split())
    if m.group(1):
        return expr(m, "date", f"{m.group(1)}-Q{number}")
    year = ctx.anchor.year
    if year is None:
        return expr(m, "date", None)
    if "last year" in text:
        year -= 1
    elif ctx.anchor.month and number > (ctx.anchor.month - 1) // 3 + 1 - (0 if "this year" in text else 0):
        # A quarter not yet begun is last year's, unless the clause is future.
        if ctx.tense_at(m.start(), m.end()) != "future":
            year -= 1
    return expr(m, "date", f"{year:04d}-Q{number}")


@rule(_I(r"(?:the )?quarter") + r"(?![-\w])")
def bare_quarter(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    return expr(m, "date", shift(ctx.anchor, "Q", -1)) if m.group().lower().startswith("the") else None


@rule(
    r"(?:(?i:about|almost|nearly|more than|less than|some|just|only|at least) )?"
    rf"({NUM}|{VAGUE}) ({UNIT})s? (?i:ago|earlier|later|before|after|from now|hence)(?![-\w])"
)
def offset_ago(m: re.Match[str], ctx: Context) -> TimeExpr:
    n = number_value(m.group(1))
    unit = unit_code(m.group(2))
    direction = m.group().lower().rsplit(" ", 1)[-1]
    sign = -1 if direction in {"ago", "earlier", "before"} else 1
    relative_to_ref = direction in {"earlier", "later", "before", "after"} and unit == "D"
    base = ctx.reference if relative_to_ref and (ctx.reference.day or ctx.reference.month) else ctx.anchor
    if n is None:
        return expr(m, "date", "PAST_REF" if sign < 0 else "FUTURE_REF")
    mod = "APPROX" if re.match(r"(?i)about|almost|nearly|some", m.group()) else None
    if unit == "Y" and direction in {"ago", "earlier"}:
        # ``a year earlier`` after ``the third quarter`` is that quarter a year before.
        if same_period := year_before_last_period(ctx, n):
            return expr(m, "date", same_period, mod=mod)
    return expr(m, "date", shift(base, unit, sign * n), mod=mod)


def year_before_last_period(ctx: Context, years: int) -> str | None:
    match = re.fullmatch(r"(\d{4})-(Q\d|H\d)", ctx.last_value or "")
    if not match or (ctx.anchor.year and int(match.group(1)) < ctx.anchor.year - 1):
        return None
    if ctx.anchor.year and int(match.group(1)) < ctx.anchor.year:
        return None  # the period in view is already a year back
    return f"{int(match.group(1)) - years:04d}-{match.group(2)}"


@rule(_I(r"(?:the )?(?:comparable )?year[- ](?:earlier|ago)(?: (?:quarter|period|(?:first|second|third|fourth)[- ]quarter))?"))
def year_ago_period(m: re.Match[str], ctx: Context) -> TimeExpr:
    text = m.group().lower()
    number = next((v for k, v in ORDINALS.items() if k in text), None)
    if number and ctx.anchor.year:
        return expr(m, "date", f"{ctx.anchor.year - 1:04d}-Q{number}")
    if same_period := year_before_last_period(ctx, 1):
        return expr(m, "date", same_period)
    if "quarter" in text or "period" in text:
        # Earnings copy compares the quarter just reported with a year before.
        return expr(m, "date", shift(ctx.anchor, "Q", -5))
    return expr(m, "date", shift(ctx.anchor, "Y", -1))


@rule(rf"(?:(?i:the) )?({YEAR})(?: (?i:(first|second|third|fourth)[- ])?(quarter|period))")
def year_quarter(m: re.Match[str], ctx: Context) -> TimeExpr:
    if m.group(2):
        return expr(m, "date", f"{m.group(1)}-Q{ORDINALS[m.group(2).lower()]}")
    last = re.fullmatch(r"\d{4}-(Q\d)", ctx.last_value or "")
    return expr(m, "date", f"{m.group(1)}-{last.group(1)}" if last else m.group(1))


@rule(rf"{MONTH},? (?i:(last|this|next) year)")
def month_relative_year(m: re.Match[str], ctx: Context) -> TimeExpr:
    month = month_number(m.group().split()[0].rstrip(","))
    offset = {"last": -1, "this": 0, "next": 1}[m.group(1).lower()]
    year = ctx.anchor.year
    return expr(m, "date", Partial(year + offset, month, None).iso() if year else Partial(None, month, None).iso())


@rule(_I(r"(?:the|this|last|next) weekend"))
def weekend(m: re.Match[str], ctx: Context) -> TimeExpr:
    base = ctx.anchor.full
    if base is None:
        return expr(m, "date", None)
    which = m.group().lower().split()[0]
    future = which == "next" or (which != "last" and ctx.tense_at(m.start(), m.end()) == "future")
    saturday = base + timedelta(days=(6 - base.isoweekday()) % 7 if future else -((base.isoweekday() - 6) % 7))
    year, week, _ = saturday.isocalendar()
    return expr(m, "date", f"{year:04d}-W{week:02d}-WE")


@rule(_I(r"(?:the )?(?:year|year's|month's|month)[- ]end|(?:the |around )?end of the (?:year|month|quarter)|(?:the )?(?:full|current|fiscal|latest fiscal) year"))
def this_period(m: re.Match[str], ctx: Context) -> TimeExpr:
    text = m.group().lower()
    start = m.start() + (7 if text.startswith("around ") else 0)
    unit = "M" if "month" in text else ("Q" if "quarter" in text else "Y")
    mod = "END" if "end" in text else None
    return TimeExpr(start, m.end(), "date", shift(ctx.anchor, unit, 0), mod)


SPOKEN_TENS = {"ten": 1, "twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7, "eighty": 8, "ninety": 9}
SPOKEN_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


@rule(_I(r"nineteen (ten|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-(one|two|three|four|five|six|seven|eight|nine))?|(?:the year )?two thousand(?! \w+ (?:people|dollars))"))
def spoken_year(m: re.Match[str], ctx: Context) -> TimeExpr:
    """Transcripts spell years out: ``nineteen ninety-six``."""
    if m.group(1) is None:
        return expr(m, "date", "2000")
    year = 1900 + 10 * SPOKEN_TENS[m.group(1).lower()] + SPOKEN_UNITS.get((m.group(2) or "").lower(), 0)
    return expr(m, "date", str(year))


@rule(_I(r"the (?:nineteen-)?(twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)"))
def spoken_decade(m: re.Match[str], ctx: Context) -> TimeExpr:
    return expr(m, "date", f"19{SPOKEN_TENS[m.group(1).lower()[:-3] + 'y']}")


FIXED_HOLIDAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "new year's eve": (12, 31), "new year's day": (1, 1), "independence day": (7, 4), "valentine's day": (2, 14), "halloween": (10, 31)}


@rule(r"(?:(?i:last|next|this) )?(?:Christmas(?: Eve| Day)?|New Year's (?:Eve|Day)|Independence Day|Valentine's Day|Halloween|Thanksgiving(?: Day)?)")
def holiday(m: re.Match[str], ctx: Context) -> TimeExpr:
    words = m.group().split(" ", 1)
    name = m.group().lower()
    if words[0].lower() in {"last", "next", "this"}:
        name = words[1].lower()
    ctx.tense = ctx.tense_at(m.start(), m.end())
    if name.startswith("thanksgiving"):
        # Fourth Thursday of November: its day depends on the year.
        placed = place_month_day(11, None, ctx)
        if placed.year is None:
            return expr(m, "date", None)
        first = date(placed.year, 11, 1)
        day = 1 + (3 - first.weekday()) % 7 + 21
        return expr(m, "date", Partial(placed.year, 11, day).iso())
    month, day = FIXED_HOLIDAYS[name]
    return expr(m, "date", place_month_day(month, day, ctx).iso())


@rule(_I(r"the (?:day|week|month|year) (?:before|after|earlier|later)|the (?:next|following|previous|preceding) (?:day|morning|night|evening)|(?:that|the same) (?:day|morning|night|evening)|earlier that day|later that day"))
def relative_to_reference(m: re.Match[str], ctx: Context) -> TimeExpr:
    words = m.group().lower().split()
    unit_word = next(w for w in words if w in {"day", "week", "month", "year", "morning", "night", "evening"})
    unit = unit_code(unit_word) if unit_word in {"day", "week", "month", "year"} else "D"
    if any(w in {"before", "earlier", "previous", "preceding"} for w in words) and "that" not in words:
        n = -1
    elif any(w in {"after", "later", "next", "following"} for w in words) and "that" not in words:
        n = 1
    else:
        n = 0
    base = ctx.reference if (ctx.reference.day or ctx.reference.month) else ctx.anchor
    value = shift(base, unit, n)
    if unit_word in PARTS_OF_DAY and value:
        return expr(m, "time", f"{value}T{PARTS_OF_DAY[unit_word]}")
    return expr(m, "date", value)


@rule(_I(r"(?:in )?the following (?:month|year)|(?:later|earlier) that (?:month|year)|that (?:month|year)"))
def following_unit(m: re.Match[str], ctx: Context) -> TimeExpr:
    words = m.group().lower().split()
    start = m.start() + (3 if words[0] == "in" else 0)
    unit = unit_code(words[-1])
    base = ctx.reference if (ctx.reference.month or ctx.reference.year) else ctx.anchor
    n = 1 if "following" in words else 0
    value = shift(base, unit, n)
    if value is None and unit == "M" and base.month:
        value = Partial(None, base.month % 12 + 1, None).iso() if n else Partial(None, base.month, None).iso()
    mod = {"later": "END", "earlier": "START"}.get(words[0])
    return TimeExpr(start, m.end(), "date", value, mod)


# --- vague references -------------------------------------------------------


@rule(_I(r"now|currently|at present|the present|nowadays|these days|right now"))
def present_ref(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m.group() == "Now" and m.string[m.end() : m.end() + 1] == ",":
        return None  # ``Now, ...`` opens an argument, not a time
    start = m.start() + (3 if m.group().lower().startswith("at ") else 0)
    return TimeExpr(start, m.end(), "date", "PRESENT_REF")


@rule(_I(r"recently|lately|formerly|the past|in the past|the other day"))
def past_ref(m: re.Match[str], ctx: Context) -> TimeExpr:
    start = m.start() + (3 if m.group().lower().startswith("in ") else 0)
    return TimeExpr(start, m.end(), "date", "PAST_REF")


@rule(_I(r"(?:the )?future|as soon as possible|the (?:near|short) term"))
def future_ref(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    if m.group().lower() == "future" and not ctx.is_noun(m.start(), m.end()):
        return None
    return expr(m, "date", "FUTURE_REF")


# --- durations, times and sets ---------------------------------------------


def duration_value(n: int | None, unit: str, fraction: bool = False) -> str:
    if unit == "DE":
        unit, n = "Y", (10 * n if n is not None else None)
    if unit == "CE":
        unit, n = "Y", (100 * n if n is not None else None)
    if unit == "Q":
        unit, n = "M", (3 * n if n is not None else None)
    amount = "X" if n is None else str(n)
    if unit in {"H", "S"} or (unit == "M" and False):
        return f"PT{amount}{unit}"
    return f"P{amount}{unit}"


@rule(
    r"(?:(?i:about|almost|nearly|more than|less than|at least|at most|up to|roughly|some|just|only) )?"
    r"(?:(?i:the|a|an|his|her|its|their) )?(?:(?i:past|last|next|first|coming|previous|following|final|latest|remaining|same|other) )?"
    rf"(?:({NUM})[- ]|({VAGUE}) )?({UNIT}|{_I('minute')})(s)?(?:-(?i:long))?(?![\w-])(?![- ](?i:old)\b)"
)
def duration(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    number, vague, unit_word, plural = m.group(1), m.group(2), m.group(3), m.group(4)
    text = m.group().lower()
    words = text.split()
    if number is None and vague is None and not plural:
        # ``the year``, ``a week``: only with an article and a duration sense.
        if words[0] not in {"a", "an", "the", "past", "last", "next", "first"} or unit_word.lower() == "quarter":
            return None
        if words[0] == "the" and len(words) == 2:
            return None
        n: int | None = 1
    elif number is not None:
        n = number_value(number)
    else:
        n = None
    if number is None and vague is None and plural:
        if words[0] not in {"the", "past", "last", "next", "coming", "first"} and len(words) == 1:
            if not ctx.is_duration_plural(m.start()):
                return None
    unit = unit_code(unit_word)
    if unit_word.lower().startswith("minute"):
        unit = "M"
        value = f"PT{'X' if n is None else n}M"
    elif unit in {"H", "S"}:
        value = f"PT{'X' if n is None else n}{unit}"
    else:
        value = duration_value(n, unit)
    mod = None
    if re.match(r"(?i)about|almost|nearly|roughly|some", text):
        mod = "APPROX"
    elif re.match(r"(?i)more than|over", text):
        mod = "MORE_THAN"
    elif re.match(r"(?i)less than|up to", text):
        mod = "LESS_THAN"
    elif re.match(r"(?i)at least", text):
        mod = "EQUAL_OR_MORE"
    return expr(m, "duration", value, mod=mod)


@rule(
    r"(?<![\d:.])(?:(\d{1,2})(?::(\d\d))? ?(?i:(a\.?m\.?|p\.?m\.?)(?![a-z]))|(\d{1,2}):(\d\d)(?![\d:]))"
    + ZONE + r"|" + _I(r"noon|midnight|midday")
)
def clock_time(m: re.Match[str], ctx: Context) -> TimeExpr | None:
    text = m.group().lower()
    if text in {"noon", "midday"}:
        hour, minute = 12, 0
    elif text == "midnight":
        hour, minute = 0, 0
    else:
        hour = int(m.group(1) or m.group(4))
        minute = int(m.group(2) or m.group(5) or 0)
        if m.group(3) and m.group(3).startswith("p") and hour < 12:
            hour += 12
        if m.group(3) and m.group(3).startswith("a") and hour == 12:
            hour = 0
    if hour > 23 or minute > 59:
        return None
    day = ctx.anchor.full
    value = f"{day.isoformat()}T{hour:02d}:{minute:02d}" if day else f"T{hour:02d}:{minute:02d}"
    end = m.end()
    if text.endswith(".") and m.group(3) is None:
        end -= 1
    return TimeExpr(m.start(), end, "time", value)


@rule(_I(r"daily|weekly|monthly|annually|yearly|hourly|nightly|(?:every|each|per) (?:other )?(?:second|minute|hour|day|night|week|month|quarter|year)|(?:once|twice|three times) a (?:day|week|month|year)"))
def set_unit(m: re.Match[str], ctx: Context) -> TimeExpr:
    word = m.group().lower().split()[-1]
    adverbs = {"daily": "D", "nightly": "D", "weekly": "W", "monthly": "M", "annually": "Y", "yearly": "Y", "hourly": "H", "quarterly": "Q"}
    unit = adverbs.get(word) or ("D" if word == "night" else unit_code(word))
    step = 2 if "other" in m.group().lower() else 1
    if unit == "Q":
        unit, step = "M", 3 * step
    value = f"PT{step}{unit}" if unit in {"H", "S"} else f"P{step}{unit}"
    return expr(m, "set", value)


@rule(rf"(?i:every|each) ({WEEKDAY})(?: ({PART}))?")
def set_weekday(m: re.Match[str], ctx: Context) -> TimeExpr:
    value = f"XXXX-WXX-{WEEKDAYS[m.group(1).lower()]}"
    if m.group(2):
        value += f"T{PARTS_OF_DAY[m.group(2).lower()]}"
    return expr(m, "set", value)


# ---------------------------------------------------------------------------
# Tagging


class Context:
    """What normalisation needs besides the matched text, answered from the spaCy Doc."""

    __slots__ = ("doc", "anchor", "reference", "last_value", "tense")

    def __init__(self, doc: Any, anchor: Partial) -> None:
        self.doc = doc
        self.anchor = anchor
        self.reference = Partial()  # the last date the text mentioned (TimeML reference time)
        self.last_value: str | None = None  # the last value written, any granularity
        self.tense = "past"

    def tense_at(self, start: int, end: int) -> str:
        """past | present | future | unknown for the clause around ``start:end``."""
        span = self._span(start, end)
        if span is None or len(span) == 0:
            return "past"
        return clause_tense(span)

    def _span(self, start: int, end: int) -> Any:
        return self.doc.char_span(start, end, alignment_mode="expand")

    def is_month(self, char: int) -> bool:
        span = self._span(char, char + 1)
        token = span[0] if span is not None and len(span) else None
        return token is not None and token.tag_ == "NNP" and token.ent_type_ in {"DATE", ""}

    def is_year(self, start: int, end: int) -> bool:
        span = self._span(start, end)
        if span is None or not len(span):
            return False
        token = span[0]
        if token.ent_type_ == "DATE":
            return True
        if token.i > 0 and token.nbor(-1).lower_ in {"in", "since", "of", "by", "until", "from", "before", "after", "during", "early", "late", "mid", "between", "through", "and", "to"}:
            return not (token.i + 1 < len(self.doc) and token.nbor(1).pos_ in {"NOUN", "PROPN"} and token.nbor(1).lower_ not in {"election", "elections"})
        return False

    def is_noun(self, start: int, end: int) -> bool:
        span = self._span(start, end)
        return span is not None and len(span) > 0 and span[-1].pos_ in {"NOUN", "PROPN"}

    def is_duration_plural(self, start: int) -> bool:
        span = self._span(start, start + 1)
        token = span[0] if span is not None and len(span) else None
        return token is not None and token.i > 0 and token.nbor(-1).lower_ in {"for", "in", "over", "within", "after"}


def clause_tense(span: Any) -> str:
    """past | present | future of the clause governing ``span``."""
    token = span.root
    for word in span:
        if word.lower_ in {"upcoming", "coming", "next"}:
            return "future"
    steps = 0
    while token.pos_ not in {"VERB", "AUX"} and token.head.i != token.i and steps < 6:
        if any(c.lower_ in {"upcoming", "coming", "next"} for c in token.children):
            return "future"
        token = token.head
        steps += 1
        if token.pos_ in {"NOUN", "PROPN", "ADJ", "NUM"} and not span.start <= token.i < span.end:
            # ``payable Dec. 7``, ``the summit in April``: the verb of the
            # sentence says nothing about when the noun's date lies.
            return "unknown"
    if token.pos_ not in {"VERB", "AUX"}:
        return "unknown"
    # ``is scheduled to take place``: the tense is on the governing verb.
    verbs = [token]
    while verbs[-1].dep_ == "xcomp" and len(verbs) < 4:
        verbs.append(verbs[-1].head)
    for verb in verbs:
        auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
        if any(a.lower_ in {"will", "'ll", "shall", "wo", "would", "might", "may", "could"} for a in auxes):
            return "future"
        if verb.lemma_ in {"plan", "schedule", "intend", "slate", "set", "expect", "prepare"} and (
            verb.i != verbs[0].i or verb.lemma_ in {"plan", "schedule"}
        ):
            return "future"
        present = verb.tag_ in {"VBZ", "VBP"} or any(a.tag_ in {"VBZ", "VBP"} for a in auxes)
        if present and (verb.lemma_ in FUTURE_VERBS or verb.lower_ == "going"):
            return "future"
    verb = verbs[0]
    auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes):
        return "past"
    if verb.tag_ == "VBN" and any(a.lemma_ == "have" for a in auxes):
        return "past"
    if verb.tag_ in {"VBZ", "VBP"} or any(a.tag_ in {"VBZ", "VBP"} for a in auxes):
        return "present"
    return "unknown"


def find_candidates(text: str, ctx: Context) -> list[tuple[int, int, int, re.Match[str]]]:
    found = []
    for index, (pattern, _) in enumerate(RULES):
        for match in pattern.finditer(text):
            if match.end() > match.start() and is_word_boundary(text, match.start(), match.end()):
                found.append((match.start(), match.end(), index, match))
    # Leftmost-longest, earlier rules win ties.
    found.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[2]))
    chosen: list[tuple[int, int, int, re.Match[str]]] = []
    last_end = -1
    for candidate in found:
        if candidate[0] >= last_end:
            chosen.append(candidate)
            last_end = candidate[1]
    return chosen


def is_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    prefix = text[max(0, start - 6) : start].lower()
    hyphenated = before == "-" and start > 1 and text[start - 2].isalpha() and not re.search(r"(?:mid|early|late|post|pre)-$", prefix)
    return not (before.isalnum() or hyphenated) and not after.isalnum()


def tag_times(doc: Any, anchor: str | None) -> list[TimeExpr]:
    """All temporal expressions of ``doc.text``, normalised against ``anchor``."""
    text = doc.text
    ctx = Context(doc, parse_anchor(anchor))
    expressions: list[TimeExpr] = []
    for start, end, index, match in find_candidates(text, ctx):
        ctx.tense = "past"
        found = RULES[index][1](match, ctx)
        if found is None:
            continue
        found = with_modifier(text, found)
        if expressions and (merged := clock_on_day(text, expressions[-1], found)):
            expressions[-1] = found = merged
        else:
            expressions.append(found)
        if found.type in {"date", "time"}:
            remember_reference(ctx, found)
    return expressions


def clock_on_day(text: str, clock: TimeExpr, day: TimeExpr) -> TimeExpr | None:
    """``9 a.m. Tuesday``: one time expression, the clock time on that day."""
    if clock.type != "time" or day.type != "date" or not re.fullmatch(r",? (?:on )?", text[clock.end : day.start]):
        return None
    hour = re.search(r"T(\d\d:\d\d)$", clock.value or "")
    calendar = parse_value(day.value)
    if not hour or calendar is None or calendar.full is None:
        return None
    return TimeExpr(clock.start, day.end, "time", f"{day.value}T{hour.group(1)}")


MOD_BEFORE = re.compile(MOD_PREFIX + r"[- ]?$")


def with_modifier(text: str, found: TimeExpr) -> TimeExpr:
    """Extend a date over ``early``/``late``/``the end of`` before it and record the mod."""
    if found.type != "date" or found.mod or not found.value or found.value.endswith("_REF"):
        return found
    match = MOD_BEFORE.search(text, max(0, found.start - 24), found.start)
    if not match:
        return found
    word = match.group().lower().strip(" -")
    word = re.sub(r"^the very |^very ", "", word)
    mod = MODIFIERS.get(word) or MODIFIERS.get(word.removeprefix("the ")) or "MID"
    return TimeExpr(match.start(), found.end, found.type, found.value, mod, found.value_end)


def remember_reference(ctx: Context, found: TimeExpr) -> None:
    if found.value and not found.value.endswith("_REF"):
        ctx.last_value = found.value
    value = parse_value(found.value)
    if value and (value.month or value.day):
        ctx.reference = value


# ---------------------------------------------------------------------------
# said_on

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


def attached_verb(token: Any) -> Any:
    """The verb a time expression's head token modifies (through ``on``/``in``)."""
    steps = 0
    while token.pos_ not in {"VERB", "AUX"} and token.head.i != token.i and steps < 5:
        token = token.head
        steps += 1
    return token if token.pos_ in {"VERB", "AUX"} else None


def date_statements(doc: Any, statements: list[dict[str, Any]], times: list[dict[str, Any]]) -> None:
    """Fill ``said_on`` of each statement whose cue verb a dated expression modifies.

    ``Peskov told journalists on Friday``, ``Last week, Rubio said``: the time
    hangs off the cue verb in the parse. A date inside the quoted content
    dates the content, not the utterance, and the article's date is never
    assumed: without such an expression ``said_on`` stays null.
    """
    dated = [t for t in times if t["type"] in {"date", "time"} and calendar_date(t.get("value"))]
    for statement in statements:
        statement["said_on"] = None
        cue = doc.char_span(statement["cue_start"], statement["cue_end"], alignment_mode="expand")
        if cue is None or not len(cue):
            continue
        cue_verbs = {t.i for t in cue if t.pos_ in {"VERB", "AUX"}} or {cue.root.i}
        for time in dated:
            if statement["start"] <= time["start"] < statement["end"]:
                continue
            span = doc.char_span(time["start"], time["end"], alignment_mode="expand")
            if span is None or span.sent.start != cue.sent.start:
                continue
            verb = attached_verb(span.root)
            if verb is not None and verb.i in cue_verbs:
                statement["said_on"] = calendar_date(time["value"])
                break


# ---------------------------------------------------------------------------
# Stage


@register_stage("times")
class Times:
    """Fill ``findings["times"]`` and date the article's statements."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article) and analysed(record):  # English only (storyline.language)
                self.tag(record)
            yield record

    def tag(self, article: Article) -> None:
        doc = doc_of(article)
        times = [t.as_finding() for t in tag_times(doc, article.published)]
        article.findings["times"] = times
        statements = article.findings.get("statements")
        if statements:
            date_statements(doc, statements, times)
