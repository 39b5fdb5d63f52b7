"""Plain text scraped from web pages: article body, reader comments, metadata.

A scraped page is the article's paragraphs mixed with everything else the
page showed: navigation, headline lists, subscribe prompts, photo captions,
tag lists, footers, a sidebar, a comment thread. No library separates these
in *plain text* (trafilatura and friends need the HTML tree), so this module
classifies lines by their shape, never by any outlet's strings:

1. Split into lines; re-join hard-wrapped paragraphs.
2. Describe each line: word count, sentence shape (terminal punctuation,
   share of function words), headline shape (share of capitalised content
   words), repetition on the page, link / label / credit / prompt patterns.
3. Find the reader-comment section: a thread of at least two "name +
   timestamp" headers after the first prose, each followed by the
   commenter's sentences. Everything from there on is comments.
4. Find the main body as the maximum-sum run of line scores (prose scores
   its word count, everything else a penalty), so a list of headlines in the
   middle of the article is crossed but a sidebar after it is not.
5. Inside that run keep prose, short sentences and short subheads; drop the
   rest; repair "Read more:" lines spliced into a sentence and related-link
   headlines glued onto a sentence.
6. Title, date, outlet and author from metadata-like lines around the body
   (a headline before the lede, a dateline, "Copyright ©", "Subscribe to X
   newsletter", "By X"); never from the article's own sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from storyline.core.dates import normalize_date
from storyline.core.records import Comment, Extraction

# --------------------------------------------------------------------------
# Patterns (general web-page vocabulary, no outlet names)

_FUNCTION_WORDS = frozenset(
    """a an the and or but nor so yet of to in on at by for from with without into onto over under
    about after before since until than that this these those which who whom whose what when where
    why how is are was were be been being am has have had do does did will would shall should can
    could may might must not no it its it's he she they we i you him her them us his their our your
    my me as if then there here also just only very more most such some any all both each other
    while because though although however said says""".split()
)
_TERMINAL = re.compile(r"(?:[.!?…]+['\"”’»)\]*_]*|['\"”’»])$")
_WORD = re.compile(r"[^\W\d_][\w’'.&-]*")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_URL = re.compile(r"https?://|www\.\w", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b", re.I)
# A label that introduces a link or a credit rather than article prose.
_CUE_LABEL = re.compile(
    r"^\W{0,3}(?:read (?:more|also|next)|also read|see also|related(?: \w+)?|recommended|more on this|"
    r"don'?t miss|watch(?: more)?|listen|tags?|topics?|source|via)\b\s*[:»>|–—-]",
    re.I,
)
_CREDIT_LABEL = re.compile(
    r"^\W{0,3}(?:file\s+)?(?:photo|image|picture|pic|credit|illustration|video|graphic)s?\b"
    r"(?:\s+(?:credit|courtesy|by))?\s*[:.|/©-]",
    re.I,
)
_PROMPT_START = re.compile(
    r"^\W{0,3}(?:subscribe|sign (?:up|in)|log ?in|register|follow us|join us|download|click|tap|"
    r"share this|like us|get (?:the|our) \w+ (?:app|newsletter))\b",
    re.I,
)
_PROMPT_WORDS = re.compile(
    r"\b(?:subscribe|newsletter|e-?mail|sign (?:up|in)|log ?in|register|notifications?|inbox|mailbox|"
    r"cookies?|privacy|comments?|app)\b",
    re.I,
)
_SECOND_PERSON = re.compile(r"\b(?:you|your)\b", re.I)
# "Jane Doe – Reuters" / "Putin is a professional - Trump": a headline with a source after a dash.
_DASH_ATTRIBUTION = re.compile(r"\s[–—-]\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2}$")
_NAV_SEPARATOR = re.compile(r"\s[|/>»]\s|\s>$|^[|/>»]")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\.\d{1,2}\.\d{4}|"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})"
)
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
_FULL_DATE = re.compile(rf"(?<![\w/.-]){_DATE}(?![\w/-])", re.I)
_TIMESTAMP = re.compile(
    rf"(?<![\w/.-])(?P<date>{_DATE})(?:,?\s*(?:at\s+|T)?(?P<time>{_TIME}))?(?![\w/-])"
    rf"|(?P<time_first>{_TIME}),?\s*(?:on\s+)?(?P<date_after>{_DATE})"
    r"|(?P<relative>\b(?:\d+|an?|one)\s+(?:sec|second|min|minute|hour|hr|day|week|month|year)s?\s+ago\b"
    r"|\byesterday\b|\bjust now\b)",
    re.I,
)
_DATE_LABEL = re.compile(
    r"^\W{0,3}(?:first\s+)?(?:published|posted(?! by)|date|dated|updated|last updated|modified)\b", re.I
)
_UPDATED_LABEL = re.compile(r"\b(?:updated|modified|edited)\b", re.I)

# Comment threads: header words around the name and the timestamp, and UI lines.
_HEADER_NOISE = re.compile(
    r"<[^>]*>"
    r"|\b(?:posted|by|on|at|says|said|writes|wrote|commented|replied|edited|reply(?: to)?|likes?|points?|votes?"
    r"|mon|tue|wed|thu|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b\.?"
    r"|[|·•–—:,()\[\]↑↓▲▼⬆⬇+#@]|\b\d+\b",
    re.I,
)
# Words of page furniture that a header-like line ("Featured Posts · May 3,
# 2024", "5 min read") shows where a thread would show a commenter's name.
_NOT_NAME_WORDS = frozenset(
    """comment comments post posts read min featured previous next related latest popular recent more
    checked updated published today open news announcements releases category tags share
    edited""".split()
)
_COMMENT_UI = re.compile(
    r"^(?:[\W\d]*\[?(?:reply|report|like|likes|share|flag|edit|delete|permalink|collapse|expand|upvote|downvote|"
    r"load more[\w ]*|show more[\w ]*|view (?:all )?\d* ?repl(?:y|ies)|\d+ repl(?:y|ies))\]?(?:\([^)]*\))?[\W\d]*)+$"
    r"|^[\d\s↑↓▲▼⬆⬇+−–|·•-]*$",
    re.I,
)

# A capitalised name word; a dot only inside it ("Pravda.Ru"), never at its end.
_NAME_TOKEN = r"[A-Z](?:[\w&'’-]|\.(?=\w))*"
_COPYRIGHT_NAME = re.compile(
    r"(?i:copyright\s*)?(?:©|\(c\))?\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    rf"[«\"“]?(?P<name>{_NAME_TOKEN}(?:\s+(?:{_NAME_TOKEN}|of|&)){{0,4}})[»\"”]?",
)
_SUBSCRIBE_NAME = re.compile(
    r"\b(?:subscribe to|sign up for|follow|join)\s+(?:the\s+)?"
    rf"(?P<name>(?-i:{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}}?))\s+"
    r"(?:newsletter|telegram|channel|youtube|podcast|rss|on\s+(?:twitter|x|facebook|telegram|instagram))",
    re.I,
)
_AUTHOR_LINE = re.compile(
    r"^\W{0,3}(?i:author[`'’]?s?(?:\s+name)?|written by|reporting by|words by|by)\s*[:\-–]?\s*"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|van|von|de|der|da|al|bin))*)",
)
_NOT_A_NAME = frozenset({"our", "the", "my", "us", "this", "a"})


# --------------------------------------------------------------------------
# Lines and their features

# What a non-prose line costs the body run, in words of prose: a run of ten
# headlines between two halves of an article is crossed when the second half
# is longer than about forty words; a sidebar of links after it is not.
_HEADLINE_PENALTY = 4.0
_JUNK_PENALTY = 8.0


@dataclass(slots=True)
class Line:
    index: int
    text: str
    words: int
    terminal: bool
    function_ratio: float
    capital_ratio: float
    repeated: bool
    junk: bool

    @property
    def prose(self) -> bool:
        """A paragraph of running text: a sentence of several words, or a long run of them."""
        if self.junk:
            return False
        if self.terminal:
            return self.words >= 5 and self.function_ratio >= 0.12
        return self.words >= 20 and self.function_ratio >= 0.25

    @property
    def short_sentence(self) -> bool:
        """``Wait and see.`` / ``"We'd love to." ``: a tiny paragraph, still a sentence."""
        return not self.junk and self.terminal and 1 <= self.words < 5

    @property
    def headline(self) -> bool:
        return not self.junk and not self.terminal and not self.prose and self.words >= 1

    @property
    def score(self) -> float:
        """Contribution to the body run: prose by its length, everything else a penalty."""
        if self.prose:
            return float(self.words)
        if self.short_sentence:
            return 1.0
        if self.headline:
            return -_HEADLINE_PENALTY
        return -_JUNK_PENALTY


def _words(text: str) -> list[str]:
    return _WORD.findall(_MD_LINK.sub(r"\1", text))


def _is_junk(text: str, words: list[str]) -> bool:
    """Links, credits, prompts, footers, UI glyphs: never article prose."""
    if not words:
        return True
    link_chars = sum(len(m.group(0)) for m in _MD_LINK.finditer(text))
    if link_chars > 0.4 * len(text):
        return True
    if _COPYRIGHT.search(text) or _EMAIL.search(text) or _CUE_LABEL.match(text) or _CREDIT_LABEL.match(text):
        return True
    if _URL.search(text) and len(words) < 25:
        return True
    if _PROMPT_START.match(text):
        return True
    # "Sign up to get our newsletter in your inbox": addressed to the reader, about the site.
    if len(words) <= 30 and _SECOND_PERSON.search(text) and _PROMPT_WORDS.search(text):
        return True
    letters = [c for c in text if c.isalpha()]
    # Short shouting lines: section labels and badges (LIVE, FEATURE, QUESTION MORE).
    return len(words) <= 3 and len(letters) > 1 and all(c.isupper() for c in letters) and not _TERMINAL.search(text)


def _describe(index: int, text: str, counts: Counter[str], function_words: frozenset[str] = _FUNCTION_WORDS) -> Line:
    words = _words(text)
    lowered = [w.lower().strip(".’'") for w in words]
    function_ratio = sum(w in function_words for w in lowered) / len(words) if words else 0.0
    content = [w for w, low in zip(words, lowered) if low not in function_words]
    capital_ratio = sum(w[0].isupper() for w in content) / len(content) if content else 0.0
    terminal = bool(_TERMINAL.search(text))
    return Line(
        index=index,
        text=text,
        words=len(words),
        terminal=terminal,
        function_ratio=function_ratio,
        capital_ratio=capital_ratio,
        repeated=counts[_key(text)] > 1,
        # A non-sentence repeated on the page is navigation or sidebar.
        junk=_is_junk(text, words) or (counts[_key(text)] > 1 and not terminal),
    )


def _key(text: str) -> str:
    return " ".join(text.lower().split())


# --------------------------------------------------------------------------
# Splitting


def _split_lines(text: str) -> list[str]:
    """Non-empty lines, with hard-wrapped paragraphs joined back together."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[str] = []
    for block in blocks:
        rows = [" ".join(row.split()) for row in block.split("\n")]
        lines.extend(_unwrap([row for row in rows if row]))
    return lines


def _unwrap(rows: list[str]) -> list[str]:
    """Join rows that continue one paragraph.

    A row continues the previous one when the previous row has no sentence
    end and this one starts in lower case, or when the block is hard-wrapped
    (most rows fill the same width and end mid-sentence) and the previous row
    is full width.
    """
    if len(rows) < 2:
        return rows
    width = max(len(row) for row in rows)
    full = [len(row) >= width - 15 for row in rows]
    unfinished = sum(not _TERMINAL.search(row) for row in rows[:-1])
    wrapped = (
        len(rows) >= 3
        and 40 <= width <= 100
        and sum(full[:-1]) >= 0.6 * (len(rows) - 1)
        and unfinished >= 0.5 * (len(rows) - 1)
    )
    joined = [rows[0]]
    for previous_full, row in zip(full, rows[1:]):
        continues = not _TERMINAL.search(joined[-1]) and row[:1].islower()
        if continues or (wrapped and previous_full):
            joined[-1] = f"{joined[-1]} {row}"
        else:
            joined.append(row)
    return joined


# --------------------------------------------------------------------------
# Comments


@dataclass(slots=True)
class _Header:
    author: str | None
    posted: str | None
    takes_previous_line: bool


def _comment_header(line: Line, previous: Line | None) -> _Header | None:
    """``T Thomas 7/5/2025 at 4:14 PM 1`` / ``posted by X on 2024-03-02`` / ``Jane Roe · 3 hours ago``."""
    if line.words > 14 or line.terminal and line.words > 6 or _DATE_LABEL.match(line.text):
        return None
    match = _TIMESTAMP.search(line.text)
    if not match:
        return None
    rest = line.text[: match.start()] + " " + line.text[match.end() :]
    if line.terminal and rest.strip(" .") and _TERMINAL.search(rest.strip()):
        return None  # "Same story on May 2, 2023." is a sentence, not a header
    name_words = _name_words(rest)
    if name_words is None:
        return None
    posted = _posted(match)
    if name_words:
        return _Header(_author_name(name_words), posted, False)
    # The name on its own line just above the timestamp.
    if (
        previous is not None
        and not previous.junk
        and 1 <= previous.words <= 5
        and not previous.terminal
        and not previous.text.endswith(":")
        and not _DATE_LABEL.match(previous.text)
        and not _TIMESTAMP.search(previous.text)
        and (above := _name_words(previous.text))
    ):
        return _Header(_author_name(above), posted, True)
    return _Header(None, posted, False)


def _name_words(text: str) -> list[str] | None:
    """The commenter's name left in a header once the timestamp is out; None if it is no name."""
    words = _HEADER_NOISE.sub(" ", _MD_LINK.sub(r"\1", text)).split()
    if len(words) > 4 or "/" in words or any(word.lower().strip(".") in _NOT_NAME_WORDS for word in words):
        return None
    return words


def _author_name(words: list[str]) -> str:
    # An avatar initial rendered before the name: "T Thomas" -> "Thomas".
    if len(words) >= 2 and len(words[0]) == 1 and words[0].isupper() and words[1][:1].upper() == words[0]:
        words = words[1:]
    return " ".join(words).strip(" -–·:")


def _posted(match: re.Match[str]) -> str | None:
    """ISO date or date-time of an absolute timestamp; None for ``3 hours ago`` (no anchor)."""
    date_text = match.group("date") or match.group("date_after")
    if not date_text:
        return None
    day = _normalize_full_date(date_text)
    time_text = match.group("time") or match.group("time_first")
    clock = _clock(time_text) if day and time_text else None
    return f"{day}T{clock}" if clock else day


def _normalize_full_date(text: str) -> str | None:
    if numeric := re.fullmatch(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})", text.strip()):
        first, _, second, year = numeric.groups()
        # Slashes are month-first unless that cannot be; dots are day-first.
        month, day = (int(first), int(second)) if numeric.group(2) == "/" else (int(second), int(first))
        if month > 12:
            month, day = day, month
        return normalize_date(f"{year}-{month:02d}-{day:02d}")
    return normalize_date(text)


def _clock(text: str) -> str | None:
    match = re.match(r"(\d{1,2}):(\d{2})(?::\d{2})?\s*([ap])?", text, re.I)
    if not match:
        return None
    hour, minute, meridiem = int(match.group(1)), int(match.group(2)), (match.group(3) or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    if meridiem == "a" and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _find_comments(lines: list[Line]) -> tuple[int, list[Comment]]:
    """Where the comment section starts (``len(lines)`` if none) and the comments in it.

    A thread is at least two "name + timestamp" headers, close together,
    each followed by the commenter's sentences. One header alone is more
    likely a byline and dateline than a comment.
    """
    first_prose = next((line.index for line in lines if line.prose), len(lines))
    headers = [
        (line.index, header)
        for line in lines[first_prose + 1 :]
        if (header := _comment_header(line, lines[line.index - 1])) is not None
        and header.author
        and _followed_by_sentences(lines, line.index)
    ]
    for (index, header), (next_index, _) in zip(headers, headers[1:]):
        if next_index - index <= 40:
            start = index - 1 if header.takes_previous_line else index
            return start, _parse_comments(lines[start:])
    return len(lines), []


def _followed_by_sentences(lines: list[Line], index: int) -> bool:
    """The first text after a header (past votes and buttons) is a sentence."""
    for line in lines[index + 1 : index + 6]:
        if _COMMENT_UI.match(line.text):
            continue
        sentences = line.prose or line.short_sentence or line.words >= 20
        return sentences and _comment_header(line, None) is None
    return False


def _is_menu(line: Line) -> bool:
    """``About us | Contact | Privacy policy``: a row of links separated by bars, no sentence."""
    return not line.terminal and len(re.findall(r"\s[|·•]\s", line.text)) >= 2


def _parse_comments(lines: list[Line]) -> list[Comment]:
    comments: list[Comment] = []
    current: Comment | None = None
    skip_next = False
    for position, line in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        following = lines[position + 1] if position + 1 < len(lines) else None
        if following is not None and (header := _comment_header(following, line)) and header.takes_previous_line:
            current, skip_next = Comment(header.author, header.posted, ""), True
            comments.append(current)
            continue
        if header := _comment_header(line, None):
            current = Comment(header.author, header.posted, "")
            comments.append(current)
            continue
        if _COPYRIGHT.search(line.text) or _is_menu(line):
            break  # the page footer after the thread
        if current is None or _COMMENT_UI.match(line.text) or line.junk:
            continue
        text = _clean_inline(line.text)
        current.text = f"{current.text}\n\n{text}" if current.text else text
    return [comment for comment in comments if comment.text]


# --------------------------------------------------------------------------
# Body


def _main_run(lines: list[Line]) -> tuple[int, int] | None:
    """The maximum-sum run of line scores (Kadane), as inclusive indices."""
    best, best_span = 0.0, None
    total, start = 0.0, 0
    for position, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, position
        total += line.score
        if total > best:
            best, best_span = total, (start, position)
    return best_span


def _trim_unfinished(lines: list[Line], start: int, end: int) -> tuple[int, int]:
    """Drop unfinished lines at the edges of the run: a standfirst, a teaser.

    Inside the article an unfinished line is kept (a sentence the scraper
    cut at a link); at its edges it is page furniture.
    """
    while start < end and not lines[start].terminal:
        start += 1
    while end > start and not lines[end].terminal:
        end -= 1
    return start, end


def _keeps_subhead(lines: list[Line], position: int) -> bool:
    """A short heading between two paragraphs of the article, not a related-story link."""
    line = lines[position]
    before = lines[position - 1] if position > 0 else None
    after = lines[position + 1] if position + 1 < len(lines) else None
    return (
        2 <= line.words <= 8
        and not line.repeated
        and not _DASH_ATTRIBUTION.search(line.text)
        and not _NAV_SEPARATOR.search(line.text)
        and before is not None
        and (before.prose or before.short_sentence)
        and after is not None
        and after.prose
    )


def _build_body(lines: list[Line]) -> tuple[list[str], list[str]]:
    """Paragraphs kept from the body run, and warnings about repairs."""
    paragraphs: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    repeats = 0  # kept-shaped paragraphs dropped as repeats of an earlier one
    for position, line in enumerate(lines):
        if _CUE_LABEL.match(line.text):
            if paragraphs and not _TERMINAL.search(paragraphs[-1]):
                if continuation := _spliced_continuation(line.text):
                    paragraphs[-1] = f"{paragraphs[-1]} {continuation}"
                    warnings.append("repaired a link line spliced into a sentence")
            continue
        keep = line.prose or line.short_sentence or (line.headline and _keeps_subhead(lines, position))
        if not keep:
            continue
        if _key(line.text) in seen:
            repeats += 1
            continue
        seen.add(_key(line.text))
        text, repaired = _unglue_link(_clean_inline(line.text))
        if repaired:
            warnings.append("removed a related-link headline glued onto a sentence")
        paragraphs.append(text)
    if repeats:
        # A page repeating a paragraph is usually a pull quote or a scraper artefact; never drop it unsaid.
        warnings.append(f"dropped {repeats} repeated paragraph{'s' if repeats != 1 else ''} (kept the first)")
    return paragraphs, warnings


def _spliced_continuation(text: str) -> str | None:
    """The sentence tail after a link headline: ``Read more: <Headline> <tail of sentence>.``

    The headline ends at its last capitalised word (or closing quote) that is
    followed by a lower-case word; the tail has no capitals and ends a sentence.
    """
    body = _CUE_LABEL.sub("", text, count=1).strip()
    tokens = body.split()
    for cut in range(len(tokens) - 1, 0, -1):
        previous, first = tokens[cut - 1], tokens[cut]
        if not first[:1].islower():
            continue
        if not (previous[:1].isupper() or previous[-1:] in "'\"”’»"):
            continue
        tail = " ".join(tokens[cut:])
        if _TERMINAL.search(tail) and not any(token[:1].isupper() for token in tokens[cut:]):
            return tail
        return None
    return None


_GLUE = re.compile(r"(?<=[A-Za-z]{2}[.!?])(?=[A-Z][a-z])|(?<=[A-Za-z]{2}[.!?][\"”’])(?=[A-Z][a-z])")


def _unglue_link(text: str) -> tuple[str, bool]:
    """``…quoted by TASS.Putin-Trump Summit According to Peskov`` -> ``…quoted by TASS. According to Peskov``.

    A sentence end with no space after it, then a run of capitalised words
    (the link headline) and the capitalised first word of the next sentence.
    """
    for match in _GLUE.finditer(text):
        before = text[: match.start()].split()[-1] if text[: match.start()].split() else ""
        if before.count(".") > 1:  # U.S.President, example.co.Uk: abbreviations and domains
            continue
        rest = text[match.start() :]
        tokens = rest.split(" ")
        run = 0
        while run < len(tokens) and tokens[run][:1].isupper():
            run += 1
        if run < 3 or run >= len(tokens):
            continue
        # The next sentence starts at a capitalised function word ("The"),
        # else at the last capitalised word before the lower-case ones.
        opener = next((i for i in range(1, run) if tokens[i].lower() in _FUNCTION_WORDS), run - 1)
        sentence = " ".join(tokens[opener:])
        return f"{text[: match.start()]} {sentence}", True
    return text, False


def _clean_inline(text: str) -> str:
    """Markdown left by the scraper: links to their text, emphasis markers removed."""
    text = _MD_LINK.sub(r"\1", text)
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", text)
    text = re.sub(r"__(?=\S)(.+?)(?<=\S)__", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------
# Metadata


def _title(before_body: list[Line], body: str) -> str | None:
    """The headline: a headline-shaped line just above the body.

    Of the candidates in the last lines before the body, the one whose
    content words the body repeats most (a headline announces the story;
    menu items, "Table of contents" and captions do not), ties to the earlier
    line (the headline comes before the standfirst). When none shares enough
    words, the first line of the last run of headline-shaped lines.
    """
    candidates = [line for line in before_body[-_TITLE_WINDOW:] if _title_shaped(line)]
    if not candidates:
        return None
    body_stems = {_stem(word) for word in re.findall(r"\w+", body.lower())}
    best, best_overlap = None, _TITLE_MIN_OVERLAP
    for line in candidates:
        words = re.findall(r"\w+", line.text.lower())
        stems = {_stem(word) for word in words if word not in _FUNCTION_WORDS and not word.isdigit()}
        overlap = round(len(stems & body_stems) / len(stems), 1) if stems else 0.0
        if overlap > best_overlap or (best is None and overlap == best_overlap):
            best, best_overlap = line, overlap
    if best is None:
        runs: list[list[Line]] = [[]]
        for line in before_body:
            if _title_shaped(line):
                runs[-1].append(line)
            elif runs[-1]:
                runs.append([])
        best = [run for run in runs if run][-1][0]
    return _clean_inline(best.text)


def _stem(word: str) -> str:
    # Crude but language-light: "selling" and "sell", "farmers" and "farmer".
    return word[:5]


# Lines above the body where the headline sits (past byline, date, standfirst,
# caption, share buttons), and the share of its content words the body repeats.
_TITLE_WINDOW = 15
_TITLE_MIN_OVERLAP = 0.3


def _title_shaped(line: Line) -> bool:
    text = line.text
    if _MD_LINK.search(text) or _COPYRIGHT.search(text) or _URL.search(text) or _NAV_SEPARATOR.search(text):
        return False
    if _FULL_DATE.search(text) or _TIMESTAMP.search(text) or _CUE_LABEL.match(text) or _CREDIT_LABEL.match(text):
        return False
    if _PROMPT_START.match(text) or _AUTHOR_LINE.match(text) or text.endswith((".", ":", ",")):
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters or all(c.isupper() for c in letters):
        return False
    # A standfirst is an unfinished sentence: many function words, few capitals.
    if line.words >= 10 and line.function_ratio >= 0.35 and line.capital_ratio < 0.5:
        return False
    return line.words >= 3 and (line.words <= 16 or (line.words <= 25 and line.capital_ratio >= 0.6))


def _published(before_body: list[Line], elsewhere: list[Line]) -> str | None:
    """A dateline above the body, else a ``Published:`` line.

    Of the datelines clustered nearest the body, the earliest that is not
    labelled as an update: pages print "published" and "updated" together.
    """
    found = [
        (line.index, date, bool(_UPDATED_LABEL.search(line.text)))
        for line in before_body
        if (match := _dateline(line)) and (date := _normalize_full_date(match.group(0)))
    ]
    if found:
        nearest = found[-1][0]
        cluster = [(date, updated) for index, date, updated in found if nearest - index <= _DATELINE_CLUSTER]
        return min(cluster, key=lambda item: (item[1], item[0]))[0]
    labelled = [line for line in before_body + elsewhere if _DATE_LABEL.match(line.text) and line.words <= 15]
    labelled.sort(key=lambda line: bool(_UPDATED_LABEL.search(line.text)))  # published before updated
    for line in labelled:
        if match := _FULL_DATE.search(line.text):
            if date := _normalize_full_date(match.group(0)):
                return date
    return None


# Lines between a page's publication and update datelines.
_DATELINE_CLUSTER = 15


def _dateline(line: Line) -> re.Match[str] | None:
    """A full date in a metadata line, not in a sentence: ``4 Jul, 2025 13:19 / Home / World``."""
    if line.words > 15 or line.prose or _COPYRIGHT.search(line.text) or line.text.endswith(":"):
        return None
    match = _FULL_DATE.search(line.text)
    if match is None:
        return None
    rest = (line.text[: match.start()] + " " + line.text[match.end() :]).lower().split()
    # Around a dateline are labels, names and section names, not running text.
    if sum(word.strip(",.") in _FUNCTION_WORDS for word in rest) > 2:
        return None
    return match


def _outlet(lines: list[Line]) -> str | None:
    """From ``Copyright © 1999-2025, «Name».`` and ``Subscribe to Name newsletter`` lines."""
    names: list[str] = []
    for line in lines:
        if re.match(r"^\W{0,3}(?:copyright|©|\(c\))", line.text, re.I):
            if match := _COPYRIGHT_NAME.match(re.sub(r"^\W{0,3}", "", line.text)):
                names.append(match.group("name"))
        for match in _SUBSCRIBE_NAME.finditer(line.text):
            names.append(match.group("name"))
    names = [name.rstrip(".,;") for name in names if name.split()[0].lower() not in _NOT_A_NAME]
    names = [name for name in names if name.lower() not in {"all rights reserved", "all"}]
    if not names:
        return None
    tally = Counter(name.casefold() for name in names)
    best = tally.most_common(1)[0][0]
    spellings = [name for name in names if name.casefold() == best]
    # Prefer the spelling that is not all capitals ("Pravda.Ru" over "PRAVDA.Ru").
    return min(spellings, key=lambda name: sum(c.isupper() for c in name))


def _author(lines: list[Line]) -> str | None:
    for line in lines:
        if line.words > 8 or line.prose:
            continue
        if match := _AUTHOR_LINE.match(line.text):
            name = match.group("name").strip()
            name = re.sub(r"\s+and$", "", name)
            if len(name.split()) >= 2 and name.split()[0].lower() not in _NOT_A_NAME:
                return name
    return None


# --------------------------------------------------------------------------


def function_words_of(text: str) -> frozenset[str]:
    """The function words prose is told by, for the page's language: the English list above for
    English (or when too short to tell), spaCy's stop words for another language, and where spaCy
    has none, the page's own most frequent words (function words are a language's most frequent)."""
    from storyline.article.language import ANALYSED, detect_language, stop_words

    language = detect_language(text)
    if language in (None, ANALYSED):
        return _FUNCTION_WORDS
    if found := stop_words(language):
        return found | _FUNCTION_WORDS
    tally = Counter(word.lower() for word in _WORD.findall(text))
    return frozenset(word for word, count in tally.most_common(_OWN_FUNCTION_WORDS) if count >= 3) | _FUNCTION_WORDS


_OWN_FUNCTION_WORDS = 40


def extract_text(text: str) -> Extraction:
    """Body, comments and stated metadata of one scraped plain-text page."""
    raw_lines = _split_lines(text)
    counts = Counter(_key(line) for line in raw_lines)
    function_words = function_words_of(text)
    lines = [_describe(index, line, counts, function_words) for index, line in enumerate(raw_lines)]
    comment_start, comments = _find_comments(lines)
    page = lines[:comment_start]
    span = _main_run(page)
    if span is None:
        return _terse_page(page, comments)
    start, end = _trim_unfinished(page, *span)
    paragraphs, warnings = _build_body(page[start : end + 1])
    before, after = page[:start], page[end + 1 :]
    # Metadata lines can sit anywhere outside the prose, even between two
    # halves of the body (a subscribe prompt inside a "Top stories" box).
    not_prose = [line for line in lines if not line.prose]
    return Extraction(
        body="\n\n".join(paragraphs),
        title=_title(before, "\n\n".join(paragraphs)),
        outlet=_outlet(not_prose),
        author=_author(before + after),
        published=_published(before, after),
        comments=comments,
        warnings=warnings,
    )


def _terse_page(page: list[Line], comments: list[Comment]) -> Extraction:
    """A page with no line of prose at all: its finished sentences, if it has any, are the article.

    A wire headline sent as a one-line text ("Police disperse plant protesters.") has too few function
    words to read as prose; with nothing else on the page there is no body to prefer it to, and
    skipping it would lose the input. Lines without closing punctuation (menus, headline lists) and
    junk stay out, so a page of furniture still has no body.
    """
    kept = [line for line in page if line.terminal and not line.junk and not line.repeated and line.words >= 3]
    if not kept:
        return Extraction(body="", comments=comments)
    body = "\n\n".join(_clean_inline(line.text) for line in kept)
    return Extraction(body=body, comments=comments,
                      warnings=[f"no prose on the page: kept its {len(kept)} terse sentence{'s' if len(kept) != 1 else ''}"])
