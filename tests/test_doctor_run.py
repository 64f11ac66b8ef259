"""doctor --run: a real pytest suite with planted order dependence of six kinds, run for real.

One project (fixtures/doctor/orderdep, copied), one `doctor --run` (module-scoped: it runs pytest
some thirty times), several checks on its JSON. The bisection's run budget is checked on a
simulated session, over many sizes.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from gapfinder.doctor.suite import health
from gapfinder.doctor.suite.runner import CaseResult, RunOutcome

PLANTED = Path(__file__).parent.parent / "fixtures" / "doctor" / "orderdep"

KINDS = {  # victim -> (polluter, kind of shared state, a name it must give)
    "test_env_victim": ("test_env", "env", "APP_MODE"),
    "test_global_victim": ("test_global", "global", "app.settings.MODE"),
    "test_singleton_victim": ("test_singleton", "singleton", "app.settings.Registry._instance"),
    "test_override_victim": ("test_override", "overrides", "app.web.app.dependency_overrides"),
    "test_patch_victim": ("test_patch", "patch", "app.settings.greeting"),
    "test_loop_victim": ("test_loop", "event_loop", "event loop"),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".gapfinder" not in p.parts}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("planted") / "orderdep"
    shutil.copytree(PLANTED, root)
    before = _tree(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        result = CliRunner().invoke(app, ["doctor", "--run", "--python", sys.executable, "--seed", "7", "--runs", "1",
                                          "--test-timeout", "2", "--format", "json", "-q"], catch_exceptions=False)
    return root, before, result


def test_every_planted_victim_is_found_with_its_polluter(planted) -> None:
    root, _, result = planted
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    found = {v["victim"].rpartition("::")[2]: v for v in data["order_dependent"]}
    assert set(found) == set(KINDS)
    for victim, (polluter, kind, name) in KINDS.items():
        entry = found[victim]
        file = "test_c_override" if polluter == "test_override" else "test_a_polluters"
        assert entry["polluters"] == [f"tests/{file}.py::{polluter}"], entry
        assert entry["kind"] == "victim"
        states = {(s["kind"], s["name"]) for s in entry["shared_state"]}
        assert (kind, name) in states, (victim, states)
        assert entry["bisect_runs"] <= math.ceil(math.log2(max(entry["candidates"], 1))) + 2


def test_the_explanation_names_the_state_where_each_test_touches_it(planted) -> None:
    data = json.loads(planted[2].stdout)
    env = next(v for v in data["order_dependent"] if v["victim"].endswith("test_env_victim"))
    state = next(s for s in env["shared_state"] if s["kind"] == "env")
    assert state["polluter_at"] == "tests/test_a_polluters.py:7"
    assert state["victim_at"] == "app/settings.py:11"  # the code under test reads it, not the test
    assert "APP_MODE" in env["explanation"] and "monkeypatch.setenv" in env["fix"]
    override = next(v for v in data["order_dependent"] if v["victim"].endswith("test_override_victim"))
    assert "dependency_overrides.clear()" in override["fix"]


def test_the_reproducing_command_reproduces(planted) -> None:
    root, _, result = planted
    entry = next(v for v in json.loads(result.stdout)["order_dependent"] if v["victim"].endswith("test_global_victim"))
    run = subprocess.run(entry["reproduce"], shell=True, cwd=root, capture_output=True, text=True)
    assert run.returncode == 1 and "1 failed, 1 passed" in run.stdout, run.stdout


def test_network_cut_timeouts_and_failures_that_are_not_about_order(planted) -> None:
    data = json.loads(planted[2].stdout)
    assert data["failing"] == ["tests/test_b_victims.py::test_hangs"]  # stopped by the 2 s test timeout
    assert data["flaky"] == []
    assert all(run["failed"] >= 1 for run in data["runs"])  # the hanging test, every run
    assert data["summary"]["order_dependent"] == 6
    assert [run["order"] for run in data["runs"]] == ["file", "shuffled"]


def test_the_project_is_left_as_it_was(planted) -> None:
    root, before, _ = planted
    assert _tree(root) == before  # no .pytest_cache, no __pycache__, no edited file
    assert (root / ".gapfinder" / "runs" / "run-0.xml").is_file()  # JUnit of each run, in gapfinder's folder


# -- the bisection, on a simulated session ------------------------------------------------------------

class _Simulated:
    """A session where `victim` fails whenever every test in `polluters` ran before it."""

    def __init__(self, polluters: set[str], flaky: bool = False) -> None:
        self.polluters, self.flaky, self.calls = polluters, flaky, 0
        self.left = 1e9

    def run(self, order, *, label: str, record_state: bool = False) -> RunOutcome:
        self.calls += 1
        order = list(order)
        failed = not self.flaky and self.polluters <= set(order[:-1])
        victim = order[-1]
        result = CaseResult(victim, "failed" if failed else "passed", None, ("t.py", 1), 0.0)
        return RunOutcome(tuple(order), {victim: result}, 0.0, False)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 33, 1000])
def test_bisection_finds_one_polluter_within_the_budget(n: int) -> None:
    prefix = [f"t{i}" for i in range(n)]
    for position in {0, n // 2, n - 1}:
        session = _Simulated({prefix[position]})
        found = health._bisect(session, prefix, "victim", True, 0, {"victim": []})
        assert found is not None and found.polluters == (prefix[position],)
        assert session.calls == found.runs <= math.ceil(math.log2(n)) + 2 if n > 1 else session.calls <= 2


def test_bisection_reports_two_polluters_needed_together_and_flaky_tests() -> None:
    prefix = [f"t{i}" for i in range(16)]
    together = health._bisect(_Simulated({"t1", "t12"}), prefix, "victim", True, 0, {"victim": []})
    assert together is not None and together.polluters == ()  # reproduced with everything before it
    assert health._bisect(_Simulated({"t3"}, flaky=True), prefix, "victim", True, 0, {"victim": []}) is None


def test_shuffles_are_seeded_and_keep_files_together() -> None:
    tests = [f"f{i}.py::t{j}" for i in range(5) for j in range(4)]
    first, again = health.shuffled(tests, 11), health.shuffled(tests, 11)
    assert first == again and sorted(first) == sorted(tests) and first != tests
    files = [t.partition("::")[0] for t in first]
    assert all(files.index(f) + 4 == len(files) - files[::-1].index(f) for f in set(files))


@pytest.mark.parametrize("args, message", [
    (["--python", "/nonexistent/python"], "not an executable Python interpreter"),
    (["/"], "outside the project"),
    (["missing_dir"], "no such file"),
    (["--fix"], "does not combine"),
])
def test_bad_input_is_one_sentence_and_exit_2(tmp_path: Path, args: list[str], message: str, monkeypatch) -> None:
    _write(tmp_path, {"pyproject.toml": "[project]\nname='x'\nversion='0'\n", "tests/test_x.py": "def test_x(): pass\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["doctor", "--run", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_polluter_found_before_is_tried_first() -> None:
    prefix = [f"t{i}" for i in range(64)]
    session = _Simulated({"t40"})
    found = health._bisect(session, prefix, "victim", True, 0, {"victim": []}, guess="t40")
    assert found is not None and found.polluters == ("t40",) and session.calls == found.runs == 1
    wrong = _Simulated({"t3"})
    found = health._bisect(wrong, prefix, "victim", True, 0, {"victim": []}, guess="t40")
    assert found is not None and found.polluters == ("t3",) and wrong.calls <= math.ceil(math.log2(64)) + 2


def test_progress_shows_the_last_runs_counts(planted) -> None:
    from gapfinder import api

    root = planted[0]
    health = api.progress(root).suite_health
    assert health == {"tests": 15, "order_dependent": 6, "flaky": 0, "failing": 1}


def test_every_second_run_is_the_shuffle_before_it_reversed() -> None:
    tests = [f"f{i}.py::t{j}" for i in range(4) for j in range(3)]
    assert health.plan(tests, 5, 0) == ("file", None, None)
    kind, seed, first = health.plan(tests, 5, 1)
    again_kind, again_seed, second = health.plan(tests, 5, 2)
    assert (kind, again_kind, seed) == ("shuffled", "reversed", again_seed) and second == first[::-1]
    assert health.plan(tests, 5, 3)[2] != first  # the next pair starts from a new shuffle
