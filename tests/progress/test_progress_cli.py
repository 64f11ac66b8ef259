"""`gapfinder progress` through the command line: formats, history, bad input, concurrent records."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.progress import ledger
from gapfinder.cli import app

SUITES = Path(__file__).resolve().parents[2] / "fixtures" / "suites"
runner = CliRunner()


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A private copy of the shop suite, so recording history never touches the repository."""
    return Path(shutil.copytree(SUITES / "shop", tmp_path / "shop"))


def _json(*args: str) -> dict:
    result = runner.invoke(app, ["progress", *args, "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_shape(shop: Path) -> None:
    data = _json(str(shop), "--target", "50")
    assert data["format_version"] == 1
    assert (data["tests"], data["cases"], data["finished"], data["scaffolded"]) == (36, 74, 32, 4)
    assert data["target"] == {"total": 50, "done": 32, "percent": 64.0, "new": False}
    assert data["baseline"] is None
    assert data["kinds"]["integration"]["scaffolded"] == 2
    assert data["history"] == {"recorded": False, "previous": None, "delta": None,
                               "trend": {"total": [36], "unit": [26], "integration": [5], "e2e": [5]}}
    assert data["pytest"] is None and data["unparsable"] == []


def test_history_across_two_recorded_snapshots(shop: Path) -> None:
    first = _json(str(shop), "--record")
    assert first["history"]["recorded"] and first["history"]["previous"] is None
    (shop / "tests" / "e2e" / "test_search.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('q', ['a', 'b'])\ndef test_search(q):\n    assert q\n"
    )
    second = _json(str(shop), "--record")
    assert second["history"]["previous"]["tests"] == 36
    assert second["history"]["delta"] == {"tests": 1, "cases": 2, "finished": 1, "scaffolded": 0,
                                          "kinds": {"unit": 0, "integration": 0, "e2e": 1}}
    assert second["history"]["trend"]["e2e"] == [5, 6]
    assert len(ledger.history(shop, 10)) == 2
    # without --record the report compares with the last snapshot and records nothing
    third = _json(str(shop))
    assert third["history"]["delta"]["tests"] == 0 and len(ledger.history(shop, 10)) == 2
    markdown = runner.invoke(app, ["progress", str(shop), "--format", "markdown", "--target", "40"]).stdout
    assert "| e2e | 6 | 4 | 2 | 9 |" in markdown and "±0" in markdown and "▁█" in markdown


def test_table_shows_bars_toward_the_target(shop: Path) -> None:
    result = runner.invoke(app, ["progress", str(shop), "--target", "64"])
    assert result.exit_code == 0
    assert "32/64+ finished tests toward the target (50%)" in result.stdout
    assert "████████████░░░░░░░░░░░░ 50%" in result.stdout


def test_collect_compares_with_pytest(shop: Path) -> None:
    data = _json(str(shop), "--collect", "--python", sys.executable)
    assert data["pytest"] == {"tests": 36, "cases": 74, "error": None, "differences": [], "python": sys.executable,
                              "found_by": "--python", "collection_errors": []}


def test_no_tests_found(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    result = runner.invoke(app, ["progress", str(tmp_path)])
    assert result.exit_code == 2
    assert "error: no tests found under" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("target", ["0", "-5", "many"])
def test_target_not_a_positive_number(shop: Path, target: str) -> None:
    result = runner.invoke(app, ["progress", str(shop), "--target", target])
    assert result.exit_code == 2
    assert f"--target must be a whole number greater than 0, not '{target}'" in result.stderr


def test_target_in_configuration_not_a_positive_number(shop: Path) -> None:
    (shop / "pyproject.toml").write_text("[tool.gapfinder]\ntarget = { total = 0 }\n")
    result = runner.invoke(app, ["progress", str(shop)])
    assert result.exit_code == 2
    assert "'target' must be a whole number > 0" in result.stderr


def test_unparsable_file_is_named_and_the_run_goes_on() -> None:
    result = runner.invoke(app, ["progress", str(SUITES / "broken")])
    assert result.exit_code == 0
    assert "unparsable: tests/test_bad_syntax.py (syntax error at line 1" in result.stdout


def test_corrupt_history_is_one_line_error(shop: Path) -> None:
    (shop / ".gapfinder").mkdir()
    (shop / ".gapfinder" / "progress.sqlite").write_bytes(b"not a database" * 100)
    result = runner.invoke(app, ["progress", str(shop), "--record"])
    assert result.exit_code == 2
    assert "is not a usable progress history" in result.stderr


def test_concurrent_records_all_land(tmp_path: Path) -> None:
    """Four processes recording at once: every snapshot is written whole."""
    script = (
        "import sys; from pathlib import Path; from gapfinder.progress import ledger\n"
        "snap = ledger.Snapshot('t', None, int(sys.argv[2]), 0, 0, 0, None, None,"
        " {'unit': ledger.KindTotals(int(sys.argv[2]), 0, 0, 0)})\n"
        "for _ in range(5): ledger.record(Path(sys.argv[1]), snap)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(n)]) for n in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    snapshots = ledger.history(tmp_path, 100)
    assert sorted(s.tests for s in snapshots) == sorted(list(range(4)) * 5)
    assert all(s.kinds["unit"].tests == s.tests for s in snapshots)

