"""Unified diffs that `git apply` and `patch` accept, also for files without a final newline."""

from __future__ import annotations

import difflib

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(old: str | None, new: str, path: str) -> str:
    """The diff from old (None: a new file) to new, with git's marker after a last line that has no newline."""
    before = (old or "").splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    fromfile = f"a/{path}" if old is not None else "/dev/null"
    out = []
    for line in difflib.unified_diff(before, after, fromfile, f"b/{path}"):
        out.append(line if line.endswith(("\n", "\r")) else line + "\n" + NO_NEWLINE)
    return "".join(out)
