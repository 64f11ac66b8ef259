"""The default report: a table a person reads in a terminal, then the run's summary figures."""

from __future__ import annotations

import io
import re
import shutil

from rich.console import Console
from rich.box import ASCII, HEAVY_HEAD
from rich.table import Table
from rich.text import Text

from gapfinder.model import Ranked, RankResult, RankSummary
from gapfinder.reports.change import change_sentence, change_summary, details_by_path, hidden_sentence, row_change
from gapfinder.reports.escape import stdout_is_utf8
from gapfinder.reports.ranges import line_ranges

PIPE_WIDTH = 100
MIN_WIDTH = 80
NAME_MIN, WHY_MIN, LINES_WIDTH = 12, 18, 14


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


def table_width() -> int:
    """The terminal's width; off a terminal $COLUMNS, else 100 (a pipe, a CI log); never under 80."""
    return max(MIN_WIDTH, shutil.get_terminal_size((PIPE_WIDTH, 24)).columns)


def identifier(name: str, width: int) -> Text:
    """A module or function name that fits `width`: wrapped after its separators (. and :), never
    inside a word; a single part longer than the width ends in an ellipsis."""
    lines = [""]
    for part in re.split(r"(?<=[.:])", name):
        if len(part) > width:
            part = part[:width - 1] + "…"
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return Text("\n".join(lines), no_wrap=True)


def _widths(result: RankResult, width: int, fixed: list[int]) -> tuple[int, int, int]:
    """(name, why, whole table) widths, all set here so rich never crops a column: the name as long
    as the longest, at most a third of the line and never squeezing "why" under WHY_MIN; "why" takes
    the rest; the table grows past `width` when even NAME_MIN does not fit. `fixed`: the other columns."""
    longest = max((len(r.name) for r in result.rows), default=6)
    columns = len(fixed) + 2  # + the name and "why"
    frame = 3 * columns - 1  # a border and two spaces of padding per column, less the outer padding
    room = width - frame - sum(fixed) - WHY_MIN
    name = max(NAME_MIN, min(longest, max(NAME_MIN, width // 3), room))
    why = max(WHY_MIN, width - frame - sum(fixed) - name)
    return name, why, frame + sum(fixed) + name + why


def rank_table(result: RankResult) -> str:
    label = "function" if result.by == "function" else "module"
    change = change_summary(result)
    details = details_by_path(result) if change is not None else {}
    counts = ["change", "changed lines no test ran"] if change is not None else ["missed"]  # the middle headers
    fixed = [len(str(len(result.rows))), 5, 5, 6, *([LINES_WIDTH] if change is not None else []),
             max([10, *(len(r.test_type) for r in result.rows)])]  # the headers' widths at least
    name_width, why_width, width = _widths(result, table_width(), fixed)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, highlight=False, no_color=True)
    # Off a UTF-8 stream (a Windows redirect) the box is drawn in ASCII rather than fail to encode.
    table = Table(show_lines=False, pad_edge=False, expand=False, box=HEAVY_HEAD if stdout_is_utf8() else ASCII)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column(label, no_wrap=True, width=name_width)
    table.add_column("cover", justify="right", no_wrap=True)
    table.add_column(counts[0], justify="right", no_wrap=True)
    if change is not None:
        table.add_column(counts[1], overflow="ellipsis", width=LINES_WIDTH)
    table.add_column("test first", no_wrap=True)
    table.add_column("why", overflow="ellipsis", width=why_width)  # a word too long is cut, never split
    for n, row in enumerate(result.rows, 1):
        if change is not None:
            part = row_change(row, details)
            cells = (_pct(part.coverage), line_ranges(part.missed))
        else:
            cells = (str(row.missed),)
        table.add_row(str(n), f"{row.score:.1f}", identifier(row.name, name_width), _pct(row.coverage),
                      *(Text(cell) for cell in cells),  # Text: brackets in code are not rich markup
                      row.test_type, Text("; ".join(_why(row))))
    if result.rows:
        console.print(table)
    elif change is not None and change.modules:
        console.print("Every changed statement ran under the tests.")
    else:
        console.print("Nothing changed to rank." if change is not None else "Nothing to rank.")
    for line in rank_lines(result):
        console.print(line, markup=False, soft_wrap=True)  # whole lines: never split a path or a word
    return buffer.getvalue()


def rank_lines(result: RankResult) -> list[str]:
    """What the table says under its rows: the rows --top hid, the change (with --diff), the run's figures."""
    lines = [hidden_sentence(result)] if result.hidden else []
    change = change_summary(result)
    if change is not None:
        lines.append(f"change since {change.base}: {change_sentence(change)}")
    return lines + summary_lines(result.summary)
