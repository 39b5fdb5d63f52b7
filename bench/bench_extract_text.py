"""Plain-text extraction on WCXB dev: pages rendered to scraped text, then ``extract_text``.

Run with ``.venv/bin/python bench/bench_extract_text.py`` (``--limit N`` for a
quick run). Each article page of ``../shared/datasets/wcxb-dev`` is rendered
to plain text the way a scraper does (every block element on its own line,
blank lines between, scripts and styles dropped, nothing else removed), so
the text holds the page's navigation, sidebars, footers and comments. The
extractor's body is scored against the gold main content with the same
bag-of-words precision / recall / F1 as ``bench_extract.py``, next to the
whole rendered text (what you get with no extraction). Writes the
``## Plain-text extraction (WCXB dev rendered to text)`` section of
``docs/benchmarks.md`` and leaves the other sections alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import lxml.html
from bench_extract import bag_of_words_prf, same_title, snippet_rate
from trafilatura.utils import decode_file

from storyline.eval.benchdoc import write_section
from storyline.article.extract_text import extract_text

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / ".." / "shared" / "datasets" / "wcxb-dev"
HEADING = "## Plain-text extraction (WCXB dev rendered to text)"
SYSTEMS = ("extract_text", "whole text (no extraction)")

_DROP = {"script", "style", "noscript", "template", "svg", "iframe", "head", "select", "button"}
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
    "footer", "nav", "aside", "main", "figure", "figcaption", "blockquote", "table", "tr", "td", "th",
    "hr", "form", "dd", "dt", "dl", "pre", "address", "time", "label",
}  # fmt: skip


def render_text(html: str) -> str:
    """The page as a scraper's plain text: one line per block, blank lines between."""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        # A <br> is a line break inside the block, not a new paragraph.
        rows = (" ".join(row.split()) for row in "".join(buffer).split("\n"))
        block = "\n".join(row for row in rows if row)
        if block:
            lines.append(block)
        buffer.clear()

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _DROP:
            if element.tail:
                buffer.append(element.tail.replace("\n", " "))
            return
        if tag in _BLOCK:
            flush()
        if tag == "br":
            buffer.append("\n")
        if element.text and tag:
            buffer.append(element.text.replace("\n", " "))
        for child in element:
            walk(child)
        if tag in _BLOCK:
            flush()
        if element.tail:
            buffer.append(element.tail.replace("\n", " "))

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return "\n\n".join(lines)


def score_file(page_id: str) -> dict[str, dict[str, Any]]:
    raw = gzip.decompress((DATASET / "html" / f"{page_id}.html.gz").read_bytes())
    text = render_text(decode_file(raw))
    gold = json.loads((DATASET / "ground-truth" / f"{page_id}.json").read_text())["ground_truth"]
    extraction = extract_text(text)
    predictions = {
        "extract_text": (extraction.body, extraction.title, extraction.published),
        "whole text (no extraction)": (text, None, None),
    }
    scores = {}
    for name, (body, title, published) in predictions.items():
        precision, recall, f1 = bag_of_words_prf(body, gold.get("main_content"))
        gold_date = gold.get("publish_date") or None
        scores[name] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "title": same_title(title, gold.get("title")),
            "date": (published or None) == gold_date,
            "date_where_gold_null": gold_date is None and published is not None,
            "gold_date_null": gold_date is None,
            "with": snippet_rate(body, gold.get("with") or []),
            "without": snippet_rate(body, gold.get("without") or []),
        }
    scores["extract_text"]["comments"] = len(extraction.comments)
    return scores


def _mean(values: list[Any]) -> float:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else float("nan")


def markdown(pages: list[dict[str, dict[str, Any]]], command: str, today: str) -> str:
    keys = [
        ("body precision", "precision"),
        ("body recall", "recall"),
        ("body F1", "f1"),
        ("`with` snippets found (higher is better)", "with"),
        ("`without` snippets found (lower is better)", "without"),
        ("title accuracy", "title"),
        ("date accuracy (exact YYYY-MM-DD)", "date"),
    ]
    lines = [
        HEADING,
        "",
        f"Date: {today}. Command: `{command}`.",
        f"Pages: {len(pages)} article pages of WCXB dev, each rendered to plain text (one line per HTML block",
        "element, blank lines between, `<br>` a single newline; scripts and styles dropped; navigation /",
        "sidebars / footers / comments kept) and given to `storyline.article.extract_text.extract_text`.",
        "Bag-of-words scores and title / date rules as in `bench/bench_extract.py`. The rendered text has no",
        "markdown links, so link patterns are not exercised here; a date is found only when the page prints it",
        "as a dateline or a `Published:` line. Where the gold date is null, the dates predicted were checked by",
        "hand on the first run: most are printed on the page (the gold leaves them out), a few are not",
        "publication dates (an event date, an 'effective from' line).",
        "",
        "| metric | " + " | ".join(SYSTEMS) + " |",
        "|---|" + "---:|" * len(SYSTEMS),
    ]
    for label, key in keys:
        values = [f"{_mean([page[name][key] for page in pages]):.3f}" for name in SYSTEMS]
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    null_gold = sum(page[SYSTEMS[0]]["gold_date_null"] for page in pages)
    invented = [str(sum(page[name]["date_where_gold_null"] for page in pages)) for name in SYSTEMS]
    lines.append(f"| date predicted where gold is null (of {null_gold}) | " + " | ".join(invented) + " |")
    with_comments = sum(page["extract_text"]["comments"] > 0 for page in pages)
    lines += ["", f"Pages where extract_text found reader comments: {with_comments}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    parser.add_argument("--dump", type=Path, default=None, help="write each rendered page's text to this folder")
    args = parser.parse_args(argv)
    if not DATASET.is_dir():
        print(f"dataset not found: {DATASET}", file=sys.stderr)
        return 1
    page_ids = sorted(path.name.split(".")[0] for path in (DATASET / "html").glob("*.html.gz"))[: args.limit]
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for page_id in page_ids:
            raw = gzip.decompress((DATASET / "html" / f"{page_id}.html.gz").read_bytes())
            (args.dump / f"{page_id}.txt").write_text(render_text(decode_file(raw)))
    with Pool(processes=2) as pool:
        pages = pool.map(score_file, page_ids, chunksize=8)
    command = ".venv/bin/python bench/bench_extract_text.py" + (f" --limit {args.limit}" if args.limit else "")
    today = subprocess.run(["date", "+%Y-%m-%d"], capture_output=True, text=True, check=True).stdout.strip()
    section = markdown(pages, command, today)
    print(section)
    if not args.no_write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
