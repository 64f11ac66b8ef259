"""Frozen value objects passed between stages. Stages take and return these; none of them print.

Paths are always relative to the project root with forward slashes, so results compare equal
across machines and operating systems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, NamedTuple

# Stages report progress through this callback (stage name, done, total); only the CLI draws it.
ProgressFn = Callable[[str, int, int], None]


# --- discovery -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative, posix
    module: str  # dotted import name, e.g. "app.services.users"
    is_package: bool  # an __init__.py


@dataclass(frozen=True)
class Project:
    root: Path
    source_roots: tuple[str, ...]  # relative, posix; "." for a flat layout
    files: tuple[SourceFile, ...]  # code to rank, tests excluded
    test_files: tuple[str, ...]  # relative, posix
    outside: tuple[str, ...] = ()  # files left out: symlinks that lead out of the project


# --- analysis --------------------------------------------------------------------------------

# The two most numerous records of an analysis (150,000 functions and 70,000 imports in 10,000
# modules) are named tuples: the analysis cache rebuilds each in one C call from its stored tuple,
# where a frozen dataclass needed one call per field (a quarter of a 2 s ranking after one edit).
class ImportRef(NamedTuple):
    target: str  # absolute dotted name; relative imports resolved
    line: int
    names: tuple[str, ...] = ()  # `from target import a, b` -> ("a", "b"); () for `import target`
    type_checking: bool = False  # under `if TYPE_CHECKING:`
    local: bool = False  # inside a function body


class FunctionInfo(NamedTuple):
    qualname: str  # "func", "Class.method", "outer.inner"
    line: int
    end_line: int
    is_async: bool
    is_method: bool
    decorators: tuple[str, ...]
    complexity: int  # cyclomatic: 1 + decision points
    calls: tuple[str, ...]  # dotted call targets, resolved through imports where known


@dataclass(frozen=True, slots=True)
class ClassInfo:
    name: str
    line: int
    end_line: int
    bases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RiskMarker:
    category: str  # "io" | "concurrency" | "auth" | "errors" | "web"
    kind: str  # e.g. "database", "http", "redis", "websocket", "file", "subprocess", "task", "token"
    line: int
    evidence: str  # the first code that shows it, shortened
    count: int = 1  # how many places in the module show this kind (one marker per kind)


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    module: str
    path: str
    lines: int  # physical lines
    statements: tuple[int, ...]  # sorted executable statement lines (our own parse)
    branch_lines: tuple[int, ...]  # lines that can go two ways (if/while/for/match/try)
    imports: tuple[ImportRef, ...]
    functions: tuple[FunctionInfo, ...]
    classes: tuple[ClassInfo, ...]
    markers: tuple[RiskMarker, ...]


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str  # one sentence: "syntax error at line 3", "not valid UTF-8 or Latin-1 text" ...


@dataclass(frozen=True)
class Analysis:
    modules: tuple[ModuleInfo, ...]
    skipped: tuple[SkippedFile, ...]
    cached: int = 0  # modules taken from the cache
    warnings: tuple[str, ...] = ()  # e.g. a corrupt cache that was rebuilt


# --- coverage --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FileCoverage:
    path: str  # mapped onto the analysed tree
    executed: frozenset[int]
    statements: frozenset[int] | None = None  # as the report states them; None for raw .coverage data
    arcs: frozenset[tuple[int, int]] | None = None  # executed arcs, when branch data was recorded
    branches_total: int | None = None  # as the report states them (xml, json, lcov)
    branches_covered: int | None = None
    contexts: frozenset[str] = frozenset()  # measured contexts (test names) that ran this file
    statement_count: int | None = None  # the report's own count, when it states one (coverage.json)


@dataclass(frozen=True)
class CoverageSet:
    source: str  # where the data came from, for messages
    format: str  # "coverage.py" | "cobertura" | "json" | "lcov"
    files: Mapping[str, FileCoverage]  # keyed by mapped path
    recorded: int  # files recorded in the data
    unmatched: tuple[str, ...]  # recorded paths that matched no source file (a sample)
    has_branches: bool
    has_contexts: bool
    mappings: tuple[str, ...] = ()  # the OLD=NEW rewrites that were applied, for messages
    recorded_tests: int = 0  # recorded files that are the project's test files (matched, not ranked)
    total: float | None = None  # coverage.py's total percent for this data (branches included when measured)


# --- history ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FileHistory:
    commits: int
    fixes: int
    authors: int
    lines_changed: int | None  # None: unknown (a clone without the blobs to diff)
    # The same counts with each commit weighing 2 ** (-age / RECENCY_HALF_LIFE) at HEAD: the score's inputs.
    recent_commits: float = 0.0
    recent_fixes: float = 0.0


# --- scoring and results ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ScorePart:
    name: str  # a key of config.DEFAULT_WEIGHTS
    value: float  # the model's input: log1p(the raw figure); the coverage gap as a share; lines: log(lines)
    weight: float  # its coefficient
    reason: str  # the part in words and numbers, e.g. "imported by 14 modules"
    factor: float = 1.0  # times the fix density of the project's typical module this part makes it


@dataclass(frozen=True)
class Ranked:
    """One ranked module or function."""

    name: str  # module name, or "module:qualname" with --by function
    path: str
    line: int
    score: float  # 0..100
    coverage: float | None  # line coverage percent; None when never measured
    branch_coverage: float | None
    statements: int
    missed: int
    complexity: int
    test_type: str  # "unit" | "integration" | "e2e"
    test_type_reason: str
    reasons: tuple[str, ...]
    parts: tuple[ScorePart, ...]
    tests: tuple[str, ...] = ()  # test files known to exercise it
    is_async: bool = False
    effort: float = 1.0  # the division by size: min(1, floor / lines), the ranking being per line
    unmeasured: str = ""  # with no coverage figure: why (never imported, not measured by this data, no data)


@dataclass(frozen=True)
class RankSummary:
    root: str
    modules: int
    measured: int
    unmeasured: int
    skipped: int
    untested: int  # no test imports it and no coverage context reached it
    line_coverage: float | None
    branch_coverage: float | None
    coverage_source: str | None
    coverage_format: str | None
    coverage_recorded: int
    coverage_matched: int
    git: str  # "used" | "off" | "unavailable" | "shallow" | "partial"
    since: str
    git_commits: int  # commits in the window
    git_fixes: int  # of which bug fixes
    betweenness: str  # "exact", "sampled from k of n modules", or why it was skipped
    seconds: float
    warnings: tuple[str, ...] = field(default=())
    repo_prefix: str = ""  # the project's folder inside its git repository ("" at the top or outside git)
    coverage_tests: int = 0  # recorded files that are test files (matched, not ranked)
    coverage_total: float | None = None  # the total `coverage report` gives for this data, when known
    measured_roots: tuple[str, ...] = ()  # folders the coverage data measured ("." for all of the tree)
    not_measured: int = 0  # unmeasured modules outside those folders (the data says nothing of them)


@dataclass(frozen=True)
class FunctionDetail:
    row: Ranked  # scored among every function of the project
    end_line: int
    missed_lines: tuple[int, ...]  # body statements no test ran


@dataclass(frozen=True)
class ModuleDetail:
    """What the HTML, SARIF and pull-request reports show about one module (every module, not only the top)."""

    row: Ranked
    missed_lines: tuple[int, ...]  # statements no test ran
    functions: tuple[FunctionDetail, ...] = ()  # in source order
    importers: tuple[str, ...] = ()  # modules that import it
    callers: tuple[str, ...] = ()  # "module:qualname" of functions in other modules that call into it
    changed_lines: tuple[int, ...] = ()  # with --diff: lines changed since the base
    changed_statements: tuple[int, ...] = ()  # with --diff: changed lines that are statements
    changed_missed: tuple[int, ...] = ()  # with --diff: changed statements no test ran


@dataclass(frozen=True)
class AreaCoverage:
    """Line coverage of one area of a `goals` table ([tool.gapfinder]) against its goal."""

    pattern: str  # the glob, as configured
    goal: float  # percent
    modules: int  # modules (with statements) whose most specific matching glob is this one
    statements: int
    covered: int
    coverage: float | None  # percent; None without coverage data or statements

    @property
    def met(self) -> bool:
        return self.coverage is None or self.coverage >= self.goal


@dataclass(frozen=True)
class RankResult:
    summary: RankSummary
    rows: tuple[Ranked, ...]
    by: str  # "module" | "function"
    skipped: tuple[SkippedFile, ...] = ()
    details: tuple[ModuleDetail, ...] = ()  # filled when asked for (html, sarif, --diff), by score
    diff_base: str | None = None  # with --diff: the revision compared against
    diff_files: int = 0  # with --diff: changed Python source files
    gate_failures: tuple[str, ...] = ()  # thresholds (fail_under, max_score) this result crossed
    areas: tuple[AreaCoverage, ...] = ()  # coverage per area of [tool.gapfinder] goals, in the table's order
    hidden: int = 0  # rows --top left out
