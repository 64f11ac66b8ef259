"""SARIF 2.1.0 output, validated against the official OASIS schema kept in fixtures/sarif/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STORED = FIXTURES / "coverage-files" / "ci-other-root.coverage"
SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def asyncsvc(tmp_path_factory) -> Path:
    return Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path_factory.mktemp("sarif") / "asyncsvc"))


def sarif(root: Path, *args: str) -> dict:
    done = runner.invoke(app, ["rank", str(root), "--coverage", str(STORED), "--no-git", "--no-cache",
                               "--format", "sarif", *args])
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)


def validate(log: dict) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_the_schema_is_the_official_one():
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_the_schema_rejects_a_broken_log():
    with pytest.raises(AssertionError):
        validate({"version": "2.1.0", "runs": [{"results": []}]})  # a run needs its tool


@pytest.mark.parametrize("by", ["module", "function"])
def test_module_and_function_logs_are_valid_sarif(asyncsvc, by):
    log = sarif(asyncsvc, "--by", by, "--top", "10")
    validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "gapfinder"
    assert len(run["results"]) == 10
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert (asyncsvc / location["artifactLocation"]["uri"]).is_file()
        assert "Why:" in result["message"]["text"]


def test_one_result_per_top_gap_at_its_first_uncovered_line(asyncsvc):
    log = sarif(asyncsvc, "--top", "0")
    results = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in log["runs"][0]["results"]}
    assert len(results) == 16
    tools = results["app/agents/tools.py"]
    assert tools["ruleId"] == "GF001"  # never imported by the tests
    text = (asyncsvc / "app/utils/text.py").read_text(encoding="utf-8").splitlines()
    region = results["app/utils/text.py"]["locations"][0]["physicalLocation"]["region"]
    assert results["app/utils/text.py"]["ruleId"] == "GF003"  # about half covered
    first = text[region["startLine"] - 1].strip()
    assert first and not first.startswith(("def ", "import ", "from ", "#"))  # a statement in a body


def test_function_results_point_inside_their_function(asyncsvc):
    log = sarif(asyncsvc, "--by", "function", "--top", "0")
    for result in log["runs"][0]["results"]:
        name = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert line >= 1, name
        assert result["locations"][0]["logicalLocations"][0]["kind"] == "function"


def test_uris_are_relative_to_the_repository_when_the_project_is_a_subfolder(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    project = Path(shutil.copytree(FIXTURES / "asyncsvc", repo / "services" / "api"))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    log = sarif(project)
    validate(log)
    run = log["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris and all(u.startswith("services/api/app/") for u in uris)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
