"""Extract stage: a raw page (plain text or HTML) becomes an Article.

The extractor for the format finds the body, the reader comments and what
the page states about itself; metadata given from outside (the input
record, a manifest, ``--published``) then takes precedence over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from storyline.core.dates import normalize_date
from storyline.article.extract_html import extract_html
from storyline.article.extract_text import extract_text
from storyline.core.options import Options
from storyline.core.pipeline import register_stage
from storyline.core.records import Article, Extraction, RawDoc, Skipped
from storyline.article.language import ANALYSED, detect_language, not_analysed_warning


def extract_article(raw: RawDoc, options: Options) -> Article | Skipped:
    extraction: Extraction = (extract_html if raw.fmt == "html" else extract_text)(raw.content)
    if not extraction.body.strip():
        return Skipped(raw.source, "no article text found")
    meta = raw.meta
    language = detect_language(extraction.body)
    warnings = [*raw.warnings, *extraction.warnings]
    findings: dict[str, list[dict]] = {}
    if language not in (None, ANALYSED):
        warnings.append(not_analysed_warning(language))
        findings = {kind: [] for kind in ("statements", "mentions", "times", "events")}
    published, published_from = _choose_published(meta.published, meta.published_from, extraction, raw.fmt, options)
    return Article(
        source=raw.source,
        input_hash=raw.input_hash,
        content_hash=raw.content_hash,
        body=extraction.body,
        title=meta.title or extraction.title,
        outlet=meta.outlet or extraction.outlet,
        author=meta.author or extraction.author,
        url=meta.url,
        published=published,
        published_from=published_from,
        comments=extraction.comments,
        warnings=warnings,
        language=language,
        findings=findings,
    )


def _choose_published(
    given: str | None, given_from: str | None, extraction: Extraction, fmt: str, options: Options
) -> tuple[str | None, str | None]:
    """Input or manifest, then what the page states, then ``--published``; else null."""
    candidates = [
        (given, given_from),
        (extraction.published, "html" if fmt == "html" else "text"),
        (options.published, "flag"),
    ]
    for value, origin in candidates:
        if (normalized := normalize_date(value)) is not None:
            return normalized, origin
    return None, None


@register_stage("extract")
class Extract:
    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            yield extract_article(record, self.options) if isinstance(record, RawDoc) else record
