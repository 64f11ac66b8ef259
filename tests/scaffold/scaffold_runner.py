"""Copies of the fixture projects, and pytest runs of generated tests in a subprocess."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STRICT = ["-W", "error::RuntimeWarning", "-W", "error::pytest.PytestUnraisableExceptionWarning"]


@dataclass
class SuiteRun:
    returncode: int
    outcomes: dict[str, str]  # "file::test" -> "passed" | "failed" | "error" | "skipped"
    warnings: int
    output: str


def copy_fixture(name: str, tmp: Path) -> Path:
    target = tmp / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return target


def write_package(root: Path, package: str, modules: dict[str, str]) -> Path:
    """A project of one package (`modules`: file name -> source) whose tests import it from the root."""
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{package}"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (root / package).mkdir()
    (root / package / "__init__.py").write_text("")
    for name, source in modules.items():
        (root / package / name).write_text(source)
    return root


def drafted_test(text: str, name: str) -> str:
    """The source of one generated test function, from its `def` line to the blank lines after it."""
    return text.split(f"def {name}(", 1)[1].split("\n\n\n", 1)[0]


def run_pytest(project: Path, *args: str, coverage_rc: Path | None = None) -> SuiteRun:
    """Run pytest on the project's generated tests in a fresh interpreter, warnings as errors."""
    junit = project / "junit.xml"
    command = [sys.executable]
    if coverage_rc is not None:
        command += ["-m", "coverage", "run", f"--rcfile={coverage_rc}"]
    command += ["-m", "pytest", "-q", "-p", "no:cacheprovider", *STRICT, f"--junitxml={junit}", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("GAPFINDER_DEBUG", None)
    proc = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300, env=env)
    outcomes: dict[str, str] = {}
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = f"{case.get('classname')}::{case.get('name')}"
            kinds = {child.tag for child in case}
            outcomes[name] = ("failed" if "failure" in kinds else "error" if "error" in kinds
                              else "skipped" if "skipped" in kinds else "passed")
    warnings = proc.stdout.count("Warning") if "warnings summary" in proc.stdout else 0
    return SuiteRun(proc.returncode, outcomes, warnings, proc.stdout + proc.stderr)


def function_body_lines(source: str) -> set[int]:
    """Lines inside function bodies (import-time lines such as `def` and decorators excluded)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def body_coverage(coverage_json: Path, project: Path, context_prefix: str) -> dict[str, tuple[int, int]]:
    """{source path: (function-body statements, those run by tests whose context starts with prefix)}.

    Needs a coverage run with `dynamic_context = test_function` and `coverage json --show-contexts`.
    """
    data = json.loads(coverage_json.read_text())
    found = {}
    for path, info in data["files"].items():
        body = function_body_lines((project / path).read_text())
        statements = {line for line in info["executed_lines"] + info["missing_lines"] if line in body}
        contexts = info.get("contexts", {})
        covered = {line for line in statements
                   if any(c.startswith(context_prefix) for c in contexts.get(str(line), []))}
        found[path] = (len(statements), len(covered))
    return found


def coverage_json(project: Path, rcfile: Path) -> Path:
    target = project / "coverage.json"
    subprocess.run([sys.executable, "-m", "coverage", "json", f"--rcfile={rcfile}", "--show-contexts", "-q",
                    "-o", str(target)], cwd=project, check=True, capture_output=True, timeout=120)
    return target
