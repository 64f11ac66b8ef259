"""Check the HTML report of a real project at the widths people use, and save screenshots.

Ranks PROJECT (git history unless --no-git; coverage data when the project has some), writes the
page, opens it in headless Chromium (Debian's chromium through Playwright) at 1280, 1400 and
1920 px, opens the detail panel of the first row, and reports for each width:
  covered   table columns whose header the sticky detail panel overlaps (must be none),
  page      the page's size, and the time until it was drawn.
With --screenshots DIR, saves DIR/report-<width>.png (the table beside the detail panel, 8-bit
palette PNG) and DIR/report-source.png (the panel's source view at 1400 px).

    python benchmarks/html_widths.py /work/corpora/rankeval/netbox/e8d08c4d3870/tree --screenshots docs
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

from gapfinder import api
from gapfinder.reports.html import rank_html

WIDTHS = (1280, 1400, 1920)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# Which table header cells the detail panel's box overlaps (the page's own layout, read live).
COVERED = """() => {
  const panel = document.getElementById('detail').getBoundingClientRect();
  return Array.from(document.querySelectorAll('#ranked th')).filter(th => {
    const r = th.getBoundingClientRect();
    return r.right > panel.left && r.left < panel.right && r.width > 0;
  }).map(th => th.textContent);
}"""


def small_png(data: bytes) -> bytes:
    """The screenshot as a palette PNG (a fraction of the size; the page has few colours)."""
    try:
        from PIL import Image
    except ImportError:
        return data
    image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--no-git", action="store_true")
    parser.add_argument("--screenshots", type=Path)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    result = api.rank(args.project, detail=True, overrides={"top": 20, "git": False if args.no_git else None})
    html = rank_html(result)
    work = Path(tempfile.mkdtemp(prefix="gapfinder-widths-"))
    page_path = work / "report.html"
    page_path.write_text(html, encoding="utf-8")
    print(f"{args.project}: {result.summary.modules} modules ({len(result.details)} with statements, listed), "
          f"page {len(html.encode()) // 1024} KB")
    failed = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            start = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            drawn = time.perf_counter() - start
            page.locator("#ranked tbody tr").first.click()
            covered = page.evaluate(COVERED)
            failed |= bool(covered)
            print(f"  {width} px: drawn in {drawn:.2f} s; columns under the detail panel: {covered or 'none'}")
            if args.screenshots:
                page.evaluate("window.scrollTo(0, document.getElementById('columns').offsetTop - 320)")
                target = args.screenshots / f"report-{width}.png"
                target.write_bytes(small_png(page.screenshot()))
                print(f"  saved {target} ({target.stat().st_size // 1024} KB)")
                if width == 1400:  # and the source view of the first module, its unrun lines highlighted
                    page.locator("#show-source").click()
                    page.wait_for_selector("pre.source")
                    target = args.screenshots / "report-source.png"
                    target.write_bytes(small_png(page.locator("#detail").screenshot()))
                    print(f"  saved {target} ({target.stat().st_size // 1024} KB)")
            page.close()
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
