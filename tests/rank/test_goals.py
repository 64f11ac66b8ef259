"""Per-area coverage goals ([tool.gapfinder] goals), `rank --fail-under-goals`, `rank --ratchet`
and the goals in `progress`, on asyncsvc's real coverage run (tests/coverage_runs.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import coverage
import pytest
from typer.testing import CliRunner

from gapfinder import api
from gapfinder.cli import app
from gapfinder.rank.gate import RATCHET
from gapfinder.rank.goals import area_of

runner = CliRunner()
GOALS = '\n[tool.gapfinder]\ngoals = {"app/auth.py" = 95, "app/repositories/**" = 20, "*" = 10}\n'


@pytest.fixture
def project(asyncsvc_run, tmp_path: Path) -> Path:
    """A private copy of the run (its .coverage and its coverage.json report) with goals set."""
    root = Path(shutil.copytree(asyncsvc_run.root, tmp_path / "asyncsvc"))
    with open(root / "pyproject.toml", "a", encoding="utf-8") as file:
        file.write(GOALS)
    return root


def _lines(root: Path, *prefixes: str) -> tuple[int, int]:
    """(statements, run) of the files under prefixes, from coverage.py's own JSON report."""
    files = json.loads((root / "coverage.json").read_text())["files"]
    chosen = [f["summary"] for path, f in files.items() if path.startswith(prefixes)]
    return sum(s["num_statements"] for s in chosen), sum(s["covered_lines"] for s in chosen)


def _rank(root: Path, *args: str):
    return runner.invoke(app, ["rank", str(root), "--no-git", "--no-cache", "-q", *args])


def test_the_most_specific_glob_wins() -> None:
    patterns = ["*", "app/**", "app/auth/**", "app/auth/*.py"]
    assert area_of("app/auth/jwt.py", patterns) == "app/auth/*.py"
    assert area_of("app/auth/deep/x.py", patterns) == "app/auth/*.py"  # fnmatch, as `exclude`: * crosses folders
    assert area_of("app/auth/deep/x.txt", patterns) == "app/auth/**"
    assert area_of("app/db.py", patterns) == "app/**"
    assert area_of("lib/x.py", patterns) == "*"
    assert area_of("lib/x.py", ["app/**"]) is None


def test_areas_agree_with_coverage_py(project: Path) -> None:
    areas = {a.pattern: a for a in api.rank(project, use_cache=False, overrides={"git": False}).areas}
    auth = _lines(project, "app/auth.py")
    repositories = _lines(project, "app/repositories/")
    assert (areas["app/auth.py"].statements, areas["app/auth.py"].covered) == auth
    assert (areas["app/repositories/**"].statements, areas["app/repositories/**"].covered) == repositories
    everything = _lines(project, "app/")
    # Modules no test imported are not in coverage.py's report; it counts their statements on request.
    listed = json.loads((project / "coverage.json").read_text())["files"]
    cov = coverage.Coverage(data_file=None, config_file=str(project / ".coveragerc"))
    unlisted = sum(len(cov.analysis2(str(path))[1]) for path in (project / "app").rglob("*.py")
                   if path.relative_to(project).as_posix() not in listed)
    assert unlisted > 0
    rest = (everything[0] + unlisted - auth[0] - repositories[0], everything[1] - auth[1] - repositories[1])
    assert (areas["*"].statements, areas["*"].covered) == rest
    assert areas["app/auth.py"].coverage == 100 * auth[1] / auth[0]


def test_fail_under_goals_names_each_area_below_its_goal(project: Path) -> None:
    statements, run = _lines(project, "app/auth.py")
    done = _rank(project, "--fail-under-goals")
    assert done.exit_code == 1, done.output
    assert done.stderr.splitlines() == [
        f"error: gate failed: coverage of app/auth.py (1 module) is {100 * run / statements:.1f}%, under its goal of 95%"]
    assert done.stdout  # the report is printed first


def test_goals_are_met_when_coverage_reaches_them(project: Path) -> None:
    text = (project / "pyproject.toml").read_text().replace('"app/auth.py" = 95', '"app/auth.py" = 5')
    (project / "pyproject.toml").write_text(text)
    assert _rank(project, "--fail-under-goals").exit_code == 0


@pytest.mark.parametrize("table, message", [
    ('goals = {"app/**" = 120}', "goal 'app/**' must be a number from 0 to 100, not 120"),
    ('goals = {"../x/**" = 50}', "goal '../x/**' must be a glob relative to the project"),
    ("goals = 80", "'goals' must be a table of path globs to percentages"),
    ('goal = {"*" = 80}', "unknown key 'goal' (did you mean 'goals'?)"),
])
def test_bad_goals_are_one_line_and_exit_2(project: Path, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace(GOALS.split("\n")[2], table))
    done = _rank(project, "--fail-under-goals")
    assert done.exit_code == 2, done.output
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_fail_under_goals_without_goals_is_exit_2(asyncsvc_run, tmp_path: Path) -> None:
    root = Path(shutil.copytree(asyncsvc_run.root, tmp_path / "plain"))
    done = _rank(root, "--fail-under-goals")
    assert done.exit_code == 2 and "needs coverage goals in [tool.gapfinder]" in done.stderr


def test_the_ratchet_records_then_fails_on_a_real_drop(project: Path) -> None:
    assert not (project / RATCHET).exists()
    assert _rank(project, "--ratchet").exit_code == 0
    recorded = json.loads((project / RATCHET).read_text())["areas"]
    statements, run = _lines(project, "app/auth.py")
    assert recorded["app/auth.py"]["coverage"] == round(100 * run / statements, 2)
    assert set(recorded) == {"app/auth.py", "app/repositories/**", "*"}
    before = (project / RATCHET).read_bytes()
    # A new module no test imports: the "*" area's coverage really drops.
    (project / "app" / "exports.py").write_text("".join(f"def export_{i}(rows):\n    return list(rows)\n" for i in range(20)))
    done = _rank(project, "--ratchet")
    assert done.exit_code == 1, done.output
    [failure] = done.stderr.splitlines()
    assert failure.startswith("error: gate failed: coverage of * dropped to ") and f"from {recorded['*']['coverage']:.2f}%" in failure
    assert (project / RATCHET).read_bytes() == before  # a failing run keeps the floor


def test_the_ratchet_records_rises_and_holds_the_whole_project_without_goals(asyncsvc_run, tmp_path: Path) -> None:
    root = Path(shutil.copytree(asyncsvc_run.root, tmp_path / "plain"))
    assert _rank(root, "--ratchet").exit_code == 0
    data = json.loads((root / RATCHET).read_text())
    total = api.rank(root, use_cache=False, overrides={"git": False}).summary.line_coverage
    assert list(data["areas"]) == ["*"] and data["areas"]["*"]["coverage"] == total
    data["areas"]["*"]["coverage"] = total - 5  # recorded lower: the rise is recorded
    (root / RATCHET).write_text(json.dumps(data))
    assert _rank(root, "--ratchet").exit_code == 0
    assert json.loads((root / RATCHET).read_text())["areas"]["*"]["coverage"] == total
    data["areas"]["*"]["coverage"] = total + 5  # recorded higher: a drop
    (root / RATCHET).write_text(json.dumps(data))
    done = _rank(root, "--ratchet")
    assert done.exit_code == 1 and "coverage of the project dropped to" in done.stderr


def test_a_corrupt_ratchet_is_exit_2(project: Path) -> None:
    (project / ".gapfinder").mkdir(exist_ok=True)
    (project / RATCHET).write_text('{"areas": []}')
    done = _rank(project, "--ratchet")
    assert done.exit_code == 2 and "is not a coverage ratchet gapfinder wrote" in done.stderr


def test_progress_shows_each_goal(project: Path) -> None:
    statements, run = _lines(project, "app/auth.py")
    done = runner.invoke(app, ["progress", str(project), "-q"])
    assert done.exit_code == 0, done.output
    coverage = 100 * run / statements
    assert f"goal app/auth.py: {coverage:.1f}% of 95% (1 module): {95 - coverage:.1f} points short" in done.stdout
    data = json.loads(runner.invoke(app, ["progress", str(project), "-q", "-f", "json"]).stdout)
    goals = {g["pattern"]: g for g in data["coverage"]["goals"]}
    assert goals["app/auth.py"]["met"] is False and goals["*"]["goal"] == 10.0


def test_areas_survive_the_result_cache(project: Path) -> None:
    first = api.rank(project, overrides={"git": False})
    again = api.rank(project, overrides={"git": False})
    assert again.areas == first.areas and len(first.areas) == 3
    assert (project / ".gapfinder" / "rank-result.json").is_file()  # the second came from the cache
