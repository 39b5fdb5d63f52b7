"""Size and render time of report.html for a large corpus in headless chromium (``make bench-report``).

    python bench/bench_report_render.py [--articles 300] [--write-docs]

The dossier is synthetic (``tests/large_dossier.py``: bodies of ~3,500
characters, eight statements each, fictional people), so the number depends on
the report, not on the pipeline. Render time: from navigation to the timeline's
first item drawn, median of three loads. Needs /usr/bin/chromium and playwright.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main() -> int:
    from large_dossier import large_dossier
    from playwright.sync_api import sync_playwright

    from storyline.present.report import write_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = write_report(large_dossier(args.articles), Path(tmp) / "report.html")
        size = report.stat().st_size
        times = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                started = time.perf_counter()
                page.goto(report.resolve().as_uri())
                page.wait_for_selector("#timeline-chart .vis-item", timeout=60_000)
                times.append(time.perf_counter() - started)
                page.close()
            browser.close()
    median = statistics.median(times)
    print(f"{args.articles} articles: {size / 1e6:.2f} MB, render {median:.2f} s (loads: {', '.join(f'{t:.2f}' for t in times)})")
    if args.write_docs:
        from storyline.eval.benchdoc import write_section

        write_section(
            f"## Report size and render time\n\n{date.today().isoformat()}, `python bench/bench_report_render.py "
            f"--articles {args.articles} --write-docs` (`make bench-report`), headless Debian chromium on this machine "
            "(2 shared cores), synthetic dossier (`tests/large_dossier.py`).\n\n"
            "| articles | report size | render (median of 3, to the timeline's first item) |\n|---|---|---|\n"
            f"| {args.articles} | {size / 1e6:.2f} MB | {median:.2f} s |\n\n"
            "Over 100 articles the report is summarised (`report.SUMMARY_OVER`): one table row per article, the "
            "timeline draws events and the statements that make a claim, each person shows 3 statements.\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
