"""Writes survive a kill, and runs share the cache: the promises a pre-commit hook and a CI job lean on.

* scaffold and `doctor --fix --write`, killed with SIGKILL at random moments 20 times each: every
  file afterwards is either the person's original or gapfinder's whole result, never a part;
* 10 `rank` runs at once on one project: all succeed with the same ranking.
"""

from __future__ import annotations

import ast
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HAND_WRITTEN = (b"# Hand-written fixtures: a person's work.\r\nimport pytest\r\n\r\n\r\n@pytest.fixture\r\n"
                b"def settings():\r\n    return {'debug': True}\r\n")
KILLS = 20


def _start(argv: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gapfinder", *argv], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _duration(argv: list[str], cwd: Path) -> float:
    started = time.monotonic()
    _start(argv, cwd).wait(timeout=120)
    return time.monotonic() - started


def _kill_at_random(argv: list[str], cwd: Path, within: float, rng: random.Random) -> None:
    process = _start(argv, cwd)
    time.sleep(rng.uniform(0.0, within))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def _is_whole(data: bytes, original: bytes) -> bool:
    """The original bytes, or a complete file that parses and still holds every original line in order."""
    if data == original:
        return True
    try:
        ast.parse(data)
    except SyntaxError:
        return False
    lines = data.splitlines(keepends=True)
    at = 0
    for line in original.splitlines(keepends=True):
        while at < len(lines) and lines[at] != line:
            at += 1
        if at == len(lines):
            return False
        at += 1
    return True


def test_scaffold_killed_at_random_moments_never_leaves_half_a_file(tmp_path: Path) -> None:
    root = Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path / "svc"))
    conftest = root / "tests" / "conftest.py"
    argv = ["scaffold", "app/cache.py", "--kind", "all"]
    rng = random.Random(20261130)
    conftest.write_bytes(HAND_WRITTEN)
    within = _duration(argv, root) * 1.2
    for _ in range(KILLS):
        conftest.write_bytes(HAND_WRITTEN)
        for generated in (root / "tests" / "unit", root / "tests" / "e2e", root / "tests" / "integration"):
            shutil.rmtree(generated, ignore_errors=True)
        _kill_at_random(argv, root, within, rng)
        assert _is_whole(conftest.read_bytes(), HAND_WRITTEN)
        for path in (root / "tests").rglob("*.py"):
            assert _is_whole(path.read_bytes(), b""), f"{path} is half written"
        leftovers = [p.name for p in (root / "tests").rglob("*.tmp") if not p.name.startswith(".")]
        assert leftovers == []


def test_doctor_fix_write_killed_at_random_moments_never_leaves_half_a_file(tmp_path: Path) -> None:
    root = Path(shutil.copytree(FIXTURES / "doctor" / "shapes", tmp_path / "shapes"))
    target = root / "tests" / "wrong" / "test_wrong_fixable.py"
    original = target.read_bytes().replace(b"\n", b"\r\n")  # a CRLF file: kept CRLF when fixed
    argv = ["doctor", "tests/wrong/test_wrong_fixable.py", "--fix", "--write"]
    target.write_bytes(original)
    within = _duration(argv, root) * 1.2
    fixed = target.read_bytes()
    assert fixed != original and b"\r\n" in fixed and b"\n" not in fixed.replace(b"\r\n", b"")
    rng = random.Random(7)
    for _ in range(KILLS):
        target.write_bytes(original)
        _kill_at_random(argv, root, within, rng)
        assert target.read_bytes() in (original, fixed)


@pytest.fixture
def ranked_project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "asyncsvc", tmp_path / "svc", ignore=shutil.ignore_patterns(".gapfinder")))


def test_ten_concurrent_runs_share_the_cache_and_agree(ranked_project: Path) -> None:
    argv = [sys.executable, "-m", "gapfinder", "rank", ".", "--format", "json", "--top", "0", "--no-git",
            "--coverage", str(FIXTURES / "coverage-files" / "ci-other-root.coverage")]
    runs = [subprocess.Popen(argv, cwd=ranked_project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(10)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * 10, [err.decode()[-500:] for _, err in outputs]
    results = {re.sub(rb'"seconds": [0-9.]+', b'"seconds": 0', out) for out, _ in outputs}
    assert len(results) == 1
    assert json.loads(next(iter(results)))["modules"]
    cache = ranked_project / ".gapfinder"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert not list(cache.glob("*.pickle"))
