"""Pull-request mode (`rank --diff BASE`) as Markdown for a PR comment: the changed lines no test runs."""

from __future__ import annotations

from gapfinder.model import RankResult
from gapfinder.reports.change import change_sentence, change_summary, details_by_path, row_change
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.reports.mdfit import fit
from gapfinder.reports.ranges import line_ranges

MARKER = "<!-- gapfinder-pr-report -->"  # lets a CI job find and update its own comment


def rank_pr_markdown(result: RankResult) -> str:
    change = change_summary(result)
    assert change is not None, "only for pull-request mode"
    out = [MARKER, f"## Test gaps in this change (since {md_code(change.base)})", ""]
    if not change.modules:
        out.append("No changed Python source files. Nothing to test here.")
        return "\n".join(out) + "\n"
    out.append("- " + change_sentence(change, strong="**"))
    if result.summary.coverage_source is None:
        out.append("- no coverage data was found, so every changed statement counts as untested")
    if not result.rows and not result.hidden:
        out += ["", "Every changed statement ran under the tests. :white_check_mark:"]
        return "\n".join(out) + "\n"
    label = "Function" if result.by == "function" else "Module"
    out += ["", f"| # | Score | {label} | Changed lines no test ran | Coverage | Test first | Why |",
            "|---:|---:|---|---|---:|---|---|"]
    details = details_by_path(result)
    rows = []
    for n, row in enumerate(result.rows, 1):
        lines = row_change(row, details).missed
        cover = "unmeasured" if row.coverage is None else f"{row.coverage:.0f}%"
        rows.append(
            f"| {n} | {row.score:.1f} | {md_cell(md_code(row.name))} | {md_cell(md_code(row.path))}: {line_ranges(lines)} | {cover} | "
            f"**{row.test_type}** | {'<br>'.join(md_cell(r) for r in row.reasons)} |"
        )
    by = " --by function" if result.by == "function" else ""
    tail = ["", "<sub>Ranked by risk: coverage gap, centrality, complexity, I/O and auth, churn and past fixes "
            "(gapfinder).</sub>"]
    return fit(out, rows, tail, hidden=result.hidden, noun=f"changed {label.lower()}",
               command=md_code(f"gapfinder rank --diff {change.base}{by} --top 0"))
