"""``said_on``: the date a statement was made, when a dated expression hangs off its cue verb.
"""

from __future__ import annotations

from typing import Any

from storyline.article.time_values import calendar_date


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
