"""The one façade of gapfinder's four commands: options in, value objects out. Never prints.

The CLI reaches the pipelines only through here, and pipelines never import each other: where one
command needs another's answer (progress joins rank's priorities, `scaffold --top` scaffolds them),
the join is made here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from gapfinder.config import load_config
from gapfinder.core.files import CACHE_FOLDER, cache_folder
from gapfinder.errors import GapfinderError
from gapfinder.core.git import git_location
from gapfinder.core.project import discover, find_root
from gapfinder.model import ProgressFn
from gapfinder.model import RankResult
from gapfinder.rank.backtest import Backtest, calibrate as _calibrate, replay
from gapfinder.rank.coverage_data import load_coverage, stated_totals
from gapfinder.rank.gate import goal_failures, ratchet_failures
from gapfinder.rank.pipeline import coverage_path, rank

# The other commands' pipelines are imported where they are called: `rank` answered from its cache
# takes well under a second, and importing scaffold's (libcst, jinja2) alone would cost a quarter of it.
if TYPE_CHECKING:
    from gapfinder.doctor.model import DoctorResult
    from gapfinder.doctor.suite.model import SuiteHealth
    from gapfinder.progress.measure import ProgressResult, RankedCoverage
    from gapfinder.scaffold.result import ScaffoldResult

# rank is the pipeline's own entry point, re-exported as it is.
__all__ = ["DoctorResult", "SuiteHealth", "backtest", "doctor", "doctor_run", "goal_gates", "progress", "rank",
           "scaffold"]


def __getattr__(name: str) -> Any:
    """DoctorResult and SuiteHealth, imported when asked for (see above)."""
    if name == "DoctorResult":
        from gapfinder.doctor.model import DoctorResult
        return DoctorResult
    if name == "SuiteHealth":
        from gapfinder.doctor.suite.model import SuiteHealth
        return SuiteHealth
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def goal_gates(result: RankResult, *, fail_under_goals: bool = False, ratchet: bool = False) -> tuple[str, ...]:
    """The goal gates of `rank` (outside its cached result: the ratchet reads and writes its record)."""
    failures = goal_failures(result) if fail_under_goals else []
    if ratchet:
        failures += ratchet_failures(result)
    return tuple(failures)


def backtest(path: Path, *, window: str = "6 months", calibrate: bool = False, write: bool = False,
             overrides: dict[str, Any] | None = None) -> Backtest:
    """`rank --backtest`: rank the tree of WINDOW ago, score it against the fixes since; with
    `calibrate`, fit this repository's weights on that replay (and write them with `write`)."""
    result = replay(path, window, {k: v for k, v in (overrides or {}).items() if v is not None})
    return _calibrate(result, write) if calibrate else result


def progress(
    path: Path,
    *,
    target: str | None = None,
    record: bool = False,
    collect: bool = False,
    on_progress: ProgressFn | None = None,
    baseline: str | None = None,
    python: Path | None = None,
) -> ProgressResult:
    """Count the project's tests by kind toward a target, joined with rank's top priorities and the
    flaky and order-dependent counts of the last `doctor --run`."""
    from gapfinder.doctor.suite.record import recorded_health
    from gapfinder.progress.measure import measure, parse_target

    result = measure(path, target=parse_target(target), record=record, collect=collect, on_progress=on_progress,
                     priorities=_priorities, baseline=baseline, python=python)
    return replace(result, suite_health=recorded_health(Path(result.root) / CACHE_FOLDER))


def _priorities(root: Path) -> RankedCoverage | None:
    """rank's top rows and the data's own totals, when the project has coverage data to rank by."""
    from gapfinder.progress.measure import TOP_PRIORITIES, RankedCoverage

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
    keep_xfail: bool = False,
) -> tuple[ScaffoldResult, ...]:
    """Scaffold one module, or the `top` highest priorities of `rank` on the project at `module`;
    with run, the drafts are run in the project's interpreter and adapted to what they showed."""
    from gapfinder.scaffold.pipeline import project_for, scaffold as _scaffold

    options: dict[str, Any] = dict(kinds=kinds, tests_dir=tests_dir, dry_run=dry_run, templates=templates,
                                   configure_pytest=configure_pytest, run=run, python=python, keep_xfail=keep_xfail)
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
    min_confidence: str = "certain",
    diff: str | None = None,
) -> DoctorResult:
    """Lint tests for mock-shape defects (default folder: tests), triage JUnit failures, fix on request."""
    from gapfinder.doctor.lint import lint
    from gapfinder.doctor.model import CONFIDENCE, DoctorResult
    from gapfinder.doctor.rules import select_rules
    from gapfinder.doctor.triage import changed_lines, triage

    codes = select_rules(list(select) if select else None, list(ignore) if ignore else None)
    if min_confidence not in CONFIDENCE:
        raise GapfinderError(f"--min-confidence must be one of {', '.join(CONFIDENCE)}, not {min_confidence!r}.")
    targets = list(paths) or ([] if junit else [Path("tests")])
    result = lint(targets, codes, min_confidence) if targets else None
    if result is not None:
        result = replace(result, repo_prefix=git_location(Path.cwd())[1])
    changed = changed_lines(Path.cwd(), diff) if diff and junit else None
    triaged = triage(list(junit), result.findings if result else (), changed) if junit else None
    from gapfinder.doctor.fix import fix_files  # libcst's codemod machinery: ~1 s to import, only for --fix

    fixes = tuple(fix_files(result.findings, write=write)) if fix and result is not None else ()
    return DoctorResult(result, triaged, fix and result is not None, write and fix, fixes)


def doctor_run(
    paths: Sequence[Path] = (),
    *,
    python: Path | None = None,
    runs: int = 2,
    seed: int | None = None,
    test_timeout: float = 60.0,
    timeout: float = 3600.0,
    on_progress: ProgressFn | None = None,
) -> SuiteHealth:
    """Run the suite in company and alone to find order-dependent and flaky tests (`doctor --run`)."""
    from gapfinder.doctor.suite.health import check_suite
    from gapfinder.doctor.suite.record import record_health

    root = find_root(Path.cwd()) or Path.cwd().resolve()
    data = cache_folder(root / CACHE_FOLDER)
    health = check_suite(root, [Path(p).absolute() for p in paths], python=python, runs=runs, seed=seed,
                         test_timeout=test_timeout, timeout=timeout, junit_dir=data / "runs", progress=on_progress)
    health = replace(health, repo_prefix=git_location(root)[1])
    record_health(data, health)
    return health
