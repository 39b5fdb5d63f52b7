"""Write docs/report.png: the report for examples/ in Debian's chromium.

    .venv/bin/python scripts/screenshot_report.py [REPORT.html] [--out docs/report.png]

Without REPORT, runs ``storyline analyze examples --manifest examples/manifest.csv``
into a temporary folder first. Needs /usr/bin/chromium and playwright.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def screenshot(report: Path, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
        page.goto(report.resolve().as_uri())
        page.wait_for_load_state("load")
        # Show the timeline and the first claim opened with its recurrence charts.
        page.locator("details.claim").first.locator("summary").click()
        page.locator("#timeline").scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, document.getElementById('timeline').offsetTop - 10)")
        page.wait_for_selector("#timeline-chart .vis-item", timeout=10_000)
        page.wait_for_timeout(1000)  # the timeline settles
        page.screenshot(path=str(out))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = args.report
        if report is None:
            subprocess.run(
                [sys.executable, "-m", "storyline", "analyze", str(ROOT / "examples"), "--manifest",
                 str(ROOT / "examples" / "manifest.csv"), "--out", tmp, "--quiet"],
                check=True,
            )
            report = Path(tmp) / "report.html"
        screenshot(report, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
