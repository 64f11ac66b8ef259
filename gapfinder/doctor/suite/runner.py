"""One pytest run in the project's interpreter, in a given order, read back as data.

gapfinder never imports the project: it starts `python -m pytest` with its plugins
(templates/gapfinder_suite.py and the network cut-off, core/pytest_run.py) and reads the JSON lines
the suite plugin writes. The run cannot change the
project: no cache folder, no bytecode; JUnit XML and results go to gapfinder's own folder.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from gapfinder.core.interpreter import Interpreter
from gapfinder.core.pytest_run import install_plugins, neutralising_options, run_environment
from gapfinder.errors import ProjectError

PLUGIN_NAME = "gapfinder_suite"  # templates/gapfinder_suite.py
FAILED = frozenset({"failed", "error"})


@dataclass(frozen=True)
class CaseResult:
    test: str
    outcome: str  # passed, failed, error, skipped, xfailed, xpassed
    message: str | None
    location: tuple[str, int]
    seconds: float
    left: tuple[dict, ...] = ()  # what the test left behind (record_state runs only)

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED


@dataclass(frozen=True)
class RunOutcome:
    order: tuple[str, ...]  # the tests in the order they ran (as far as the run got)
    results: dict[str, CaseResult]
    seconds: float
    timed_out: bool
    hung: str | None = None  # the test running when the run was stopped
    exit_code: int | None = None
    missing: tuple[str, ...] = ()


@dataclass
class Session:
    """Everything the runs of one `doctor --run` share: interpreter, project, limits, a scratch folder."""

    interpreter: Interpreter
    root: Path
    paths: tuple[str, ...]
    test_timeout: float
    deadline: float  # time.monotonic() when the whole job must stop
    junit_dir: Path | None = None
    runs: int = 0
    rootdir: Path = Path()
    plugins: list[str] = field(default_factory=list)  # the -p options that load gapfinder's plugins
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="gapfinder-run-")))

    def __post_init__(self) -> None:
        self.plugins = install_plugins(self.scratch, PLUGIN_NAME)
        if self.junit_dir is not None and self.junit_dir.is_dir() and not self.junit_dir.is_symlink():
            for old in self.junit_dir.glob("*.xml"):  # the last job's runs: this job's replace them all
                if old.is_file() and not old.is_symlink():
                    old.unlink()

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    @property
    def left(self) -> float:
        return self.deadline - time.monotonic()

    def command(self, tests: Sequence[str] = ()) -> list[str]:
        """The pytest command line (without gapfinder's plugin) for these test ids (default: the paths
        given), as a person would reproduce it from the project root."""
        return self._pytest() + ([self.argument(test) for test in tests] or list(self.paths))

    def _pytest(self) -> list[str]:
        args = [str(self.interpreter.path), "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"]
        return args + neutralising_options(self.root)

    def collect(self) -> list[str]:
        """The suite's test ids in pytest's own order (pytest's rootdir is kept to name files)."""
        lines = self._checked({"order": None, "collect_only": True}, ["--collect-only", "-q"], "collect")
        self.rootdir = next((Path(line["rootdir"]) for line in lines if "rootdir" in line), self.root)
        return [line["collected"] for line in lines if "collected" in line]

    def project_path(self, pytest_path: str) -> str:
        """A path pytest printed (relative to its rootdir) as a path relative to the project root."""
        return os.path.relpath(self.rootdir / pytest_path, self.root)

    def argument(self, nodeid: str) -> str:
        """A test id as a command-line argument given from the project root."""
        path, sep, rest = nodeid.partition("::")
        return self.project_path(path) + sep + rest

    def run(self, order: Sequence[str] | None, *, label: str, record_state: bool = False) -> RunOutcome:
        """Run `order` (None: every test in file order); results per test, also when the run is cut short."""
        started = time.monotonic()
        settings = {"order": list(order) if order is not None else None, "record_state": record_state}
        junit = [f"--junitxml={self.junit_dir / f'{label}.xml'}"] if self.junit_dir is not None else []
        # Only the files of the chosen tests are collected: a bisection step does not import the whole suite.
        files = list(dict.fromkeys(self.argument(test).partition("::")[0] for test in order or ()))
        try:
            lines, exit_code, timed_out = self._execute(settings, ["-q", *junit], label, files)
        finally:
            self.runs += 1
        results: dict[str, CaseResult] = {}
        ran: list[str] = []
        started_last = None
        missing: tuple[str, ...] = ()
        for line in lines:
            if "started" in line:
                started_last = line["started"]
            elif "test" in line:
                ran.append(line["test"])
                results[line["test"]] = CaseResult(
                    line["test"], line["outcome"], line.get("message"),
                    (line["location"][0], int(line["location"][1])), float(line["seconds"]),
                    tuple(line.get("left", ())),
                )
            elif "missing" in line:
                missing = tuple(line["missing"])
        hung = started_last if started_last is not None and started_last not in results else None
        return RunOutcome(tuple(ran), results, time.monotonic() - started, timed_out, hung, exit_code, missing)

    def _checked(self, settings: dict, extra: list[str], label: str) -> list[dict]:
        lines, exit_code, timed_out = self._execute(settings, extra, label)
        if timed_out or exit_code not in (0, 1, 5):
            raise ProjectError(
                f"pytest could not collect the tests with {self.interpreter.path} ({self.interpreter.found_by}): "
                f"exit code {exit_code}{' (timed out)' if timed_out else ''}.",
                hint=f"run `{shlex.join(self.command())} --collect-only` to see why, or pass --python.")
        return lines

    def _execute(self, settings: dict, extra: list[str], label: str,
                 files: Sequence[str] = ()) -> tuple[list[dict], int | None, bool]:
        results = self.scratch / f"{label}.jsonl"
        results.unlink(missing_ok=True)
        config = self.scratch / f"{label}.json"
        config.write_text(json.dumps({**settings, "results": str(results), "root": str(self.root),
                                      "test_timeout": self.test_timeout}), encoding="utf-8")
        env = run_environment(self.scratch, GAPFINDER_SUITE=str(config), PY_COLORS="0")
        command = [*self._pytest(), *(files or self.paths), *self.plugins, *extra]
        timeout = max(1.0, self.left)
        process = subprocess.Popen(command, cwd=self.root, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            exit_code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            exit_code = None
        return _read_lines(results), exit_code, timed_out


def _read_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            value = json.loads(raw)
        except ValueError:  # the last line of a killed run may be cut short
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines
