"""A small corpus analysed into parts, with the normal run's dossier, for the blocked corpus stages.

Each ``blocked_<stage>`` is checked against the in-process stage: run the
pass over the parts, read the lists back, compare with the dossier that
``ingest-parts`` builds from the same shards. ``write_upstream`` lets a test
run one stage alone, with the earlier stages' lists taken from that dossier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import FIXTURES, ROOT
from storyline.corpus.blocks import OUTPUTS, BlockRun, shard_file, write_rows
from storyline.inputs.manifest import load_manifest
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor

# Fictional articles only: examples/, the syndicated wire copies, the statement fixtures.
BLOCKED_INPUTS = [ROOT / "examples", FIXTURES / "syndication" / "wire_copies.jsonl", FIXTURES / "statements"]


def parts_options() -> Options:
    options = Options()
    options.extra["files_per_shard"] = 2  # several shards from a few files
    return options


def analysed_parts(out: Path, inputs: list[Path] | None = None, manifest: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """``analyze --parts`` on the inputs (the blocked corpus by default): the parts folder and the normal dossier."""
    from storyline.analyze import analyze_parts

    found = load_manifest(manifest or ROOT / "examples" / "manifest.csv")
    _, result = analyze_parts([str(p) for p in inputs or BLOCKED_INPUTS], out, parts_options(), manifest=found,
                              executor=LocalExecutor(1))
    return out / "parts", result.dossier


def block_run(parts: Path, executor: Any = None, buckets: int = 3) -> BlockRun:
    """A fresh pass over ``parts`` (few buckets, so blocks share them)."""
    run = BlockRun(parts, executor or LocalExecutor(1), parts_options(), buckets=buckets)
    run.fresh()
    return run


def write_upstream(run: BlockRun, dossier: dict[str, Any], names: list[str]) -> None:
    """Write the dossier's lists ``names`` where the blocked stages write them, so a later stage can run alone."""
    for name in names:
        rows = dossier[name]
        if name in ("statements", "times"):
            for shard in run.shards:
                ids = {f"a{n}" for n in range(shard.first + 1, shard.first + shard.articles + 1)}
                keep = [dict(row, claim=None, claims=[]) if name == "statements" else row
                        for row in rows if row["article"] in ids]
                write_rows(run.path(OUTPUTS[name], shard_file(shard)), keep)
        else:
            write_rows(run.path(OUTPUTS[name]), rows)
