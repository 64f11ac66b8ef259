"""Run drafted tests in the project's own interpreter and read back what gapfinder's probe saw.

The probe (templates/scaffold_probe.py, a pytest plugin) is copied to a temporary folder and loaded
with `-p` beside gapfinder_offline (core/pytest_run.py); it times each test out and writes JSON. gapfinder reads only that
JSON: nothing of the project is imported here.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gapfinder.core.pytest_run import install_plugins, neutralising_options, run_environment

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
    targets: dict[str, str] | None = None, select: list[str] | None = None,
) -> Observed:
    """One pytest process on test_files (relative to root) under the probe; with a seed, the tests
    run `repeat` times, each pass in another shuffled order, and a failure on any pass counts.
    `targets` (test -> qualname of the function it tests) lets the probe see what the call wrote to
    its `self`; `mutate` (the same shape) runs each passing test against mutants of its target;
    `select` runs only the tests of those names."""
    with tempfile.TemporaryDirectory(prefix="gapfinder-probe-") as folder:
        probe = Path(folder)
        plugins = install_plugins(probe, "scaffold_probe")
        settings = {"out": str(probe / "observed.json"), "target_file": str(target_file),
                    "target_module": target_module, "seed": seed, "repeat": repeat, "mutate": mutate or {},
                    "targets": targets or mutate or {}, "select": select or [],
                    "timeout": TEST_TIMEOUT, "mutant_timeout": MUTANT_TIMEOUT}
        (probe / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        env = run_environment(probe, GAPFINDER_PROBE=str(probe / "settings.json"))
        command = [str(python), "-m", "pytest", *test_files, *plugins, "-p", "no:cacheprovider",
                   "-q", "--no-header", "-rN", *STRICT, *neutralising_options(root)]
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
