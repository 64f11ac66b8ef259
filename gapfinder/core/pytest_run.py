"""gapfinder's own pytest runs in the PROJECT's interpreter (scaffold's run-and-adapt, `doctor --run`).

Its plugins (in gapfinder.templates) are copied to a temporary folder and loaded with `-p`, always
with gapfinder_offline, which cuts the network off; the environment writes no bytecode into the
project; and options undo what the project's addopts would make of an internal run.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from gapfinder.core.pytest_config import read_settings

OFFLINE = "gapfinder_offline"


def install_plugins(folder: Path, *names: str) -> list[str]:
    """Copy the offline plugin and `names` from gapfinder.templates into folder; the `-p` options that load them."""
    options: list[str] = []
    for name in (OFFLINE, *names):
        source = files("gapfinder.templates").joinpath(f"{name}.py").read_text(encoding="utf-8")
        (Path(folder) / f"{name}.py").write_text(source, encoding="utf-8")
        options += ["-p", name]
    return options


def run_environment(folder: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the plugins' folder on PYTHONPATH, no bytecode written, and
    none of the variables that would add options or coverage to the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_ADDOPTS", "COV_CORE"))}
    env["PYTHONPATH"] = os.pathsep.join([str(folder), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return {**env, **extra}


def neutralising_options(root: Path) -> list[str]:
    """Options that undo what the project's addopts would make of an internal run: parallel workers
    (one order, reported from one process) and coverage thresholds."""
    addopts = read_settings(root).addopts
    extra = []
    if any(a in ("-n", "--numprocesses", "--dist") or a.startswith(("-n", "--numprocesses=")) for a in addopts):
        extra += ["-n", "0"]
    if any(a.startswith("--cov") for a in addopts):
        extra.append("--no-cov")
    return extra
