"""Pull-request mode's figures as every report states them: per row and for the whole change.

One place computes what a row's change is (its changed lines, changed statements, and those no
test ran; a function row only counts the lines inside the function), so the table, JSON, SARIF,
GitHub annotations and Markdown can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from gapfinder.model import ModuleDetail, Ranked, RankResult
from gapfinder.rank.diff import changed_coverage


@dataclass(frozen=True)
class RowChange:
    lines: tuple[int, ...]  # changed lines
    statements: tuple[int, ...]  # changed lines that are statements
    missed: tuple[int, ...]  # changed statements no test ran

    @property
    def coverage(self) -> float | None:
        """Percent of the changed statements some test ran; None when no statement changed."""
        return percent(len(self.statements), len(self.missed))


@dataclass(frozen=True)
class ChangeSummary:
    base: str
    files: int  # changed Python source files
    modules: int  # changed modules with statements
    statements: int
    missed: int
    coverage: float  # 100 for a change without statements (nothing to test)


def percent(statements: int, missed: int) -> float | None:
    return round(100.0 * (statements - missed) / statements, 1) if statements else None


def details_by_path(result: RankResult) -> Mapping[str, ModuleDetail]:
    return {d.row.path: d for d in result.details}


def row_change(row: Ranked, details: Mapping[str, ModuleDetail]) -> RowChange:
    """The change inside one row: the module's, or (with --by function) the function's lines."""
    detail = details.get(row.path)
    if detail is None:
        return RowChange((), (), ())
    if ":" not in row.name:
        return RowChange(detail.changed_lines, detail.changed_statements, detail.changed_missed)
    function = next((f for f in detail.functions if f.row.line == row.line), None)
    last = function.end_line if function else row.line

    def inside(lines: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(x for x in lines if row.line <= x <= last)

    return RowChange(inside(detail.changed_lines), inside(detail.changed_statements), inside(detail.changed_missed))


def finding_lines(row: Ranked, details: Mapping[str, ModuleDetail], diff: bool) -> tuple[int, ...]:
    """The lines a row's finding points at: in pull-request mode its changed statements no test ran,
    else its statements no test ran (a function's own); () when the details do not say."""
    if diff:
        return row_change(row, details).missed
    detail = details.get(row.path)
    if detail is None:
        return ()
    if ":" not in row.name:
        return detail.missed_lines
    function = next((f for f in detail.functions if f.row.line == row.line), None)
    return function.missed_lines if function else ()


def change_summary(result: RankResult) -> ChangeSummary | None:
    """The whole change's figures in pull-request mode; None outside it."""
    if result.diff_base is None:
        return None
    statements, missed = changed_coverage(result.details)
    modules = sum(1 for d in result.details if d.changed_lines)
    covered = percent(statements, missed)
    return ChangeSummary(result.diff_base, result.diff_files, modules, statements, missed,
                         100.0 if covered is None else covered)


def change_sentence(change: ChangeSummary, strong: str = "") -> str:
    """The change in words, as the table and the Markdown comment say it (`strong`: "**" in Markdown)."""
    return (f"{change.modules} changed source module{'s' * (change.modules != 1)}, "
            f"{change.statements} changed statement{'s' * (change.statements != 1)}, "
            f"{strong}{change.missed} not run by any test{strong} ({change.coverage:.0f}% of the change covered)")


def hidden_sentence(result: RankResult) -> str:
    """What --top left out, or "" when every row is shown."""
    if not result.hidden:
        return ""
    what = ("changed " if result.diff_base is not None else "") + ("function" if result.by == "function" else "module")
    what += "s" if result.hidden != 1 else ""
    return f"{result.hidden} more {what} not shown (--top {len(result.rows)}; --top 0 shows all)"
