"""What the coverage data measured: a monorepo with coverage of one service says "not measured by
this coverage data" of the other, not "never imported"; without data every row says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from coverage_runs import run_python

from gapfinder import api

FILES = {
    "pyproject.toml": '[project]\nname = "mono"\n',
    "services/billing/billing/__init__.py": "",
    "services/billing/billing/invoice.py": "def total(lines):\n    return sum(lines)\n",
    "services/billing/billing/unused.py": "def later():\n    return 1\n",
    "services/billing/tests/test_invoice.py":
        "from billing.invoice import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
    "services/shipping/shipping/__init__.py": "",
    "services/shipping/shipping/route.py": "def plan(stops):\n    return list(reversed(stops))\n",
}


@pytest.fixture(scope="module")
def mono(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mono")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    billing = root / "services" / "billing"
    run_python(billing, "-m", "coverage", "run", "--data-file", str(root / ".coverage"), "-m", "pytest", "-q",
               "-p", "no:randomly", "-p", "no:cacheprovider")
    return root


def _rows(result) -> dict:
    return {row.path: row for row in result.rows}


def test_the_unmeasured_service_is_not_called_never_imported(mono: Path) -> None:
    result = api.rank(mono, coverage=mono / ".coverage", use_cache=False, overrides={"top": 0, "git": False})
    rows = _rows(result)
    assert rows["services/shipping/shipping/route.py"].unmeasured == "not measured by this coverage data"
    assert rows["services/billing/billing/unused.py"].unmeasured == "never imported while the tests ran"
    assert rows["services/billing/billing/invoice.py"].unmeasured == ""  # measured
    assert result.summary.measured_roots == ("services/billing/billing",)
    assert result.summary.not_measured == 2  # route.py and the shipping package's (empty) __init__.py
    assert result.summary.coverage_tests == 1  # the recorded test file is matched, not "unmatched"


def test_without_coverage_data_every_row_says_so(tmp_path: Path) -> None:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = api.rank(tmp_path, use_cache=False, overrides={"top": 0, "git": False})
    assert result.summary.coverage_source is None
    assert {row.unmeasured for row in result.rows} == {"no coverage data"}
