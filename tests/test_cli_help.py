"""The command line's habits: -h everywhere, help a person can read, -q on every command."""

from __future__ import annotations

import re
import shutil
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
