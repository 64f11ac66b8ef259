"""`rank --backtest` and `--calibrate` on a git repository built here with dated commits: the old
tree is read from git objects, the fixes since are counted by the corpus's rules, and a shallow
clone, a missing repository or a window longer than the history are refused in one sentence."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder import api
from gapfinder.cli import app
from gapfinder.config import DEFAULT_WEIGHTS, MIN_LINES, parse_toml
from gapfinder.rank.calibrate import fit, plan, write
from gapfinder.rank.fixes import FixCommit
from gapfinder.reports import render

DAY = 86400
HEAD = 1_700_000_000  # 2023-11-14
GOLDEN = Path(__file__).resolve().parents[1] / "reports" / "golden"
runner = CliRunner()


def git(repo: Path, *args: str, when: int | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com",
           "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.com"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


def change(repo: Path, path: str, text: str, message: str, when: int) -> None:
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message, when=when)


def _function(name: str, branches: int) -> str:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f"def {name}(x):\n{body}    return -1\n"


def _plain(n: int) -> str:
    return "".join(f"v{i} = {i}\n" for i in range(n))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Before the replay point (HEAD - 180 days): `hot` changes and is fixed often; `tangled` is
    complex and never changes; four plain modules hold most lines. After it: three fixes land in
    `tangled`, one in `plain0`, and two commits that are not fixes by the rules."""
    repo = tmp_path / "svc"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    start = HEAD - 400 * DAY
    change(repo, "pyproject.toml", '[project]\nname = "svc"\n', "start", start)
    change(repo, "svc/tangled.py", _function("route", 12), "add tangled", start + DAY)
    for i in range(4):
        change(repo, f"svc/plain{i}.py", _plain(60), f"add plain{i}", start + 2 * DAY)
    for k in range(6):
        change(repo, "svc/hot.py", _plain(8 + k), "Fix crash in hot" if k % 2 else "tune hot", start + (10 + k) * DAY)
    after = HEAD - 170 * DAY
    change(repo, "svc/tangled.py", _function("route", 13), "Fix wrong route for 12", after)
    change(repo, "svc/tangled.py", _function("route", 14), "fix: off-by-one in route", after + 5 * DAY)
    change(repo, "svc/plain0.py", _plain(61), "Fix a bug in plain0", after + 9 * DAY)
    change(repo, "svc/tangled.py", _function("route", 15), "Fix regression in route (#12)", after + 20 * DAY)
    change(repo, "svc/hot.py", _plain(20), "fix typo in docs", after + 30 * DAY)  # not a fix: docs
    change(repo, "svc/hot.py", _plain(21), "Refactor hot", HEAD)
    return repo


def test_the_old_tree_is_ranked_from_git_objects_and_scored_against_the_fixes_since(repo):
    before = git(repo, "status", "--porcelain")
    bt = api.backtest(repo, window="6 months")
    replay_point = git(repo, "rev-list", "-1", "--first-parent", f"--before={HEAD - 180 * DAY}", "HEAD").strip()
    assert bt.commit == replay_point and bt.window == "6 months"
    assert [f.subject for f in bt.fix_commits] == [
        "Fix wrong route for 12", "fix: off-by-one in route", "Fix a bug in plain0", "Fix regression in route (#12)"]
    assert bt.lines_of["svc/tangled.py"] == 2 + 2 * 12  # the file as it was then, not as it is now
    gapfinder, churn, random = bt.recall["gapfinder"], bt.recall["churn"], bt.recall["random"]
    assert gapfinder[0] == pytest.approx(0.75)  # it reads the complex module, which holds 3 of the 4 fixes
    assert churn[0] < 0.3  # churn reads `hot` first; the fixes landed elsewhere
    assert 0.0 < random[0] < gapfinder[0]
    assert git(repo, "status", "--porcelain") == before  # nothing checked out or written


def test_the_cli_prints_the_sentence_and_json_with_a_stable_shape(repo):
    done = runner.invoke(app, ["rank", str(repo), "--backtest", "--window", "6 months", "-q"])
    assert done.exit_code == 0, done.output
    assert re.search(r"would have found 75% of the last 6 months' fixes; recent churn alone \d+%; random \d+%",
                     done.stdout)
    done = runner.invoke(app, ["rank", str(repo), "--backtest", "--format", "json", "-q"])
    data = json.loads(done.stdout)
    assert data["fix_commits"] == 4 and data["coverage"] is None
    assert set(data["recall"]) == {"gapfinder", "churn", "random"}
    assert data["recall"]["gapfinder"] == {"commits": 0.75, "files": 0.75}


def test_golden_backtest_reports(repo):
    bt = api.backtest(repo, window="6 months")
    for fmt in ("table", "json"):
        text = render("backtest", fmt, bt).replace(str(repo), "<root>")
        path = GOLDEN / f"backtest.{fmt}"
        if os.environ.get("GAPFINDER_UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"backtest.{fmt} differs from its golden file"


WEIGHTS = dict(DEFAULT_WEIGHTS)


def _replay(fixed: dict[str, int]):
    """Ten files of 10 lines (reading 20% reads two), no coverage: `a` changed most, `b` and `c`
    are the complex ones, and `fixed` says where the later fixes landed. Inputs as density.inputs
    makes them (log1p of each part, log of the lines)."""
    parts = {"a": {"churn": 2.4, "fixes": 0.7}, "b": {"complexity": 3.0}, "c": {"complexity": 2.8}}
    inputs = {f"{n}.py": {"coverage_gap": 1.0, "complexity": 0.7, **parts.get(n, {}), "lines": math.log(10)}
              for n in "abcdefghij"}
    lines = {p: 10 for p in inputs}
    fixes = [FixCommit(f"{p}{k}", "fix", (f"{p}.py",)) for p, n in fixed.items() for k in range(n)]
    return inputs, lines, fixes


def test_calibrate_moves_the_coefficients_toward_where_the_replay_s_fixes_landed():
    weights, before, after, steps = fit(*_replay({"b": 20, "c": 20}), WEIGHTS, MIN_LINES)
    assert (before, after) == (0.5, 1.0)  # reading a and b finds b's fixes; b and c find them all
    assert weights["complexity"] > WEIGHTS["complexity"] and weights["churn"] < WEIGHTS["churn"]
    assert weights["coverage_gap"] == WEIGHTS["coverage_gap"]  # the same everywhere: nothing to fit it on
    assert any(step.startswith(f"complexity {WEIGHTS['complexity']:+.4f} -> +") for step in steps)


def test_the_prior_holds_a_short_history_back_and_no_fix_moves_nothing():
    few, _, _, _ = fit(*_replay({"b": 1, "c": 1}), WEIGHTS, MIN_LINES)
    many, _, _, _ = fit(*_replay({"b": 20, "c": 20}), WEIGHTS, MIN_LINES)
    assert 0 < few["complexity"] - WEIGHTS["complexity"] < many["complexity"] - WEIGHTS["complexity"]
    weights, before, after, steps = fit(*_replay({}), WEIGHTS, MIN_LINES)
    assert weights == WEIGHTS and before == after == 0.0 and not steps


def test_write_replaces_the_weights_table_and_keeps_every_other_byte(tmp_path):
    head = b'[project]\r\nname = "svc"\r\n\r\n[tool.gapfinder.weights]\r\nchurn = 3\r\n\r\n[tool.other]\r\nx = 1\r\n'
    (tmp_path / "pyproject.toml").write_bytes(head)
    new = dict(WEIGHTS, churn=0.0, centrality=-0.5)
    diff, text = plan(tmp_path, WEIGHTS, new)
    assert "-churn = 3" in diff and "+churn = 0" in diff and "+centrality = -0.5" in diff
    write(tmp_path, text)
    raw = (tmp_path / "pyproject.toml").read_bytes()
    assert raw.startswith(b'[project]\r\nname = "svc"\r\n\r\n[tool.gapfinder.weights]\r\n')
    assert raw.endswith(b'\r\n[tool.other]\r\nx = 1\r\n') and b"\n" not in raw.replace(b"\r\n", b"")
    assert parse_toml(raw.decode())["tool"]["gapfinder"]["weights"] == new
    assert plan(tmp_path, new, new) == ("", None)


def test_calibrate_through_the_cli_on_the_replay(repo):
    done = runner.invoke(app, ["rank", str(repo), "--backtest", "--calibrate", "-q"])
    assert done.exit_code == 0, done.output
    assert "Calibrated coefficients (fitted on this replay, the current ones as the prior; in-sample): 75% ->" \
        in done.stdout
    assert "complexity" in done.stdout and not (repo / "pyproject.toml").read_text().count("weights")
    done = runner.invoke(app, ["rank", str(repo), "--write", "--backtest", "-q"])
    assert done.exit_code == 2 and "--write goes with --calibrate" in done.stderr


@pytest.mark.parametrize("case, expected", [
    ("shallow", "is a shallow clone: --backtest needs the commits of the last 6 months"),
    ("no git", "needs git history"),
    ("too long", "starts less than 10 years before HEAD"),
    ("calibrate alone", "--calibrate and --write go with --backtest"),
    ("bad window", "is neither a window"),
])
def test_what_it_cannot_do_is_said_in_one_sentence_with_exit_2(repo, tmp_path, case, expected):
    target, extra = repo, ["--backtest"]
    if case == "shallow":
        target = tmp_path / "shallow"
        subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(target)], check=True)
    elif case == "no git":
        target = tmp_path / "plain"
        (target / "pkg").mkdir(parents=True)
        (target / "pkg" / "m.py").write_text("x = 1\n")
    elif case == "too long":
        extra = ["--backtest", "--window", "10 years"]
    elif case == "calibrate alone":
        extra = ["--calibrate"]
    else:
        extra = ["--backtest", "--window", "last summer"]
    done = runner.invoke(app, ["rank", str(target), *extra])
    assert done.exit_code == 2
    assert expected in done.stderr and "Traceback" not in done.output
