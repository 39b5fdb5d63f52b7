"""Claims: two statements that differ by one swapped word are usually two claims.

"Several women stand near the yellow line" / "... near the red line", "12 were killed" / "21
were killed", "the French minister" / "the German minister": the embeddings put such pairs
near cosine 1 and the pair model misses many of them. What they share is a shape, not a
vocabulary: line up the two units' content tokens and the only difference is one short
stretch replaced by another of the same kind (both numbers, both adjectives, both nouns,
both names of one entity type, or both words of place or direction: "near" / "far from",
"inside" / "outside", "before" / "after"). A paraphrase usually differs in more places, or swaps a word
for a spelling or abbreviation of itself ("U.S." / "US", "Mursi" / "Morsi"), which is not
counted. A replaced number is a different claim wherever it is ("four" and "4" are one).

No list of words and nothing fitted: the tokens and their tags come from spaCy
(``storyline.article.units.tagged``), the alignment from :mod:`difflib`.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from typing import Any

SWAPPABLE_POS = {"NOUN", "PROPN", "NUM", "ADJ"}
# Prepositions and adverbs are one kind: "near" (ADP) / "far" (ADV), "inside" / "outside". A verb
# swapped for another is as often a headline's synonym ("blasts hit" / "blasts rock" the capital)
# as an opposite, and the tags cannot tell which: it is a ``WORD_SWAP``, for the pair model.
RELATION_POS = {"ADP", "ADV"}
MAX_SWAP = 2  # tokens on each side of the one replaced stretch
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "hundred": 100, "thousand": 1000}
SPELLING_SIMILARITY = 0.75  # "recognise" / "recognizes", "Quran" / "Koran": one word spelt two ways


# Scale words and their newsroom abbreviations: "$356 million" and "$356M", "1.2bn" and "1.2
# billion" are one number. An abbreviation counts only written onto its number ("356M", "5 m" does not).
SCALE_WORDS = {"dozen": 12, "hundred": 10**2, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
SCALE_ABBREVIATIONS = {"k": 10**3, "m": 10**6, "mn": 10**6, "mln": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12}
_WRITTEN_ON = {**SCALE_WORDS, **SCALE_ABBREVIATIONS}  # what may follow the digits in one token ("1.2bn")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SCALED_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)([a-z]+)")


def content_tokens(doc: Any) -> list[tuple[str, str, str]]:
    """(normalised text, coarse tag, entity type) of the tokens that carry content, in order:
    punctuation and stop words out, numbers and negators kept; a number and its scale word
    are one token, its value ("356 million", "356M" and "356m" all read "356000000")."""
    kept: list[tuple[str, str, str]] = []
    previous = None
    for token in doc:
        scale = _scale_of(token, previous)
        previous = token
        if scale is not None and kept and kept[-1][1] == "NUM" and _NUMBER.fullmatch(kept[-1][0]):
            kept[-1] = (_scaled(kept[-1][0], scale), "NUM", kept[-1][2])
            continue
        if token.is_punct or token.is_space:
            continue
        if token.is_stop and not token.like_num and token.lower_ not in ("not", "no", "never", "n't"):
            continue
        kept.append((_normalised(token.lower_), "NUM" if token.like_num else token.pos_, token.ent_type_))
    return kept


def _scale_of(token: Any, previous: Any) -> int | None:
    """What ``token`` multiplies the number before it by, if it is a scale word
    ("million") or an abbreviation written onto the number ("M" of "356M")."""
    if previous is None or not previous.like_num:
        return None
    word = token.lower_
    if word in SCALE_WORDS:
        return SCALE_WORDS[word]
    return SCALE_ABBREVIATIONS.get(word) if not previous.whitespace_ else None


def _scaled(number: str, factor: int) -> str:
    value = Decimal(number) * factor
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def _normalised(word: str) -> str:
    scaled = _SCALED_NUMBER.fullmatch(word)
    if scaled and scaled.group(2) in _WRITTEN_ON:  # "1.2bn", one token
        return _scaled(_normalised(scaled.group(1)), _WRITTEN_ON[scaled.group(2)])
    word = word.replace(".", "") if not re.fullmatch(r"[\d.,]+", word) else word
    if word in NUMBER_WORDS:
        return str(NUMBER_WORDS[word])
    if _NUMBER.fullmatch(word):
        value = float(word.replace(",", ""))
        return str(int(value)) if value.is_integer() else str(value)
    return word


# What ``swap_kind`` found. A number for another, a word for its negated form ("safe" /
# "unsafe"), a name, adjective or word of place for another ("Valdorian" / "Osklandic", "north"
# / "south", "inside" / "outside") are different claims whatever a model says (the pair model
# reads most such pairs as the same claim). A common noun or a verb for another ("murder" /
# "death", "blasts hit" / "blasts rock"; but "supports" / "opposes") is as often a synonym as
# another claim: ``WORD_SWAP`` lets the model decide.
NUMBER, OPPOSITE, SWAP, WORD_SWAP = "number", "opposite", "swap", "word"


def swap_kind(a: Any, b: Any) -> str | None:
    """How the units (spaCy Docs) differ when they differ by a swap rather than a rewording: a
    number replaced by another number anywhere (``NUMBER``), or the one difference between
    them a short stretch of content words replaced by a stretch of the same kind (``OPPOSITE``,
    ``SWAP`` or ``WORD_SWAP``, above); else None."""
    left, right = content_tokens(a), content_tokens(b)
    matcher = difflib.SequenceMatcher(a=[t[0] for t in left], b=[t[0] for t in right], autojunk=False)
    edits = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    shared = sum(i2 - i1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag == "equal")
    for tag, i1, i2, j1, j2 in edits:
        if tag != "replace":
            continue
        old, new = left[i1:i2], right[j1:j2]
        if any(t[1] == "NUM" for t in old) and any(t[1] == "NUM" for t in new):
            return NUMBER
        verbs = all(t[1] == "VERB" for t in old + new)
        if len(edits) == 1 and shared >= 2 and len(old) <= MAX_SWAP and len(new) <= MAX_SWAP and (_same_kind(old, new) or verbs):
            before, after = " ".join(t[0] for t in old), " ".join(t[0] for t in new)
            if _negated_form(before, after):
                return OPPOSITE
            if _spelling_of(before, after):
                return None
            return WORD_SWAP if verbs or all(t[1] == "NOUN" and not t[2] for t in old + new) else SWAP
    return None


def _same_kind(old: list[tuple[str, str, str]], new: list[tuple[str, str, str]]) -> bool:
    kinds = lambda side: {"RELATION" if t[1] in RELATION_POS else t[1] for t in side  # noqa: E731
                          if t[1] in SWAPPABLE_POS | RELATION_POS}
    entities = lambda side: {t[2] for t in side if t[2]}  # noqa: E731
    return bool(kinds(old) & kinds(new)) or bool(entities(old) & entities(new))


NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non")  # "safe" / "unsafe": the opposite, not a spelling


def _negated_form(old: str, new: str) -> bool:
    short, long_ = sorted((old, new), key=len)
    return any(long_ in (prefix + short, prefix + "-" + short) for prefix in NEGATING_PREFIXES)


def _spelling_of(old: str, new: str) -> bool:
    """One word spelt, inflected or abbreviated another way, not a different word."""
    if _negated_form(old, new):
        return False
    if old.startswith(new) or new.startswith(old):
        return True
    initials = lambda words: "".join(w[0] for w in words.split())  # noqa: E731
    if old.replace(" ", "") == initials(new) or new.replace(" ", "") == initials(old):
        return True
    return difflib.SequenceMatcher(a=old, b=new, autojunk=False).ratio() >= SPELLING_SIMILARITY
