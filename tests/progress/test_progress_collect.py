"""`progress --collect` runs pytest in the PROJECT's interpreter (its venv, $VIRTUAL_ENV or
--python), never silently in gapfinder's own, and reports failures as such, not as differences."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from gapfinder.core.interpreter import project_python

SUITES = Path(__file__).resolve().parents[2] / "fixtures" / "suites"
runner = CliRunner()


def _fake_python(folder: Path, body: str) -> Path:
    """A venv-shaped folder whose bin/python is a script (so a test sees which one ran)."""
    (folder / "bin").mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    python = folder / "bin" / "python"
    python.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    return python


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SUITES / "shop", tmp_path / "shop"))


def test_the_projects_venv_runs_pytest_and_agrees_with_the_static_count(shop: Path) -> None:
    marker = shop.parent / "ran"
    _fake_python(shop / ".venv", f'echo "$0" > {marker}\nexec {sys.executable} "$@"\n')
    done = runner.invoke(app, ["progress", str(shop), "--collect", "--format", "json", "-q"])
    assert done.exit_code == 0, done.output
    check = json.loads(done.stdout)["pytest"]
    assert marker.read_text().strip() == str(shop / ".venv" / "bin" / "python")
    assert (check["python"], check["found_by"]) == (str(shop / ".venv" / "bin" / "python"), "the project's .venv")
    assert (check["tests"], check["cases"], check["differences"], check["error"]) == (36, 74, [], None)
    assert not list(shop.rglob("__pycache__"))  # collecting wrote no bytecode into the project


def test_order_python_option_then_project_venv_then_virtual_env(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    active = _fake_python(tmp_path / "active", "exit 0\n")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    assert project_python(root) == project_python(root).__class__(str(active), "$VIRTUAL_ENV")
    own = _fake_python(root / "venv", "exit 0\n")
    assert (project_python(root).path, project_python(root).found_by) == (str(own), "the project's venv")
    explicit = _fake_python(tmp_path / "other", "exit 0\n")
    assert project_python(root, explicit).path == str(explicit)
    assert project_python(root, tmp_path / "other").path == str(explicit)  # the environment's folder works too
    monkeypatch.delenv("VIRTUAL_ENV")
    assert project_python(tmp_path / "other" / "bin").found_by == "gapfinder's own"


def test_an_interpreter_without_pytest_is_an_error_not_differences(shop: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path / "bare", "echo '/x/python: No module named pytest' >&2\nexit 1\n")
    done = runner.invoke(app, ["progress", str(shop), "--collect", "--python", str(python), "-f", "json", "-q"])
    check = json.loads(done.stdout)["pytest"]
    assert check["error"] == f"pytest is not installed in {python} (pass --python with the project's interpreter)"
    assert check["differences"] == [] and check["tests"] == 0


def test_files_pytest_cannot_import_are_named_not_compared(shop: Path) -> None:
    (shop / "tests" / "test_broken_import.py").write_text("import no_such_module_here\n\n\ndef test_x():\n    pass\n")
    done = runner.invoke(app, ["progress", str(shop), "--collect", "--python", sys.executable, "-q"])
    assert done.exit_code == 0, done.output
    assert "pytest could not import 1 test file(s), not compared: tests/test_broken_import.py" in done.stdout
    assert "static 1 cases, pytest 0" not in done.stdout


def test_a_python_that_is_not_one_is_exit_2(shop: Path, tmp_path: Path) -> None:
    done = runner.invoke(app, ["progress", str(shop), "--collect", "--python", str(tmp_path / "nope")])
    assert done.exit_code == 2 and "is not an executable Python interpreter" in done.stderr


def test_python_without_collect_is_exit_2_not_silently_ignored(shop: Path) -> None:
    done = runner.invoke(app, ["progress", str(shop), "--python", sys.executable])
    assert done.exit_code == 2 and "--python only chooses the interpreter for --collect" in done.stderr
