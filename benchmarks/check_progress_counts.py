"""Check `gapfinder progress`'s static test count against pytest's own collection on real suites.

For each project: download its sdist (which carries its tests) into /tmp, install it with its test
dependencies into a venv there, run `pytest --collect-only` and gapfinder's static count in the
unpacked source, and compare. Targets: test functions within 1%, cases (items) within 2%.

    python benchmarks/check_progress_counts.py [--work /tmp/gapfinder-bench] [NAME ...]

Needs network access to PyPI; nothing downloaded is committed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

from gapfinder.progress.measure import pytest_items
from gapfinder.progress.count import count_tests

# name -> (version, extra test requirements)
PROJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "attrs": ("25.3.0", ("pytest", "hypothesis", "cloudpickle", "pympler")),
    "click": ("8.1.8", ("pytest<9",)),  # pytest 9 rejects its itertools.chain argvalues
    "jinja2": ("3.1.6", ("pytest", "trio")),
    "itsdangerous": ("2.2.0", ("pytest", "freezegun")),
    "more-itertools": ("10.7.0", ("pytest",)),
    "marshmallow": ("3.26.1", ("pytest", "simplejson")),
    "packaging": ("25.0", ("pytest", "pretend")),
}
TESTS_TOLERANCE, CASES_TOLERANCE = 0.01, 0.02


def run(command: list[str], cwd: Path | None = None) -> None:
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def prepare(name: str, version: str, requirements: tuple[str, ...], work: Path) -> tuple[Path, str]:
    """Unpacked source folder and the venv's python for one project."""
    sdists = work / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    spec = f"{name}=={version}"
    archive = next(sdists.glob(f"{name.replace('-', '[-_]')}-{version}.tar.gz"), None)
    if archive is None:
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", name, "-d", str(sdists), spec])
        archive = next(p for p in sdists.iterdir() if p.name.lower().replace("_", "-").startswith(f"{name}-{version}"))
    source = work / "src" / archive.name[: -len(".tar.gz")]
    if not source.is_dir():
        with tarfile.open(archive) as tar:
            tar.extractall(work / "src", filter="data") if sys.version_info >= (3, 12) else tar.extractall(work / "src")
    env = work / "venvs" / name
    python = str(env / "bin" / "python")
    if not env.is_dir():
        venv.create(env, with_pip=True)
        run([python, "-m", "pip", "install", "-q", str(source), *requirements])
    return source, python


def compare(name: str, source: Path, python: str) -> dict[str, object]:
    items, error, _ = pytest_items(source, python)
    counted = count_tests(source)
    static_tests, static_cases = len(counted.items), sum(i.cases for i in counted.items)
    pytest_tests, pytest_cases = len(items), sum(items.values())
    static_ids = {f"{i.path}::{i.name}": i.cases for i in counted.items}
    differing = sorted(k for k in set(static_ids) | set(items) if static_ids.get(k, 0) != items.get(k, 0))
    return {
        "project": name,
        "static_tests": static_tests, "pytest_tests": pytest_tests,
        "static_cases": static_cases, "pytest_cases": pytest_cases,
        "tests_ok": abs(static_tests - pytest_tests) <= TESTS_TOLERANCE * pytest_tests,
        "cases_ok": abs(static_cases - pytest_cases) <= CASES_TOLERANCE * pytest_cases,
        "differing": [(k, static_ids.get(k, 0), items.get(k, 0)) for k in differing],
        "error": error,
        "unparsable": [s.path for s in counted.unparsable],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(PROJECTS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/gapfinder-bench"))
    parser.add_argument("--show", type=int, default=10, help="differing node ids to show per project")
    args = parser.parse_args()
    failures = 0
    print(f"{'project':<16} {'tests static/pytest':>22} {'cases static/pytest':>22}")
    for name in args.names:
        version, requirements = PROJECTS[name]
        try:
            source, python = prepare(name, version, requirements, args.work)
        except subprocess.CalledProcessError as exc:
            print(f"{name:<16} could not be prepared: {exc.stderr.decode(errors='replace').strip()[-300:]}")
            failures += 1
            continue
        row = compare(f"{name} {version}", source, python)
        ok = row["tests_ok"] and row["cases_ok"]
        failures += not ok
        print(f"{row['project']:<16} {row['static_tests']:>10}/{row['pytest_tests']:<11}"
              f" {row['static_cases']:>10}/{row['pytest_cases']:<11} {'ok' if ok else 'OUT OF TOLERANCE'}")
        for nodeid, static, real in row["differing"][: args.show]:  # type: ignore[index]
            print(f"    {nodeid}: static {static}, pytest {real}")
        if row["error"]:
            print(f"    pytest: {row['error']}")
        if row["unparsable"]:
            print(f"    unparsable: {', '.join(row['unparsable'])}")  # type: ignore[arg-type]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
