"""Which language an article is in: py3langid (langid.py's model, 97 languages, 4.6 MB, numpy only).

Detected per article from its body; ``None`` when the text is too short to tell
(fewer than ``MIN_LETTERS`` letters) or the identifier is unsure. The per-article
stages that read English only (``parse``, ``statements``, ``times``, ``events``)
leave other languages alone (:func:`analysed`); the article keeps its body,
metadata, comments and the dates its markup states, with a warning saying so.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# The language the English-only stages read.
ANALYSED = "en"
MIN_LETTERS = 40
MIN_PROBABILITY = 0.80
# How much text the identifier reads (its features are byte n-grams; more adds time, not accuracy).
SAMPLE_CHARS = 5000


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when it is too short or unclear to tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    language, probability = _identifier().classify(sample)
    return str(language) if probability >= MIN_PROBABILITY else None


def analysed(article: Any) -> bool:
    """Whether the English-only stages read this article (unknown language: yes, it is short anyway)."""
    return article.language in (None, ANALYSED)


def not_analysed_warning(language: str) -> str:
    return (f"not analysed: language {language} (statements, times and events are read in English only; "
            "body, metadata and the dates the page states are kept)")


@lru_cache(maxsize=16)
def stop_words(language: str | None) -> frozenset[str]:
    """spaCy's stop words for a language (pure data, no model needed); empty when spaCy has none."""
    if not language:
        return frozenset()
    try:
        from spacy.util import get_lang_class

        return frozenset(word.lower() for word in get_lang_class(language).Defaults.stop_words)
    except Exception:  # noqa: BLE001 - spaCy has no class for this language
        return frozenset()
