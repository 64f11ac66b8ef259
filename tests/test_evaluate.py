"""benchmarks/evaluate.py: effort-aware recall on hand-made examples (values worked out by hand)."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "evaluate.py"
_spec = importlib.util.spec_from_file_location("gapfinder_benchmarks_evaluate", _PATH)
ev = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = ev  # dataclasses look their module up while the class is built
_spec.loader.exec_module(ev)

# 100 lines in all: reading 20% is 20 lines.
LINES = {"a.py": 10, "b.py": 30, "c.py": 20, "d.py": 40}
FIXES = [
    ev.FixCommit("f1", "fix one", ("a.py", "c.py")),
    ev.FixCommit("f2", "fix two", ("b.py",)),
    ev.FixCommit("f3", "fix three", ("c.py", "d.py")),
    ev.FixCommit("f4", "fix four", ("d.py",)),
]


def test_reading_stops_at_the_first_file_that_does_not_fit():
    assert ev.files_read(["c.py", "a.py", "b.py", "d.py"], LINES, 20) == {"c.py"}
    assert ev.files_read(["a.py", "c.py", "b.py", "d.py"], LINES, 30) == {"a.py", "c.py"}
    assert ev.files_read(["d.py", "a.py"], LINES, 20) == set()  # d alone is over budget


def test_recall_commit_and_file_level():
    # c.py read: f1 and f3 found (2 of 4 commits); pairs (f1,c) and (f3,c) of 6
    commits, files = ev.recall(["c.py", "a.py", "b.py", "d.py"], LINES, FIXES, 0.2)
    assert commits == pytest.approx(2 / 4)
    assert files == pytest.approx(2 / 6)
    # 30% of lines: a.py and c.py read; pairs (f1,a) (f1,c) (f3,c) of 6
    commits, files = ev.recall(["a.py", "c.py", "b.py", "d.py"], LINES, FIXES, 0.3)
    assert (commits, files) == pytest.approx((2 / 4, 3 / 6))
    # the largest file first uses up the budget on nothing
    assert ev.recall(["d.py", "b.py", "c.py", "a.py"], LINES, FIXES, 0.2) == (0.0, 0.0)
    # everything read
    assert ev.recall(["a.py", "b.py", "c.py", "d.py"], LINES, FIXES, 1.0) == (1.0, 1.0)


def test_no_fixes_gives_zero_not_an_error():
    assert ev.recall(["a.py"], LINES, [], 0.2) == (0.0, 0.0)


def test_ties_are_broken_at_random_and_averaged():
    # a.py and c.py tie on top; b.py and d.py tie below. Either top file fits 20 lines first;
    # a.py first: a (10) then c (30 > 20) stops -> f1 only: commits 1/4, pairs 1/6.
    # c.py first: c (20) -> f1, f3: commits 2/4, pairs 2/6.  The mean over many shuffles
    # approaches 3/8 and 1/4.
    keys = {"a.py": 1.0, "c.py": 1.0, "b.py": 0.0, "d.py": 0.0}
    commits, files = ev.mean_recall(keys, LINES, FIXES, 0.2, shuffles=2000, seed=1)
    assert commits == pytest.approx(3 / 8, abs=0.02)
    assert files == pytest.approx(1 / 4, abs=0.02)
    assert ev.order_by(keys)[:2] == ["a.py", "c.py"]  # no rng: ties by path
    assert set(ev.order_by(keys, random.Random(0))[:2]) == {"a.py", "c.py"}


def test_fix_subjects():
    assert ev.is_fix_subject("Fix crash when inferring a TypeVar call (#2239)")
    assert ev.is_fix_subject("terminalwriter: fix crash trying to highlight empty source")
    assert ev.is_fix_subject("Regression in 2.13.2: RuntimeError raised")
    assert not ev.is_fix_subject("[pre-commit.ci] auto fixes from pre-commit.com hooks")
    assert not ev.is_fix_subject("Fix typos and introduce codespell pre-commit hook")
    assert not ev.is_fix_subject("docs: fix broken links")
    assert not ev.is_fix_subject("Revert \"Fix teardown error reporting\"")
    assert not ev.is_fix_subject("Add a prefix option")  # 'prefix' is not 'fix'
    assert not ev.is_fix_subject("fix tests")
    assert ev.same_change("[Backport 2.15.x] Fix a crash (#2239) (#2240)") == ev.same_change(
        "Fix a crash (#2239)"
    )


def test_shift_by_calendar_months():
    when = datetime(2024, 1, 31, tzinfo=timezone.utc)
    assert ev.shift(when, "1 month") == datetime(2024, 2, 29, tzinfo=timezone.utc)
    assert ev.shift(when, "12 months", -1) == datetime(2023, 1, 31, tzinfo=timezone.utc)
    assert ev.shift(when, "10 days").day == 10


def test_combine_mirrors_the_scoring_formula():
    # gap 0.5 -> other parts scaled by 0.2 + 0.8 * 0.5 = 0.6
    parts = {"coverage_gap": 0.5, "churn": 1.0, "size": 0.5}
    weights = {"coverage_gap": 2.0, "churn": 1.0, "size": 2.0}
    assert ev.combine(parts, weights) == pytest.approx(2 * 0.5 + 1 * 1.0 * 0.6 + 2 * 0.5 * 0.6)


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "PATH": "/usr/bin:/bin:/usr/local/bin",
           "HOME": str(repo)}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def test_fix_commits_follow_renames_and_window(tmp_path: Path):
    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "a.py").write_text("x = 1\n" * 20)
    (repo / "pkg" / "b.py").write_text("y = 2\n" * 20)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "start", date="2024-01-01T00:00:00Z")
    c = _git(repo, "rev-parse", "HEAD")
    _git(repo, "mv", "pkg/a.py", "pkg/a2.py")
    _git(repo, "commit", "-qm", "rename a", date="2024-02-01T00:00:00Z")
    (repo / "pkg" / "a2.py").write_text("x = 1\n" * 19 + "x = 3\n")
    _git(repo, "commit", "-qam", "Fix a crash in a", date="2024-03-01T00:00:00Z")
    (repo / "pkg" / "b.py").write_text("y = 2\n" * 19 + "y = 4\n")
    _git(repo, "commit", "-qam", "Improve b", date="2024-04-01T00:00:00Z")
    (repo / "pkg" / "b.py").write_text("y = 2\n" * 19 + "y = 5\n")
    _git(repo, "commit", "-qam", "Fix b, late", date="2025-06-01T00:00:00Z")
    git_dir = Path(_git(repo, "rev-parse", "--absolute-git-dir"))
    until = ev.shift(ev.commit_time(git_dir, c), "12 months")
    fixes, stats = ev.fix_commits(git_dir, c, "HEAD", until, {"pkg/a.py", "pkg/b.py"})
    assert [(f.subject, f.files) for f in fixes] == [("Fix a crash in a", ("pkg/a.py",))]
    assert stats["commits"] == 3  # the late fix is outside the window
