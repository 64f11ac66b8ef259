"""Pull-request mode: which lines of which Python files changed since a base revision.

The comparison runs from the merge base of BASE and HEAD (what a pull request shows) to the
working tree, so uncommitted edits count too; untracked files are not part of it. Paths are
relative to the analysed folder, which may sit anywhere inside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from gapfinder.core.git import GitOutput, GitUnavailable, run_git
from gapfinder.errors import GapfinderError
from gapfinder.model import ModuleDetail, Ranked

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class DiffError(GapfinderError):
    """The base revision cannot be compared against (not a repository, unknown revision)."""


def _git(root: Path, *args: str) -> GitOutput:
    try:
        return run_git(root, *args)
    except GitUnavailable as exc:
        raise DiffError(f"--diff needs git, and running it failed: {exc.message}") from None


def changed_lines(root: Path, base: str) -> dict[str, frozenset[int]]:
    """Python file (relative to root, posix) -> lines added or changed since BASE's merge base."""
    if base.startswith("-") or not base.strip():
        raise DiffError(f"--diff '{base}' is not a git revision.")
    if _git(root, "rev-parse", "--git-dir").returncode != 0:
        raise DiffError(f"--diff needs a git repository, and {root} is not inside one.")
    verified = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if verified.returncode != 0:
        raise DiffError(f"--diff '{base}' is not a commit in this repository (in CI, fetch the base "
                        "branch first, e.g. actions/checkout with fetch-depth: 0).")
    merge_base = _git(root, "merge-base", base, "HEAD")
    start = merge_base.stdout.strip() if merge_base.returncode == 0 and merge_base.stdout.strip() else base
    done = _git(root, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", start, "--", ".")
    if not done.ok:
        raise DiffError(f"git diff against '{base}' failed: {done.stderr.strip().splitlines()[-1:]}.")
    return parse_diff(done.stdout)


def parse_diff(text: str) -> dict[str, frozenset[int]]:
    """Parse `git diff --unified=0` output: new-side lines per Python file (deleted files left out)."""
    found: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            if target == "/dev/null" or not target.endswith(".py"):
                current = None
                continue
            path = target[2:] if target.startswith("b/") else target
            current = found.setdefault(path, set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                first, count = int(match.group(1)), int(match.group(2) or "1")
                current.update(range(first, first + count))
    return {path: frozenset(lines) for path, lines in found.items()}


def changed_rows(details: Sequence[ModuleDetail], by: str) -> tuple[Ranked, ...]:
    """The rows PR mode shows: modules (or functions) whose changed statements no test ran, by score."""
    if by == "function":
        rows = [f.row for d in details if d.changed_missed for f in d.functions
                if any(f.row.line <= line <= f.end_line for line in d.changed_missed)]
        return tuple(sorted(rows, key=lambda r: (-r.score, r.path, r.line)))
    return tuple(d.row for d in details if d.changed_missed)


def changed_coverage(details: Sequence[ModuleDetail]) -> tuple[int, int]:
    """(changed statements, of which no test ran) over the changed modules."""
    statements = sum(len(d.changed_statements) for d in details)
    return statements, sum(len(d.changed_missed) for d in details)
