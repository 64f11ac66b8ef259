"""Value objects doctor's stages pass around: findings, the edits that fix them, triaged failures."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMAT_VERSION = 1
CONFIDENCE = ("likely", "certain")  # weakest first: --min-confidence likely reports both


@dataclass(frozen=True)
class Edit:
    """One libcst rewrite at a position (1-based line, 0-based column of the node's start).

    kind: "rename" (a Name or an Attribute's name becomes `new`), "lambda" (the expression becomes
    `lambda: <expression>`), "decorator" (`pytest.fixture` becomes `new`, a dotted name).
    """

    kind: str
    line: int
    col: int
    new: str
    old: str = ""  # the name being replaced (rename), to tell nested Attributes at one position apart
    imports: tuple[tuple[str, str | None], ...] = ()  # (module, name or None for `import module`)


@dataclass(frozen=True)
class Finding:
    code: str
    path: str  # as given / relative to the current directory
    line: int
    col: int
    message: str
    edit: Edit | None = None
    confidence: str = "certain"  # "certain": the double is linked to the code directly; "likely": through a weaker link
    # other lines of the same file the finding rests on: where the test configures a double made on `line`
    related: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        from gapfinder.doctor.rules import BY_CODE

        return BY_CODE[self.code].name


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    files: tuple[str, ...]  # test files read
    skipped: tuple[str, ...] = ()  # per-file problems that did not stop the run
    repo_prefix: str = ""  # the working folder inside its git repository, for repository-relative SARIF URIs
    unresolved: tuple[str, ...] = ()  # test files whose imports of the code under test resolved to no module
    below_confidence: int = 0  # findings left out by --min-confidence


@dataclass(frozen=True)
class Failure:
    """One failed or errored test case from a JUnit file, classified."""

    test: str  # classname::name
    kind: str  # "failure" | "error"
    verdict: str  # "test defect" | "likely product defect" | "unknown"
    category: str  # "mock shape", "missing fixture", ..., "product code raised", "unexplained"
    message: str  # the exception line
    evidence: str  # why this verdict, in words
    location: str = ""  # deepest relevant frame "path:line"
    finding: str = ""  # the lint finding that explains it: "GF101 tests/x.py:12", when there is one
    source: str = ""  # the junit file


@dataclass(frozen=True)
class Group:
    """Failures that share one root cause."""

    verdict: str
    category: str
    cause: str
    failures: tuple[Failure, ...]


@dataclass(frozen=True)
class TriageResult:
    groups: tuple[Group, ...]
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # verdict -> failures
    categories: dict[str, int] = field(default_factory=dict)  # category -> failures


@dataclass(frozen=True)
class FileFix:
    path: str
    diff: str  # unified diff; "" when nothing changed
    text: str | None  # the new file, None on failure or no change
    fixed: tuple[Finding, ...]  # findings whose edit was applied
    error: str | None = None


@dataclass(frozen=True)
class DoctorResult:
    lint: LintResult | None
    triage: TriageResult | None
    fix: bool = False  # --fix: the report is the diff of the rewrites
    write: bool = False  # --fix --write: the rewrites were written
    fixes: tuple[FileFix, ...] = ()  # with fix: one per file that has fixable findings

    @property
    def failed(self) -> bool:
        """Exit code 1: findings left (after a written fix), or failures to triage."""
        if self.fix and self.lint is not None:
            applied = sum(len(f.fixed) for f in self.fixes) if self.write else 0
            return len(self.lint.findings) - applied > 0
        return bool(self.lint and self.lint.findings) or bool(self.triage and self.triage.total)
