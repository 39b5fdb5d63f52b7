"""HTML pages: trafilatura finds the body, the reader comments and the metadata.

One trafilatura pass (its balanced defaults measured best on WCXB dev, see
``docs/benchmarks.md``) gives the body with reader comments and
related-link blocks kept out of it, the comments it recognises (kept
apart), the title, author, site name and, through htmldate, the
publication date.

htmldate is told never to guess: its free-text "extensive" search ends in
a copyright year or a lone year turned into 1 January, so it is off; the
upper bound for plausible dates is a fixed far date rather than the
machine clock, so the run date can neither appear nor move the result.

Two small clean-ups follow, each because no trafilatura option does it:
the headline is dropped from the top of the body (it is the ``title``),
and a long paragraph repeated verbatim (a template block such as a
disclaimer under every section) is kept once. The title is the page's
single ``<h1>`` headline when there is one, else the metadata title with
its site-name part ("Headline | Outlet") cut off, as the outlet is its own
field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from storyline.core.dates import normalize_date
from storyline.core.records import Comment, Extraction
from storyline.article.comments_html import HEADING, structured_comments

# htmldate settings: publication (not last-modified) date, only from markup
# and explicit date patterns, never bounded or filled by today's date.
DATE_PARAMS = {
    "original_date": True,
    "extensive_search": False,
    "max_date": "2100-12-31",
}

EXTRACT_OPTIONS = {
    "with_metadata": True,
    # Comments are collected into their own tree and removed from the body.
    "include_comments": True,
    "include_tables": True,
    "date_extraction_params": DATE_PARAMS,
}

# A repeated paragraph shorter than this may be a legitimate refrain
# ("Pros:", "Read more") and is left alone.
MIN_WORDS_REPEATED_BLOCK = 8

# An <h1> of fewer words is more likely a logo or section name than a headline.
MIN_WORDS_HEADLINE = 3

# " | ", " - ", " – ", " — ", " · ", " » ", " :: " between headline and site name.
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—·»]|::)\s+")
# "Author Jane Doe", "Written by Jane Doe": trafilatura sometimes keeps the label.
_BYLINE_LABEL = re.compile(r"^\s*(?:(?:written|posted|reviewed|edited)\s+by|by|author)\b[\s:]*", re.I)
_NOT_A_NAME = {"the author", "admin", "administrator"}
_NON_WORD = re.compile(r"\W+")


def extract_html(html: str) -> Extraction:
    """Body, reader comments and page metadata of one HTML page."""
    tree = load_html(html)
    # Read from the markup before trafilatura, which prunes the tree it is given.
    marked_up = structured_comments(tree) if tree is not None else []
    document = trafilatura.bare_extraction(tree, **EXTRACT_OPTIONS) if tree is not None else None
    if document is None:
        return Extraction(body="", warnings=["html: no article text found"])
    outlet = _clean(document.sitename)
    meta_title = _clean(document.title)
    title = choose_title(meta_title, _headings(tree), [outlet, document.hostname])
    return Extraction(
        body=_body(document.text, [title, meta_title]),
        title=title,
        outlet=outlet,
        author=clean_author(document.author),
        published=normalize_date(document.date),
        comments=marked_up or _comments(document.commentsbody),
    )


def choose_title(meta_title: str | None, headings: list[str], site_names: Iterable[str | None]) -> str | None:
    """The page's one visible headline, else the metadata title without its site name.

    The ``<h1>`` is what a reader sees; ``og:title`` / ``<title>`` are often
    a search-engine variant with the outlet appended. The ``<h1>`` is only
    trusted when it is the only one, reads like a headline (a few words,
    not the site's name) and shares a word with the metadata title, so that
    a logo or section name in an ``<h1>`` does not replace the real title.
    """
    site_names = [name for name in site_names if name]
    if len(headings) == 1 and _looks_like_headline(headings[0], meta_title, site_names):
        return headings[0]
    return strip_site_name(meta_title, site_names)


def _looks_like_headline(heading: str, meta_title: str | None, site_names: list[str]) -> bool:
    words = _key(heading, " ").split()
    if len(words) < MIN_WORDS_HEADLINE or any(_key(heading) in _key(name) for name in site_names):
        return False
    return not meta_title or bool(set(words) & set(_key(meta_title, " ").split()))


def _headings(tree: HtmlElement) -> list[str]:
    texts = (" ".join(heading.text_content().split()) for heading in tree.iter("h1"))
    return [text for text in texts if text]


def _body(text: str | None, titles: list[str | None]) -> str:
    """trafilatura's lines as paragraphs separated by one blank line."""
    paragraphs = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if paragraphs and _key(paragraphs[0]) in {_key(title) for title in titles if title}:
        paragraphs = paragraphs[1:]
    return "\n\n".join(_without_repeated_blocks(paragraphs))


def _without_repeated_blocks(paragraphs: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = _key(paragraph, " ")
        if key in seen and len(key.split()) >= MIN_WORDS_REPEATED_BLOCK:
            continue
        seen.add(key)
        kept.append(paragraph)
    return kept


def strip_site_name(title: str | None, site_names: Iterable[str | None]) -> str | None:
    """``"Headline | Outlet"`` -> ``"Headline"`` when that part names the site.

    A part names the site when, letters and digits only, it is contained in
    the site name or the host name (``"Help Net Security"`` in
    ``www.helpnetsecurity.com``) and the headline that remains is not.
    """
    if not title:
        return title
    names = [_key(name) for name in site_names if name]
    separators = list(_TITLE_SEPARATOR.finditer(title))
    for separator in separators:  # leftmost first: the longest site-name suffix
        headline, site = title[: separator.start()], title[separator.end() :]
        if _names_site(site, headline, names):
            return headline.strip()
    for separator in reversed(separators):  # "Outlet | Headline"
        site, headline = title[: separator.start()], title[separator.end() :]
        if _names_site(site, headline, names):
            return headline.strip()
    return title


def _names_site(part: str, rest: str, names: list[str]) -> bool:
    part_key, rest_key = _key(part), _key(rest)
    if len(part_key) < 3 or not rest_key:
        return False
    return any(part_key in name and rest_key not in name for name in names)


def clean_author(author: str | None) -> str | None:
    """The byline's name without its label; a bare label is no author."""
    name = _clean(_BYLINE_LABEL.sub("", author or ""))
    return None if name is None or name.lower() in _NOT_A_NAME else name


def _comments(comments_body) -> list[Comment]:
    """One entry per text block trafilatura found in the comment section, for pages whose comments
    are not marked up as items (``comments_html``); the section's heading is no comment.

    trafilatura flattens the section into blocks and keeps no commenter or
    time, so those stay null rather than being guessed from the text.
    """
    if comments_body is None:
        return []
    texts = (" ".join(" ".join(element.itertext()).split()) for element in comments_body)
    return [Comment(author=None, posted=None, text=text) for text in texts if text and not HEADING.match(text)]


def _key(text: str, joiner: str = "") -> str:
    """Lower-cased letters and digits, for comparisons that ignore punctuation."""
    return joiner.join(_NON_WORD.split(text.lower())).strip()


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None
