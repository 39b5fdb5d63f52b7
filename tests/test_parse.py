"""The parse stage's spaCy batch bounds memory only: a doc's annotations do not depend on it (`article.parse`)."""

from __future__ import annotations

import json
from pathlib import Path

from storyline.article.parse import PIPE_BATCH, load_nlp

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds" / "articles"


def _texts() -> list[str]:
    """The examples' paragraphs, each its own doc (many docs, so they span several batches), and
    the seeds' texts when they are there."""
    bodies = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    for line in (ROOT / "examples" / "monitor_export.jsonl").read_text(encoding="utf-8").splitlines():
        bodies.append(json.loads(line).get("text") or "")  # one row has no text, on purpose
    paragraphs = [part.strip() for body in bodies for part in body.split("\n\n") if len(part.split()) > 5]
    return paragraphs + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def _annotations(doc) -> list[tuple]:
    return [(t.tag_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_, t.is_sent_start) for t in doc]


def test_parse_pipe_batch_does_not_change_the_docs() -> None:
    texts = _texts()
    nlp = load_nlp()
    assert len(texts) > PIPE_BATCH  # so the texts span more than one batch
    alone = [_annotations(nlp(text)) for text in texts]
    batched = [_annotations(doc) for doc in nlp.pipe(texts, batch_size=PIPE_BATCH)]
    wide = [_annotations(doc) for doc in nlp.pipe(texts, batch_size=32)]
    assert sum(len(a) for a in alone) > 500
    assert batched == alone
    assert wide == alone
