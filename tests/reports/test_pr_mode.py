"""Pull-request mode (`rank --diff BASE`) in every format, on git repositories the tests build and
coverage data from really running the tests under coverage.

main: pkg/core.py (`add`, tested). The branch adds an untested function to core.py, an untested
module (extra.py) and a module with its test (shapes.py), and leaves pkg/stable.py alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from gapfinder.reports.escape import gh_data, gh_property
from gapfinder.reports.mdfit import LIMIT

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

CORE = """\
def add(a, b):
    total = a + b
    return total
"""
RISKY = """

def risky(path):
    with open(path) as handle:
        data = handle.read()
    if not data:
        raise ValueError("empty")
    return data.split()
"""
EXTRA = """\
import subprocess


def run(cmd):
    done = subprocess.run(cmd, check=False)
    return done.returncode
"""
SHAPES = """\
def area(w, h):
    return w * h


def unused(x):
    return -x
"""
STABLE = "def unchanged(x):\n    if x:\n        return 1\n    return 2\n"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
         "-c", "init.defaultBranch=main", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def run_tests_under_coverage(root: Path) -> None:
    """`coverage run -m pytest`, as a CI job runs it: the data comes from the tests really running."""
    subprocess.run([sys.executable, "-m", "coverage", "run", "--branch", "-m", "pytest", "-q", "-p", "no:randomly",
                    "-p", "no:cacheprovider", "tests"], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pr") / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"pkg/__init__.py": "", "pkg/core.py": CORE, "pkg/stable.py": STABLE,
                 "tests/test_core.py": "from pkg.core import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
                 ".gitignore": ".coverage\n.gapfinder/\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "core with a test")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"pkg/core.py": CORE + RISKY, "pkg/extra.py": EXTRA, "pkg/shapes.py": SHAPES,
                 "tests/test_shapes.py": "from pkg.shapes import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "a reader, a runner and shapes")
    run_tests_under_coverage(root)
    return root


def rank(root: Path, *args: str, code: int = 0):
    done = runner.invoke(app, ["rank", str(root), "--no-cache", "-q", "--diff", "main", *args],
                         env={"COLUMNS": "120"})
    assert done.exit_code == code, (done.stdout, done.stderr)
    return done.stdout


# The changed statements of the branch no test ran: risky()'s body in core.py (its def line ran at
# import), all of extra.py (never imported), unused()'s body in shapes.py.
CORE_MISSED = [7, 8, 9, 10, 11]
SHAPES_MISSED = [6]


def test_json_carries_each_row_s_change_and_the_change_s_coverage(repo: Path) -> None:
    report = json.loads(rank(repo, "--format", "json"))
    rows = {m["module"]: m for m in report["modules"]}
    assert set(rows) == {"pkg.core", "pkg.extra", "pkg.shapes"}  # stable.py did not change
    core = rows["pkg.core"]["change"]
    assert core["lines"] == list(range(4, 12))
    assert core["statements"] == [6, 7, 8, 9, 10, 11] and core["missed"] == CORE_MISSED
    assert core["coverage"] == pytest.approx(100 * 1 / 6, abs=0.1)
    shapes = rows["pkg.shapes"]["change"]
    assert shapes["missed"] == SHAPES_MISSED and shapes["statements"] == [1, 2, 5, 6]
    assert shapes["coverage"] == 75.0
    assert rows["pkg.extra"]["change"]["coverage"] == 0.0 and rows["pkg.extra"]["coverage"] is None
    change = report["change"]
    assert change["base"] == "main" and change["modules"] == 3
    assert change["files"] == 4  # three modules and a test file changed
    assert (change["statements"], change["missed"]) == (6 + 4 + 4, 5 + 4 + 1)
    assert change["coverage"] == pytest.approx(100 * 4 / 14, abs=0.1)
    assert report["hidden"] == 0


def test_json_by_function_counts_the_function_s_lines_only(repo: Path) -> None:
    report = json.loads(rank(repo, "--format", "json", "--by", "function"))
    rows = {f["function"]: f["change"] for f in report["functions"]}
    assert set(rows) == {"risky", "run", "unused"}
    assert rows["risky"]["missed"] == CORE_MISSED and rows["unused"]["missed"] == SHAPES_MISSED


def test_every_format_says_how_many_rows_top_hid(repo: Path) -> None:
    assert json.loads(rank(repo, "--format", "json", "--top", "1"))["hidden"] == 2
    assert "2 more changed modules not shown (--top 1; --top 0 shows all)" in rank(repo, "--top", "1")
    markdown = rank(repo, "--format", "markdown", "--top", "1")
    assert "**2 more changed modules not shown** (--top 1)" in markdown
    assert "`gapfinder rank --diff main --top 0` lists them all" in markdown
    sarif = json.loads(rank(repo, "--format", "sarif", "--top", "1"))
    assert sarif["runs"][0]["properties"]["hidden"] == 2 and len(sarif["runs"][0]["results"]) == 1
    github = rank(repo, "--format", "github", "--top", "1").splitlines()
    assert "::notice title=gapfinder::2 more changed modules not shown (--top 1; --top 0 shows all)" in github
    assert "hidden" not in rank(repo, "--top", "0") and "not shown" not in rank(repo, "--top", "0")


def test_the_table_shows_the_change(repo: Path) -> None:
    table = rank(repo)
    header = [line for line in table.splitlines() if line.startswith("┃")]
    assert "changed lines" in header[0] and "no test ran" in header[1]  # the column's header, wrapped
    assert all(len(line) <= 120 for line in table.splitlines() if line[0] in "┏┃┡│└")  # COLUMNS=120
    core = next(line for line in table.splitlines() if "pkg.core" in line)
    assert "7-11" in core and "17%" in core  # its changed lines no test ran; 1 of 6 changed statements ran
    shapes = next(line for line in table.splitlines() if "pkg.shapes" in line)
    assert " 6 " in shapes and "75%" in shapes
    assert "change since main: 3 changed source modules, 14 changed statements, 10 not run by any test " \
           "(29% of the change covered)" in table


def _changed_missed(repo: Path) -> dict[str, set[int]]:
    report = json.loads(rank(repo, "--format", "json"))
    return {m["path"]: set(m["change"]["missed"]) for m in report["modules"]}


def test_sarif_reports_on_changed_lines_only(repo: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    log = json.loads(rank(repo, "--format", "sarif", "--by", "function"))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    missed = _changed_missed(repo)
    results = log["runs"][0]["results"]
    assert len(results) == 3
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        lines = set(range(region["startLine"], region["endLine"] + 1))
        assert lines <= missed[location["artifactLocation"]["uri"]], result
        assert result["message"]["text"].startswith("Changed lines no test ran: ")
    assert log["runs"][0]["properties"]["change"]["missed"] == 10


def test_github_annotations_sit_on_changed_lines_no_test_ran(repo: Path) -> None:
    out = rank(repo, "--format", "github")
    missed = _changed_missed(repo)
    annotations = [line for line in out.splitlines() if line.startswith("::warning ")]
    assert len(annotations) == 3
    for line in annotations:
        match = re.match(r"::warning file=([^,]+),line=(\d+),endLine=(\d+),title=([^:]+)::(.+)$", line)
        assert match, line
        path, start, end = match.group(1), int(match.group(2)), int(match.group(3))
        assert set(range(start, end + 1)) <= missed[path]
        assert "%3A" in match.group(4)  # "test gap: pkg.x", its colon escaped in a property
    core = next(line for line in annotations if "file=pkg/core.py" in line)
    assert ",line=7,endLine=11," in core and "changed lines 7-11 ran under no test" in core
    assert out.splitlines()[-1].startswith("::notice title=gapfinder::change since main: 3 changed source modules")


def test_github_escaping_follows_the_runner_s_rules() -> None:
    assert gh_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert gh_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_the_gate_reads_the_change_s_coverage(repo: Path) -> None:
    done = runner.invoke(app, ["rank", str(repo), "--no-cache", "-q", "--diff", "main", "--fail-under", "50",
                               "--format", "github"])
    assert done.exit_code == 1 and "coverage of the 14 changed statements since main is 28.6%" in done.stderr
    assert done.stdout.count("::warning ") == 3  # the annotations are still printed


def test_a_thousand_changed_modules_fit_one_pull_request_comment(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"pkg/__init__.py": "", "tests/test_first.py":
                 "from pkg.m0000 import f\n\n\ndef test_f():\n    assert f(1) == 2\n"})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    git(root, "checkout", "-q", "-b", "feature")
    body = ("import os\n\n\ndef f(x):\n    if x > 0:\n        return x + 1\n    return os.sep\n\n\n"
            "def g(path):\n    with open(path) as handle:\n        return handle.read()\n")
    write(root, {f"pkg/m{i:04d}.py": body for i in range(1000)})
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "a thousand modules")
    run_tests_under_coverage(root)
    done = runner.invoke(app, ["rank", str(root), "-q", "--no-git", "--diff", "main", "--top", "0",
                               "--format", "markdown"])
    assert done.exit_code == 0, done.stderr
    comment = done.stdout
    assert len(comment) < LIMIT
    rows = [line for line in comment.splitlines() if re.match(r"\| \d+ \|", line)]
    assert 50 < len(rows) < 1000
    assert f"**{1000 - len(rows)} more changed modules not shown** (to keep this under 65,000 characters)" in comment
    assert "1000 changed source modules" in comment
