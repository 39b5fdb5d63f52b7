"""Reader comments from an HTML page's own markup: one entry per comment, with its author and time.

trafilatura flattens a comment section into text blocks: the section's heading
("Comments") comes out as a comment, and commenters and times are lost. Comment
threads are marked up by the site's software in a few common shapes (WordPress'
``li.comment > .comment-author + .comment-content``, ``div.comment > .author``,
``article.comment`` with ``<time>``), all of which share this: a comment section
(``id``/``class`` naming comments), items in it whose class names a comment, and in
each item an element whose class names the author (``author``, ``username``,
``fn``, ``nickname``) or a ``<cite>``. Only class and id *names* are read, never
an outlet's strings.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from storyline.core.dates import normalize_date
from storyline.core.records import Comment

_SECTION = re.compile(r"(?:^|[\s_-])comments?(?:$|[\s_-])|comment-?list|commentlist|comment-?section|comments?-?area", re.I)
_ITEM = re.compile(r"^(?:comment|comment-?item|comment-?body|comment-?container|single-?comment)$", re.I)
_AUTHOR = re.compile(r"^(?:comment-?)?(?:author|username|user-?name|fn|nickname|commenter)(?:-?name)?$", re.I)
_META = re.compile(r"(?:^|-)(?:meta|metadata|date|time|actions|reply|footer|votes?)$", re.I)
# A section heading trafilatura hands over as a comment: "Comments", "3 comments", "Reader comments (2)".
HEADING = re.compile(r"^\W*(?:\d+\s+)?(?:reader\s+|user\s+)?(?:comments?|responses?|replies|discussion)"
                     r"(?:\s*\(\d+\))?\W*$|^\W*leave\s+a\s+(?:reply|comment)\W*$", re.I)


MAX_COMMENTS = 1000  # per page; a thread longer than this is cut (the reading is quadratic in nesting)


def _classes(element: HtmlElement) -> list[str]:
    return (element.get("class") or "").split()


def _matches(element: HtmlElement, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(name) for name in _classes(element))


def structured_comments(tree: HtmlElement) -> list[Comment]:
    """The comments of the first comment section with marked-up items; [] when there is none."""
    for section in tree.iter():
        if not isinstance(section.tag, str):
            continue
        if not (_SECTION.search(section.get("id") or "") or _matches(section, _SECTION)):
            continue
        items = [e for e in section.iter() if e is not section and isinstance(e.tag, str)
                 and any(_ITEM.match(name) for name in _classes(e))][:MAX_COMMENTS]
        comments = [comment for item in items if (comment := _comment(item, items)) is not None]
        if comments:
            return comments
    return []


def _own(item: HtmlElement, items: list[HtmlElement]) -> list[HtmlElement]:
    """The item's descendants that are not inside a nested comment (a reply)."""
    nested = [other for other in items if other is not item and _is_inside(other, item)]
    return [e for e in item.iter() if e is not item and isinstance(e.tag, str)
            and not any(e is reply or _is_inside(e, reply) for reply in nested)]


def _is_inside(element: HtmlElement, ancestor: HtmlElement) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _comment(item: HtmlElement, items: list[HtmlElement]) -> Comment | None:
    own = _own(item, items)
    author_element = next((e for e in own if e.tag == "cite" or _matches(e, _AUTHOR)), None)
    author = _text(author_element) if author_element is not None else None
    time_element = next((e for e in own if e.tag == "time"), None)
    posted = None
    if time_element is not None:
        posted = normalize_date(time_element.get("datetime") or _text(time_element))
    skip = [e for e in (author_element, time_element) if e is not None] + [e for e in own if _matches(e, _META)]
    paragraphs = [_text(e) for e in own if e.tag == "p" and not any(e is s or _is_inside(e, s) for s in skip)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:  # no <p>: the item's own text outside author and meta
        paragraphs = [t for t in (_text_outside(item, skip, items),) if t]
    if not paragraphs:
        return None
    return Comment(author=author or None, posted=posted, text="\n\n".join(paragraphs))


def _text(element: HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _text_outside(item: HtmlElement, skip: list[HtmlElement], items: list[HtmlElement]) -> str:
    parts = []
    for text_node in item.xpath(".//text()"):
        parent = text_node.getparent()
        excluded = skip + [other for other in items if other is not item]
        if any(parent is e or _is_inside(parent, e) for e in excluded):
            continue
        parts.append(str(text_node))
    return " ".join(" ".join(parts).split())
