"""Benchmark the HTML report: page size, time to render it, and load time in headless Chromium.

For the asyncsvc fixture and synthetic code bases (benchmarks/synth.py) of the given sizes:
  render   api.rank(..., detail=True) is not counted; rendering the page is,
  size     bytes of the self-contained page,
  load     from navigation to the page's script having drawn the treemap and the table
           (body[data-ready]), best of 3, in Debian's chromium through Playwright,
  click    a click on the first table row until its detail is shown.
With --screenshot PATH, also saves a picture of the fixture report (docs/report.png).

    python benchmarks/bench_html.py                      # fixture and 10,000 modules
    python benchmarks/bench_html.py --sizes 1000 10000 --screenshot docs/report.png
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

from gapfinder import api  # noqa: E402
from gapfinder.reports.html import rank_html  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "asyncsvc"
STORED = REPO / "fixtures" / "coverage-files" / "ci-other-root.coverage"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def measure(context, page_path: Path, screenshot: Path | None = None) -> tuple[float, float]:
    loads = []
    click = 0.0
    for attempt in range(3):
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        start = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        loads.append(time.perf_counter() - start)
        if errors:
            raise SystemExit(f"console errors: {errors}")
        if attempt == 0:
            start = time.perf_counter()
            page.locator("#ranked tbody tr").first.click()
            page.wait_for_selector("#detail h3")
            click = time.perf_counter() - start
            if screenshot is not None:
                page.locator("#ranked tbody tr").nth(1).click()
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(screenshot), clip={"x": 0, "y": 0, "width": 1400, "height": 1150})
        page.close()
    return min(loads), click


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-html-"))
    try:
        projects = [("asyncsvc fixture", Path(shutil.copytree(FIXTURE, work / "asyncsvc")), STORED)]
        for size in args.sizes:
            out = work / f"synth{size}"
            synth.generate(out, size, 1)
            projects.append((f"synthetic, {size} modules", out, None))
        print(f"{'project':28} {'modules':>8} {'page':>9} {'render':>8} {'load':>7} {'click':>7}")
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(work / "profile"), executable_path=args.chromium, headless=True, args=ARGS,
                viewport={"width": 1400, "height": 1000})
            for label, root, coverage in projects:
                result = api.rank(root, coverage=coverage, detail=True, overrides={"git": False})
                start = time.perf_counter()
                html = rank_html(result)
                render = time.perf_counter() - start
                page_path = work / f"{root.name}.html"
                page_path.write_text(html, encoding="utf-8")
                shot = args.screenshot if label.startswith("asyncsvc") else None
                load, click = measure(context, page_path, shot)
                size_text = f"{len(html.encode()) / 1024:.0f} KB" if len(html) < 1 << 20 else \
                    f"{len(html.encode()) / (1 << 20):.1f} MB"
                print(f"{label:28} {len(result.details):>8} {size_text:>9} {render:>7.2f}s {load:>6.2f}s {click:>6.2f}s")
            context.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
