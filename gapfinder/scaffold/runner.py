"""Run drafted tests in the project's own interpreter and read back what gapfinder's probe saw.

The probe (templates/scaffold_probe.py, a pytest plugin) is copied to a temporary folder and loaded
with `-p`; it cuts the network off, times each test out, and writes JSON. gapfinder reads only that
JSON: nothing of the project is imported here.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from gapfinder.core.pytest_config import read_settings

STRICT = ("-W", "error::RuntimeWarning", "-W", "error::pytest.PytestUnraisableExceptionWarning")
TEST_TIMEOUT = 10.0  # seconds per test
MUTANT_TIMEOUT = 2.0  # seconds per test on a mutant (a flipped loop condition may never end)


@dataclass(frozen=True)
class Observed:
    """What one pytest run of the drafts showed."""

    tests: dict[str, dict] = field(default_factory=dict)  # test name -> outcome, exception, result ...
    mutants: dict[str, dict] = field(default_factory=dict)  # test name -> {"total", "killed"}
    output: str = ""  # pytest's own output (its tail), for a run that reported no test

    def outcome(self, name: str) -> str:
        return self.tests.get(name, {}).get("outcome", "not run")


def run_drafts(
    python: Path, root: Path, test_files: list[str], target_file: Path, target_module: str, *,
    seed: int | None = None, repeat: int = 1, mutate: dict[str, str] | None = None, timeout: float = 180.0,
) -> Observed:
    """One pytest process on test_files (relative to root) under the probe; with a seed, the tests
    run `repeat` times, each pass in another shuffled order, and a failure on any pass counts."""
    with tempfile.TemporaryDirectory(prefix="gapfinder-probe-") as folder:
        probe = Path(folder)
        (probe / "scaffold_probe.py").write_text(
            files("gapfinder.templates").joinpath("scaffold_probe.py").read_text(encoding="utf-8"), encoding="utf-8")
        settings = {"out": str(probe / "observed.json"), "target_file": str(target_file),
                    "target_module": target_module, "seed": seed, "repeat": repeat, "mutate": mutate or {},
                    "timeout": TEST_TIMEOUT, "mutant_timeout": MUTANT_TIMEOUT}
        (probe / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_ADDOPTS", "COV_CORE"))}
        env["PYTHONPATH"] = os.pathsep.join([folder, *filter(None, [env.get("PYTHONPATH")])])
        env["GAPFINDER_PROBE"] = str(probe / "settings.json")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [str(python), "-m", "pytest", *test_files, "-p", "scaffold_probe", "-p", "no:cacheprovider",
                   "-q", "--no-header", "-rN", *STRICT, *_neutralised(root)]
        try:
            done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
            output = done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            output = f"pytest did not finish within {timeout:.0f} s"
        out = probe / "observed.json"
        if not out.is_file():
            return Observed(output=output[-2000:])
        try:
            data = json.loads(out.read_text(encoding="utf-8"))
        except ValueError:
            return Observed(output=output[-2000:])
    return Observed(data.get("tests", {}), data.get("mutants", {}), output[-2000:])


def _neutralised(root: Path) -> list[str]:
    """Options that undo what the project's addopts would make of an internal run: parallel workers
    (the probe reports from one process) and coverage thresholds."""
    addopts = read_settings(root).addopts
    extra = []
    if any(a in ("-n", "--numprocesses", "--dist") or a.startswith(("-n", "--numprocesses=")) for a in addopts):
        extra += ["-n", "0"]
    if any(a.startswith("--cov") for a in addopts):
        extra.append("--no-cov")
    return extra
