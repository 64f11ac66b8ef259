"""`gapfinder progress`: count tests by kind toward a target, join coverage, keep the history.

    discover + count (testcount) -> classify (kind; scaffolded | finished) -> coverage join -> ledger

`measure(...)` is the one entry point; it returns a ProgressResult and never prints.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from gapfinder.progress import baseline as baselines, ledger
from gapfinder.config import Config, load_config
from gapfinder.errors import ConfigError, GapfinderError, ProjectError
from gapfinder.model import AreaCoverage, ProgressFn, RankResult, SkippedFile
from gapfinder.core.git import head_commit
from gapfinder.core.interpreter import Interpreter, project_python
from gapfinder.core.project import project_root
from gapfinder.core.pytest_run import install_plugins, run_environment
from gapfinder.progress.count import TestCount, TestItem, count_tests

DEFAULT_KIND = "unit"
# Folder names, markers and file-name words that classify a test; [tool.gapfinder] kinds adds to them.
DEFAULT_KINDS: Mapping[str, tuple[str, ...]] = {
    "unit": ("unit", "units", "unittests", "unit_tests"),
    "integration": ("integration", "integrations", "integration_tests", "functional", "api", "contract",
                    "component", "db", "database"),
    "e2e": ("e2e", "end_to_end", "endtoend", "acceptance", "system", "ui", "browser", "smoke", "selenium",
            "playwright"),
}
TREND_LENGTH = 12  # snapshots in the per-kind trend
TOP_PRIORITIES = 20


@dataclass(frozen=True)
class RankedCoverage:
    """What progress joins from rank: the coverage data's own totals and the ranking it gives."""

    source: str
    line_coverage: float | None  # percent, as the data states it
    branch_coverage: float | None
    ranked: RankResult


# Ranks a project with its coverage data; None when the project has none.
Priorities = Callable[[Path], "RankedCoverage | None"]
NODE_ID = re.compile(r"[\w.\\/-]+\.py::")  # a line of `pytest --collect-only -q` that names an item


@dataclass(frozen=True)
class KindCount:
    kind: str
    tests: int
    cases: int
    finished: int
    scaffolded: int
    skipped: int  # cases marked skip
    skipif: int  # cases marked skipif
    xfail: int  # cases marked xfail
    by_default: int  # tests that matched no rule and were counted as the default kind
    target: int | None


@dataclass(frozen=True)
class CoverageJoin:
    source: str
    line_coverage: float | None  # percent
    branch_coverage: float | None
    priorities: int  # top rows of `gapfinder rank` looked at
    priorities_tested: int  # of those, how many some test exercises
    untested: tuple[str, ...]  # the priorities still without tests
    goals: tuple[AreaCoverage, ...] = ()  # coverage per area of [tool.gapfinder] goals


@dataclass(frozen=True)
class PytestCheck:
    """What `pytest --collect-only` said, against the static count."""

    tests: int
    cases: int
    differences: tuple[tuple[str, int, int], ...]  # (test file, static cases, pytest cases), up to 20
    error: str | None = None  # pytest could not collect: why
    python: str = ""  # the interpreter pytest ran in
    found_by: str = ""  # how it was chosen (core.interpreter)
    collection_errors: tuple[str, ...] = ()  # files pytest could not import (left out of the differences)


@dataclass(frozen=True)
class ProgressResult:
    root: str
    pytest_config: str | None  # the file pytest's settings came from
    testpaths: tuple[str, ...]
    files: int
    kinds: tuple[KindCount, ...]
    target: int | None
    unparsable: tuple[SkippedFile, ...]
    not_static: int  # tests whose cases could not all be known statically
    dynamic: tuple[str, ...]  # files with pytest_generate_tests
    scaffolded_tests: tuple[str, ...]  # node ids still to finish
    coverage: CoverageJoin | None
    previous: ledger.Snapshot | None  # the last recorded snapshot before this run
    trend: tuple[ledger.Snapshot, ...]  # recent snapshots, oldest first, ending with this run
    recorded: bool
    pytest: PytestCheck | None
    warnings: tuple[str, ...]
    baseline: baselines.Baseline | None = None  # --baseline: targets count new tests since it
    suite_health: dict[str, int] | None = None  # the last `doctor --run`: tests, order_dependent, flaky, failing
    cannot_fail_tests: tuple[str, ...] = ()  # drafts scaffold found no mutant of their target to fail on

    def total(self, field: str) -> int:
        return sum(getattr(k, field) for k in self.kinds)

    def done(self, kind: KindCount | None = None) -> int:
        """Finished tests toward the target: since the baseline when there is one."""
        finished = self.total("finished") if kind is None else kind.finished
        if self.baseline is None:
            return finished
        return finished - (self.baseline.finished if kind is None else self.baseline.kind(kind.kind).finished)


def parse_target(text: str | None) -> int | None:
    """--target: a whole number > 0."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"--target must be a whole number greater than 0, not {text!r}.")
    return value


def measure(
    path: Path,
    *,
    target: int | None = None,
    record: bool = False,
    collect: bool = False,
    on_progress: ProgressFn | None = None,
    overrides: Mapping[str, Any] | None = None,
    priorities: Priorities | None = None,
    baseline: str | None = None,
    python: Path | str | None = None,
) -> ProgressResult:
    """Count, classify and (with record) remember the tests of the project at path.

    priorities: ranks the project with its coverage data (None when it has none); its top rows are
    joined with the tests. The caller (api.py) supplies it, so progress never imports rank.
    """
    root = project_root(path)
    config = load_config(root, overrides)
    warnings: list[str] = []
    counted = count_tests(root, on_progress)
    if not counted.items and not counted.unparsable:
        where = ", ".join(p or "." for p in counted.settings.testpaths)
        raise ProjectError(
            f"no tests found under {root} (looked in {where} for {' '.join(counted.settings.python_files)}).",
            hint="Run it in the project's folder, or check testpaths and python_files in the pytest configuration.",
        )
    targets = _targets(config.target, target)
    if python is not None and not collect:
        raise ConfigError("--python only chooses the interpreter for --collect; add --collect, or leave --python out.")
    interpreter = project_python(root, python) if collect else None
    rules = _rules(config)
    kinds = classify_all(counted.items, rules, targets)
    base = None
    if baseline is not None:
        base = baselines.resolve(root, baseline, lambda c: {
            k.kind: baselines.KindBase(k.tests, k.finished) for k in classify_all(c.items, rules, {}) if k.tests})
    coverage = _coverage_join(root, priorities, warnings)
    totals = _snapshot(root, kinds, coverage)
    trend = ledger.history(root, TREND_LENGTH)
    previous = trend[-1] if trend else None
    if record:
        ledger.record(root, totals)
    trend = (*trend, totals)[-TREND_LENGTH:]
    if counted.outside:
        warnings.append(f"did not follow {len(counted.outside)} symlink(s) leading out of the project: "
                        + ", ".join(counted.outside[:5]))
    if base is not None and base.missing:
        warnings.append(f"{len(base.missing)} file(s) of {base.ref} are not in this clone and are left out of the "
                        "baseline count: " + ", ".join(base.missing[:5]))
    if counted.settings.doctest_modules:
        warnings.append("addopts has --doctest-modules: doctest items are not counted")
    return ProgressResult(
        root=str(root),
        pytest_config=counted.settings.config_file,
        testpaths=counted.settings.testpaths,
        files=len(counted.files),
        kinds=kinds,
        target=targets.get("total"),
        unparsable=counted.unparsable,
        not_static=sum(1 for i in counted.items if not i.static),
        dynamic=counted.dynamic,
        scaffolded_tests=tuple(f"{i.path}::{i.name}" for i in counted.items if i.scaffolded),
        cannot_fail_tests=tuple(f"{i.path}::{i.name}" for i in counted.items if i.cannot_fail),
        coverage=coverage,
        previous=previous,
        trend=trend,
        recorded=record,
        pytest=collect_with_pytest(root, counted, interpreter) if interpreter else None,
        warnings=tuple(warnings),
        baseline=base,
    )


# --- classification ------------------------------------------------------------------------------

def _rules(config: Config) -> dict[str, tuple[str, ...]]:
    rules = dict(DEFAULT_KINDS)
    for kind, words in config.kinds.items():
        rules[kind] = tuple(words)
    return rules


def classify(item: TestItem, rules: Mapping[str, tuple[str, ...]]) -> str | None:
    """The kind of a test: by marker, then glob, then the nearest folder, then file-name words."""
    order = list(rules)  # later kinds are heavier: a test marked integration and e2e is e2e
    by_marker = [k for k in order if any(m in rules[k] for m in item.markers)]
    if by_marker:
        return by_marker[-1]
    for kind in reversed(order):
        if any(("/" in w or "*" in w) and fnmatch.fnmatch(item.path, w) for w in rules[kind]):
            return kind
    folders = item.path.split("/")[:-1]
    for folder in reversed(folders):
        for kind in reversed(order):
            if folder.lower() in rules[kind]:
                return kind
    words = set(re.split(r"[_.\-]", item.path.rsplit("/", 1)[-1][:-3].lower())) - {"test", "tests"}
    for kind in reversed(order):
        if words & set(rules[kind]):
            return kind
    return None


def classify_all(
    items: tuple[TestItem, ...], rules: Mapping[str, tuple[str, ...]], targets: Mapping[str, int]
) -> tuple[KindCount, ...]:
    groups: dict[str, list[TestItem]] = {kind: [] for kind in rules}
    defaulted: Counter[str] = Counter()
    for item in items:
        kind = classify(item, rules)
        if kind is None:
            kind = DEFAULT_KIND
            defaulted[kind] += 1
        groups.setdefault(kind, []).append(item)
    return tuple(
        KindCount(
            kind=kind,
            tests=len(group),
            cases=sum(i.cases for i in group),
            finished=sum(1 for i in group if not i.scaffolded),
            scaffolded=sum(1 for i in group if i.scaffolded),
            skipped=sum(i.skipped for i in group),
            skipif=sum(i.skipif for i in group),
            xfail=sum(i.xfail for i in group),
            by_default=defaulted[kind],
            target=targets.get(kind),
        )
        for kind, group in groups.items()
        if group or kind in targets or kind in DEFAULT_KINDS
    )


def _targets(configured: int | Mapping[str, int] | None, cli: int | None) -> dict[str, int]:
    targets = dict(configured) if isinstance(configured, Mapping) else {}
    if isinstance(configured, int):
        targets["total"] = configured
    if cli is not None:
        targets["total"] = cli
    if "total" not in targets and targets:
        targets["total"] = sum(targets.values())
    return targets


# --- coverage and snapshots ----------------------------------------------------------------------

def _coverage_join(root: Path, priorities: Priorities | None, warnings: list[str]) -> CoverageJoin | None:
    """Coverage and how many of rank's top priorities have tests, when the project has coverage data."""
    if priorities is None:
        return None
    try:
        found = priorities(root)
    except GapfinderError as exc:
        warnings.append(f"rank priorities unavailable: {exc}")
        return None
    if found is None:
        return None
    rows = found.ranked.rows[:TOP_PRIORITIES]
    return CoverageJoin(
        source=found.source,
        line_coverage=found.line_coverage,
        branch_coverage=found.branch_coverage,
        priorities=len(rows),
        priorities_tested=sum(1 for r in rows if r.tests),
        untested=tuple(r.name for r in rows if not r.tests),
        goals=found.ranked.areas,
    )


def _snapshot(root: Path, kinds: tuple[KindCount, ...], coverage: CoverageJoin | None) -> ledger.Snapshot:
    return ledger.Snapshot(
        taken_at=ledger.now(),
        git_commit=head_commit(root),
        tests=sum(k.tests for k in kinds),
        cases=sum(k.cases for k in kinds),
        finished=sum(k.finished for k in kinds),
        scaffolded=sum(k.scaffolded for k in kinds),
        line_coverage=coverage.line_coverage if coverage else None,
        branch_coverage=coverage.branch_coverage if coverage else None,
        kinds={k.kind: ledger.KindTotals(k.tests, k.cases, k.finished, k.scaffolded) for k in kinds},
    )


# --- asking pytest -------------------------------------------------------------------------------

COLLECT_ERROR = re.compile(r"^ERROR (?:collecting )?([\w.\\/-]+\.py)\b")  # a file pytest could not import


def pytest_items(root: Path, python: str | None = None, timeout: float = 600
                 ) -> tuple[Counter[str], str | None, tuple[str, ...]]:
    """Items per test function node id (parameters stripped) from `pytest --collect-only`, an
    error (pytest could not collect at all), and the files whose collection failed."""
    python = python or sys.executable
    # Collecting imports the tests: offline, and no .pyc left in the project.
    with tempfile.TemporaryDirectory(prefix="gapfinder-collect-") as folder:
        command = [python, "-m", "pytest", "--collect-only", "--verbosity=-1", "-p", "no:cacheprovider",
                   *install_plugins(Path(folder))]
        try:
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, errors="replace",
                                  timeout=timeout, env=run_environment(Path(folder)))
        except (OSError, subprocess.SubprocessError) as exc:
            return Counter(), f"could not run pytest with {python}: {exc}", ()
    if "No module named pytest" in done.stderr:
        return Counter(), f"pytest is not installed in {python} (pass --python with the project's interpreter)", ()
    items: Counter[str] = Counter()
    failed: list[str] = []
    for line in done.stdout.splitlines():
        if NODE_ID.match(line):
            items[re.sub(r"\[.*\]$", "", line.strip())] += 1
        elif match := COLLECT_ERROR.match(line):
            failed.append(match.group(1))
    if done.returncode not in (0, 5) and not failed:
        last = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["no output"])[-1]
        return items, f"pytest --collect-only exited with {done.returncode}: {last}", ()
    return items, None, tuple(dict.fromkeys(failed))


def collect_with_pytest(root: Path, counted: TestCount, python: Interpreter) -> PytestCheck:
    """pytest's own collection against the static count, per file; files pytest failed to import
    and a run that collected nothing are reported as such, never as differences (a run that
    collected items and then failed, e.g. in a session hook, is compared and its error shown)."""
    items, error, failed = pytest_items(root, python.path)
    static: Counter[str] = Counter()
    for item in counted.items:
        static[item.path] += item.cases
    real: Counter[str] = Counter()
    for nodeid, cases in items.items():
        real[nodeid.split("::", 1)[0]] += cases
    differences = [] if error and not items else sorted(
        ((f, static[f], real[f]) for f in set(static) | set(real) if static[f] != real[f] and f not in failed),
        key=lambda d: (-abs(d[1] - d[2]), d[0]),
    )
    return PytestCheck(len(items), sum(items.values()), tuple(differences[:20]), error, python.path,
                       python.found_by, failed)
