"""Churn and bug-fix commits per file, from one `git log --numstat` over a window.

A commit counts for the score by its age at HEAD: it weighs 2 ** (-age / RECENCY_HALF_LIFE), so a
change last month says more about the next bug than one two years ago (the window, the half-life
and the fix rules (gapfinder.rank.fixes) were chosen by cross-validation on the benchmark corpus,
benchmarks/rank_corpus). A fix commit that touches more than MAX_FIX_FILES source files is a
sweeping change and counts as churn only.

The window ends at the HEAD commit's date, not today: an old checkout (or a repository nobody
touched for a year) is judged on the history it had then. A shallow clone still works, with
what history it has; a folder outside git, or a machine without git, gives no history.
Results are cached in .gapfinder/ per HEAD commit and window, since they cannot change until
HEAD does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping

from gapfinder.core import files as cachefile
from gapfinder.core.git import GitUnavailable, git_stdout, run_git
from gapfinder.errors import ConfigError
from gapfinder.model import FileHistory
from gapfinder.rank.fixes import MAX_FIX_FILES, is_fix_subject

_UNITS = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
_WINDOW = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?(\s+ago)?\s*$", re.IGNORECASE)
_CACHE_VERSION = 2
RECENCY_HALF_LIFE = 365 * 86400  # seconds
_TEST_FILE = re.compile(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")
_CACHE_FILE = "history.json"


@dataclass(frozen=True)
class History:
    status: str  # "used" | "shallow" | "partial" (changed lines unknown) | "unavailable"
    files: Mapping[str, FileHistory]  # project-relative posix path -> history
    commits: int  # commits in the window
    fix_commits: int
    note: str = ""  # why it is unavailable, for the summary


def parse_since(since: str) -> Callable[[int], int]:
    """Check a window once; the result maps HEAD's unix time to the window's start.

    Accepts 'N days|weeks|months|years' (before HEAD) or a date such as 2024-01-31."""
    match = _WINDOW.match(since)
    if match:
        span = int(match.group(1)) * _UNITS[match.group(2).lower()]
        return lambda head_time: head_time - span
    try:
        parsed = datetime.fromisoformat(since.strip())
    except ValueError:
        raise ConfigError(
            f"--since '{since}' is neither a window like '6 months' nor a date like 2024-01-31."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    start = int(parsed.timestamp())
    return lambda head_time: start


def window_start(since: str, head_time: int) -> int:
    """Unix time where the window starts."""
    return parse_since(since)(head_time)


def read_history(root: Path, since: str, fix_pattern: str, cache_dir: Path | None = None,
                 on_bad_cache: Callable[[str], None] | None = None, rev: str = "HEAD") -> History:
    """Per-file commits, fix commits, authors and changed lines in the window before `rev`
    (HEAD; `rank --backtest` replays an older commit)."""
    try:
        fix_re = re.compile(fix_pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"fix_pattern is not a valid regular expression: {exc}.") from None
    start_of = parse_since(since)  # bad input is reported even where there is no git
    head = git_stdout(root, "rev-parse", rev, "--show-prefix", "--is-shallow-repository")
    if head is None:
        return History("unavailable", {}, 0, 0, "not a git repository, or git is not installed")
    # Three lines: the commit, the folder's path inside the repository ("" at its top), shallow.
    sha, prefix, shallow = (head.split("\n") + ["", "", ""])[:3]
    head_time = int((git_stdout(root, "log", "-1", "--format=%ct", sha) or "0").strip() or 0)
    start = start_of(head_time)
    key = f"{_CACHE_VERSION}:{sha}:{start}:{fix_pattern}"
    cache = cache_dir / _CACHE_FILE if cache_dir is not None else None
    cached = cachefile.load(cache, key, _history_from_data, on_bad_cache)
    if cached is None:
        try:
            cached = _read_log(root, start, prefix, fix_re, sha, head_time)
        except GitUnavailable as exc:
            return History("unavailable", {}, 0, 0, exc.message)
        files, commits, fixes, partial = cached
        cachefile.store(cache, key, {"files": {p: [h.commits, h.fixes, h.authors, h.lines_changed,
                                                   h.recent_commits, h.recent_fixes] for p, h in files.items()},
                                     "commits": commits, "fixes": fixes, "partial": partial})
    files, commits, fixes, partial = cached
    if partial:
        return History("partial", files, commits, fixes, "the clone lacks some objects (a blobless or partial "
                       "clone): commits and fixes are counted, changed lines are not")
    return History("shallow" if shallow == "true" else "used", files, commits, fixes)


def _read_log(root: Path, start: int, prefix: str, fix_re: re.Pattern[str],
              rev: str, head_time: int) -> tuple[dict[str, FileHistory], int, int, bool]:
    """(files, commits, fixes, partial) from one `git log` over the window; GitUnavailable when it fails.

    A blobless or partial clone lacks the blobs `--numstat` diffs; the trees are enough for the
    names of the changed files, so its history is read without changed-line counts (partial).
    """
    log = ("log", "--no-merges", "--no-renames", f"--since={start}", "--format=%x1e%H%x1f%ae%x1f%ct%x1f%s")
    done = run_git(root, *log, "--numstat", rev, "--", ".", offline=True)
    if done.ok:
        return (*_parse_log(done.stdout, prefix, fix_re, head_time), False)
    names = run_git(root, *log, "--name-only", rev, "--", ".", offline=True)
    if not names.ok:
        raise GitUnavailable(f"git log failed: {done.reason}")
    return (*_parse_log(names.stdout, prefix, fix_re, head_time), True)


def _history_from_data(data: dict) -> tuple[dict[str, FileHistory], int, int, bool]:
    partial = data["partial"]
    if not isinstance(partial, bool):
        raise ValueError("partial must be true or false")
    files = {}
    for path, counts in data["files"].items():
        if not isinstance(counts, list) or len(counts) != 6:
            raise ValueError("expected six figures per file")
        *known, lines, recent, recent_fixes = counts
        if not all(type(v) in (int, float) and v >= 0 for v in (recent, recent_fixes)):
            raise ValueError("expected non-negative recency weights")
        files[path] = FileHistory(*_counts(known, 3), None if lines is None else _counts([lines], 1)[0],
                                  float(recent), float(recent_fixes))
    commits, fixes = _counts([data["commits"], data["fixes"]], 2)
    return files, commits, fixes, partial


def _counts(values: object, length: int) -> list[int]:
    if not isinstance(values, list) or len(values) != length or not all(
            type(v) is int and v >= 0 for v in values):
        raise ValueError(f"expected {length} counts")
    return values


def _parse_log(raw: str, prefix: str, fix_re: re.Pattern[str],
               head_time: int) -> tuple[dict[str, FileHistory], int, int]:
    stats: dict[str, list] = {}  # path -> [commits, fixes, authors set, lines, recent commits, recent fixes]
    commits = fixes = 0
    for record in raw.split("\x1e")[1:]:
        header, _, body = record.partition("\n")
        _sha, author, when, subject = (header.split("\x1f", 3) + ["", "", ""])[:4]
        weight = 2.0 ** (-max(head_time - int(when or head_time), 0) / RECENCY_HALF_LIFE)
        touched = []
        for line in body.splitlines():
            parts = line.split("\t")  # --numstat: added, deleted, path; --name-only: the path alone
            if len(parts) == 1:
                parts = ["?", "?", parts[0]]
            if len(parts) != 3 or not parts[2].endswith(".py"):
                continue
            path = parts[2]
            if prefix:
                if not path.startswith(prefix):
                    continue
                path = path[len(prefix):]
            touched.append((path, parts))
        sources = sum(1 for path, _ in touched if not _TEST_FILE.search(path))
        is_fix = is_fix_subject(subject, fix_re=fix_re) and sources <= MAX_FIX_FILES
        commits += 1
        fixes += is_fix
        for path, parts in touched:
            entry = stats.setdefault(path, [0, 0, set(), 0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += is_fix
            entry[2].add(author)
            entry[4] += weight
            entry[5] += weight * is_fix
            if parts[0] == "?" or entry[3] is None:
                entry[3] = None  # changed lines unknown
            else:
                entry[3] += (int(parts[0]) if parts[0].isdigit() else 0) + (int(parts[1]) if parts[1].isdigit() else 0)
    files = {p: FileHistory(c, f, len(a), n, round(r, 4), round(rf, 4)) for p, (c, f, a, n, r, rf) in stats.items()}
    return files, commits, fixes
