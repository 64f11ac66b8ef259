"""What a scaffold run produced: the files it created or extended, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass

from gapfinder.errors import GapfinderError

KINDS = ("unit", "integration", "e2e")


class ScaffoldError(GapfinderError):
    """The module cannot be scaffolded, or its tests cannot be written."""


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative to the project root, posix
    action: str  # "create" | "extend"
    tests_added: tuple[str, ...]
    todos: int  # TODO(gapfinder) lines in what was added
    diff: str  # unified diff of the change ("" when unchanged)


@dataclass(frozen=True)
class RunSummary:
    """What running the drafts settled, for the summary and the JSON."""

    python: str
    runs: int
    tests: int  # drafted tests that were run and adapted
    passed: int  # passed every run in their final form
    needs_person: tuple[tuple[str, str], ...]  # (test, reason): failed for a reason a draft cannot fix
    cannot_fail: tuple[str, ...]  # passing tests that no mutant of their target made fail
    mutant_checked: int  # passing tests checked against mutants (their target had some)
    note: str | None = None  # why nothing could be observed, when so
    dropped: tuple[str, ...] = ()  # of needs_person: left out of the files (the rest are written as xfail)


@dataclass(frozen=True)
class ScaffoldResult:
    module: str
    source: str
    root: str
    files: tuple[ScaffoldFile, ...]
    tests: int  # tests generated for the module (added or already present)
    dry_run: bool
    message: str | None = None  # e.g. "nothing public to test"
    warnings: tuple[str, ...] = ()  # things the user must finish by hand
    run: RunSummary | None = None  # what running the drafts settled; None with --no-run or --dry-run

    @property
    def todos(self) -> int:
        return sum(f.todos for f in self.files)
