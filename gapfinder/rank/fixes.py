"""What counts as a bug-fix commit: one rule for the ranking's history, `--backtest` and the benchmarks.

A fix is a commit whose subject says so (fix, bug, regression, crash, broken, hotfix) and is not
tooling, style or housekeeping that merely says "fix" (lint, typing, docs, tests, releases,
reverts). A commit that touches more than MAX_FIX_FILES source files is a sweeping change, not
a fix of something in particular. These rules label the corpus in benchmarks/rank_corpus; the
weights were fitted on those labels, so the score counts past fixes the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from gapfinder.config import FIX_PATTERN

FIX_RE = re.compile(FIX_PATTERN, re.IGNORECASE)
# Tooling, style and housekeeping commits that say "fix" but fix no behaviour.
NOT_FIX_RE = re.compile(
    r"^\s*(revert|merge|release|bump|prepare|preparing)\b"
    r"|^\s*\[(pre-commit|pre-commit\.ci|ruff|mypy|flake8|pylint|typing|lint|ci|docs?)\b"
    r"|\b(pre-commit|ruff|flake8|mypy|pyright|codespell|pyupgrade|isort|black|typos?|lint(ing|er|s)?"
    r"|spelling|docstrings?|documentation|changelog|type (hints?|annotations?|errors?))\b"
    r"|^\s*docs?\b"
    r"|\bfix(e[sd])? (the |failing |flaky |broken )?tests?\b|\b(after|from|address(ing)?) (code )?review\b"
    r"|\bformatting\b|fix\(typing\)|\btyp(e|ing)`*\s+(issues?|errors?|problems?)\b|\btyping in\b"
    r"|\bfix(e[sd])?\s+(incorrect\s+|the\s+)?typing\b|\bregression tests?\b"
    r"|\b(pylint|mypy|flake8)`*\s+(issues?|warnings?|messages?|errors?|disables?)\b"
    r"|is deprecated, use|\btyping (issues?|errors?|problems?)\b|\btyping\s*(\(#\d+\))?\s*$",
    re.IGNORECASE,
)
MAX_FIX_FILES = 10  # fix commits touching more source files than this are sweeping changes

_BACKPORT_RE = re.compile(r"^\s*\[backport[^\]]*\]\s*|(\s*\(#\d+\))+\s*$", re.IGNORECASE)


def is_fix_subject(subject: str, exclude: re.Pattern[str] | None = None,
                   fix_re: re.Pattern[str] = FIX_RE) -> bool:
    """True when a commit subject names a bug fix (`fix_re`: a project's own pattern, if set)."""
    if exclude is not None and exclude.search(subject):
        return False
    return bool(fix_re.search(subject)) and not NOT_FIX_RE.search(subject)


def same_change(subject: str) -> str:
    """A subject without backport prefixes and trailing PR numbers, to spot one fix landed twice."""
    return _BACKPORT_RE.sub("", subject).strip().rstrip(".").lower()


@dataclass(frozen=True)
class FixCommit:
    sha: str
    subject: str
    files: tuple[str, ...]  # source files at the replay point that it touched (paths then)


def fixes_in_log(log: str, sources: set[str], until: int | None = None, max_files: int = MAX_FIX_FILES,
                 exclude: re.Pattern[str] | None = None, fix_re: re.Pattern[str] = FIX_RE
                 ) -> tuple[list[FixCommit], dict[str, int]]:
    """The bug-fix commits in `git log --no-merges --reverse -M --name-status
    --format=%x00%H%x1f%ct%x1f%s <C>..<ref>` (oldest first), with the files of `sources` (paths at
    C) each touched, later renames followed back to the name at C; commits after `until` (unix
    time) are skipped. Also returns counts of what was left out, for the report."""
    current_to_c: dict[str, str] = {}  # path now -> path at C, as renames happen after C
    stats: Counter[str] = Counter()
    found: list[FixCommit] = []
    seen: set[str] = set()
    for chunk in log.split("\x00")[1:]:
        head, _, body = chunk.partition("\n")
        sha, ts, subject = head.split("\x1f", 2)
        touched: list[str] = []
        for line in body.splitlines():
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            status = parts[0]
            if status.startswith(("R", "C")) and len(parts) == 3:
                old, new = parts[1], parts[2]
                origin = current_to_c.get(old, old)
                if status.startswith("R"):
                    current_to_c[new] = origin
                touched.append(origin)
            else:
                touched.append(current_to_c.get(parts[1], parts[1]))
        if until is not None and int(ts) > until:
            continue
        stats["commits"] += 1
        if not is_fix_subject(subject, exclude, fix_re):
            continue
        at_c = tuple(sorted({p for p in touched if p in sources}))
        if not at_c:
            stats["fix_commits_without_source"] += 1
            continue
        if len(at_c) > max_files:
            stats["fix_commits_too_wide"] += 1
            continue
        if same_change(subject) in seen:  # one change landed twice (backport, rebase, cherry-pick)
            stats["fix_commits_duplicate"] += 1
            continue
        seen.add(same_change(subject))
        found.append(FixCommit(sha, subject, at_c))
    return found, dict(stats)
