"""Quotation marks in an article, paired per paragraph (pass 1 of ``storyline.article.statements``).

Straight and curly marks, mismatched pairs such as ``"…”``, nested quotes inside quotes. A paragraph
that opens a quote and does not close it ends the quote at the paragraph end, the next paragraph
reopening it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


OPEN_MARKS = "“„«"


CLOSE_MARKS = "”»"


DASHES = "–—―-"


# A sentence boundary in running text (``News.Az`` is not one, nor ``Sen. Udall``).
SENTENCE_END = re.compile(r"(\w*)([.!?])[”\"’]?\s+[A-Z“\"]")


ABBREVIATIONS = frozenset(
    "mr mrs ms dr sen rep gov gen lt col sgt st jr sr prof rev hon pres no vs u.s u.k corp inc co".split()
)


def first_sentence_end(text: str) -> int | None:
    """Offset of the mark that ends ``text``'s first sentence (abbreviations and initials aside), or None."""
    for match in SENTENCE_END.finditer(text):
        word = match.group(1).lower()
        if not (match.group(2) == "." and (word in ABBREVIATIONS or len(word) == 1)):
            return match.start(2)
    return None


def sentence_ends(text: str) -> int:
    """How many sentence boundaries ``text`` holds, abbreviations and initials aside."""
    count = 0
    for match in SENTENCE_END.finditer(text):
        word = match.group(1).lower()
        if match.group(2) == "." and (word in ABBREVIATIONS or len(word) == 1):
            continue
        count += 1
    return count


# ---------------------------------------------------------------- quotations
@dataclass(slots=True)
class Quote:
    open: int  # index of the opening mark
    close: int  # index of the closing mark, or the paragraph end
    start: int  # content, inside the marks
    end: int
    closed: bool


def paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def find_quotes(original: str) -> list[Quote]:
    """Outermost quotations, paired per paragraph with a stack of open marks.

    Two apostrophes (``''…''``, as some archives write quotes) count as one straight mark.
    """
    text = original.replace("''", '"\x01')
    quotes = []
    for para_start, para_end in paragraphs(text):
        stack: list[int] = []
        for i in range(para_start, para_end):
            char = text[i]
            if char in OPEN_MARKS:
                after = text[i + 1] if i + 1 < para_end else " "
                if stack and text[i - 1] not in " \t" and (after.isspace() or after in ".,;:!?"):
                    _close(text, quotes, stack, i)  # an opening mark typed as the closing one
                else:
                    stack.append(i)
            elif char in CLOSE_MARKS:
                if stack:
                    _close(text, quotes, stack, i)
            elif char == '"':
                before = text[i - 1] if i > para_start else " "
                after = text[i + 1] if i + 1 < para_end else " "
                opens = (before.isspace() or before in "([{:" + DASHES) and not after.isspace()
                if stack and (text[stack[-1]] == '"' or not opens):
                    _close(text, quotes, stack, i)
                elif opens or not stack:
                    stack.append(i)
        if stack:
            quotes.append(_quote(text, stack[0], para_end, closed=False))
    return [q for q in quotes if q.end > q.start]


def _close(text: str, quotes: list[Quote], stack: list[int], i: int) -> None:
    opened = stack.pop()
    if not stack:
        quotes.append(_quote(text, opened, i, closed=True))


def _quote(text: str, opened: int, close: int, closed: bool) -> Quote:
    start, end = opened + 1, close
    while start < end and (text[start].isspace() or text[start] == "\x01"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return Quote(opened, close, start, end, closed)
