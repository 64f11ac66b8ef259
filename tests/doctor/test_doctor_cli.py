"""`gapfinder doctor` end to end: exit codes, formats, bad input, and --fix output that passes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from gapfinder.cli import app

DOCTOR = Path(__file__).resolve().parents[2] / "fixtures" / "doctor"
runner = CliRunner()


def doctor(*args: str):
    return runner.invoke(app, ["doctor", *args])


def test_findings_exit_1_and_clean_exit_0():
    wrong = doctor(str(DOCTOR / "shapes" / "tests" / "wrong" / "test_wrong_fixable.py"))
    assert wrong.exit_code == 1
    assert "GF101 async-mock-called-synchronously" in wrong.output
    right = doctor(str(DOCTOR / "shapes" / "tests" / "right"))
    assert right.exit_code == 0, right.output
    assert "0 finding(s)" in right.output


def test_json_has_a_format_version_and_every_finding():
    result = doctor(str(DOCTOR / "shapes" / "tests" / "wrong"), "--format", "json")
    data = json.loads(result.stdout)
    assert data["format_version"] == 1
    assert {f["code"] for f in data["findings"]} >= {"GF101", "GF102", "GF103", "GF104", "GF105", "GF106", "GF107"}
    assert all({"path", "line", "column", "name", "message", "fixable"} <= set(f) for f in data["findings"])


def test_sarif_and_markdown():
    path = str(DOCTOR / "shapes" / "tests" / "wrong" / "test_wrong_config.py")
    sarif = json.loads(doctor(path, "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"GF203", "GF302"}
    markdown = doctor(path, "--format", "markdown").stdout
    assert "| location | rule | message |" in markdown and "GF302" in markdown


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    not_test = tmp_path / "helpers.py"
    not_test.write_text("x = 1\n")
    broken = tmp_path / "test_broken.py"
    broken.write_text("def test_x(:\n")
    junk = tmp_path / "report.xml"
    junk.write_text("<html><body>not junit</body></html>")
    unparsable = tmp_path / "garbage.xml"
    unparsable.write_text("{not xml")
    for args in ([str(not_test)], [str(broken)], ["--junit", str(junk)], ["--junit", str(unparsable)],
                 [str(tmp_path / "missing.py")], ["--select", "GF999", str(broken)]):
        result = doctor(*args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_fix_prints_a_diff_and_write_makes_the_tests_pass(tmp_path):
    project = tmp_path / "shapes"
    shutil.copytree(DOCTOR / "shapes", project, ignore=shutil.ignore_patterns("__pycache__", "right"))
    target = project / "tests" / "wrong" / "test_wrong_fixable.py"
    before = target.read_text()
    diff = doctor(str(target), "--fix")
    assert diff.exit_code == 1
    assert "+    notifier = MagicMock()" in diff.stdout and "+@pytest_asyncio.fixture" in diff.stdout
    assert target.read_text() == before
    written = doctor(str(target), "--fix", "--write")
    assert written.exit_code == 0, written.output
    after = target.read_text()
    import difflib

    delta = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-"]
    assert len([d for d in delta if d[0] == "-"]) == 4  # the four findings' lines, nothing else
    assert len([d for d in delta if d[0] == "+"]) == 5  # ... and `import pytest_asyncio`
    assert doctor(str(target)).exit_code == 0
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-W", "error::RuntimeWarning", "-W", "error::pytest.PytestUnraisableExceptionWarning", str(target)],
        cwd=project, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_the_corrected_twins_really_pass():
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-W", "error::RuntimeWarning", "-W", "error::pytest.PytestUnraisableExceptionWarning", "tests/right"],
        cwd=DOCTOR / "shapes", capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
