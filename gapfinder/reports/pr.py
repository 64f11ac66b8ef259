"""Pull-request mode (`rank --diff BASE`) as Markdown for a PR comment: the changed lines no test runs."""

from __future__ import annotations

from typing import Sequence

from gapfinder.rank.diff import changed_coverage
from gapfinder.model import RankResult
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.reports.ranges import line_spans, span_text

MARKER = "<!-- gapfinder-pr-report -->"  # lets a CI job find and update its own comment


def line_ranges(lines: Sequence[int], limit: int = 12) -> str:
    """(3, 4, 5, 9) -> "3-5, 9"; long lists end with "…"."""
    spans = line_spans(lines)
    text = ", ".join(span_text(a, b) for a, b in spans[:limit])
    return text + (", …" if len(spans) > limit else "")


def rank_pr_markdown(result: RankResult) -> str:
    statements, missed = changed_coverage(result.details)
    changed = [d for d in result.details if d.changed_lines]
    by_path = {d.row.path: d for d in result.details}
    out = [MARKER, f"## Test gaps in this change (since {md_code(result.diff_base or '')})", ""]
    if not changed:
        out.append("No changed Python source files. Nothing to test here.")
        return "\n".join(out) + "\n"
    percent = 100.0 * (statements - missed) / statements if statements else 100.0
    out.append(f"- {len(changed)} changed source module{'s' * (len(changed) != 1)}, "
               f"{statements} changed statement{'s' * (statements != 1)}, "
               f"**{missed} not run by any test** ({percent:.0f}% of the change covered)")
    if result.summary.coverage_source is None:
        out.append("- no coverage data was found, so every changed statement counts as untested")
    if not result.rows:
        out += ["", "Every changed statement ran under the tests. :white_check_mark:"]
        return "\n".join(out) + "\n"
    label = "Function" if result.by == "function" else "Module"
    out += ["", f"| # | Score | {label} | Changed lines no test ran | Coverage | Test first | Why |",
            "|---:|---:|---|---|---:|---|---|"]
    for n, row in enumerate(result.rows, 1):
        detail = by_path.get(row.path)
        lines = detail.changed_missed if detail else ()
        if ":" in row.name and detail:
            function = next((f for f in detail.functions if f.row.line == row.line), None)
            if function:
                lines = tuple(x for x in lines if row.line <= x <= function.end_line)
        cover = "unmeasured" if row.coverage is None else f"{row.coverage:.0f}%"
        out.append(
            f"| {n} | {row.score:.1f} | {md_cell(md_code(row.name))} | {md_cell(md_code(row.path))}: {line_ranges(lines)} | {cover} | "
            f"**{row.test_type}** | {'<br>'.join(md_cell(r) for r in row.reasons)} |"
        )
    out += ["", "<sub>Ranked by risk: coverage gap, centrality, complexity, I/O and auth, churn and past fixes "
            "(gapfinder).</sub>"]
    return "\n".join(out) + "\n"
