"""Scaffold every module of a fixture project and report, per module: tests generated, passed,
function-body coverage from the module's own unit tests, and TODOs left.

    python benchmarks/scaffold_report.py [asyncsvc|srclib|shapes ...]

Runs the generated suite in one subprocess under coverage (dynamic contexts per test) with leaked
coroutines as errors. Slower than the default test suite, so it lives here.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "scaffold"))

from scaffold_runner import body_coverage, copy_fixture, coverage_json, run_pytest  # noqa: E402

from gapfinder.config import load_config  # noqa: E402
from gapfinder.core.project import discover  # noqa: E402
from gapfinder.scaffold.pipeline import scaffold  # noqa: E402
from gapfinder.scaffold.writer import file_name_for  # noqa: E402

KINDS = ("unit", "integration", "e2e")


def report(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_fixture(name, Path(tmp))
        config = load_config(project)
        files = discover(project, config).files
        results = {f.module: scaffold(f.module, project_root=project, kinds=KINDS) for f in files}
        package = files[0].module.split(".", 1)[0]
        rc = project / "scaffold-coverage.rc"
        rc.write_text(f"[run]\nsource = {package}\ndynamic_context = test_function\n")
        folders = [d for d in ("tests/unit", "tests/integration", "tests/e2e") if (project / d).is_dir()]
        run = run_pytest(project, "-p", "no:randomly", *folders, coverage_rc=rc)
        cov = coverage_json(project, rc)
        print(f"\n{name}: generated suite exit code {run.returncode}")
        print(f"{'module':<28} {'tests':>5} {'passed':>6} {'body cov':>9} {'TODOs':>5}")
        totals = [0, 0, 0, 0, 0]
        for module, result in results.items():
            if result.message:
                print(f"{module:<28} {'-':>5} {'-':>6} {'-':>9} {'-':>5}  ({result.message})")
                continue
            stems = {Path(file_name_for(module)).stem}
            mine = {k: v for k, v in run.outcomes.items() if k.rsplit("::", 1)[0].rsplit(".", 1)[-1] in stems}
            passed = sum(1 for v in mine.values() if v == "passed")
            statements, covered = body_coverage(cov, project, f"unit.{next(iter(stems))}.")[result.source]
            percent = 100.0 * covered / statements if statements else 100.0
            print(f"{module:<28} {len(mine):>5} {passed:>6} {percent:>8.1f}% {result.todos:>5}")
            for i, value in enumerate((len(mine), passed, statements, covered, result.todos)):
                totals[i] += value
        percent = 100.0 * totals[3] / totals[2] if totals[2] else 100.0
        print(f"{'total':<28} {totals[0]:>5} {totals[1]:>6} {percent:>8.1f}% {totals[4]:>5}")


if __name__ == "__main__":
    for fixture in sys.argv[1:] or ["asyncsvc", "srclib", "shapes"]:
        report(fixture)
