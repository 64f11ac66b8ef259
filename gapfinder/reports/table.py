"""The default report: a table a person reads in a terminal, then the run's summary figures."""

from __future__ import annotations

import io
import shutil
import sys

from rich.console import Console
from rich.box import ASCII, HEAVY_HEAD
from rich.table import Table
from rich.text import Text

from gapfinder.reports.escape import stdout_is_utf8
from gapfinder.model import Ranked, RankResult, RankSummary


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def summary_lines(s: RankSummary) -> list[str]:
    """The figures every run states, in words."""
    if not s.coverage_source:
        why = "no coverage data"
    elif s.not_measured:
        why = (f"{s.unmeasured - s.not_measured} never imported while the tests ran, {s.not_measured} outside "
               f"what the data measured: {', '.join(s.measured_roots)}")
    else:
        why = "never imported while the tests ran"
    lines = [
        f"{s.modules} modules analysed: {s.measured} measured, {s.unmeasured} unmeasured ({why}), "
        f"{s.skipped} skipped",
        f"line coverage {_pct(s.line_coverage)}, branch coverage {_pct(s.branch_coverage)} "
        "(unmeasured modules count as 0%)",
        f"{s.untested} module{'s' * (s.untested != 1)} {'have' if s.untested != 1 else 'has'} no test at all",
    ]
    if s.coverage_source:
        lines.append(
            f"coverage data: {s.coverage_source} ({s.coverage_format}), "
            f"{s.coverage_matched} of {s.coverage_recorded} recorded files matched this tree's source"
            + (f", {s.coverage_tests} its tests" if s.coverage_tests else "")
            + (f"; coverage.py's total {s.coverage_total:.2f}%" if s.coverage_total is not None else "")
        )
    else:
        lines.append("coverage data: none found")
    if s.git in ("used", "shallow", "partial"):
        caveat = {"shallow": " (shallow clone: older history missing)",
                  "partial": " (partial clone: changed lines unknown)"}.get(s.git, "")
        commits = f"{s.git_commits} commit{'s' * (s.git_commits != 1)}"
        lines.append(f"git: {commits} in the last {s.since}, {s.git_fixes} of them fixes{caveat}")
    else:
        lines.append(f"git: {s.git}")
    lines.append(f"betweenness: {s.betweenness}; {s.seconds:.1f} s")
    return lines


def _why(row: Ranked) -> tuple[str, ...]:
    """The cover and missed columns already say what reasons[0] says, unless it was never measured."""
    first = (f"unmeasured: {row.unmeasured}",) if row.coverage is None else ()
    return first + row.reasons[1:3]


def rank_table(result: RankResult) -> str:
    width = shutil.get_terminal_size((140, 24)).columns if sys.stdout.isatty() else 140
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, highlight=False, no_color=True)
    label = "function" if result.by == "function" else "module"
    # Off a UTF-8 stream (a Windows redirect) the box is drawn in ASCII rather than fail to encode.
    table = Table(show_lines=False, pad_edge=False, expand=False, box=HEAVY_HEAD if stdout_is_utf8() else ASCII)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column(label, overflow="fold", max_width=44)
    table.add_column("cover", justify="right")
    table.add_column("missed", justify="right")
    table.add_column("test first")
    table.add_column("why", overflow="fold")
    for n, row in enumerate(result.rows, 1):
        table.add_row(*(Text(cell) for cell in (  # Text: brackets in code are not rich markup
            str(n), f"{row.score:.1f}", row.name, _pct(row.coverage), str(row.missed),
            row.test_type, "; ".join(_why(row)),
        )))
    if result.rows:
        console.print(table)
    else:
        console.print("Nothing to rank.")
    for line in summary_lines(result.summary):
        console.print(line, markup=False, soft_wrap=True)  # whole lines: never split a path or a word
    return buffer.getvalue()
