"""Pull-request mode (`rank --diff BASE`) and the CI gate, on a git repository the tests build.

main: pkg/core.py with a test, pkg/stable.py. The branch then adds an untested function to
core.py and a new untested module, and (in its own commit) a test-covered change.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import coverage
import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from gapfinder.rank.diff import changed_lines, parse_diff

runner = CliRunner()

CORE = '''\
def add(a, b):
    total = a + b
    return total
'''
CORE_BRANCH = '''\
def add(a, b):
    total = a + b
    return total


def risky(path):
    with open(path) as handle:
        data = handle.read()
    if not data:
        raise ValueError("empty")
    return data.split()
'''
STABLE = '''\
def unchanged(x):
    if x:
        return 1
    return 2
'''
EXTRA = '''\
import subprocess


def run(cmd):
    done = subprocess.run(cmd, check=False)
    return done.returncode
'''


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
         "-c", "init.defaultBranch=main", *args],
        cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def record_coverage(root: Path, executed: dict[str, list[int]]) -> Path:
    """A .coverage file as `coverage run -m pytest` would leave it (lines the tests ran)."""
    data = coverage.CoverageData(basename=str(root / ".coverage"))
    data.add_lines({str((root / path).resolve()): lines for path, lines in executed.items()})
    data.write()
    return root / ".coverage"


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prmode") / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"pkg/__init__.py": "", "pkg/core.py": CORE, "pkg/stable.py": STABLE,
                 "tests/test_core.py": "from pkg.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
                 ".gitignore": ".coverage\n.gapfinder/\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "core with a test")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"pkg/core.py": CORE_BRANCH, "pkg/extra.py": EXTRA})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "risky reader and a runner, no tests")
    # The tests ran add() and stable's first branch; nothing of risky() or extra.py.
    record_coverage(root, {"pkg/__init__.py": [], "pkg/core.py": [1, 2, 3, 6], "pkg/stable.py": [1, 2, 3]})
    return root


def rank(root: Path, *args: str, code: int = 0):
    done = runner.invoke(app, ["rank", str(root), "--no-cache", *args])
    assert done.exit_code == code, (done.stdout, done.stderr)
    return done


def test_parse_diff_keeps_new_side_lines_of_python_files():
    text = textwrap.dedent("""\
        diff --git a/a.py b/a.py
        --- a/a.py
        +++ b/a.py
        @@ -3,0 +4,2 @@ def f():
        +    x = 1
        +    y = 2
        @@ -10 +12 @@
        -old
        +new
        @@ -20,3 +23,0 @@
        diff --git a/gone.py b/gone.py
        --- a/gone.py
        +++ /dev/null
        @@ -1,2 +0,0 @@
        diff --git a/README.md b/README.md
        +++ b/README.md
        @@ -1 +1 @@
        """)
    assert parse_diff(text) == {"a.py": frozenset({4, 5, 12})}


def test_changed_lines_since_the_base_branch(repo):
    changed = changed_lines(repo, "main")
    assert set(changed) == {"pkg/core.py", "pkg/extra.py"}
    assert changed["pkg/core.py"] == frozenset(range(4, 12))
    assert changed["pkg/extra.py"] == frozenset(range(1, 7))


def test_pr_mode_lists_only_changed_statements_no_test_ran(repo):
    done = rank(repo, "--diff", "main", "--format", "markdown")
    report = done.stdout
    assert report.startswith("<!-- gapfinder-pr-report -->\n## Test gaps in this change (since `main`)")
    assert "pkg.stable" not in report  # unchanged
    assert "2 changed source modules, 10 changed statements, **9 not run by any test**" in report
    rows = [line for line in report.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")]
    assert len(rows) == 2
    core = next(line for line in rows if "`pkg.core`" in line)
    assert "`pkg/core.py`: 7-11" in core  # risky()'s body; its def line ran at import
    extra = next(line for line in rows if "`pkg.extra`" in line)
    assert "`pkg/extra.py`: 1, 4-6" in extra and "unmeasured" in extra


def test_pr_mode_by_function_and_as_json(repo):
    import json

    report = json.loads(rank(repo, "--diff", "main", "--by", "function", "--format", "json").stdout)
    assert {f["function"] for f in report["functions"]} == {"risky", "run"}
    report = json.loads(rank(repo, "--diff", "main", "--format", "json").stdout)
    assert [m["module"] for m in report["modules"]] == sorted(
        [m["module"] for m in report["modules"]], key=lambda name: -next(
            r["score"] for r in report["modules"] if r["module"] == name))
    assert {m["module"] for m in report["modules"]} == {"pkg.core", "pkg.extra"}


def test_a_change_the_tests_cover_passes(tmp_path):
    root = tmp_path / "covered"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"pkg/__init__.py": "", "pkg/core.py": CORE, "tests/test_core.py": "def test_x():\n    pass\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    base = git(root, "rev-parse", "HEAD").strip()
    write(root, {"pkg/core.py": CORE.replace("total = a + b", "total = b + a"),
                 "tests/test_core.py": "from pkg.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    git(root, "commit", "-q", "-am", "swap operands, with its test")
    record_coverage(root, {"pkg/__init__.py": [], "pkg/core.py": [1, 2, 3]})
    done = rank(root, "--diff", base, "--format", "markdown", "--fail-under", "100", "--max-score", "0")
    assert "1 changed statement, **0 not run by any test** (100% of the change covered)" in done.stdout
    assert "Every changed statement ran under the tests" in done.stdout


def test_gate_fails_with_exit_1_on_uncovered_changes(repo):
    done = rank(repo, "--diff", "main", "--fail-under", "50", "--format", "markdown", code=1)
    assert "Test gaps in this change" in done.stdout  # the report is still printed
    assert "gate failed: coverage of the 10 changed statements since main is 10.0%" in done.stderr
    done = rank(repo, "--diff", "main", "--max-score", "5", "-q", code=1)
    assert "score above --max-score 5" in done.stderr


def test_gate_on_the_whole_project(repo):
    rank(repo, "--fail-under", "10", "-q")
    done = rank(repo, "--fail-under", "90", "-q", code=1)
    assert "gate failed: coverage (coverage.py's total) is" in done.stderr
    rank(repo, "--max-score", "100", "-q")


def test_gate_threshold_from_pyproject(repo, tmp_path):
    (repo / "pyproject.toml").write_text("[tool.gapfinder]\nfail_under = 95\n", encoding="utf-8")
    try:
        rank(repo, "-q", code=1)
        rank(repo, "-q", "--fail-under", "5")  # the command line wins
        (repo / "pyproject.toml").write_text("[tool.gapfinder]\nmax_score = 'high'\n", encoding="utf-8")
        done = rank(repo, "-q", code=2)
        assert done.stderr.count("\n") == 1 and "'max_score' must be a number from 0 to 100" in done.stderr
    finally:
        (repo / "pyproject.toml").unlink()


@pytest.mark.parametrize("args, message", [
    (["--diff", "no-such-branch"], "--diff 'no-such-branch' is not a commit in this repository"),
    (["--diff", "--output"], "is not a git revision"),
    (["--fail-under", "101"], "--fail-under must be a number from 0 to 100"),
    (["--max-score", "-1"], "--max-score must be a number from 0 to 100"),
])
def test_bad_input_is_one_line_and_exit_2(repo, args, message):
    done = rank(repo, "-q", *args, code=2)
    assert message in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""


def test_diff_outside_git_is_bad_input(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/core.py": CORE})
    done = rank(tmp_path, "-q", "--diff", "main", code=2)
    assert "needs a git repository" in done.stderr and done.stderr.count("\n") == 1


def test_fail_under_without_coverage_data_is_bad_input(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/core.py": CORE})
    done = rank(tmp_path, "-q", "--no-git", "--fail-under", "50", code=2)
    assert "--fail-under needs coverage data" in done.stderr


def test_a_project_in_a_subfolder_of_the_repository(tmp_path):
    repo = tmp_path / "mono"
    (repo / "service").mkdir(parents=True)
    git(repo, "init", "-q")
    write(repo / "service", {"pkg/__init__.py": "", "pkg/core.py": CORE})
    write(repo, {"other/thing.py": "x = 1\n"})
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo / "service", {"pkg/core.py": CORE_BRANCH})
    write(repo, {"other/thing.py": "x = 2\n"})
    assert set(changed_lines(repo / "service", base)) == {"pkg/core.py"}  # uncommitted edits count
