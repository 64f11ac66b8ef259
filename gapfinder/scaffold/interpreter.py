"""Which Python runs the project's tests: `--python PATH`, else the virtual environment that
imports the project (an active one, or one in or next to the project folder).

The drafts are run only by the project's own interpreter, never by gapfinder's: the project's code
and dependencies belong there.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gapfinder.errors import ProjectError

VENV_NAMES = (".venv", "venv", "env", ".env")
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = "python.exe" if os.name == "nt" else "python"


def find_python(root: Path, given: Path | None = None) -> Path | None:
    """The interpreter to run the project's tests; None when no candidate has pytest."""
    if given is not None:
        if not Path(given).is_file():
            raise ProjectError(f"--python {given} is not a file.")
        return Path(given)
    for candidate in _candidates(root):
        if candidate.is_file() and _has_pytest(candidate, root):
            return candidate
    return None


def _candidates(root: Path) -> list[Path]:
    found = []
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        found.append(Path(active) / BIN / EXE)
    for folder in (root, *list(root.parents)[:2]):
        found += [folder / name / BIN / EXE for name in VENV_NAMES]
    return found


def _has_pytest(python: Path, root: Path) -> bool:
    try:
        done = subprocess.run([str(python), "-c", "import pytest"], cwd=root, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
