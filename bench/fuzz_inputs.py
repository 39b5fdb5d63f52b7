"""``make fuzz``: thousands of generated bad and edge inputs through ``analyze``; nothing crashes, nothing is lost.

    python bench/fuzz_inputs.py [--inputs 10000] [--runs 10] [--seed 1] [--write-docs]

Each run writes its share of the inputs into a folder and analyses the folder
into a fresh store, in this process (one ``analyze`` call per run). Kinds of
input (fictional text, generated here):

- bad (must be listed under ``skipped``, reported once): random bytes, NUL-filled
  binaries, empty and blank files, malformed JSON, JSON of the wrong shape or
  types (numbers, lists, nested arrays 100,000 deep), records without text, a
  5 MB single line of one endless word, deeply nested (100,000 ``<div>``) and
  malformed HTML without text;
- good (must be stored): short news texts, some with zero-width and right-to-left
  characters, NUL bytes inside JSON strings, cp1252 bytes; and one article of
  1.5 million characters (parsed by spaCy in windows);
- edge (stored or skipped, but accounted for exactly once): truncated UTF-8,
  random Unicode, HTML fragments.

Outcome per run: it did not raise; every input is reported exactly once (stored,
unchanged or skipped, through the progress callback); every good input is among
the stored articles; every bad input is among the skipped ones.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

NAMES = ["Odile Varga", "Tomas Rehn", "Iris Maelo", "Anya Korvel", "Milo Draskic", "Priya Santos"]
PLACES = ["Lanport", "Gullen", "Veldmark", "Ostria", "Harlow"]
TOPICS = ["ferry line", "fishing quota", "port fees", "coast guard hotline", "harbour wall"]


def prose(rng: random.Random, sentences: int = 3) -> str:
    parts = []
    for _ in range(sentences):
        name, place, topic = rng.choice(NAMES), rng.choice(PLACES), rng.choice(TOPICS)
        parts.append(f'"We will keep the {topic} open," {name} said in {place} on Monday, '
                     f"after talks that lasted {rng.randint(2, 40)} hours.")
    return " ".join(parts)


def good(rng: random.Random, n: int) -> tuple[str, bytes]:
    kind = n % 5
    text = prose(rng) + f" Report number {n}."
    if kind == 0:
        return "txt", text.encode("utf-8")
    if kind == 1:  # zero-width and right-to-left characters inside the prose
        return "txt", text.replace("keep", "ke\u200bep").replace("Monday", "Monday \u202eyadnoM\u202c").encode("utf-8")
    if kind == 2:  # NUL bytes inside a JSON string
        return "jsonl", json.dumps({"text": text.replace("after", "after\u0000"), "outlet": "Fuzz Wire"}).encode()
    if kind == 3:
        return "txt", (text + " Caf\u00e9 cr\u00e8me \u201cquoted\u201d.").encode("cp1252")
    return "html", f"<html><body><article><h1>Report {n}</h1><p>{text}</p></article></body></html>".encode()


def bad(rng: random.Random, n: int) -> tuple[str, bytes]:
    kind = n % 12
    if kind == 0:
        return "txt", bytes(rng.getrandbits(8) for _ in range(rng.randint(16, 4096))) + b"\x00"
    if kind == 1:
        return "txt", b""
    if kind == 2:
        return "txt", b" \n\t\n "
    if kind == 3:
        return "json", b'{"text": "unterminated'
    if kind == 4:
        return "jsonl", json.dumps({"text": rng.choice([5, 3.2, None, True, ["a list"], {"a": 1}])}).encode()
    if kind == 5:
        return "json", json.dumps([1, 2, 3]).encode()
    if kind == 6:
        return "json", b"[" * 100_000 + b"]" * 100_000
    if kind == 7:
        return "jsonl", json.dumps({"title": "no body here", "outlet": 7}).encode()
    if kind == 8:
        return "txt", b"x" * 5_000_000  # one endless word on one line: no prose
    if kind == 9:
        return "html", b"<div>" * 100_000
    if kind == 10:
        return "html", b"<html><body><p><b><i></p></b><table><tr><td></td></tr><div><span></body>"
    return "pdf", b"%PDF-1.4 not an input type"


def edge(rng: random.Random, n: int) -> tuple[str, bytes]:
    kind = n % 4
    if kind == 3:  # tag soup with a little text in it
        return "html", b"<html><body><p><b><i></p></b><<<>>>&&&;<table><tr><td></body>"
    if kind == 0:
        data = (prose(rng) + " \u00e9\u00e8\u4e2d\u6587").encode("utf-8")
        return "txt", data[: len(data) - 1]  # cut inside the last character
    if kind == 1:
        return "txt", "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(10, 400))).encode("utf-8", "replace")
    return "html", f"<p>{prose(rng, 1)}".encode()


def long_article(rng: random.Random) -> bytes:
    paragraphs = []
    while sum(map(len, paragraphs)) < 1_500_000:
        paragraphs.append(prose(rng, 4) + f" Paragraph {len(paragraphs)}.\n\n")
    return "".join(paragraphs).encode("utf-8")


def write_inputs(folder: Path, count: int, rng: random.Random, first: int, with_long: bool) -> dict[str, str]:
    """``count`` files in ``folder``; returns file name -> kind (good, bad, edge)."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    huge_left = 1  # 5 MB lines are slow to write and read: one per run is enough to show they pass
    for offset in range(count):
        n = first + offset
        roll = rng.random()
        kind, make = ("good", good) if roll < 0.1 else ("edge", edge) if roll < 0.25 else ("bad", bad)
        suffix, data = make(rng, n)
        if kind == "bad" and len(data) > 1_000_000:
            if not huge_left:
                suffix, data = bad(rng, 3)
            huge_left -= 1
        name = f"{n:05d}-{kind}.{suffix}"
        (folder / name).write_bytes(data)
        kinds[name] = kind
    if with_long:
        (folder / "long-good.txt").write_bytes(long_article(rng))
        kinds["long-good.txt"] = "good"
    return kinds


def file_of(source: str) -> str:
    name = Path(source.split(":line ")[0].split(":item ")[0]).name
    return name


def one_run(folder: Path, out: Path, kinds: dict[str, str]) -> dict[str, int]:
    from storyline.analyze import analyze
    from storyline.core.options import Options

    reported: Counter[str] = Counter()  # by source (a file, or one record of a JSON file)
    files: Counter[str] = Counter()
    outcomes: dict[str, set[str]] = {}

    def progress(source: str, outcome: str) -> None:
        reported[source] += 1
        files[file_of(source)] += 1
        outcomes.setdefault(file_of(source), set()).add("stored" if outcome in ("added", "unchanged") else "skipped")

    stats = Counter(inputs=len(kinds))
    try:
        result = analyze([str(folder)], out, Options(), progress=progress)
    except Exception as error:  # noqa: BLE001 - what the campaign counts
        print(f"run crashed: {type(error).__name__}: {error}", file=sys.stderr)
        stats["crashed"] += 1
        return stats
    stored = {file_of(a["source"]) for a in result.dossier["articles"]}
    skipped = {file_of(s["source"]) for s in result.dossier["skipped"]}
    twice = [source for source, count in reported.items() if count != 1]
    stats["not_reported_once"] += len(twice) + sum(1 for name in kinds if not files[name])
    for source in twice:
        print(f"{source}: reported {reported[source]} times", file=sys.stderr)
    for name, kind in kinds.items():
        stats[f"{kind}_inputs"] += 1
        if not files[name]:
            print(f"{name}: never reported", file=sys.stderr)
        if kind == "good" and name not in stored:
            stats["good_lost"] += 1
            print(f"{name}: good input not stored ({outcomes.get(name)})", file=sys.stderr)
        if kind == "bad" and name not in skipped:
            stats["bad_not_skipped"] += 1
            print(f"{name}: bad input not skipped ({outcomes.get(name)})", file=sys.stderr)
        stats[f"{kind}_stored"] += name in stored
    stats["articles"] = len(result.dossier["articles"])
    stats["skipped"] = len(result.dossier["skipped"])
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-long", action="store_true", help="leave out the 1.5M-character article")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    rng = random.Random(args.seed)
    total: Counter[str] = Counter()
    started = time.perf_counter()
    per_run = args.inputs // args.runs
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            folder, out = Path(tmp) / f"in{run}", Path(tmp) / f"out{run}"
            kinds = write_inputs(folder, per_run, rng, run * per_run, with_long=(run == 0 and not args.no_long))
            stats = one_run(folder, out, kinds)
            total.update(stats)
            total["runs"] += 1
            print(f"run {run}: {dict(stats)} ({time.perf_counter() - started:.0f} s)", flush=True)
    seconds = time.perf_counter() - started
    print(json.dumps(dict(total), indent=1))
    ok = not (total["crashed"] or total["not_reported_once"] or total["good_lost"] or total["bad_not_skipped"])
    if args.write_docs:
        from storyline.eval.benchdoc import write_section

        write_section(
            f"## Fuzzing inputs\n\n{date.today().isoformat()}, `python bench/fuzz_inputs.py --inputs {args.inputs} "
            f"--runs {args.runs} --seed {args.seed}{' --no-long' if args.no_long else ''} --write-docs` (`make fuzz`), "
            f"{seconds:.0f} s on this machine (2 shared cores).\n\n"
            "| runs | inputs | good | bad | edge | crashed runs | not reported exactly once | good not stored | bad not skipped | edge stored |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
            f"| {total['runs']} | {total['inputs']} | {total['good_inputs']} | {total['bad_inputs']} | {total['edge_inputs']} | "
            f"{total['crashed']} | {total['not_reported_once']} | {total['good_lost']} | {total['bad_not_skipped']} | "
            f"{total['edge_stored']} |\n\n"
            "Kinds: random bytes, empty and blank files, malformed JSON, JSON of wrong shapes and types, arrays "
            "100,000 deep, records without text, a 5 MB single line, 100,000 nested `<div>`s, malformed HTML, a "
            "`.pdf` (bad); short news texts with zero-width and right-to-left characters, NUL bytes in JSON strings, "
            f"cp1252 bytes{'' if args.no_long else ', and one 1.5M-character article'} (good); truncated UTF-8, "
            "random Unicode, HTML fragments (edge: either outcome, reported once)."
            f"{' The 1.5M-character article was left out (--no-long): parsing a 250k-character body alone peaks at 1.4 GB.' if args.no_long else ''}\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
