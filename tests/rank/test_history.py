"""Git churn and fix counts: the window ends at HEAD's date; subfolders, shallow clones, no git."""

from __future__ import annotations

import os
import json
import subprocess
from pathlib import Path

import pytest

from gapfinder.errors import ConfigError
from gapfinder.rank.history import read_history, window_start

FIX = r"\b(fix(e[sd])?|bug)\b"
DAY = 86400
BASE = 1_600_000_000  # 2020-09-13: far from today, so a window measured from now would be empty


def git(repo: Path, *args: str, when: int | None = None, author: str = "a@example.com") -> str:
    env = {**os.environ, "GIT_AUTHOR_EMAIL": author, "GIT_COMMITTER_EMAIL": author,
           "GIT_AUTHOR_NAME": "A", "GIT_COMMITTER_NAME": "A"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def commit(repo: Path, path: str, text: str, message: str, when: int, author: str = "a@example.com"):
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    git(repo, "add", path)
    git(repo, "commit", "-qm", message, when=when, author=author)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, "svc/app/old.py", "x = 1\n", "ancient work", BASE - 400 * DAY)
    commit(tmp_path, "svc/app/core.py", "a = 1\n", "add core", BASE - 100 * DAY)
    commit(tmp_path, "svc/app/core.py", "a = 2\nb = 3\n", "Fix crash in core", BASE - 50 * DAY, "b@example.com")
    commit(tmp_path, "svc/app/util.py", "u = 1\n", "add util", BASE - 10 * DAY)
    commit(tmp_path, "svc/README.md", "docs\n", "fix typo in docs", BASE - 5 * DAY)
    commit(tmp_path, "other/x.py", "o = 1\n", "bugfix elsewhere", BASE)
    return tmp_path


def test_window_is_measured_back_from_the_head_commit(repo):
    history = read_history(repo / "svc", "6 months", FIX)
    assert history.status == "used"
    # Paths are relative to the analysed folder; files outside it and non-Python files are not counted.
    assert set(history.files) == {"app/core.py", "app/util.py"}
    core = history.files["app/core.py"]
    assert (core.commits, core.fixes, core.authors, core.lines_changed) == (2, 1, 2, 4)
    # old.py changed 400 days before HEAD: outside a 6-month window, inside a 2-year one.
    assert "app/old.py" in read_history(repo / "svc", "2 years", FIX).files


def test_commit_and_fix_totals_count_the_whole_window(repo):
    history = read_history(repo, "6 months", FIX)
    assert history.commits == 5
    # "Fix crash in core"; "fix typo in docs" fixes no behaviour (gapfinder.rank.fixes); "bugfix" is not a word match
    assert history.fix_commits == 1


def test_recent_commits_weigh_more_and_sweeping_fixes_count_as_churn_only(repo):
    core = read_history(repo / "svc", "6 months", FIX).files["app/core.py"]
    # two commits, 100 and 50 days before HEAD, each weighing 2 ** (-age / 365 days)
    assert core.recent_commits == pytest.approx(2 ** (-100 / 365) + 2 ** (-50 / 365), abs=1e-3)
    assert core.recent_fixes == pytest.approx(2 ** (-50 / 365), abs=1e-3)
    for i in range(11):
        (repo / f"svc/app/m{i}.py").write_text("x = 1\n")
    (repo / "svc/tests").mkdir()
    (repo / "svc/tests/test_m.py").write_text("t = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "fix everything at once", when=BASE + DAY)
    wide = read_history(repo / "svc", "6 months", FIX)
    assert (wide.files["app/m0.py"].commits, wide.files["app/m0.py"].fixes) == (1, 0)  # 11 source files
    git(repo, "rm", "-q", "svc/app/m10.py")
    (repo / "svc/app/m0.py").write_text("x = 2\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "fix m0", when=BASE + 3 * DAY)
    assert read_history(repo / "svc", "6 months", FIX).files["app/m0.py"].fixes == 1


def test_window_forms():
    assert window_start("3 weeks", 100 * DAY) == 79 * DAY
    assert window_start("1 year ago", 400 * DAY) == 35 * DAY
    assert window_start("2020-09-13", 0) == 1599955200
    with pytest.raises(ConfigError, match="neither a window"):
        window_start("last tuesday", 0)


def test_outside_git_history_is_unavailable(tmp_path):
    history = read_history(tmp_path, "12 months", FIX)
    assert history.status == "unavailable" and history.files == {}


def test_shallow_clone_still_gives_what_it_has(repo, tmp_path_factory):
    clone = tmp_path_factory.mktemp("shallow") / "c"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone)], check=True)
    history = read_history(clone, "6 months", FIX)
    assert history.status == "shallow"
    assert history.commits == 2


def test_history_is_cached_per_head_and_survives_a_corrupt_cache(repo, tmp_path):
    cache = tmp_path / "cache"
    first = read_history(repo / "svc", "6 months", FIX, cache)
    assert (cache / "history.json").is_file()
    assert read_history(repo / "svc", "6 months", FIX, cache).files == first.files  # from the cache
    (cache / "history.json").write_text("{not json")
    said: list[str] = []
    assert read_history(repo / "svc", "6 months", FIX, cache, said.append).files == first.files
    assert len(said) == 1 and "history.json" in said[0] and "rebuilt" in said[0]
    assert read_history(repo / "svc", "6 months", FIX, cache, said.append).files == first.files
    assert len(said) == 1  # rebuilt: said once
    commit(repo, "svc/app/util.py", "u = 2\n", "fix util", BASE + DAY)
    after = read_history(repo / "svc", "6 months", FIX, cache)
    assert after.files["app/util.py"].fixes == 1  # a new HEAD is not answered from the cache


def test_bad_fix_pattern_is_a_config_error(repo):
    with pytest.raises(ConfigError, match="fix_pattern"):
        read_history(repo, "6 months", "(unclosed")


def _blobless_clone(repo: Path) -> Path:
    """A `--filter=blob:none` clone whose promisor remote is gone: old blobs cannot be had."""
    git(repo, "config", "uploadpack.allowFilter", "true")
    git(repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    clone = repo.with_name(repo.name + "-clone")
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{repo}", str(clone)], check=True)
    (repo / ".git").rename(repo / ".git-gone")
    return clone


def test_a_blobless_clone_counts_commits_and_says_what_it_cannot_read(repo, tmp_path):
    """`git log --numstat` needs every blob; the names of changed files need only trees."""
    clone = _blobless_clone(repo)
    full = subprocess.run(["git", "-C", str(clone), "log", "--numstat", "HEAD"], capture_output=True)
    assert full.returncode != 0  # the case is real: this clone cannot diff its old commits
    history = read_history(clone / "svc", "6 months", FIX, tmp_path / "cache")
    assert history.status == "partial" and "blobless or partial clone" in history.note
    core = history.files["app/core.py"]
    assert (core.commits, core.fixes, core.lines_changed) == (2, 1, None)
    again = read_history(clone / "svc", "6 months", FIX, tmp_path / "cache")  # from the cache
    assert again.status == "partial" and again.files == history.files


def test_a_failing_git_is_unavailable_with_its_reason_and_nothing_is_cached(repo, tmp_path):
    head_tree = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD~1^{tree}"], capture_output=True,
                               text=True, check=True).stdout.strip()
    (repo / ".git" / "objects" / head_tree[:2] / head_tree[2:]).unlink()  # a tree the log must read
    cache = tmp_path / "cache"
    history = read_history(repo / "svc", "6 months", FIX, cache)
    assert history.status == "unavailable" and history.note.startswith("git log failed:")
    assert not (cache / "history.json").exists()


def test_a_forged_history_cache_under_the_right_key_is_rebuilt_not_trusted(repo, tmp_path):
    cache = tmp_path / "cache"
    first = read_history(repo / "svc", "6 months", FIX, cache)
    stored = json.loads((cache / "history.json").read_text())
    for forged in ({"files": ["not", "a", "table"], "commits": 1, "fixes": 0, "partial": False},
                   {"files": {"app/core.py": [1, 2]}, "commits": 1, "fixes": 0, "partial": False},
                   {"files": {}, "commits": -5, "fixes": 0, "partial": "yes"}):
        (cache / "history.json").write_text(json.dumps({"key": stored["key"], "value": forged}))
        said: list[str] = []
        assert read_history(repo / "svc", "6 months", FIX, cache, said.append).files == first.files
        assert len(said) == 1
