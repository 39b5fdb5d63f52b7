"""HTML extraction on WCXB dev: storyline's extractor next to plain trafilatura.

Run with ``make bench-extract`` (``--limit N`` for a quick run on the first N
pages). Scores every article page of ``../shared/datasets/wcxb-dev`` and
writes the table into the ``## Extraction (WCXB dev)`` section of
``docs/benchmarks.md``, leaving the other sections alone.

Scoring rules:

* body: bag-of-words precision / recall / F1 per page, averaged over pages,
  as the benchmark's ``evaluate.py`` does: tokens are
  ``re.findall(r"\\w+", text.lower())``, overlap is the multiset
  intersection. A page whose gold text is empty scores 1 when the
  prediction is empty too and 0 otherwise (evaluate.py's rule).
* title: equal after normalisation (case-folded word tokens, so spacing and
  punctuation do not count).
* author: equal after the same normalisation, also dropping a leading "by"
  and the word "and" (so "By A and B" equals "A; B"). A null prediction for
  a null / empty gold author counts as correct.
* date: the predicted string equals the gold ``publish_date`` exactly
  (YYYY-MM-DD; a month-precision prediction is wrong for a day gold). A null
  prediction for a null gold counts as correct; predictions made where the
  gold is null are also counted on their own ("invented?" row).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import trafilatura
from trafilatura.utils import decode_file

from storyline.eval.benchdoc import write_section
from storyline.article.extract_html import extract_html

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / ".." / "shared" / "datasets" / "wcxb-dev"
HEADING = "## Extraction (WCXB dev)"
SYSTEMS = ("storyline", "trafilatura defaults")


def tokens(text: str | None) -> list[str]:
    return re.findall(r"\w+", (text or "").lower())


def bag_of_words_prf(predicted: str | None, gold: str | None) -> tuple[float, float, float]:
    """Precision, recall, F1 of the predicted word multiset against the gold one."""
    predicted_tokens, gold_tokens = tokens(predicted), tokens(gold)
    if not gold_tokens:
        return (1.0, 1.0, 1.0) if not predicted_tokens else (0.0, 0.0, 0.0)
    if not predicted_tokens:
        return (0.0, 0.0, 0.0)
    overlap = sum((Counter(predicted_tokens) & Counter(gold_tokens)).values())
    precision, recall = overlap / len(predicted_tokens), overlap / len(gold_tokens)
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def same_title(predicted: str | None, gold: str | None) -> bool:
    return " ".join(tokens(predicted)) == " ".join(tokens(gold))


def normalise_author(name: str | None) -> str:
    words = tokens(name)
    if words[:1] == ["by"]:
        words = words[1:]
    return " ".join(word for word in words if word != "and")


def same_author(predicted: str | None, gold: str | None) -> bool:
    return normalise_author(predicted) == normalise_author(gold)


def snippet_rate(text: str, snippets: list[str]) -> float | None:
    if not snippets:
        return None
    lowered = text.lower()
    return sum(snippet.lower() in lowered for snippet in snippets) / len(snippets)


def _storyline(html: str) -> dict[str, Any]:
    extraction = extract_html(html)
    return {
        "body": extraction.body,
        "title": extraction.title,
        "author": extraction.author,
        "date": extraction.published,
        "comments": len(extraction.comments),
    }


def _trafilatura_defaults(html: str) -> dict[str, Any]:
    document = trafilatura.bare_extraction(html, with_metadata=True)
    if document is None:
        return {"body": "", "title": None, "author": None, "date": None}
    return {"body": document.text or "", "title": document.title, "author": document.author, "date": document.date}


RUNNERS = {"storyline": _storyline, "trafilatura defaults": _trafilatura_defaults}

# trafilatura settings compared for the body with ``--sweep`` (body scores only).
SWEEP = {
    "defaults": {},
    "include_comments=False": {"include_comments": False},
    "favor_precision": {"favor_precision": True},
    "favor_recall": {"favor_recall": True},
    "include_tables=False": {"include_tables": False},
    "fast": {"fast": True},
    "deduplicate": {"deduplicate": True},
    "prune_xpath //aside": {"prune_xpath": "//aside"},
}


def score_page(predicted: dict[str, Any], gold: dict[str, Any]) -> dict[str, Any]:
    precision, recall, f1 = bag_of_words_prf(predicted["body"], gold.get("main_content"))
    gold_date = gold.get("publish_date") or None
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "title": same_title(predicted["title"], gold.get("title")),
        "author": same_author(predicted["author"], gold.get("author")),
        "date": (predicted["date"] or None) == gold_date,
        "date_where_gold_null": gold_date is None and predicted["date"] is not None,
        "gold_date_null": gold_date is None,
        "with": snippet_rate(predicted["body"], gold.get("with") or []),
        "without": snippet_rate(predicted["body"], gold.get("without") or []),
        "has_comments": predicted.get("comments", 0) > 0,
    }


def _load(page_id: str) -> tuple[str, dict[str, Any]]:
    raw = gzip.decompress((DATASET / "html" / f"{page_id}.html.gz").read_bytes())
    gold = json.loads((DATASET / "ground-truth" / f"{page_id}.json").read_text())["ground_truth"]
    return decode_file(raw), gold


def score_file(page_id: str) -> dict[str, dict[str, Any]]:
    html, gold = _load(page_id)
    return {name: score_page(run(html), gold) for name, run in RUNNERS.items()}


def sweep_file(page_id: str) -> dict[str, tuple[float, float, float]]:
    html, gold = _load(page_id)
    scores = {}
    for name, options in SWEEP.items():
        document = trafilatura.bare_extraction(html, **options)
        scores[name] = bag_of_words_prf(document.text if document else "", gold.get("main_content"))
    return scores


def _mean(values: list[float | None]) -> float:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else float("nan")


def summarise(pages: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    summary = {}
    for name in SYSTEMS:
        rows = [page[name] for page in pages]
        summary[name] = {
            key: _mean([row[key] for row in rows])
            for key in ("precision", "recall", "f1", "title", "author", "date", "with", "without")
        }
        summary[name]["date_where_gold_null"] = sum(row["date_where_gold_null"] for row in rows)
        summary[name]["gold_date_null"] = sum(row["gold_date_null"] for row in rows)
        summary[name]["has_comments"] = sum(row["has_comments"] for row in rows)
    return summary


def markdown(summary: dict[str, dict[str, float]], n_pages: int, command: str, today: str) -> str:
    rows = [
        ("body precision", "precision"),
        ("body recall", "recall"),
        ("body F1", "f1"),
        ("`with` snippets found (higher is better)", "with"),
        ("`without` snippets found (lower is better)", "without"),
        ("title accuracy", "title"),
        ("author accuracy", "author"),
        ("date accuracy (exact YYYY-MM-DD)", "date"),
    ]
    lines = [
        HEADING,
        "",
        f"Date: {today}. Command: `{command}`. Pages: {n_pages} article pages of WCXB dev.",
        "Body scores are bag-of-words (tokens `\\w+`, lower-cased), averaged per page as in the benchmark's",
        "`evaluate.py`; title / author equal after case-folding to word tokens (author also drops a leading",
        '"by" and "and"); a null date or author predicted for a null gold counts as correct.',
        "",
        "| metric | " + " | ".join(SYSTEMS) + " |",
        "|---|" + "---:|" * len(SYSTEMS),
    ]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(f"{summary[name][key]:.3f}" for name in SYSTEMS) + " |")
    null_gold = int(summary[SYSTEMS[0]]["gold_date_null"])
    lines.append(
        f"| date predicted where gold is null (of {null_gold}) | "
        + " | ".join(str(int(summary[name]["date_where_gold_null"])) for name in SYSTEMS)
        + " |"
    )
    lines += [
        "",
        "storyline = `storyline.article.extract_html.extract_html`; trafilatura defaults = "
        "`trafilatura.bare_extraction(html, with_metadata=True)`.",
        f"Pages where storyline found reader comments (kept out of the body): {summary[SYSTEMS[0]]['has_comments']}.",
        "Where the gold date is null, storyline's dates come from the page's markup (a hand check of five:",
        "JSON-LD `datePublished` / `dateModified`, `article:modified_time`, `og:updated_time`), which the",
        "gold leaves out; trafilatura's defaults add htmldate's free-text search, whose last resort is a",
        "copyright or lone year given as 1 January. When a page's meta tags state only a modified time,",
        "htmldate returns it, and the gold often agrees (it records the date shown, often 'updated').",
    ]
    return "\n".join(lines) + "\n"


def print_sweep(page_ids: list[str]) -> None:
    with Pool(processes=2) as pool:
        pages = pool.map(sweep_file, page_ids, chunksize=8)
    print(f"trafilatura settings, body scores on {len(pages)} pages\n")
    print("| settings | precision | recall | F1 |\n|---|---:|---:|---:|")
    for name in SWEEP:
        means = [_mean([page[name][i] for page in pages]) for i in range(3)]
        print(f"| {name} | " + " | ".join(f"{value:.4f}" for value in means) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    parser.add_argument("--sweep", action="store_true", help="print body scores of several trafilatura settings")
    args = parser.parse_args(argv)
    if not DATASET.is_dir():
        print(f"dataset not found: {DATASET}", file=sys.stderr)
        return 1
    page_ids = sorted(path.name.split(".")[0] for path in (DATASET / "html").glob("*.html.gz"))[: args.limit]
    if args.sweep:
        print_sweep(page_ids)
        return 0
    with Pool(processes=2) as pool:
        pages = pool.map(score_file, page_ids, chunksize=8)
    command = "make bench-extract" + (f" (--limit {args.limit})" if args.limit else "")
    today = subprocess.run(["date", "+%Y-%m-%d"], capture_output=True, text=True, check=True).stdout.strip()
    section = markdown(summarise(pages), len(pages), command, today)
    print(section)
    if not args.no_write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
