"""The command line's habits: -h everywhere, help a person can read, -q and -v on every command,
plain error sentences, and a table that fits where it is printed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COMMANDS = ["rank", "scaffold", "progress", "doctor"]


@pytest.mark.parametrize("command", COMMANDS)
def test_short_help_and_no_internal_type_names(command: str) -> None:
    done = runner.invoke(app, [command, "-h"], env={"COLUMNS": "200"})
    assert done.exit_code == 0 and "Usage: gapfinder " + command in done.stdout
    options = done.stdout.split("Options:", 1)[1]  # typer always types arguments; options name their values
    internal = re.findall(r"<(list\[\w+\]|str|int range|float|int|path)>", options)
    assert internal == [], internal


def test_completion_can_be_installed() -> None:
    assert "--install-completion" in runner.invoke(app, ["-h"]).stdout


def test_quiet_is_quiet_on_every_command(tmp_path: Path) -> None:
    project = Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path / "svc"))
    runs = {
        "rank": ["rank", str(project), "--no-git", "-q"],
        "progress": ["progress", str(project), "-q"],
        "scaffold": ["scaffold", str(project / "app" / "cache.py"), "--dry-run", "-q"],
        "doctor": ["doctor", str(project / "tests"), "-q"],
    }
    for command, argv in runs.items():
        done = runner.invoke(app, argv)
        assert done.exit_code in (0, 1), (command, done.stderr)
        assert done.stderr == "", (command, done.stderr)


def test_verbose_says_more_on_every_command(tmp_path: Path) -> None:
    project = Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path / "svc"))
    stored = FIXTURES / "coverage-files" / "ci-other-root.coverage"
    runs = {
        "rank": (["rank", str(project), "--no-git", "--coverage", str(stored), "-f", "json", "--top", "2", "-v"],
                 ["modules analysed", "coverage data: ", "more modules not shown (--top 2"]),
        "progress": (["progress", str(project), "-v"], ["pytest settings: pyproject.toml; testpaths: tests",
                                                        "test files read"]),
        "scaffold": (["scaffold", str(project / "app" / "cache.py"), "--dry-run", "-v"],
                     ["tests/unit/test_cache.py: test_cache_get\n"]),
        "doctor": (["doctor", str(project / "tests"), "-v"], ["test files linted: "]),
    }
    for command, (argv, said) in runs.items():
        plain = runner.invoke(app, argv[:-1])
        done = runner.invoke(app, argv)
        assert done.exit_code == plain.exit_code, (command, done.stderr)
        timeless = [re.sub(r'"seconds": [0-9.]+', "", d.stdout) for d in (done, plain)]
        assert timeless[0] == timeless[1], command  # -v speaks on stderr only
        for text in [*said, "done in "]:
            assert text in done.stderr and text not in plain.stderr, (command, text, done.stderr)


def test_quiet_and_verbose_together_is_bad_input() -> None:
    done = runner.invoke(app, ["rank", ".", "-q", "-v"])
    assert done.exit_code == 2 and done.stderr == "error: -q and -v ask for opposite things; pass one of them.\n"


@pytest.mark.parametrize("args, message", [
    (["--format", "nope"], "'nope' is not one of 'table', 'json'"),
    (["--top", "x"], "'x' is not a whole number."),
    (["--top", "-1"], "'-1' is less than 0, the least it can be."),
    (["--fail-under", "abc"], "'abc' is not a number."),
])
def test_command_line_errors_are_plain_sentences(args: list[str], message: str) -> None:
    done = runner.invoke(app, ["rank", ".", *args])
    assert done.exit_code == 2 and message in done.stderr, done.stderr
    assert "Value error" not in done.stderr and "Input should" not in done.stderr


NAME = "inventory_management.warehouse_operations.replenishment_planning.seasonal_demand_forecasting:forecast"


def test_piped_table_fits_and_never_splits_a_name(tmp_path: Path) -> None:
    """Off a terminal the table is 100 columns wide ($COLUMNS when set); long dotted names wrap at
    their dots, never inside a word."""
    project = tmp_path / "proj"
    deep = project / "inventory_management" / "warehouse_operations" / "replenishment_planning"
    deep.mkdir(parents=True)
    for folder in (project / "inventory_management", project / "inventory_management" / "warehouse_operations", deep):
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (deep / "seasonal_demand_forecasting.py").write_text(
        "def forecast(history):\n    if not history:\n        return 0\n    return sum(history) / len(history)\n",
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    for columns, width in ((None, 100), ("80", 80)):
        run_env = env if columns is None else {**env, "COLUMNS": columns}
        done = subprocess.run([sys.executable, "-m", "gapfinder", "rank", str(project), "--no-git", "--no-cache",
                               "-q", "--by", "function"], capture_output=True, text=True, env=run_env)
        assert done.returncode == 0, done.stderr
        rows = [line for line in done.stdout.splitlines() if line.startswith("│")]
        assert rows and all(len(line) <= width for line in rows), (width, max(len(x) for x in rows))
        name_cells = "".join(line.split("│")[3].strip() for line in rows)
        # Each dotted part whole, or (too long for the column on its own) cut with an ellipsis.
        parts = re.split(r"(?<=[.:])", NAME)
        whole_or_cut = "".join(f"(?:{re.escape(p)}|(?:{'|'.join(re.escape(p[:k]) for k in range(1, len(p)))})…)"
                               for p in parts)
        assert re.fullmatch(whole_or_cut, name_cells), (width, name_cells)
        assert (name_cells == NAME) == (width == 100)  # 100 columns hold every part whole


def test_verbose_shows_a_bug_s_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("gapfinder.api.rank", broken)
    done = runner.invoke(app, ["rank", ".", "--no-git"], env={"GAPFINDER_DEBUG": ""})
    assert done.exit_code == 3 and "Traceback" not in done.stderr
    assert "internal error: RuntimeError: a bug" in done.stderr and "run again with -v" in done.stderr
    done = runner.invoke(app, ["rank", ".", "--no-git", "-v"], env={"GAPFINDER_DEBUG": ""})
    assert done.exit_code == 3 and "Traceback (most recent call last)" in done.stderr and "in broken" in done.stderr
