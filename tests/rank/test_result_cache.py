"""The last ranking, answered whole when nothing changed, and recomputed when anything did."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gapfinder.rank import cache, pipeline, resultcache

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import pkg.b\n\n\ndef a(x):\n    if x:\n        return pkg.b.b()\n    return 0\n",
    "pkg/b.py": "def b():\n    return 1\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True)


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the runs that analysed the project (a run answered from the last result does not)."""
    calls: list[int] = []
    real = pipeline.analyse

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "analyse", counting)
    return calls


def _rows(root: Path) -> dict[str, int]:
    return {row.path: row.statements for row in pipeline.rank(root, overrides={"top": 0}).rows}


def test_nothing_changed_is_answered_from_the_last_result(repo: Path, analysed: list[int]) -> None:
    first = pipeline.rank(repo, overrides={"top": 0})
    again = pipeline.rank(repo, overrides={"top": 0})
    assert len(analysed) == 1
    assert again.rows == first.rows and again.summary.warnings == first.summary.warnings


def test_an_edit_a_config_change_and_a_new_commit_each_rank_again(repo: Path, analysed: list[int]) -> None:
    before = _rows(repo)
    target = repo / "pkg" / "b.py"
    target.write_text("def b():\n    x = 1\n    return x\n")
    os.utime(target, ns=(1, 1))  # a different stat even on a coarse clock
    assert _rows(repo)["pkg/b.py"] == before["pkg/b.py"] + 1
    assert len(analysed) == 2
    (repo / "pyproject.toml").write_text("[project]\nname = 'pkg'\n\n[tool.gapfinder]\ntop = 1\n")
    assert len(pipeline.rank(repo).rows) == 1
    assert len(analysed) == 3
    (repo / "notes.txt").write_text("not Python: only HEAD tells the ranking it changed\n")
    _git(repo, "add", "notes.txt")
    _git(repo, "commit", "-q", "-m", "fix: notes")
    assert pipeline.rank(repo).summary.git_commits == 2
    assert len(analysed) == 4
    pipeline.rank(repo)
    assert len(analysed) == 4  # and nothing changed since


def test_the_key_follows_the_coverage_data_and_its_parallel_files(tmp_path: Path) -> None:
    data = tmp_path / ".coverage"
    data.write_bytes(b"one")

    def key() -> str:
        return resultcache.result_key(tmp_path, (), data, "head", {"by": "module"})

    first = key()
    assert key() == first
    data.write_bytes(b"other")
    edited = key()
    assert edited != first
    (tmp_path / ".coverage.host.1234").write_bytes(b"part")
    assert key() not in (first, edited)
    assert resultcache.result_key(tmp_path, (), data, "other head", {"by": "module"}) != key()


def test_the_key_follows_the_code_that_ranks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A development edit of the scoring without a version bump must not be answered by the old ranking."""
    package = tmp_path / "package"
    (package / "rank").mkdir(parents=True)
    scoring = package / "rank" / "scoring.py"
    scoring.write_text("WEIGHT = 1\n")
    (package / "cli.py").write_text("# not ranking code\n")
    monkeypatch.setattr(cache, "_PACKAGE", package)

    def key() -> str:
        resultcache._code.cache_clear()
        return resultcache.result_key(tmp_path, (), None, "head", {"by": "module"})

    first = key()
    (package / "cli.py").write_text("# edited, still not ranking code\n")
    assert key() == first
    scoring.write_text("WEIGHT = 2\n")
    assert key() != first
    resultcache._code.cache_clear()


def test_a_result_stored_under_another_key_is_a_miss(repo: Path) -> None:
    result = pipeline.rank(repo, overrides={"top": 0})
    folder = repo / ".gapfinder"
    resultcache.store(folder, "k1", result)
    assert resultcache.load(folder, "k2") is None
    assert resultcache.load(folder, "k1") == result


def test_the_stored_ranking_is_plain_json_lists_and_a_forged_one_is_data(repo: Path) -> None:
    result = pipeline.rank(repo, overrides={"top": 0}, detail=True)
    folder = repo / ".gapfinder"
    resultcache.store(folder, "k1", result)
    stored = json.loads((folder / "rank-result.json").read_text())
    assert stored["value"][0] == "RankResult" and stored["value"][2][0][0] == "Ranked"  # [class, *fields]
    assert resultcache.load(folder, "k1") == result
    row = stored["value"][2][0]
    forged = [
        ["RankResult", ["os.system", "echo hi"], [], "module"],  # a class that is not a value object
        [*stored["value"][:2], [[*row[:3], "a score"]], *stored["value"][3:]],  # a row cut short
        [*stored["value"][:2], [["RankSummary", *row[1:]]], *stored["value"][3:]],  # a row of another class
        [*stored["value"][:2], [[*row[:3], "ten", *row[4:]]], *stored["value"][3:]],  # a line number that is text
    ]
    for value in forged:
        (folder / "rank-result.json").write_text(json.dumps({"key": "k1", "value": value}))
        said: list[str] = []
        assert resultcache.load(folder, "k1", said.append) is None
        assert len(said) == 1 and "was not usable" in said[0] and "rebuilt it" in said[0]


def test_a_stored_part_is_checked_field_by_field_and_a_whole_float_stays_a_float(repo: Path) -> None:
    result = pipeline.rank(repo, overrides={"top": 0})
    folder = repo / ".gapfinder"
    resultcache.store(folder, "k1", result)
    stored = json.loads((folder / "rank-result.json").read_text())
    part = stored["value"][2][0][13][0]  # the first row's first ScorePart: [class, name, value, weight, reason, factor]
    assert part[0] == "ScorePart"
    for bad, good in ((["ScorePart", part[1], "0.5", *part[3:]], False), ([*part[:5], None], False),
                      ([*part[:2], 1, *part[3:]], True)):  # 1 for the float 1.0 is the same number
        stored["value"][2][0][13][0] = bad
        (folder / "rank-result.json").write_text(json.dumps(stored))
        said: list[str] = []
        loaded = resultcache.load(folder, "k1", said.append)
        if good:
            value = loaded.rows[0].parts[0].value
            assert type(value) is float and value == 1.0 and not said
        else:
            assert loaded is None and len(said) == 1
