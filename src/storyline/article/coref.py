"""Speaker coreference: who a pronoun or role noun standing as a speaker refers to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_ENABLED: ContextVar[bool] = ContextVar("storyline_coref", default=True)


def enabled() -> bool:
    return _ENABLED.get()


@contextmanager
def disabled() -> Iterator[None]:
    """Run the statement finder without speaker coreference (for before/after measurements)."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def resolve(finder: Any, found: Any, span: Any) -> Any:
    return None
