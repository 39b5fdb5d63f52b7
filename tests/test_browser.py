"""The report and the app in a real browser (Debian's chromium driven by Playwright).

Skipped when /usr/bin/chromium or the playwright package is missing.
Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, SHARED
from sample_dossier import RunningServer, payload_dossier, sample_dossier, write_store

from storyline.present.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) not installed")


class Watched:
    """A page with everything it requested, logged and asked recorded."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def foreign(self, origin: str) -> list[str]:
        return [url for url in self.requests if not url.startswith(origin)]

    def pwned(self) -> object:
        return self.page.evaluate("window.__pwned === undefined && (!window.parent || window.parent.__pwned === undefined) ? null : 1")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def open_page(browser):
    contexts = []

    def opener(url: str) -> Watched:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(context)
        watched = Watched(context.new_page())
        watched.page.goto(url)
        watched.page.wait_for_load_state("load")
        return watched

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    return write_report(sample_dossier(), tmp_path_factory.mktemp("report") / "report.html")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with RunningServer(write_store(sample_dossier(), tmp_path_factory.mktemp("app") / "sample.db")) as running:
        yield running


def shot(watched: Watched, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def assert_report_is_quiet(watched: Watched, report: Path) -> None:
    assert watched.requests == [report.resolve().as_uri()]
    assert watched.errors == []


def test_browser_report_for_examples(open_page, example_run):
    report = example_run / "report.html"
    watched = open_page(report.resolve().as_uri())
    assert_report_is_quiet(watched, report)
    dossier = json.loads((example_run / "dossier.json").read_text(encoding="utf-8"))
    assert watched.page.locator("article.doc").count() == len(dossier["articles"])
    if dossier["statements"] or dossier["events"]:  # the examples state their dates
        watched.page.wait_for_selector("#timeline-chart .vis-item", timeout=10_000)
    shot(watched, "report-examples")


def test_browser_report_for_seed_articles(open_page, tmp_path):
    seeds = SHARED / "seeds" / "articles"
    if not seeds.is_dir():
        pytest.skip(f"{seeds} not present")
    from storyline.analyze import analyze
    from storyline.core.options import Options

    result = analyze([str(seeds)], tmp_path, Options())
    report = tmp_path / "report.html"
    watched = open_page(report.resolve().as_uri())
    assert_report_is_quiet(watched, report)
    assert watched.page.locator("article.doc").count() == len(result.dossier["articles"]) > 0
    if result.dossier["claims"]:  # a claim opens on its statements
        watched.page.locator("details.claim summary").first.click()
        assert watched.page.locator("details.claim[open] li.statement").first.is_visible()
    shot(watched, "report-seeds")


def test_browser_report_claim_timeline_and_spans(open_page, sample_report):
    watched = open_page(sample_report.resolve().as_uri())
    page = watched.page
    claim = page.locator("#cl-c1")
    statements = claim.locator("li.statement")
    assert not statements.first.is_visible()
    claim.locator("summary").click()
    assert statements.count() == 2 and statements.first.is_visible()
    assert "We will not sign a bad deal" in statements.first.inner_text()
    assert claim.locator("canvas.claim-chart[data-drawn]").count() == 2  # recurrence by outlet and by speaker
    claim.screenshot(path=str(ARTIFACTS / "report-claim.png"))
    statements.first.locator("a.quote").click()
    assert urlsplit(page.url).fragment == "st-s2"
    assert page.locator("#st-s2").is_visible()
    # The timeline: year-only and month-only items are bars, days are points.
    page.wait_for_selector("#timeline-chart .vis-item", timeout=10_000)
    assert page.locator("#timeline-chart .vis-item.vis-range.prec-year").count() == 1
    assert page.locator("#timeline-chart .vis-item.vis-range.prec-month").count() == 1
    assert page.locator("ul.year-unknown li").count() == 2
    page.locator("#timeline-chart .vis-item.prec-year").click()
    assert urlsplit(page.url).fragment == "evm-v2-0"
    assert_report_is_quiet(watched, sample_report)
    shot(watched, "report-sample")


def test_browser_app_search_claim_and_own_origin_only(open_page, server):
    watched = open_page(server.url + "/")
    page = watched.page
    page.fill("input[name=q]", "what did Brask say about the summit")
    page.click("form.search button[type=submit]")
    page.wait_for_load_state("load")
    first = page.locator("ol.results li.hit").first
    assert "the city supports a" in first.inner_text() and first.locator("b").first.inner_text() == "summit"
    shot(watched, "app-search")
    page.click("nav >> text=Claims")
    page.click("a.claim-link >> text=The union will not sign a bad deal")
    page.wait_for_load_state("load")
    statements = page.locator("li.statement")
    assert statements.count() == 2 and statements.first.is_visible()
    assert page.locator("canvas.claim-chart[data-drawn]").count() == 2
    shot(watched, "app-claim")
    page.goto(server.url + "/timeline")
    page.wait_for_selector("#timeline-chart .vis-item", timeout=10_000)
    page.goto(server.url + "/docs")
    assert page.locator("code", has_text="GET /api/search").count() == 1
    assert watched.foreign(server.url) == []
    assert watched.errors == []


def test_browser_injection_report_runs_no_payload(open_page, tmp_path):
    report = write_report(payload_dossier(), tmp_path / "report.html")
    watched = open_page(report.resolve().as_uri())
    page = watched.page
    title = page.title()
    _poke_everything(page)
    assert watched.pwned() is None and page.title() == title == "storyline dossier"
    assert watched.dialogs == [] and watched.errors == []
    assert watched.requests == [report.resolve().as_uri()]
    shot(watched, "injection-report")


def test_browser_injection_app_runs_no_payload(open_page, tmp_path):
    with RunningServer(write_store(payload_dossier(), tmp_path / "payload.db")) as payload_server:
        watched = open_page(payload_server.url + "/")
        for path in ["/", "/timeline", "/claims", "/claims/c1", "/people", "/people/e1", "/articles", "/articles/a1",
                     "/search?q=script+svg", "/search?speaker=e1"]:
            watched.page.goto(payload_server.url + path)
            _poke_everything(watched.page)
            assert watched.pwned() is None, path
            assert watched.page.title().endswith("· storyline"), path
        assert watched.dialogs == [] and watched.errors == []
        assert watched.foreign(payload_server.url) == []
        shot(watched, "injection-app")


def _poke_everything(page) -> None:
    """Open every <details>, hover and focus what a payload might hide behind."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    for selector in ("mark", "a", "li.statement", ".comment", "h3"):
        for element in page.locator(selector).all()[:6]:
            if element.is_visible():
                element.hover()
    page.wait_for_timeout(200)
