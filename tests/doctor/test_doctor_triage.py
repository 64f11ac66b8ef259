"""Triage of JUnit files produced by really running fixtures/doctor/triage (seeded failures)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from gapfinder.doctor.triage import PRODUCT, TEST, UNKNOWN, triage

TRIAGE = Path(__file__).resolve().parents[2] / "fixtures" / "doctor" / "triage"
VERDICT = {"product code raised": PRODUCT, "assertion in the test": UNKNOWN}


@pytest.fixture(scope="module")
def junit(tmp_path_factory) -> Path:
    report = tmp_path_factory.mktemp("junit") / "report.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                    "--continue-on-collection-errors", f"--junitxml={report}", "tests"],
                   cwd=TRIAGE, capture_output=True, text=True, timeout=120)
    return report


def seeded() -> dict[str, str]:
    """test id -> category, from the `# category:` comments in the fixture suite."""
    found = {}
    for path in sorted((TRIAGE / "tests").glob("test_*.py")):
        for line in path.read_text().splitlines():
            match = re.search(r"(?:def (\w+)\(.*)?# category: (.+)$", line)
            if match:
                test = f"tests.{path.stem}" + (f"::{match.group(1)}" if match.group(1) else "")
                found[test] = match.group(2).strip()
    return found


def test_every_seeded_failure_gets_its_category_and_verdict(junit):
    result = triage([junit])
    got = {f.test: (f.verdict, f.category) for g in result.groups for f in g.failures}
    assert got == {test: (VERDICT.get(cat, TEST), cat) for test, cat in seeded().items()}
    assert result.counts == {TEST: 8, PRODUCT: 2, UNKNOWN: 1}


def test_product_defects_name_the_product_frame(junit):
    product = [f for g in triage([junit]).groups for f in g.failures if f.verdict == PRODUCT]
    assert {f.location for f in product} == {"app/calc.py:2", "app/calc.py:8"}


def test_one_root_cause_appears_once(junit, tmp_path):
    twice = triage([junit, junit])
    assert twice.total == 22 and len(twice.groups) == len(triage([junit]).groups)


def test_cli_links_failures_to_lint_findings(junit, monkeypatch):
    monkeypatch.chdir(TRIAGE)
    result = CliRunner().invoke(app, ["doctor", "tests", "--junit", str(junit), "--format", "json"])
    assert result.exit_code == 1
    import json

    data = json.loads(result.stdout)
    failures = {f["test"]: f for g in data["triage"]["groups"] for f in g["failures"]}
    assert failures["tests.test_mockshape::test_load_rows"]["finding"].startswith("GF101 ")
    assert failures["tests.test_mockshape::test_load_rows_magic_session"]["finding"].startswith("GF104 ")
    assert data["triage"]["verdicts"] == {TEST: 8, PRODUCT: 2, UNKNOWN: 1}


def _run_pytest(folder: Path, report: Path, **env: str) -> Path:
    import os

    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                    f"--junitxml={report}", "tests"], cwd=folder, capture_output=True, text=True, timeout=120,
                   env={**os.environ, **env})
    return report


def _tiny_project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "calc.py").write_text("def half(x):\n    return x // 2\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(
        "import os\nfrom app.calc import half\n\n\ndef test_flaky():\n    assert os.environ.get('PASS') == '1'\n\n\n"
        "def test_half():\n    assert half(None) == 0\n")
    return tmp_path


def test_a_failure_that_passed_in_another_run_is_flaky(tmp_path):
    folder = _tiny_project(tmp_path)
    failed = _run_pytest(folder, tmp_path / "a.xml")
    passed = _run_pytest(folder, tmp_path / "b.xml", PASS="1")
    result = triage([failed, passed])
    verdicts = {f.test.rsplit("::", 1)[-1]: (f.verdict, f.evidence) for g in result.groups for f in g.failures}
    assert verdicts["test_flaky"][0] == "flaky" and "passed in" in verdicts["test_flaky"][1]
    assert verdicts["test_half"][0] == PRODUCT  # failed in both runs: not flaky
    assert triage([failed]).counts.get("flaky") is None


def test_failures_through_changed_product_lines_lean_to_product(tmp_path):
    from gapfinder.doctor.triage import changed_lines

    folder = _tiny_project(tmp_path)
    (folder / "app" / "calc.py").write_text("def half(x):\n    return x / 2\n")
    (folder / "tests" / "test_calc.py").write_text(
        "from app.calc import half\n\n\ndef test_half():\n    assert half(3) == 1\n")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], cwd=folder, check=True)
    subprocess.run(git + ["add", "."], cwd=folder, check=True)
    subprocess.run(git + ["commit", "-qm", "base"], cwd=folder, check=True)
    report = _run_pytest(folder, tmp_path / "r.xml")
    [before] = [f for g in triage([report]).groups for f in g.failures]
    assert before.category == "assertion in the test"
    (folder / "app" / "calc.py").write_text("def half(x):\n    return x / 2 if x else (1 // x)\n")
    (folder / "tests" / "test_calc.py").write_text(
        "from app.calc import half\n\n\ndef test_half():\n    assert half(0) == 0\n")
    report = _run_pytest(folder, tmp_path / "r2.xml")
    changed = changed_lines(folder, "HEAD")
    assert changed == {"app/calc.py": {2}, "tests/test_calc.py": {5}}
    [after] = [f for g in triage([report], (), changed).groups for f in g.failures]
    assert (after.verdict, after.category) == (PRODUCT, "changed product code in the traceback")
    assert "app/calc.py:2" in after.evidence
