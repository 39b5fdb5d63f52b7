"""A fictional news site on loopback for trying ``storyline watch`` (README, "Watch the sources").

Three outlets (Lakeside Courier, State Voice, Border Post) publish RSS feeds and article pages;
the same talking point travels between them. The site is the one the tests use
(``tests/watch_support.py``): round 1 has the Border Post's feed down; ``GET /next`` publishes
the next round.

    python scripts/watch_demo.py --port 8765 --sources out/watch/sources.toml
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from watch_support import ROUNDS, NewsSite, sources_toml  # noqa: E402


class DemoSite(NewsSite):
    def answer(self, path: str) -> tuple[int, str, str]:
        if path == "/next":
            self.round = min(self.round + 1, len(ROUNDS) - 1)
            return 200, "text/plain", f"round {self.round + 1} of {len(ROUNDS)}\n"
        return super().answer(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sources", type=Path, default=Path("out/watch/sources.toml"))
    args = parser.parse_args()
    with DemoSite(args.port) as site:
        args.sources.parent.mkdir(parents=True, exist_ok=True)
        sources_toml(site.base, args.sources)
        print(f"fictional news site on {site.base}/ (GET /next for the next round); sources file: {args.sources}",
              flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
