"""The project's own Python: the interpreter that has its dependencies, for the features that run
the project's code (`progress --collect`, `doctor --run`). Never gapfinder's own unless nothing else is found.

Looked for in this order: an explicit --python, a virtual environment in the project's folder
(.venv, venv, env) or a folder above it inside the same repository, the activated one
($VIRTUAL_ENV), then gapfinder's own interpreter (with a note saying so, since that one rarely
has the project's dependencies).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gapfinder.errors import ConfigError

VENV_FOLDERS = (".venv", "venv", "env")
_EXECUTABLES = (("bin", "python"), ("Scripts", "python.exe"))


@dataclass(frozen=True)
class Interpreter:
    path: str
    found_by: str  # "--python" | "the project's .venv" | "$VIRTUAL_ENV" | "gapfinder's own"


def _in_environment(folder: Path) -> Path | None:
    for parts in _EXECUTABLES:
        candidate = folder.joinpath(*parts)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def project_python(root: Path, explicit: Path | str | None = None) -> Interpreter:
    """The interpreter to run the project's code with; ConfigError when --python is not one."""
    if explicit is not None:
        path = Path(explicit).expanduser()
        if path.is_dir():  # a virtual environment's folder is fine too
            path = _in_environment(path) or path
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ConfigError(f"--python {explicit} is not an executable Python interpreter.",
                              hint="Pass the path of the project's python, e.g. .venv/bin/python.")
        return Interpreter(str(path), "--python")
    root = Path(root).resolve()
    for folder in [root, *root.parents]:  # a service inside a repository often shares the top's venv
        for name in VENV_FOLDERS:
            found = _in_environment(folder / name)
            if found is not None and (folder / name / "pyvenv.cfg").is_file():
                return Interpreter(str(found), f"the project's {name}" if folder == root else str(folder / name))
        if (folder / ".git").exists():  # the repository's top: a venv above it belongs to someone else
            break
    active = os.environ.get("VIRTUAL_ENV")
    if active:  # activated for this project (also when gapfinder is installed in it)
        found = _in_environment(Path(active))
        if found is not None:
            return Interpreter(str(found), "$VIRTUAL_ENV")
    return Interpreter(sys.executable, "gapfinder's own")


def has_module(interpreter: Interpreter, module: str, cwd: Path, timeout: float = 60.0) -> bool:
    """Whether `module` imports in that interpreter (asked in a subprocess: it is the project's Python)."""
    if not all(part.isidentifier() for part in module.split(".")):
        return False
    try:
        done = subprocess.run([interpreter.path, "-c", f"import {module}"], cwd=cwd, capture_output=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
