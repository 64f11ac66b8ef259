"""Markdown a team pastes into an issue or a pull-request comment."""

from __future__ import annotations

from pathlib import Path

from gapfinder.model import RankResult
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.reports.pr import rank_pr_markdown
from gapfinder.reports.table import summary_lines


def rank_markdown(result: RankResult) -> str:
    """A ranked table; in pull-request mode (--diff) the changed lines no test ran instead."""
    if result.diff_base is not None:
        return rank_pr_markdown(result)
    s = result.summary
    label = "Function" if result.by == "function" else "Module"
    out = [f"## Test-gap priorities for {md_code(Path(s.root).name)}", ""]
    out += [f"- {line}" for line in summary_lines(s)]
    out += ["", f"| # | Score | {label} | Coverage | Missed | Test first | Why |", "|---:|---:|---|---:|---:|---|---|"]
    for n, row in enumerate(result.rows, 1):
        cover = "unmeasured" if row.coverage is None else f"{row.coverage:.0f}%"
        why = "<br>".join(md_cell(r) for r in row.reasons)
        out.append(
            f"| {n} | {row.score:.1f} | {md_cell(md_code(row.name))} | {cover} | {row.missed} | "
            f"**{row.test_type}**: {md_cell(row.test_type_reason)} | {why} |"
        )
    if result.skipped:
        out += ["", "<details><summary>Skipped files</summary>", ""]
        out += [f"- {md_code(f.path)}: {md_cell(f.reason)}" for f in result.skipped]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
