"""Names an analyst reads as one entity, and titles that are roles: a data table, not code.

The table (``entity_names.tsv``, package data) lists, per line, a kind, a
canonical name and its other spellings (``United States``: ``US``, ``U.S.``,
``USA``, ``America``; ``North Atlantic Treaty Organization``: ``NATO``,
``North Atlantic Alliance``). Its kind wins over the tagger's (``Crimea`` is a
place even where the tagger says organisation). Lines of kind ``title``
(``Secretary of State``, ``Prime Minister``) are roles: never entities, and a
name written after one takes it as a role.

Lookups fold case, accents, dots, apostrophes and a leading ``the``, so
``U.S.`` meets ``US`` and ``the Kremlin`` meets ``Kremlin``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

TABLE = "entity_names.tsv"
FIRST_NAMES = "first_names.tsv"

# Courtesy titles written before a name, as the gender they give (``Mrs. Quist``); looked up without dots.
TITLE_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "lady": "f", "madam": "f"}


def title_gender_before(text: str, at: int) -> str | None:
    """``m``/``f`` when the name starting at ``at`` follows a courtesy title (``Mrs. Quist``)."""
    before = text[max(0, at - 6) : at].split()
    return TITLE_GENDER.get(before[-1].lower().rstrip(".")) if before else None
# Titles written before names (abbreviated or not), as the role nouns that later stand for the person
# (``Gov. X`` ... ``the governor``); looked up without dots.
TITLE_ROLES = {
    "sen": "senator", "senator": "senator", "rep": "representative congressman congresswoman",
    "gov": "governor", "governor": "governor", "president": "president", "pres": "president",
    "gen": "general", "adm": "admiral", "col": "colonel", "lt": "lieutenant", "sgt": "sergeant",
    "prof": "professor", "dr": "doctor", "supt": "superintendent", "insp": "inspector", "judge": "judge",
    "justice": "justice", "mayor": "mayor", "secretary": "secretary", "speaker": "speaker",
    "chairman": "chairman", "ambassador": "ambassador",
}


@dataclass(frozen=True, slots=True)
class Known:
    kind: str  # place | organization | title
    name: str  # the canonical name


def fold_name(name: str) -> str:
    """``the U.S.`` -> ``us``; ``Côte d'Ivoire`` -> ``cote divoire``; ``Secretary-General`` -> ``secretary general``."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’.]", "", text)
    text = re.sub(r"[^\w]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


@lru_cache(maxsize=1)
def table() -> dict[str, Known]:
    """Folded spelling -> its entry, for every spelling of every line of the table."""
    out: dict[str, Known] = {}
    for line in files("storyline.article").joinpath(TABLE).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, name, *rest = line.split("\t")
        known = Known(kind.strip(), name.strip())
        for spelling in [name, *(rest[0].split("|") if rest else [])]:
            if spelling.strip():
                out.setdefault(fold_name(spelling), known)
    return out


def known(name: str) -> Known | None:
    """The table's entry for a name, any spelling; None when the table does not list it."""
    return table().get(fold_name(name))


@lru_cache(maxsize=1)
def _title_pattern() -> re.Pattern[str]:
    titles = sorted((k.name for k in table().values() if k.kind == "title"), key=len, reverse=True)
    words = [r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", t)) for t in dict.fromkeys(titles)]
    return re.compile(r"(?i)(?<![\w-])(?:" + "|".join(words) + r")(?![\w-])")


def titles_in(text: str) -> list[tuple[int, int]]:
    """Character spans of the table's titles in ``text`` (``Secretary of State``)."""
    return [m.span() for m in _title_pattern().finditer(text)]


def is_title(name: str) -> bool:
    entry = known(name)
    return entry is not None and entry.kind == "title"


@lru_cache(maxsize=1)
def first_names() -> dict[str, str]:
    """Lowercased first name -> gender (``m``/``f``), from the data table ``first_names.tsv`` (package
    data; names used for both are left out)."""
    out = {}
    for line in files("storyline.article").joinpath(FIRST_NAMES).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            gender, words = line.split("\t", 1)
            out.update((name, gender.strip()) for name in words.split())
    return out
