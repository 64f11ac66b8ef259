"""Acceptance on the async service fixture: scaffold every module (unit, integration, e2e), run the
generated suite in one subprocess twice in order and once in random order, all passing with leaked
coroutines as errors; measure each module's function-body coverage from its own unit tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gapfinder.config import load_config
from gapfinder.core.project import discover
from gapfinder.scaffold.pipeline import scaffold
from gapfinder.scaffold.writer import file_name_for
from scaffold_runner import body_coverage, copy_fixture, coverage_json, run_pytest

GENERATED = ("tests/unit", "tests/integration", "tests/e2e")
TARGET_COVERAGE = 60.0


@pytest.fixture(scope="module")
def service(module_tmp):
    project = copy_fixture("asyncsvc", module_tmp)
    modules = [f.module for f in discover(project, load_config(project)).files]
    results = {m: scaffold(m, project_root=project, kinds=("unit", "integration", "e2e")) for m in modules}
    rc = project / "scaffold-coverage.rc"
    rc.write_text("[run]\nsource = app\ndynamic_context = test_function\n")
    first = run_pytest(project, "-p", "no:randomly", *GENERATED, coverage_rc=rc)
    return project, results, first, rc


def test_every_module_with_public_code_gets_tests(service) -> None:
    _, results, _, _ = service
    for module, result in results.items():
        if result.message is None:
            assert result.tests > 0, module
        else:
            assert "nothing public" in result.message, module
    assert sum(r.tests for r in results.values()) > 100


def test_generated_suite_passes(service) -> None:
    _, _, first, _ = service
    failed = {name: outcome for name, outcome in first.outcomes.items() if outcome != "passed"}
    assert first.returncode == 0 and not failed, first.output[-4000:]
    assert len(first.outcomes) > 100


def test_generated_suite_passes_again_and_in_random_order(service) -> None:
    project, _, first, _ = service
    again = run_pytest(project, "-p", "no:randomly", *GENERATED)
    assert again.returncode == 0, again.output[-4000:]
    assert again.outcomes == first.outcomes
    order = ["-p", "randomly", "-p", "no:cacheprovider"] if importlib.util.find_spec("pytest_randomly") else []
    shuffled = run_pytest(project, *order, *reversed(GENERATED))
    assert shuffled.returncode == 0, shuffled.output[-4000:]
    assert set(shuffled.outcomes) == set(first.outcomes)


def test_function_body_coverage_from_unit_tests(service) -> None:
    project, results, _, rc = service
    report = coverage_json(project, rc)
    totals = [0, 0]
    for module, result in results.items():
        if result.message is not None:
            continue
        prefix = "unit." + Path(file_name_for(module)).stem + "."
        statements, covered = body_coverage(report, project, prefix)[result.source]
        totals[0] += statements
        totals[1] += covered
    assert 100.0 * totals[1] / totals[0] >= TARGET_COVERAGE
