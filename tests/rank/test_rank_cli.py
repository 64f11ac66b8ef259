"""`gapfinder rank` through the CLI, on the fixture projects with real coverage data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STORED = FIXTURES / "coverage-files"
UNMEASURED = {"app/agents/tools.py", "app/agents/dispatcher.py", "app/utils/timeutil.py"}


def rank(*args: str, code: int = 0):
    result = runner.invoke(app, ["rank", *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def rank_json(*args: str) -> dict:
    return json.loads(rank(*args, "--format", "json", "--top", "0", "--no-cache").stdout)


@pytest.fixture
def asyncsvc(tmp_path: Path) -> Path:
    """A copy outside any git repository, so history cannot vary from one checkout to another."""
    return Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path / "asyncsvc"))


def by_path(report: dict) -> dict[str, dict]:
    return {row["path"]: row for row in report["modules"]}


def test_real_coverage_run_is_found_without_being_named(asyncsvc_run):
    report = rank_json(str(asyncsvc_run.root), "--no-git")
    summary = report["summary"]
    assert Path(summary["coverage_source"]).name in {".coverage", "coverage.xml", "coverage.json", "lcov.info"}
    rows = by_path(report)
    assert {p for p, r in rows.items() if r["coverage"] is None} == UNMEASURED
    assert summary["measured"] + summary["unmeasured"] == summary["modules"]
    assert summary["unmeasured"] >= len(UNMEASURED)  # plus empty __init__.py files, not ranked
    scores = [r["score"] for r in report["modules"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("name", ["ci-other-root.coverage", "windows-coverage.json", "windows-coverage.xml",
                                  "other-tool-cobertura.xml", "lcov.info"])
def test_every_stored_format_maps_onto_the_tree(asyncsvc, name):
    report = rank_json(str(asyncsvc), "--coverage", str(STORED / name))
    summary = report["summary"]
    assert summary["coverage_matched"] == 17 and summary["measured"] == 17
    rows = by_path(report)
    assert {p for p, r in rows.items() if r["coverage"] is None} == UNMEASURED
    # The same run, whatever the format: app/utils/text.py is about half covered.
    assert 45 <= rows["app/utils/text.py"]["coverage"] <= 65
    assert rows["app/agents/tools.py"]["reasons"][0].startswith("never imported while the tests ran")


def test_report_shapes_and_top(asyncsvc):
    cov = str(STORED / "ci-other-root.coverage")
    report = rank_json(str(asyncsvc), "--coverage", cov)
    assert report["format_version"] == 1 and report["by"] == "module"
    row = report["modules"][0]
    assert {"module", "path", "score", "coverage", "test_type", "reasons", "parts", "tests"} <= set(row)
    assert row["test_type"] in {"unit", "integration", "e2e"} and row["reasons"]
    assert all("/" in r["path"] or r["path"].endswith(".py") for r in report["modules"])
    routes = by_path(report)["app/api/routes.py"]
    assert routes["test_type"] == "e2e"
    assert by_path(report)["app/repositories/orders.py"]["test_type"] == "integration"

    table = rank(str(asyncsvc), "--coverage", cov, "--top", "3").stdout
    assert "score" in table and "test first" in table
    assert "modules analysed" in table and "17 of 22 recorded files matched" in table
    assert table.count("\n│") >= 3

    markdown = rank(str(asyncsvc), "--coverage", cov, "--format", "markdown", "--top", "2").stdout
    assert markdown.startswith("## Test-gap priorities")
    assert markdown.count("\n| 1 |") == 1 and "\n| 3 |" not in markdown


def test_tests_that_exercise_a_module_are_named(asyncsvc):
    report = rank_json(str(asyncsvc), "--coverage", str(STORED / "ci-other-root.coverage"))
    rows = by_path(report)
    assert "tests/test_text.py" in rows["app/utils/text.py"]["tests"]
    assert rows["app/agents/tools.py"]["tests"] == []


def test_by_function(asyncsvc):
    report = json.loads(rank(str(asyncsvc), "--coverage", str(STORED / "ci-other-root.coverage"),
                             "--by", "function", "--format", "json", "--top", "0").stdout)
    functions = {(r["module"], r["function"]): r for r in report["functions"]}
    dispatch = functions[("app.agents.dispatcher", "Dispatcher.dispatch")]
    assert dispatch["coverage"] is None and dispatch["is_async"] is True
    assert dispatch["complexity"] >= 3


def test_git_history_feeds_churn_and_fixes(asyncsvc):
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(asyncsvc), *args], check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                            "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin"})

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "initial")
    for n in range(3):
        with (asyncsvc / "app" / "utils" / "timeutil.py").open("a") as module:
            module.write(f"\nFIXED_{n} = {n}\n")
        git("commit", "-qam", f"Fix timezone bug {n}")
    report = rank_json(str(asyncsvc), "--coverage", str(STORED / "ci-other-root.coverage"))
    assert report["summary"]["git"] == "used" and report["summary"]["git_fixes"] == 3
    timeutil = by_path(report)["app/utils/timeutil.py"]
    assert timeutil["parts"]["fixes"]["value"] > 0
    assert any("3 bug-fix commits" in r for r in timeutil["reasons"])
    assert rank_json(str(asyncsvc), "--coverage", str(STORED / "ci-other-root.coverage"),
                     "--no-git")["summary"]["git"] == "off"


def test_broken_project_skips_what_it_cannot_read_and_goes_on():
    result = rank(str(FIXTURES / "broken"), "--format", "json", "--no-git", "--no-cache", "--top", "0")
    report = json.loads(result.stdout)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"brokenpkg/syntax_error.py", "brokenpkg/latin1.py", "brokenpkg/generated.py"}
    assert "syntax error" in skipped["brokenpkg/syntax_error.py"]
    assert report["summary"]["skipped"] == 3
    assert "brokenpkg/bom.py" in by_path(report)
    assert result.stderr.count("warning: skipped") == 3


def test_bad_input_is_one_line_and_exit_2(asyncsvc, tmp_path):
    cases = [
        ([str(tmp_path / "missing")], "does not exist"),
        ([str(asyncsvc), "--coverage", str(tmp_path / "nope.coverage")], "does not exist"),
        ([str(asyncsvc), "--coverage", str(STORED / "corrupt.coverage")], "corrupt.coverage"),
        ([str(asyncsvc), "--coverage", str(STORED / "junit.xml")], "junit.xml"),
        ([str(tmp_path / "empty")], "no Python source files"),
        ([str(asyncsvc), "--since", "last tuesday"], "--since"),
    ]
    (tmp_path / "empty").mkdir()
    for args, words in cases:
        result = rank(*args, "--no-cache", code=2)
        assert words in result.stderr, (args, result.stderr)
        assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
        assert result.stdout == ""


def test_coverage_from_another_tree_suggests_a_path_map(asyncsvc, srclib_run):
    result = rank(str(asyncsvc), "--coverage", str(srclib_run.data), "--no-cache", code=2)
    assert "--path-map" in result.stderr


def test_line_counts_from_raw_data_match_coverage_report(srclib_run, asyncsvc_run):
    """Statements and misses from raw .coverage data equal what `coverage report` says."""
    import coverage

    for run in (srclib_run, asyncsvc_run):
        report = rank_json(str(run.root), "--coverage", str(run.data), "--no-git")
        cov = coverage.Coverage(data_file=str(run.data))
        cov.load()
        for row in report["modules"]:
            if row["coverage"] is None:
                continue
            _, statements, _, missing, _ = cov.analysis2(str(run.root / row["path"]))
            assert (row["statements"], row["missed"]) == (len(statements), len(missing)), row["path"]


def test_a_run_where_nothing_changed_is_answered_from_the_last_result(asyncsvc):
    cov = STORED / "ci-other-root.coverage"
    first = json.loads(rank(str(asyncsvc), "--coverage", str(cov), "--format", "json", "--top", "0").stdout)
    assert (asyncsvc / ".gapfinder" / "rank-result.json").is_file()
    again = json.loads(rank(str(asyncsvc), "--coverage", str(cov), "--format", "json", "--top", "0").stdout)
    assert again["modules"] == first["modules"]
    # Any change the ranking depends on is seen: an option, a source file, the coverage data.
    top3 = json.loads(rank(str(asyncsvc), "--coverage", str(cov), "--format", "json", "--top", "3").stdout)
    assert len(top3["modules"]) == 3
    target = asyncsvc / "app" / "utils" / "timeutil.py"
    target.write_text(target.read_text() + "\n\ndef extra(a, b):\n    if a:\n        return b\n    return a\n")
    edited = by_path(json.loads(rank(str(asyncsvc), "--coverage", str(cov), "--format", "json",
                                     "--top", "0").stdout))
    assert edited["app/utils/timeutil.py"]["statements"] > by_path(first)["app/utils/timeutil.py"]["statements"]
    other = json.loads(rank(str(asyncsvc), "--coverage", str(STORED / "windows-coverage.json"),
                            "--format", "json", "--top", "0").stdout)
    assert other["summary"]["coverage_format"] == "json"
