"""`progress --baseline REF`: new tests per kind since a git revision (read from git's objects,
never checked out) or a recorded snapshot; the target then counts new finished tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app

runner = CliRunner()
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}


def _tests(n: int, prefix: str = "test_case") -> str:
    return "".join(f"def {prefix}_{i}():\n    assert {i} == {i}\n\n\n" for i in range(n))


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, env=GIT_ENV, capture_output=True, text=True).stdout


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose project lives in sub/: a first commit, then tests added in the tree."""
    root = tmp_path / "repo"
    project = root / "sub"
    _write(project, {
        "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "tests/unit/test_a.py": _tests(3),
        "tests/integration/test_b.py": _tests(2),
        # latin-1 bytes: read as bytes from git, decoded by its coding line
        "tests/unit/test_latin.py": b"# -*- coding: latin-1 -*-\ndef test_caf\xe9_name():\n    assert '\xe9'\n",
        "tests/e2e/test_ignored.py": _tests(4),  # outside testpaths at first: pytest.ini wins
        "pytest.ini": "[pytest]\ntestpaths = tests/unit tests/integration\n",
    })
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first")
    first = _git(root, "rev-parse", "HEAD").strip()
    _write(project, {
        "tests/unit/test_a.py": _tests(5),                      # +2 unit
        "tests/integration/test_c.py": _tests(4),               # +4 integration
        "tests/unit/test_d.py": "import pytest\n\n@pytest.mark.scaffold\ndef test_draft():\n    pass\n",  # unfinished
        "pytest.ini": "[pytest]\ntestpaths = tests\n",          # e2e now collected: +4 e2e
    })
    return project, first


def _json(*args: str) -> dict:
    done = runner.invoke(app, ["progress", *args, "--format", "json", "--quiet"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_git_baseline_counts_new_tests_per_kind(repo: tuple[Path, str]) -> None:
    project, first = repo
    before = _git(project, "status", "--porcelain")
    data = _json(str(project), "--baseline", first, "--target", "20")
    base = data["baseline"]
    assert (base["source"], base["git_commit"], base["tests"], base["finished"]) == ("git", first, 6, 6)
    assert base["new"] == {"tests": 11, "finished": 10}  # 17 now, the scaffolded draft not finished
    assert {k: (v["new_tests"], v["new_finished"]) for k, v in base["kinds"].items()} == {
        "unit": (3, 2), "integration": (4, 4), "e2e": (4, 4)}
    assert data["target"] == {"total": 20, "done": 10, "percent": 50.0, "new": True}
    assert _git(project, "status", "--porcelain") == before  # nothing checked out or written


def test_the_table_and_markdown_say_how_many_new_tests_of_each_kind(repo: tuple[Path, str]) -> None:
    project, first = repo
    for fmt in ("table", "markdown"):
        done = runner.invoke(app, ["progress", str(project), "--baseline", first, "--target", "20", "-f", fmt, "-q"])
        assert done.exit_code == 0, done.output
        assert f"10/20+ new tests since {first} (50%): 2 unit, 4 integration, 4 e2e" in done.stdout
        assert "since baseline" in done.stdout.splitlines()[2 if fmt == "markdown" else 1]
    _git(project, "tag", "v1")
    done = runner.invoke(app, ["progress", str(project), "--baseline", "v1", "-q"])
    assert f"10 new tests since v1 ({first[:10]}): 2 unit, 4 integration, 4 e2e" in done.stdout


def test_snapshot_baselines_last_and_by_date(repo: tuple[Path, str]) -> None:
    project, first = repo
    _json(str(project), "--record")
    _write(project, {"tests/e2e/test_more.py": _tests(3)})
    data = _json(str(project), "--baseline", "last")
    assert data["baseline"]["source"] == "snapshot" and data["baseline"]["new"] == {"tests": 3, "finished": 3}
    assert data["baseline"]["kinds"]["e2e"]["new_tests"] == 3 and data["baseline"]["kinds"]["unit"]["new_tests"] == 0
    today = data["baseline"]["taken_at"][:10]
    assert _json(str(project), "--baseline", today)["baseline"]["taken_at"] == data["baseline"]["taken_at"]


@pytest.mark.parametrize("ref", ["no-such-branch", "1999-01-01", "--help"])
def test_an_unknown_baseline_is_one_line_and_exit_2(repo: tuple[Path, str], ref: str) -> None:
    project, _ = repo
    done = runner.invoke(app, ["progress", str(project), f"--baseline={ref}"])
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith("error: --baseline") and "Traceback" not in done.output


def test_last_without_history_is_exit_2(repo: tuple[Path, str]) -> None:
    project, _ = repo
    done = runner.invoke(app, ["progress", str(project), "--baseline", "last"])
    assert done.exit_code == 2 and "no progress history" in done.stderr


def test_files_the_clone_lacks_are_named_not_fatal(repo: tuple[Path, str]) -> None:
    """A partial clone or a mirror without some blobs: those files are left out, with a warning."""
    project, first = repo
    root = project.parent
    blob = _git(root, "rev-parse", f"{first}:sub/tests/integration/test_b.py").strip()
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    done = runner.invoke(app, ["progress", str(project), "--baseline", first, "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["baseline"]["kinds"]["integration"]["tests"] == 0
    assert "1 file(s) of " + first + " are not in this clone" in done.stderr
    assert "sub/tests/integration/test_b.py" not in done.stderr and "tests/integration/test_b.py" in done.stderr
