"""Markdown a team pastes into an issue or a pull-request comment."""

from __future__ import annotations

from pathlib import Path

from gapfinder.model import RankResult
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.reports.mdfit import fit
from gapfinder.reports.pr import rank_pr_markdown
from gapfinder.reports.table import summary_lines

_SKIPPED_SHOWN = 50  # skipped files listed by name; the rest counted


def rank_markdown(result: RankResult) -> str:
    """A ranked table; in pull-request mode (--diff) the changed lines no test ran instead."""
    if result.diff_base is not None:
        return rank_pr_markdown(result)
    s = result.summary
    label = "Function" if result.by == "function" else "Module"
    out = [f"## Test-gap priorities for {md_code(Path(s.root).name)}", ""]
    out += [f"- {line}" for line in summary_lines(s)]
    out += ["", f"| # | Score | {label} | Coverage | Missed | Test first | Why |", "|---:|---:|---|---:|---:|---|---|"]
    rows = []
    for n, row in enumerate(result.rows, 1):
        cover = "unmeasured" if row.coverage is None else f"{row.coverage:.0f}%"
        why = "<br>".join(md_cell(r) for r in row.reasons)
        rows.append(
            f"| {n} | {row.score:.1f} | {md_cell(md_code(row.name))} | {cover} | {row.missed} | "
            f"**{row.test_type}**: {md_cell(row.test_type_reason)} | {why} |"
        )
    tail = []
    if result.skipped:
        tail += ["", "<details><summary>Skipped files</summary>", ""]
        tail += [f"- {md_code(f.path)}: {md_cell(f.reason)}" for f in result.skipped[:_SKIPPED_SHOWN]]
        more = len(result.skipped) - _SKIPPED_SHOWN
        tail += [f"- and {more} more (the JSON report lists them all)"] if more > 0 else []
        tail += ["", "</details>"]
    by = " --by function" if result.by == "function" else ""
    return fit(out, rows, tail, hidden=result.hidden, noun=label.lower(),
               command=md_code(f"gapfinder rank{by} --top 0"))
