"""Which Python runs the project's own code: its virtual environment, not gapfinder's interpreter.

Features that run the user's tests (scaffold's run-and-adapt, `progress --collect`, `doctor --run`)
must use the interpreter that has the project's dependencies. The choice, in order: `--python`,
a virtual environment in the project folder or a folder above it inside the same repository
(`.venv`, `venv`, `env`), the active `$VIRTUAL_ENV`, and last gapfinder's own interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gapfinder.errors import ProjectError

VENV_FOLDERS = (".venv", "venv", "env")


@dataclass(frozen=True)
class Interpreter:
    path: Path
    source: str  # "--python", "project venv .venv", "$VIRTUAL_ENV", "gapfinder's own interpreter"


def _venv_python(folder: Path) -> Path | None:
    if not (folder / "pyvenv.cfg").is_file():
        return None
    for candidate in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


def find_interpreter(root: Path, explicit: Path | None = None) -> Interpreter:
    """The interpreter to run the project at `root` with (a ProjectError when --python is unusable)."""
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise ProjectError(f"--python {explicit}: no executable file there.")
        return Interpreter(path.absolute(), "--python")
    root = Path(root).resolve()
    for folder in [root, *root.parents]:
        for name in VENV_FOLDERS:
            python = _venv_python(folder / name)
            if python is not None:
                where = name if folder == root else str(folder / name)
                return Interpreter(python.absolute(), f"project venv {where}")
        if (folder / ".git").exists():  # the repository's top: a venv above it is someone else's
            break
    active = os.environ.get("VIRTUAL_ENV")
    if active and (python := _venv_python(Path(active))) is not None:
        return Interpreter(python.absolute(), "$VIRTUAL_ENV")
    return Interpreter(Path(sys.executable), "gapfinder's own interpreter")


def can_import(interpreter: Interpreter, module: str, cwd: Path, timeout: float = 60.0) -> bool:
    """Whether `module` imports in that interpreter (run in a subprocess: it is the project's code)."""
    if not all(part.isidentifier() for part in module.split(".")):
        return False
    try:
        done = subprocess.run(
            [str(interpreter.path), "-c", f"import {module}"], cwd=cwd, capture_output=True, timeout=timeout,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
