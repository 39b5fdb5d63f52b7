"""Write one section of ``docs/benchmarks.md``, leaving everyone else's alone.

Every evaluation and benchmark script owns one ``## Heading`` section: the
first line of the text it writes. Rerunning a script replaces its section in
place (up to the next ``## `` heading); a new section is appended.
"""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[3] / "docs" / "benchmarks.md"


def write_section(section: str, path: Path = BENCHMARKS) -> None:
    heading = section.splitlines()[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = section.rstrip("\n") + "\n"
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current, count=1).rstrip("\n") + "\n"
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated, encoding="utf-8")
