"""The HTML report: self-contained, and working in a real browser (headless Chromium).

One browser for the whole module. The browser tests skip, with the reason, when Playwright or
Chromium is missing; .ci/run installs Debian's chromium, so in CI they run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder import api
from gapfinder.progress import ledger
from gapfinder.cli import app
from gapfinder.reports.html import rank_html
from gapfinder.reports.html import _script_json, report_data

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STORED = FIXTURES / "coverage-files" / "ci-other-root.coverage"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("GAPFINDER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """asyncsvc outside git, with three progress snapshots in its ledger."""
    root = Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path_factory.mktemp("html") / "asyncsvc"))
    for day, finished, coverage in ((1, 4, 30.0), (8, 7, 38.5), (15, 10, 45.0)):
        ledger.record(root, ledger.Snapshot(
            taken_at=f"2025-01-{day:02d}T10:00:00+00:00", git_commit=None, tests=finished + 2, cases=finished + 2,
            finished=finished, scaffolded=2, line_coverage=coverage, branch_coverage=None, kinds={}))
    return root


@pytest.fixture(scope="module")
def result(project):
    return api.rank(project, coverage=STORED, detail=True, use_cache=False, overrides={"top": 5, "git": False})


@pytest.fixture(scope="module")
def html(result) -> str:
    return rank_html(result)


def test_the_page_is_self_contained(html):
    assert html.startswith("<!DOCTYPE html>")
    # Nothing fetched from anywhere: no external scripts, styles, images or fonts.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    assert html.count("<script") == 2  # the data and the code, both inline


def test_the_data_holds_every_module_with_functions_and_history(result):
    data = report_data(result)
    fields = {name: i for i, name in enumerate(data["fields"])}
    assert len(result.rows) == 5 and len(data["modules"]) == 16  # every module, not only the top 5
    assert data["top"] == [0, 1, 2, 3, 4]
    tools = next(m for m in data["modules"] if m[fields["name"]] == "app.agents.tools")
    assert tools[fields["coverage"]] is None and tools[fields["missed_lines"]][0].isdigit()
    assert {f[0] for f in tools[fields["functions"]]} >= {"ToolRegistry.get", "http_get"}
    db = next(m for m in data["modules"] if m[fields["name"]] == "app.db")
    assert db[fields["importers"]], "app.db is imported by other modules"
    assert [h[1] for h in data["history"]] == [4, 7, 10]


def test_script_data_cannot_close_the_script_element():
    text = _script_json({"reason": "</script><script>alert(1)</script> <!--"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"reason": "</script><script>alert(1)</script> <!--"}


def test_cli_writes_the_report_to_a_file(project, tmp_path):
    out = tmp_path / "report.html"
    done = runner.invoke(app, ["rank", str(project), "--coverage", str(STORED), "--no-git", "--no-cache",
                               "--format", "html", "--output", str(out)])
    assert done.exit_code == 0, done.stderr
    assert done.stdout == "" and "wrote" in done.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_unwritable_output_is_one_line_and_exit_2(project, tmp_path):
    done = runner.invoke(app, ["rank", str(project), "--coverage", str(STORED), "--no-git", "--format", "html",
                               "--output", str(tmp_path / "missing" / "report.html")])
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and "cannot write" in done.stderr


# --- in a real browser -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    profile = tempfile.mkdtemp(prefix="gapfinder-chromium-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page_file(html, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture
def page(browser, page_file):
    """A fresh tab per test (one browser per module), so the tests run in any order."""
    path = page_file
    page = browser.new_page()
    page.errors = []
    page.requests = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=10_000)
    yield page
    page.close()


def test_the_page_loads_without_console_errors_or_requests(page):
    assert page.errors == []
    assert all(url.startswith(("file:", "data:", "about:")) for url in page.requests), page.requests
    assert page.locator("#summary .figure").count() == 6
    assert page.locator("#summary").inner_text().startswith("45%")


def test_the_treemap_and_the_table_render(page, result):
    cells = page.locator("#treemap .cell[data-m]")
    assert cells.count() == 16
    box = cells.first.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5
    assert page.locator("#treemap .cell.hot").count() == 5  # the top 5 stand out
    rows = page.locator("#ranked tbody tr")
    assert rows.count() == 16
    assert rows.first.locator("td").nth(2).inner_text() == result.rows[0].name


def test_clicking_a_module_in_the_map_opens_its_detail(page):
    page.locator("#treemap .cell[data-m]", has_text="orders").first.click()
    heading = page.locator("#detail h3").inner_text()
    assert heading.endswith("orders")
    assert page.locator("#detail table.functions tbody tr").count() >= 1
    assert "Tests that exercise it" in page.locator("#detail").inner_text()


def test_clicking_a_table_row_and_an_importer_link(page):
    page.locator("#ranked tbody tr", has_text="app.db").first.click()
    assert page.locator("#detail h3").inner_text() == "app.db"
    importer = page.locator("#detail a[data-m]").first
    name = importer.inner_text()
    importer.click()
    assert page.locator("#detail h3").inner_text() == name
    assert page.errors == []


def test_the_table_sorts_and_filters(page):
    page.locator("#ranked th[data-key='missed']").click()
    missed = [int(t) for t in page.locator("#ranked tbody tr td:nth-child(5)").all_inner_texts()]
    assert missed == sorted(missed, reverse=True)
    page.locator("#filter").fill("repositories")
    page.wait_for_function("document.querySelectorAll('#ranked tbody tr').length === 2")
    assert page.locator("#count").inner_text() == "2 of 16 modules"
    page.locator("#filter").fill("")
    page.select_option("#kind", "e2e")
    kinds = set(page.locator("#ranked tbody tr td:nth-child(7)").all_inner_texts())
    assert kinds == {"e2e"}


def test_zooming_into_a_package_and_back(page):
    page.locator("#treemap .cell.pkg", has_text="services").first.locator(".label").click()
    assert "services" in page.locator("#crumbs").inner_text()
    assert page.locator("#treemap .cell[data-m]").count() < 16
    page.locator("#crumbs a").first.click()
    assert page.locator("#treemap .cell[data-m]").count() == 16


def test_the_progress_history_is_a_chart(page):
    assert page.locator("#history svg path").count() == 3
    assert page.locator("#history svg circle").count() == 9
    assert "3 snapshots" in page.locator("#history").inner_text()
    assert page.errors == []
