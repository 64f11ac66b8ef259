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
    assert result.counts == {TEST: 7, PRODUCT: 2, UNKNOWN: 1}


def test_product_defects_name_the_product_frame(junit):
    product = [f for g in triage([junit]).groups for f in g.failures if f.verdict == PRODUCT]
    assert {f.location for f in product} == {"app/calc.py:2", "app/calc.py:8"}


def test_one_root_cause_appears_once(junit, tmp_path):
    twice = triage([junit, junit])
    assert twice.total == 20 and len(twice.groups) == len(triage([junit]).groups)


def test_cli_links_failures_to_lint_findings(junit, monkeypatch):
    monkeypatch.chdir(TRIAGE)
    result = CliRunner().invoke(app, ["doctor", "tests", "--junit", str(junit), "--format", "json"])
    assert result.exit_code == 1
    import json

    data = json.loads(result.stdout)
    failures = {f["test"]: f for g in data["triage"]["groups"] for f in g["failures"]}
    assert failures["tests.test_mockshape::test_load_rows"]["finding"].startswith("GF101 ")
    assert failures["tests.test_mockshape::test_load_rows_magic_session"]["finding"].startswith("GF104 ")
    assert data["triage"]["verdicts"] == {TEST: 7, PRODUCT: 2, UNKNOWN: 1}
