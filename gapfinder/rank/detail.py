"""Per-module detail for the reports that show more than a ranked list (HTML, SARIF, --diff).

Every module gets its own ranked row (not only the top N), the statements no test ran, its
functions scored among all the project's functions, the modules importing it and the functions
elsewhere calling into it. With a diff, also its changed lines and which of them no test ran.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Mapping, Sequence

from gapfinder.rank.facts import Facts, function_facts, run_statements, statements_of
from gapfinder.rank.graph import CodeGraph, function_index
from gapfinder.rank.history import History
from gapfinder.model import FileCoverage, FunctionDetail, ModuleDetail, ModuleInfo
from gapfinder.rank.scoring import score


def build_details(
    modules: Sequence[ModuleInfo],
    module_units: Sequence[Facts],
    covered: Mapping[str, FileCoverage],
    history: History | None,
    graph: CodeGraph,
    tests: Mapping[str, tuple[str, ...]],
    weights: Mapping[str, float],
    since: str,
    changed: Mapping[str, frozenset[int]] | None = None,
) -> tuple[ModuleDetail, ...]:
    """One ModuleDetail per module with statements, highest score first."""
    module_rows = {r.path: r for r in score([u for u in module_units if u.statements], weights, since)}
    function_units = []
    for info in modules:
        if info.path in module_rows:
            function_units.extend(
                u for u in function_facts(info, covered.get(info.path), history, graph,
                                          tests.get(info.module, ()))
                if u.statements
            )
    function_rows = {(r.path, r.line): r for r in score(function_units, weights, since)}
    callers = _callers(modules)
    details = []
    for info in modules:
        row = module_rows.get(info.path)
        if row is None:
            continue
        cov = covered.get(info.path)
        statements = statements_of(info, cov)
        ran = run_statements(info, cov)
        missed = tuple(line for line in statements if line not in ran)
        functions = tuple(
            FunctionDetail(function_rows[(info.path, f.line)], f.end_line,
                           _span(missed, f.line + 1, f.end_line))
            for f in sorted(info.functions, key=lambda f: f.line)
            if (info.path, f.line) in function_rows
        )
        lines = tuple(sorted(changed.get(info.path, ()))) if changed is not None else ()
        changed_set = set(lines)
        details.append(ModuleDetail(
            row=row,
            missed_lines=missed,
            functions=functions,
            importers=tuple(graph.importers(info.module)),
            callers=tuple(sorted(callers.get(info.module, ()))),
            changed_lines=lines,
            changed_statements=tuple(line for line in statements if line in changed_set),
            changed_missed=tuple(line for line in missed if line in changed_set),
        ))
    details.sort(key=lambda d: (-d.row.score, d.row.path))
    return tuple(details)


def _span(lines: Sequence[int], first: int, last: int) -> tuple[int, ...]:
    return tuple(lines[bisect_left(lines, first): bisect_right(lines, last)])


def _callers(modules: Sequence[ModuleInfo]) -> dict[str, set[str]]:
    """module -> functions in other modules that call one of its functions."""
    owner = function_index(modules)
    found: dict[str, set[str]] = defaultdict(set)
    for info in modules:
        for function in info.functions:
            for call in set(function.calls):
                callee = owner.get(call)
                if callee is None:
                    continue
                callee_module = callee.partition(":")[0]
                if callee_module != info.module:
                    found[callee_module].add(f"{info.module}:{function.qualname}")
    return found
