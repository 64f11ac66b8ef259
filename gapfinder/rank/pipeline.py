"""The rank pipeline: discover, analyse, read coverage and history, build the graphs, score.

`rank(...)` is the one entry point: options in, a RankResult out; it never prints.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from gapfinder.config import Config, load_config
from gapfinder.core.files import CACHE_FOLDER
from gapfinder.core.git import git_location
from gapfinder.core.memory import paused_gc
from gapfinder.core.project import discover, project_root
from gapfinder.errors import CoverageDataError, ProjectError
from gapfinder.model import Analysis, CoverageSet, ProgressFn, RankResult, RankSummary
from gapfinder.rank import resultcache
from gapfinder.rank.coverage_config import CoverageScope, inside_roots, measured_roots, read_scope, restate
from gapfinder.rank.coverage_data import find_coverage, load_coverage
from gapfinder.rank.detail import build_details
from gapfinder.rank.goals import area_coverage
from gapfinder.rank.diff import changed_lines, changed_rows
from gapfinder.rank.facts import NEVER_IMPORTED, NO_DATA, NOT_MEASURED, function_facts, module_facts
from gapfinder.rank.gate import gate_failures
from gapfinder.rank.graph import CodeGraph
from gapfinder.rank.history import History, read_history
from gapfinder.rank.runner import analyse
from gapfinder.rank.scoring import score
from gapfinder.rank.testlinks import link_tests, scan_test_imports

# Below this share of source files matched, the coverage data probably describes another tree.
_LOW_MATCH = 0.5


def rank(
    path: Path,
    *,
    coverage: Path | None = None,
    by: str = "module",
    use_cache: bool = True,
    on_progress: ProgressFn | None = None,
    overrides: Mapping[str, Any] | None = None,
    detail: bool = False,
    diff_base: str | None = None,
    include_omitted: bool = False,
    history: History | None = None,
) -> RankResult:
    """Analyse the project at `path` and rank its modules (or functions) by test-gap priority.

    detail: also fill `details` (every module, its functions, importers, callers, missed lines).
    diff_base: pull-request mode; rows are only what changed since this git revision and no test ran.
    include_omitted: also rank the files the project's coverage configuration leaves out.
    history: git history read elsewhere (`--backtest` ranks an old tree written out of git objects,
    with the repository's history up to that commit); never cached.
    """
    with paused_gc():
        return _rank(path, coverage, by, use_cache, on_progress, overrides, detail, diff_base, include_omitted,
                     history)


def _rank(path: Path, coverage: Path | None, by: str, use_cache: bool, on_progress: ProgressFn | None,
          overrides: Mapping[str, Any] | None, detail: bool, diff_base: str | None, include_omitted: bool,
          history: History | None) -> RankResult:
    started = time.perf_counter()
    root = project_root(path)
    config = load_config(root, overrides)
    warnings: list[str] = []
    project = discover(root, config)
    if not project.files:
        raise ProjectError(
            f"no Python source files found under {root} (tests, virtual environments and build "
            "folders are left out).",
            hint="Point gapfinder at the project's folder, or set `source` in [tool.gapfinder].",
        )
    if project.outside:
        warnings.append(f"left out {len(project.outside)} file(s) that link outside the project: "
                        + ", ".join(project.outside[:5]) + (", ..." if len(project.outside) > 5 else ""))
    scope = read_scope(root, project.files)
    warnings += [f"coverage configuration: {note}" for note in scope.notes]
    if scope.omitted and not include_omitted:
        omitted = set(scope.omitted)
        project = replace(project, files=tuple(f for f in project.files if f.path not in omitted))
        warnings.append(f"left out {len(omitted)} file(s) the coverage configuration ({scope.config_file}) does not "
                        "report: " + ", ".join(scope.omitted[:5]) + (", ..." if len(omitted) > 5 else "")
                        + "; --include-omitted ranks them")
        if not project.files:
            raise ProjectError(f"the coverage configuration ({scope.config_file}) leaves out every source file "
                               f"under {root}.", hint="Pass --include-omitted to rank them anyway.")
    cache_dir = root / CACHE_FOLDER if use_cache else None
    cache_notes: list[str] = []  # unusable cache files, said on the run that rebuilds them (not kept)
    data_path = coverage_path(root, config, coverage)
    head, prefix = git_location(root)
    memo_key = None
    stats: dict[str, tuple[int, int]] = {}  # taken for the key, reused by the analysis
    if cache_dir is not None and diff_base is None and history is None:
        memo_key = resultcache.result_key(
            root, (*(f.path for f in project.files), *project.test_files, *_config_files(root, scope)), data_path,
            head if config.git else "", {**config.options(), "by": by, "detail": detail, "include_omitted": include_omitted},
            stats,
        )
        memo = resultcache.load(cache_dir, memo_key, cache_notes.append)
        if memo is not None:  # nothing the ranking depends on has changed
            seconds = round(time.perf_counter() - started, 2)
            return replace(memo, summary=replace(memo.summary, seconds=seconds))
    analysis = analyse(project, max_file_bytes=config.max_file_bytes, jobs=config.jobs,
                       cache_dir=cache_dir, on_progress=on_progress, stats=stats)
    warnings += analysis.warnings
    warnings += [f"skipped {s.path}: {s.reason}" for s in analysis.skipped]
    if not analysis.modules:
        raise ProjectError(f"none of the {len(project.files)} Python files under {root} could be analysed.")
    test_imports = scan_test_imports(root, project.test_files)

    coverage_set = (load_coverage(data_path, project, config.path_map, raw_total=config.fail_under is not None)
                    if data_path else None)
    if coverage_set is None:
        warnings.append(
            "no coverage data found, so every module is ranked as unmeasured; run "
            "`coverage run -m pytest` first or pass --coverage FILE"
        )
    else:
        warnings += _match_warnings(coverage_set, len(analysis.modules))
    modules, covered = restate(analysis.modules, root, scope, coverage_set.files if coverage_set else {})
    analysis = replace(analysis, modules=modules)

    git_status = "off"
    if not config.git:
        history = None
    elif history is None:
        history = read_history(root, config.since, config.fix_pattern, cache_dir, cache_notes.append)
    if history is not None:
        git_status = history.status
        if history.status == "shallow":
            warnings.append("shallow git clone: churn and fix counts only see the history it has")
        elif history.note:
            warnings.append(f"git history {history.status}: {history.note}")

    if on_progress:
        on_progress("graph", 0, 1)
    graph = CodeGraph(analysis.modules, cache_dir, cache_notes.append)
    if on_progress:
        on_progress("graph", 1, 1)
    tests = link_tests(analysis.modules, test_imports, covered)
    module_units = []
    function_units = []
    roots = measured_roots(covered, scope) if coverage_set else ()
    for info in analysis.modules:
        file_tests = tests.get(info.module, ())
        cov = covered.get(info.path)
        why = NEVER_IMPORTED if cov is not None else _why_unmeasured(info.path, coverage_set, roots)
        module_units.append(module_facts(info, cov, history, graph, file_tests, why))
        if by == "function":
            function_units.extend(function_facts(info, cov, history, graph, file_tests, why))
    # Nothing to test in a unit without statements (an empty __init__.py, a bare protocol).
    units = [u for u in (function_units if by == "function" else module_units) if u.statements]
    top = config.top
    rows = score(units, config.weights, config.since, top)
    total = len(units)
    details: tuple = ()
    changed = None
    if diff_base is not None:
        changed = changed_lines(root, diff_base)
    if detail or changed is not None:
        details = build_details(analysis.modules, module_units, covered, history, graph, tests,
                                config.weights, config.since, changed)
        if changed is not None:
            rows = list(changed_rows(details, by))
            total = len(rows)
    summary = _summary(root, module_units, analysis, coverage_set, git_status, history, config,
                       graph.betweenness_note, prefix, started, warnings, roots)
    shown = tuple(rows[:top] if top else rows)
    result = RankResult(summary, shown, by, analysis.skipped, details,
                        diff_base, len(changed) if changed is not None else 0, hidden=total - len(shown),
                        areas=area_coverage(module_units, config.goals, coverage_set is not None))
    result = replace(result, gate_failures=tuple(gate_failures(result, config.fail_under, config.max_score)))
    if memo_key is not None:
        resultcache.store(cache_dir, memo_key, result)
    if cache_notes:
        result = replace(result, summary=replace(summary, warnings=(*summary.warnings, *cache_notes)))
    return result


def _why_unmeasured(path: str, coverage_set: CoverageSet | None, roots: tuple[str, ...]) -> str:
    """Why a file's units have no coverage figure: no data, data that never looked at the file, or
    data that never saw it run. Said as the facts are made (replacing 10,000 of them cost 0.1 s)."""
    if coverage_set is None:
        return NO_DATA
    if not inside_roots(path, roots):
        return NOT_MEASURED
    return NEVER_IMPORTED


def _config_files(root: Path, scope: CoverageScope) -> tuple[str, ...]:
    """The coverage configuration's file, relative to root, so editing it invalidates the last ranking."""
    if scope.config_file is None:
        return ()
    try:
        return (Path(scope.config_file).resolve().relative_to(root).as_posix(),)
    except ValueError:
        return ()


def coverage_path(root: Path, config: Config, explicit: Path | None) -> Path | None:
    """The coverage data to read: named on the command line, in the config, or found."""
    if explicit is not None:
        path = Path(explicit)
    elif config.coverage:
        path = root / config.coverage
    else:
        return find_coverage(root)
    if not path.exists() and not any(path.parent.glob(f"{path.name}.*")):  # parallel files count
        raise CoverageDataError(f"coverage data {path} does not exist.")
    return path


def _match_warnings(coverage_set: CoverageSet, modules: int) -> list[str]:
    matched = len(coverage_set.files)
    if matched >= _LOW_MATCH * modules or matched >= coverage_set.recorded:
        return []
    sample = ", ".join(coverage_set.unmatched[:3])
    return [
        f"only {matched} of {modules} source files matched the coverage data "
        f"({coverage_set.recorded} recorded); unmatched examples: {sample}. If the data was "
        "recorded elsewhere, map it with --path-map OLD=NEW"
    ]


def _summary(root, units, analysis: Analysis, coverage_set, git_status, history, config, betweenness,
             prefix, started, warnings, roots) -> RankSummary:
    statements = sum(u.statements for u in units)
    covered = sum(u.covered for u in units)
    branches = sum(u.branches for u in units)
    measured = sum(1 for u in units if u.measured)
    untested = sum(1 for u in units if not u.tests and not u.covered)
    return RankSummary(
        root=str(root),
        modules=len(units),
        measured=measured,
        unmeasured=len(units) - measured,
        skipped=len(analysis.skipped),
        untested=untested,
        line_coverage=round(100.0 * covered / statements, 1) if coverage_set and statements else None,
        branch_coverage=(round(100.0 * sum(u.branches_covered for u in units) / branches, 1)
                         if coverage_set and coverage_set.has_branches and branches else None),
        coverage_source=coverage_set.source if coverage_set else None,
        coverage_format=coverage_set.format if coverage_set else None,
        coverage_recorded=coverage_set.recorded if coverage_set else 0,
        coverage_matched=len(coverage_set.files) if coverage_set else 0,
        coverage_tests=coverage_set.recorded_tests if coverage_set else 0,
        coverage_total=round(coverage_set.total, 2) if coverage_set and coverage_set.total is not None else None,
        measured_roots=roots,
        not_measured=sum(1 for u in units if not u.measured and u.unmeasured == NOT_MEASURED),
        git=git_status,
        since=config.since,
        git_commits=history.commits if history else 0,
        git_fixes=history.fix_commits if history else 0,
        betweenness=betweenness,
        repo_prefix=prefix,
        seconds=round(time.perf_counter() - started, 2),
        warnings=tuple(warnings),
    )
