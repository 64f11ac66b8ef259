"""The one façade of gapfinder's four commands: options in, value objects out. Never prints.

The CLI reaches the pipelines only through here, and pipelines never import each other: where one
command needs another's answer (progress joins rank's priorities, `scaffold --top` scaffolds them),
the join is made here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from gapfinder.config import load_config
from gapfinder.core.git import git_location
from gapfinder.core.project import discover
from gapfinder.doctor.lint import lint
from gapfinder.doctor.model import DoctorResult
from gapfinder.doctor.rules import select_rules
from gapfinder.doctor.triage import triage
from gapfinder.model import ProgressFn
from gapfinder.progress.measure import TOP_PRIORITIES, ProgressResult, RankedCoverage, measure, parse_target
from gapfinder.rank.coverage_data import load_coverage, stated_totals
from gapfinder.rank.pipeline import coverage_path, rank
from gapfinder.scaffold.pipeline import project_for, scaffold as _scaffold
from gapfinder.scaffold.result import ScaffoldResult

# rank is the pipeline's own entry point, re-exported as it is.
__all__ = ["DoctorResult", "doctor", "progress", "rank", "scaffold"]


def progress(
    path: Path,
    *,
    target: str | None = None,
    record: bool = False,
    collect: bool = False,
    on_progress: ProgressFn | None = None,
) -> ProgressResult:
    """Count the project's tests by kind toward a target, joined with rank's top priorities."""
    return measure(path, target=parse_target(target), record=record, collect=collect, on_progress=on_progress,
                   priorities=_priorities)


def _priorities(root: Path) -> RankedCoverage | None:
    """rank's top rows and the data's own totals, when the project has coverage data to rank by."""
    config = load_config(root)
    path = coverage_path(root, config, None)
    if path is None or not path.exists():
        return None
    line, branch = stated_totals(load_coverage(path, discover(root, config), config.path_map))
    ranked = rank(root, coverage=path, overrides={"top": TOP_PRIORITIES})
    if line is None:
        line, branch = ranked.summary.line_coverage, ranked.summary.branch_coverage
    return RankedCoverage(ranked.summary.coverage_source or str(path), line, branch, ranked)


def scaffold(
    module: str,
    *,
    kinds: tuple[str, ...] = ("unit",),
    tests_dir: str = "tests",
    dry_run: bool = False,
    templates: Path | None = None,
    top: int | None = None,
    configure_pytest: bool = False,
    run: bool = True,
    python: Path | None = None,
) -> tuple[ScaffoldResult, ...]:
    """Scaffold one module, or the `top` highest priorities of `rank` on the project at `module`;
    with run, the drafts are run in the project's interpreter and adapted to what they showed."""
    options: dict[str, Any] = dict(kinds=kinds, tests_dir=tests_dir, dry_run=dry_run, templates=templates,
                                   configure_pytest=configure_pytest, run=run, python=python)
    if top is None:
        return (_scaffold(module, **options),)
    root = project_for(Path(module).resolve())
    ranked = rank(root, overrides={"top": top})
    return tuple(_scaffold(str(root / row.path), project_root=root, **options) for row in ranked.rows[:top])


def doctor(
    paths: Sequence[Path] = (),
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    junit: Sequence[Path] = (),
    fix: bool = False,
    write: bool = False,
) -> DoctorResult:
    """Lint tests for mock-shape defects (default folder: tests), triage JUnit failures, fix on request."""
    codes = select_rules(list(select) if select else None, list(ignore) if ignore else None)
    targets = list(paths) or ([] if junit else [Path("tests")])
    result = lint(targets, codes) if targets else None
    if result is not None:
        result = replace(result, repo_prefix=git_location(Path.cwd())[1])
    triaged = triage(list(junit), result.findings if result else ()) if junit else None
    from gapfinder.doctor.fix import fix_files  # libcst's codemod machinery: ~1 s to import, only for --fix

    fixes = tuple(fix_files(result.findings, write=write)) if fix and result is not None else ()
    return DoctorResult(result, triaged, fix and result is not None, write and fix, fixes)
