"""The pipeline spine: stages, a registry of stages by name, and executors.

A stage is a small class with one method, ``run(records) -> Iterator``.
Per-article stages turn a stream of records into another stream and keep
no state between articles, so an executor may run them in any number of
processes. A pipeline is just a list of stages; executors differ only in
how many resources they give that list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

STAGES: dict[str, type] = {}

# The per-article stages, in order. Each name is registered by the module
# ``storyline.<name>``, or the one STAGE_MODULES names for it.
PER_ARTICLE_STAGES = ["extract", "parse", "statements", "release"]

# The corpus-level stages, in order: each takes shards of the corpus
# (``records.Corpus``) and yields them with its lists filled.
CORPUS_STAGES: list[str] = ["entities"]

# Stages that live in a module of another name.
STAGE_MODULES = {"release": "parse", "timeline": "events"}


def register_stage(name: str) -> Callable[[type], type]:
    """Class decorator: make a stage constructible by name."""

    def decorate(cls: type) -> type:
        cls.name = name
        STAGES[name] = cls
        return cls

    return decorate


class Stage(Protocol):
    name: str

    def run(self, records: Iterable[Any]) -> Iterator[Any]: ...


@dataclass(slots=True)
class Options:
    """Everything a run can be told; passed whole to every stage that needs it."""

    published: str | None = None  # --published for inputs that state none
    max_bytes: int = 20 * 1024 * 1024
    batch_size: int = 32
    workers: int = 1
    # Store-backed cache of sentence embeddings (``get_many(keys) -> dict``,
    # ``put_many(dict)``), so incremental runs embed only new text.
    embedding_cache: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Pipeline:
    stages: list[Any]

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        stream: Iterable[Any] = records
        for stage in self.stages:
            stream = stage.run(stream)
        yield from stream


def build_pipeline(names: list[str], options: Options) -> Pipeline:
    """Construct the named stages; importing a stage's module registers it."""
    for name in names:
        if name not in STAGES:
            importlib.import_module(f"storyline.{STAGE_MODULES.get(name, name)}")
    return Pipeline([STAGES[name](options) for name in names])


def per_article_pipeline(options: Options) -> Pipeline:
    """From raw input to an article with its per-article findings."""
    return build_pipeline(PER_ARTICLE_STAGES, options)


def corpus_pipeline(options: Options) -> Pipeline:
    """From all stored articles to entities, timeline, claims and stories."""
    return build_pipeline(CORPUS_STAGES, options)


class LocalExecutor:
    """Runs a pipeline in this process, streaming records through it."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def run(self, pipeline: Pipeline, records: Iterable[Any]) -> Iterator[Any]:
        yield from pipeline.run(records)
