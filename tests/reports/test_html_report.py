"""The HTML report: self-contained, and working in a real browser (headless Chromium).

One browser for the whole module. The browser tests skip, with the reason, when Playwright or
Chromium is missing; .ci/run installs Debian's chromium, so in CI they run.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder import api
from gapfinder.progress import ledger
from gapfinder.cli import app
from gapfinder.reports.html import rank_html
from gapfinder.reports.html import _script_json, report_data, source_blob

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
    assert html.count("<script") == 3  # the data, the compressed sources and the code, all inline


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


def _sources(blob: str) -> dict[str, str]:
    return json.loads(gzip.decompress(base64.b64decode(blob)))


def test_the_page_carries_each_modules_source_within_a_budget(result, project):
    sources = _sources(source_blob(result))
    assert len(sources) == len(result.details)
    first = result.details[0]
    assert sources["0"] == (project / first.row.path).read_text(encoding="utf-8")
    # Past the budget the lower-ranked modules go without: highest scores first.
    budget = len(sources["0"]) + len(sources["1"])
    assert sorted(_sources(source_blob(result, budget=budget)), key=int) == ["0", "1"]


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


def _figure(page, label: str) -> str:
    return page.locator("#summary .figure", has=page.locator(f"span:text-is('{label}')")).locator("b").inner_text()


def test_the_cards_count_what_the_table_lists(page, result):
    listed = len(result.details)
    assert result.summary.modules > listed  # empty __init__ files: counted by rank, not listed
    assert _figure(page, "modules") == str(listed)
    assert page.locator("#count").inner_text() == f"{listed} of {listed} modules"
    never = sum(1 for d in result.details if d.row.coverage is None)
    assert _figure(page, "never imported by tests") == str(never)
    missing = result.summary.modules - listed
    assert f"{missing} modules without statements" in page.locator("#subtitle").inner_text()


def test_never_imported_modules_are_hatched(page, result):
    never = [i for i, d in enumerate(result.details) if d.row.coverage is None]
    assert never
    for i in never:
        cell = page.locator(f"#treemap .cell[data-m='{i}']")
        assert "unmeasured" in cell.get_attribute("class")
        image = cell.evaluate("c => getComputedStyle(c).backgroundImage")
        assert image.startswith("repeating-linear-gradient"), image
    measured = page.locator("#treemap .cell[data-m]:not(.unmeasured)").first
    assert measured.evaluate("c => getComputedStyle(c).backgroundImage") == "none"


def test_the_source_view_highlights_the_lines_no_test_ran(page, result, project):
    # The measured module whose first unrun line is furthest down: the view must scroll to it.
    index, detail = max(((i, d) for i, d in enumerate(result.details) if d.row.coverage is not None and d.missed_lines),
                        key=lambda pair: pair[1].missed_lines[0])
    page.locator(f"#ranked tbody tr[data-m='{index}']").click()
    page.locator("#show-source").click()
    page.wait_for_selector("pre.source")
    lines = page.locator("pre.source .line")
    assert lines.count() == len((project / detail.row.path).read_text(encoding="utf-8").splitlines())
    highlighted = [int(n) for n in page.locator("pre.source .line.miss .ln").all_inner_texts()]
    assert highlighted == list(detail.missed_lines)
    assert f"Source ({len(detail.missed_lines)} lines no test ran" in page.locator("#detail").inner_text()
    first_unrun_in_view = page.evaluate("""() => {
      const pre = document.querySelector('pre.source'), line = pre.querySelector('.miss');
      const a = pre.getBoundingClientRect(), b = line.getBoundingClientRect();
      return b.top >= a.top && b.bottom <= a.bottom; }""")
    assert first_unrun_in_view
    assert page.errors == []


def test_a_deep_link_opens_a_module_and_a_click_updates_it(browser, page_file):
    tab = browser.new_page()
    try:
        tab.goto(page_file.as_uri() + "#module=app.db")
        tab.wait_for_selector("body[data-ready='1']")
        assert tab.locator("#detail h3").inner_text().endswith("app.db")
        assert tab.locator("#ranked tbody tr.selected td.name").inner_text().replace("\u200b", "") == "app.db"
        tab.locator("#ranked tbody tr", has_text="app.cache").first.click()
        assert tab.evaluate("location.hash") == "#module=app.cache"
        tab.evaluate("location.hash = '#module=app.models'")
        tab.wait_for_function("document.querySelector('#detail h3').textContent.endsWith('app.models')")
    finally:
        tab.close()


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


# --- widths, badges and plurals on a generated project ------------------------------------------

WIDTHS = (1280, 1400, 1920)
# The table header cells the detail panel's box overlaps, read from the live layout.
COVERED = """() => {
  const panel = document.getElementById('detail').getBoundingClientRect();
  return Array.from(document.querySelectorAll('#ranked th')).filter(th => {
    const r = th.getBoundingClientRect();
    return r.width > 0 && r.right > panel.left && r.left < panel.right && r.bottom > panel.top && r.top < panel.bottom;
  }).map(th => th.textContent);
}"""


@pytest.fixture(scope="module")
def generated_page(tmp_path_factory) -> Path:
    """A project of 60 modules with long dotted names, deep packages and one git commit."""
    root = tmp_path_factory.mktemp("generated") / "proj"
    for a in range(3):
        for b in range(4):
            package = root / "enterprise_platform" / f"subsystem_{a}_integrations" / f"provider_adapters_{b}" / "rest_api" / "serializers_v2"
            package.mkdir(parents=True)
            for folder in (package, *package.parents):
                if folder == root:
                    break
                (folder / "__init__.py").touch()
            for c in range(5):
                body = "".join(f"def handler_{k}(value):\n    if value > {k}:\n        return value * {k}\n    return None\n\n"
                               for k in range(c + 2))
                (package / f"virtual_machine_interface_{c}.py").write_text(body, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "first"]):
        subprocess.run(["git", *command], cwd=root, check=True, env=env)
    result = api.rank(root, detail=True, use_cache=False, overrides={"top": 20})
    path = root.parent / "report.html"
    path.write_text(rank_html(result), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", WIDTHS)
def test_no_table_column_is_under_the_detail_panel(browser, generated_page, width):
    tab = browser.new_page()
    tab.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto(generated_page.as_uri())
        tab.wait_for_selector("body[data-ready='1']")
        tab.locator("#ranked tbody tr").first.click()
        assert tab.locator("#detail h3").is_visible()
        assert tab.locator("#ranked th").count() == 8
        assert tab.evaluate(COVERED) == []
    finally:
        tab.close()


def test_rank_badges_are_distinct_from_package_counts_and_plurals_agree(browser, generated_page):
    tab = browser.new_page()
    try:
        tab.goto(generated_page.as_uri())
        tab.wait_for_selector("body[data-ready='1']")
        ranks = tab.locator("#treemap .rank").all_inner_texts()
        counts = tab.locator("#treemap .hotcount").all_inner_texts()
        assert counts, "the deep packages are drawn collapsed, with a count of the top modules inside"
        assert all(re.fullmatch(r"\d+ of top 10", c) for c in counts)
        assert all(re.fullmatch(r"\d+", r) for r in ranks) and len(set(ranks)) == len(ranks)  # each rank once
        assert sum(int(c.split()[0]) for c in counts) + len(ranks) == 10
        assert "(1 commit, 0 fixes in the last 2 years)" in tab.locator("#subtitle").inner_text()
    finally:
        tab.close()
