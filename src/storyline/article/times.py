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
from typing import Any

from storyline.article.parse import doc_of
from storyline.core.options import Options
from storyline.core.pipeline import register_stage
from storyline.core.records import Article
from storyline.article.language import analysed
from storyline.article.said_on import date_statements
from storyline.article.time_grammar import MODIFIERS, MOD_PREFIX, RULES, Context, find_candidates
from storyline.article.time_values import TimeExpr, parse_anchor, parse_value


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
# Stage


@register_stage("times")
class Times:
    """Fill ``findings["times"]`` and date the article's statements."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article) and analysed(record):  # English only (storyline.article.language)
                self.tag(record)
            yield record

    def tag(self, article: Article) -> None:
        doc = doc_of(article)
        times = [t.as_finding() for t in tag_times(doc, article.published)]
        article.findings["times"] = times
        statements = article.findings.get("statements")
        if statements:
            date_statements(doc, statements, times)
