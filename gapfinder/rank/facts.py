"""Join the stages' outputs into one Facts record per module (or per function).

Coverage is counted against the report's own statement lines when it states them (Cobertura,
JSON, lcov: the numbers then match `coverage report`), otherwise against our parse's statements.
Branch coverage from raw arcs counts each two-way line as two outcomes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from operator import attrgetter
from typing import Iterable, Sequence

from gapfinder.rank.graph import CodeGraph
from gapfinder.rank.history import History
from gapfinder.model import FileCoverage, FileHistory, FunctionInfo, ModuleInfo, RiskMarker

_NO_HISTORY = FileHistory(0, 0, 0, 0)


# Why a unit has no coverage figure.
NEVER_IMPORTED = "never imported while the tests ran"
NOT_MEASURED = "not measured by this coverage data"
NO_DATA = "no coverage data"


@dataclass(frozen=True, slots=True)
class Facts:
    name: str
    path: str
    line: int
    statements: int
    covered: int
    measured: bool
    branches: int  # two-way outcomes in total; 0 when unknown
    branches_covered: int
    complexity_max: int
    complexity_sum: int
    worst_function: str
    fan_in: int  # modules importing it (functions: 0)
    call_fan_in: int  # calls from other modules (functions: from other functions)
    pagerank: float
    betweenness: float
    markers: tuple[RiskMarker, ...]
    history: FileHistory
    tests: tuple[str, ...]
    is_async: bool
    unmeasured: str = NEVER_IMPORTED  # why there is no coverage figure, when there is none
    lines: int = 0  # physical lines (a function: from its def to its last line), what reading it costs

    @property
    def missed(self) -> int:
        return self.statements - self.covered

    @property
    def coverage(self) -> float | None:
        if not self.measured:
            return None
        return 100.0 * self.covered / self.statements if self.statements else 100.0

    @property
    def branch_coverage(self) -> float | None:
        if not self.measured or not self.branches:
            return None
        return 100.0 * self.branches_covered / self.branches


def _span(lines: Sequence[int], first: int, last: int) -> Sequence[int]:
    return lines[bisect_left(lines, first) : bisect_right(lines, last)]


def statements_of(info: ModuleInfo, cov: FileCoverage | None) -> tuple[int, ...]:
    """The statements the report states; our own parse where it states none.

    Older coverage.py versions list docstring lines among the executed lines of coverage.json, so
    executed + missing overcounts: when the report's own count disagrees, the lines that are
    statements by our parse (with the project's exclusions) are kept, and every missed line.
    """
    if cov is None or cov.statements is None:
        return info.statements
    if cov.statement_count is not None and len(cov.statements) != cov.statement_count:
        missed = cov.statements - cov.executed
        return tuple(sorted((cov.statements & set(info.statements)) | missed))
    return tuple(sorted(cov.statements))


def run_statements(info: ModuleInfo, cov: FileCoverage | None) -> frozenset[int]:
    """Statement lines that ran.

    Reports (xml, json, lcov) already name statements. Raw .coverage data may record a
    continuation line of a multi-line statement instead of its first line, and lines past the
    end of the file (greenlet-switching code measured without concurrency = greenlet): a line
    counts for the statement that starts at or before it, and lines past the end are ignored.
    """
    if cov is None:
        return frozenset()
    if cov.statements is not None:
        return cov.executed
    starts = info.statements
    ran = cov.executed.intersection(starts)
    others = cov.executed.difference(ran)  # continuation lines and stray lines only
    if not others:
        return ran
    found = set(ran)
    for line in others:
        if 0 < line <= info.lines:
            i = bisect_right(starts, line)
            if i:
                found.add(starts[i - 1])
    return frozenset(found)


def _branch_counts(branch_lines: Sequence[int], cov: FileCoverage | None) -> tuple[int, int]:
    """(outcomes, outcomes taken) over the given two-way lines, from executed arcs.

    A module never measured has all its outcomes missed, as its lines are."""
    if cov is None:
        return 2 * len(branch_lines), 0
    if cov.arcs is None or not branch_lines:
        return 0, 0
    wanted = set(branch_lines)
    exits: dict[int, set[int]] = defaultdict(set)
    for start, end in cov.arcs:
        if start in wanted and end != start:
            exits[start].add(end)
    taken = sum(min(2, len(exits.get(line, ()))) for line in branch_lines)
    return 2 * len(branch_lines), taken


def module_facts(
    info: ModuleInfo,
    cov: FileCoverage | None,
    history: History | None,
    graph: CodeGraph,
    tests: tuple[str, ...],
    unmeasured: str = NEVER_IMPORTED,
) -> Facts:
    """The module's facts; `unmeasured`: why it has no coverage figure, when it has none."""
    statements = statements_of(info, cov)
    ran = run_statements(info, cov)
    covered = len(ran.intersection(statements))
    if cov is not None and cov.branches_total is not None:
        branches, branches_covered = cov.branches_total, cov.branches_covered or 0
    else:
        branches, branches_covered = _branch_counts(info.branch_lines, cov)
    worst = max(info.functions, key=_COMPLEXITY, default=None)
    return Facts(
        name=info.module,
        path=info.path,
        line=1,
        statements=len(statements),
        covered=covered,
        measured=cov is not None,
        branches=branches,
        branches_covered=branches_covered,
        complexity_max=worst.complexity if worst else 0,
        complexity_sum=sum(map(_COMPLEXITY, info.functions)),
        worst_function=worst.qualname if worst else "",
        fan_in=graph.fan_in(info.module),
        call_fan_in=graph.module_call_fan_in.get(info.module, 0),
        pagerank=graph.pagerank.get(info.module, 0.0),
        betweenness=graph.betweenness.get(info.module, 0.0),
        markers=info.markers,
        history=_file_history(history, info.path),
        tests=tests,
        is_async=any(map(_IS_ASYNC, info.functions)),
        unmeasured=unmeasured,
        lines=info.lines,
    )


# C-level field reads for the 150,000 functions of a 10,000-module project.
_COMPLEXITY = attrgetter("complexity")
_IS_ASYNC = attrgetter("is_async")


def function_facts(
    info: ModuleInfo,
    cov: FileCoverage | None,
    history: History | None,
    graph: CodeGraph,
    tests: tuple[str, ...],
    unmeasured: str = NEVER_IMPORTED,
) -> Iterable[Facts]:
    """One Facts per function; body statements only (the def line runs at import time)."""
    statements = statements_of(info, cov)
    file_history = _file_history(history, info.path)
    ran = run_statements(info, cov)
    for function in info.functions:
        body = _span(statements, function.line + 1, function.end_line)
        covered = sum(1 for line in body if line in ran)
        branches, branches_covered = _branch_counts(
            _span(info.branch_lines, function.line + 1, function.end_line), cov
        )
        yield Facts(
            name=f"{info.module}:{function.qualname}",
            path=info.path,
            line=function.line,
            statements=len(body),
            covered=covered,
            measured=cov is not None,
            branches=branches,
            branches_covered=branches_covered,
            complexity_max=function.complexity,
            complexity_sum=function.complexity,
            worst_function=function.qualname,
            fan_in=0,
            call_fan_in=graph.call_fan_in.get(f"{info.module}:{function.qualname}", 0),
            pagerank=graph.pagerank.get(info.module, 0.0),
            betweenness=graph.betweenness.get(info.module, 0.0),
            markers=_markers_in(info.markers, function),
            history=file_history,
            tests=tests,
            is_async=function.is_async,
            unmeasured=unmeasured,
            lines=function.end_line - function.line + 1,
        )


def _markers_in(markers: Sequence[RiskMarker], function: FunctionInfo) -> tuple[RiskMarker, ...]:
    inside = tuple(m for m in markers if function.line <= m.line <= function.end_line)
    if function.is_async and not any(m.kind == "async" for m in inside):
        inside += (RiskMarker("concurrency", "async", function.line, f"async def {function.qualname}"),)
    return inside


def _file_history(history: History | None, path: str) -> FileHistory:
    if history is None:
        return _NO_HISTORY
    return history.files.get(path, _NO_HISTORY)
