"""Real coverage data for the fixture projects, produced once per test session.

Each fixture copies a project from fixtures/ into a temporary folder and runs its own test suite
under coverage.py in a subprocess (branch coverage, one context per test function), then writes
the XML, JSON (with contexts) and lcov reports. Loaded as a pytest plugin by tests/conftest.py, so
any test module can ask for `asyncsvc_run`, `srclib_run`, `srclib_parallel_run` or `broken_run`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RCFILE = "[run]\nbranch = True\ndynamic_context = test_function\n"
REPORTS = (
    "import coverage; cov = coverage.Coverage(); cov.load(); "
    "cov.xml_report(outfile='coverage.xml'); cov.json_report(outfile='coverage.json', show_contexts=True); "
    "cov.lcov_report(outfile='lcov.info')"
)


@dataclass(frozen=True)
class CoverageRun:
    """A fixture project copied to `root`, its tests run under coverage, every format written."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / ".coverage"

    @property
    def xml(self) -> Path:
        return self.root / "coverage.xml"

    @property
    def json(self) -> Path:
        return self.root / "coverage.json"

    @property
    def lcov(self) -> Path:
        return self.root / "lcov.info"

    def by_format(self) -> dict[str, Path]:
        return {"coverage.py": self.data, "cobertura": self.xml, "json": self.json, "lcov": self.lcov}


def run_python(cwd: Path, *args: str) -> None:
    """Run `python args` in cwd; fail the test with its output if it fails."""
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"`python {' '.join(args)}` failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")


def copy_fixture(name: str, dest: Path) -> Path:
    root = dest / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return root


def coverage_run(name: str, dest: Path) -> CoverageRun:
    """Copy fixture `name` under dest, run its tests under coverage, write every report."""
    root = copy_fixture(name, dest)
    (root / ".coveragerc").write_text(RCFILE)
    run_python(root, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider")
    run_python(root, "-c", REPORTS)
    return CoverageRun(root)


@pytest.fixture(scope="session")
def asyncsvc_run(tmp_path_factory: pytest.TempPathFactory) -> CoverageRun:
    return coverage_run("asyncsvc", tmp_path_factory.mktemp("asyncsvc-run"))


@pytest.fixture(scope="session")
def srclib_run(tmp_path_factory: pytest.TempPathFactory) -> CoverageRun:
    return coverage_run("srclib", tmp_path_factory.mktemp("srclib-run"))


@pytest.fixture(scope="session")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> CoverageRun:
    return coverage_run("broken", tmp_path_factory.mktemp("broken-run"))


@pytest.fixture(scope="session")
def srclib_parallel_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """srclib's two test files run separately with `coverage run -p --context=NAME`.

    Leaves two parallel `.coverage.*` files (no `.coverage`) in the returned project folder:
    one with the static context "tokens", one with "csv".
    """
    root = copy_fixture("srclib", tmp_path_factory.mktemp("srclib-parallel"))
    for context, test_file in (("tokens", "tests/test_tokens.py"), ("csv", "tests/test_csvlite.py")):
        run_python(
            root, "-m", "coverage", "run", "-p", "--branch", f"--context={context}",
            "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", test_file,
        )
    return root
