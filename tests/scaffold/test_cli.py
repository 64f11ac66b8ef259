"""The scaffold command through typer's CliRunner: summaries, JSON, dry runs and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from scaffold_runner import copy_fixture

runner = CliRunner()


@pytest.fixture
def shapes(tmp_path, monkeypatch) -> Path:
    project = copy_fixture("shapes", tmp_path)
    monkeypatch.chdir(project)
    return project


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_writes_tests_and_summarises_on_stderr(shapes) -> None:
    result = runner.invoke(app, ["scaffold", "shapes/rows.py"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "shapes.rows: 15 tests; wrote 3 files" in result.stderr
    assert (shapes / "tests" / "unit" / "test_rows.py").is_file()


def test_json_summary_on_stdout(shapes) -> None:
    result = runner.invoke(app, ["scaffold", "shapes.rows", "--format", "json", "--kind", "all"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["format_version"] == 1
    entry = data["results"][0]
    assert entry["module"] == "shapes.rows" and entry["tests"] == 15 and entry["todos"] > 0
    assert {f["path"] for f in entry["files"]} >= {"tests/unit/test_rows.py", "tests/unit/conftest.py"}


def test_dry_run_prints_diff_and_writes_nothing(shapes) -> None:
    before = _files(shapes)
    result = runner.invoke(app, ["scaffold", "shapes/rows.py", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("--- /dev/null\n+++ b/tests/unit/test_rows.py")
    assert "would change" in result.stderr
    assert _files(shapes) == before


def test_nothing_public_says_so_and_exits_0(shapes) -> None:
    result = runner.invoke(app, ["scaffold", "shapes/__init__.py"])
    assert result.exit_code == 0
    assert "nothing public" in result.stderr


@pytest.mark.parametrize("case", ["outside", "unparsable", "unknown", "unwritable"])
def test_bad_input_is_one_line_exit_2_nothing_written(shapes, tmp_path, case) -> None:
    args = ["scaffold", "shapes/rows.py"]
    if case == "outside":
        stray = tmp_path / "stray.py"
        stray.write_text("def f():\n    return 1\n")
        args = ["scaffold", str(stray)]
    elif case == "unparsable":
        (shapes / "shapes" / "broken.py").write_text("def f(:\n")
        args = ["scaffold", "shapes/broken.py"]
    elif case == "unknown":
        args = ["scaffold", "shapes.nope"]
    else:
        (shapes / "tests").write_text("a file where the tests folder should be")
    before = _files(shapes)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert _files(shapes) == before


def test_configure_pytest_edits_pyproject_only_with_consent(shapes) -> None:
    original = (shapes / "pyproject.toml").read_text()
    runner.invoke(app, ["scaffold", "shapes/rows.py"])
    assert (shapes / "pyproject.toml").read_text() == original
    assert "error::RuntimeWarning" in (shapes / "tests" / "unit" / "conftest.py").read_text()

    result = runner.invoke(app, ["scaffold", "shapes/clients.py", "--configure-pytest"])
    assert result.exit_code == 0, result.output
    edited = (shapes / "pyproject.toml").read_text()
    assert edited.startswith(original.split("[tool.pytest.ini_options]")[0])
    assert 'filterwarnings = ["error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning"]' in edited
    assert 'asyncio_default_fixture_loop_scope = "function"' in edited


def test_top_scaffolds_the_highest_priorities_of_rank(tmp_path, monkeypatch) -> None:
    project = copy_fixture("asyncsvc", tmp_path)
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["scaffold", ".", "--top", "2", "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    modules = [entry["module"] for entry in json.loads(result.stdout)["results"]]
    assert len(modules) == 2 and all(m.startswith("app") for m in modules)
    assert not (project / "tests" / "unit").exists()


def test_existing_pytest_configure_is_left_alone_with_a_warning(shapes) -> None:
    conftest = shapes / "tests" / "unit" / "conftest.py"
    conftest.parent.mkdir(parents=True)
    mine = "def pytest_configure(config):\n    config.addinivalue_line('markers', 'slow: slow')\n"
    conftest.write_text(mine)
    result = runner.invoke(app, ["scaffold", "shapes/rows.py"])
    assert result.exit_code == 0, result.output
    assert mine in conftest.read_text()  # only an import was inserted above it
    assert "already has a pytest_configure" in result.stderr


def test_a_missing_module_path_says_it_does_not_exist(tmp_path):
    result = runner.invoke(app, ["scaffold", str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.py'} does not exist."
