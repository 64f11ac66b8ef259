"""Tests that pass by accident (GF108-GF110), `# noqa` per line, and `--fix` diffs that `git apply` takes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gapfinder.cli import app
from gapfinder.doctor.lint import lint
from gapfinder.doctor.rules import RULES
from doctor_project import write_project

ALL = frozenset(r.code for r in RULES)
runner = CliRunner()

STORE = """
    class Store:
        def __init__(self, repo):
            self.repo = repo

        async def save(self, item):
            known = await self.repo.exists(item)
            await self.repo.add(item)
            if known:
                return False
            return True
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Findings show paths relative to the current folder: run each test in its project."""
    monkeypatch.chdir(tmp_path)


def project(tmp_path: Path, tests: dict[str, str], newline: str = "\n") -> Path:
    return write_project(tmp_path, {"app/store.py": STORE, **tests}, newline, strip=True)


def found(tmp_path: Path, rel: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint([tmp_path / rel], ALL, "likely").findings]


ONLY_CALLED = """
    from unittest.mock import AsyncMock, MagicMock
    from app.store import Store

    async def test_add_only_checks_the_call():
        repo = MagicMock()
        repo.exists = AsyncMock(return_value=False)
        repo.add = AsyncMock()
        await Store(repo).save(1)
        repo.add.assert_called_once_with(1)

    async def test_add_checks_the_result_too():
        repo = MagicMock()
        repo.exists = AsyncMock(return_value=False)
        repo.add = AsyncMock()
        assert await Store(repo).save(1) is True
        repo.add.assert_called_once_with(1)
"""


def test_only_assert_called_on_an_awaited_mock_is_reported_at_the_assert(tmp_path):
    project(tmp_path, {"tests/test_o.py": ONLY_CALLED})
    result = lint([tmp_path / "tests/test_o.py"], ALL)
    assert [(f.code, f.line, f.confidence) for f in result.findings] == [("GF110", 9, "certain"), ("GF105", 16, "certain")]
    message = result.findings[0].message
    assert "assert_awaited_once_with" in message and "checks nothing but" in message
    assert "tests/test_o.py:7" in message and "app/store.py:5" in message  # the double and the usage
    assert result.findings[0].edit is not None  # --fix renames it like GF105


def test_a_helper_check_is_another_check(tmp_path):
    project(tmp_path, {"tests/test_r.py": """
        from unittest.mock import AsyncMock, MagicMock
        from app.store import Store

        def check_saved(result):
            assert result is True

        async def test_save():
            repo = MagicMock()
            repo.exists = AsyncMock(return_value=False)
            repo.add = AsyncMock()
            check_saved(await Store(repo).save(1))
            repo.add.assert_called_once_with(1)
    """})
    assert found(tmp_path, "tests/test_r.py") == [("GF105", 12)]


def test_unconfigured_branch_result_names_the_double_and_the_usage(tmp_path):
    project(tmp_path, {"tests/test_b.py": """
        from unittest.mock import AsyncMock, MagicMock
        from app.store import Store

        async def test_save():
            repo = MagicMock()
            repo.exists = AsyncMock()
            repo.add = AsyncMock()
            assert await Store(repo).save(1) is False
    """})
    [finding] = lint([tmp_path / "tests/test_b.py"], ALL).findings
    assert (finding.code, finding.path, finding.line) == ("GF108", "tests/test_b.py", 6)
    assert finding.confidence == "certain"
    assert "app/store.py:5" in finding.message


def test_a_tautology_names_where_the_test_set_the_value(tmp_path):
    project(tmp_path, {"tests/test_t.py": """
        from unittest.mock import MagicMock

        def test_fetch():
            client = MagicMock()
            client.fetch.return_value = [1, 2]
            assert client.fetch() == [1, 2]
    """})
    [finding] = lint([tmp_path / "tests/test_t.py"], ALL).findings
    assert (finding.code, finding.line) == ("GF109", 6)
    assert "tests/test_t.py:5" in finding.message


def _comment(path: Path, line: int, comment: str) -> None:
    lines = path.read_text().splitlines()
    lines[line - 1] = lines[line - 1].split("  #")[0] + comment
    path.write_text("\n".join(lines) + "\n")


def test_noqa_with_a_code_or_the_bare_family_suppresses_that_line_only(tmp_path):
    path = project(tmp_path, {"tests/test_o.py": ONLY_CALLED}) / "tests/test_o.py"
    _comment(path, 9, "  # noqa: GF110")
    assert found(tmp_path, "tests/test_o.py") == [("GF105", 16)]
    _comment(path, 9, "  # noqa:GF")
    _comment(path, 16, "  # noqa: GF2, E501")  # another family: still reported
    assert found(tmp_path, "tests/test_o.py") == [("GF105", 16)]
    _comment(path, 16, "  # NOQA")
    assert found(tmp_path, "tests/test_o.py") == []


def test_noqa_in_a_string_is_not_a_comment(tmp_path):
    path = project(tmp_path, {"tests/test_o.py": ONLY_CALLED}) / "tests/test_o.py"
    path.write_text(path.read_text().replace("assert_called_once_with(1)\n\n", "assert_called_once_with('# noqa')\n\n"))
    assert ("GF110", 9) in found(tmp_path, "tests/test_o.py")


def test_noqa_in_a_test_file_does_not_hide_a_conftest_finding_on_the_same_line(tmp_path):
    project(tmp_path, {
        "tests/conftest.py": """
            import pytest
            from unittest.mock import AsyncMock


            @pytest.fixture
            def repo():
                return AsyncMock()
        """,
        "tests/test_c.py": """
            from app.store import Store


            async def test_save(repo):
                await Store(repo).save(1)
                repo.add.assert_called_once_with(1)
                assert repo.exists.called
        """})
    before = {(f.code, f.path, f.line) for f in lint([tmp_path / "tests/test_c.py"], ALL, "likely").findings}
    assert ("GF108", "tests/conftest.py", 7) in before
    path = tmp_path / "tests/test_c.py"
    lines = path.read_text().splitlines()
    lines[6] += "  # noqa"  # line 7 of the test file: not the conftest's line 7
    path.write_text("\n".join(lines) + "\n")
    after = {(f.code, f.path, f.line) for f in lint([path], ALL, "likely").findings}
    assert ("GF108", "tests/conftest.py", 7) in after


def _git(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, text=True)


@pytest.mark.parametrize("newline,final", [("\n", True), ("\n", False), ("\r\n", True), ("\r\n", False)],
                         ids=["lf", "lf-no-final-newline", "crlf", "crlf-no-final-newline"])
def test_fix_diff_passes_git_apply_check(tmp_path, monkeypatch, newline, final):
    text = ONLY_CALLED if final else ONLY_CALLED.rstrip("\n")
    root = project(tmp_path, {"tests/test_o.py": text}, newline)
    _git(root, "init", "-q")
    _git(root, "-c", "core.autocrlf=false", "add", "-A")
    before = (root / "tests/test_o.py").read_bytes()
    monkeypatch.chdir(root)
    result = runner.invoke(app, ["doctor", "tests", "--fix"])
    diff = result.stdout_bytes.decode()  # `stdout` turns "\r\n" into "\n"
    assert "+    repo.add.assert_awaited_once_with(1)" in diff.replace("\r", "")
    assert ("\\ No newline at end of file" in diff) is (not final)
    checked = _git(root, "apply", "--check", "-", stdin=diff)
    assert checked.returncode == 0, checked.stderr
    assert _git(root, "apply", "-", stdin=diff).returncode == 0
    after = (root / "tests/test_o.py").read_bytes()
    assert after == before.replace(b"assert_called_once_with", b"assert_awaited_once_with")


def test_fix_diff_applies_from_a_subfolder_of_the_repository(tmp_path, monkeypatch):
    root = project(tmp_path, {"tests/test_o.py": ONLY_CALLED})
    _git(root, "init", "-q")
    monkeypatch.chdir(root / "tests")
    diff = runner.invoke(app, ["doctor", ".", "--fix"]).stdout
    assert "a/test_o.py" in diff
    checked = _git(root / "tests", "apply", "--check", "-", stdin=diff)
    assert checked.returncode == 0, checked.stderr + diff


TRIAGE_PRODUCT = """
    def add(a, b):
        return a + b


    def apply(f):
        return f() + 0
"""
TRIAGE_TESTS = """
    import os
    from unittest.mock import Mock

    import pytest

    from app.calc import add, apply


    @pytest.fixture
    def two():
        return 2


    def test_add():
        assert add(1, 2) == 3


    def test_add_two(two):
        assert add(two, 1) == 3


    def test_apply():
        assert apply(Mock(return_value=1)) == 1


    def test_expectation():
        assert apply(lambda: 4) == 4


    def test_sometimes():
        assert os.environ.get("RUN") != "a"
"""


def test_triage_with_a_diff_tells_seeded_product_and_test_defects_apart(tmp_path, monkeypatch):
    """A real pytest run over seeded defects: product (a wrong value, no product frame in the traceback),
    a fixture raising, the test's own double raising, a wrong expectation, a test failing in one run only."""
    import sys

    from gapfinder.doctor.triage import FLAKY, PRODUCT, TEST, changed_lines, triage

    root = project(tmp_path, {"app/calc.py": TRIAGE_PRODUCT, "tests/test_calc.py": TRIAGE_TESTS})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    seeds = {"app/calc.py": [("return a + b", "return a - b")],
             "tests/test_calc.py": [("return 2", "raise RuntimeError('fixture')"),
                                    ("Mock(return_value=1)", "Mock(side_effect=RuntimeError('double'))"),
                                    ("lambda: 4) == 4", "lambda: 4) == 5")]}
    for rel, swaps in seeds.items():
        text = (root / rel).read_text()
        for old, new in swaps:
            text = text.replace(old, new)
        (root / rel).write_text(text)
    junits = []
    for run, tests in (("a", "tests"), ("b", "tests/test_calc.py::test_sometimes")):
        junits.append(tmp_path / f"{run}.xml")
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                        "-p", "no:xdist", f"--junitxml={junits[-1]}", tests], cwd=root, capture_output=True,
                       timeout=120, env={**__import__("os").environ, "RUN": run})
    result = triage(junits, (), changed_lines(root, "HEAD"))
    verdicts = {f.test.rsplit("::", 1)[-1]: (f.verdict, f.evidence) for g in result.groups for f in g.failures}
    expected = {"test_add": PRODUCT, "test_add_two": TEST, "test_apply": TEST, "test_expectation": TEST,
                "test_sometimes": FLAKY}
    assert {test: verdict for test, (verdict, _) in verdicts.items()} == expected
    assert "app/calc.py:2 (add)" in verdicts["test_add"][1]  # the evidence names the changed product line
    assert "unittest.mock" in verdicts["test_apply"][1] and "fixture" in verdicts["test_add_two"][1]
    without = {f.test.rsplit("::", 1)[-1]: f.verdict for g in triage(junits).groups for f in g.failures}
    assert without["test_apply"] == TEST and without["test_add_two"] == TEST  # no diff needed for these


def test_a_patched_create_task_handed_another_doubles_result_drops_nothing(tmp_path):
    project(tmp_path, {
        "app/worker.py": """
            import asyncio


            async def fetch(key):
                return key


            def start(key):
                return asyncio.create_task(fetch(key))


            async def bounded(key):
                task = asyncio.create_task(fetch(key))
                return await asyncio.wait_for(task, 1)
        """,
        "tests/test_w.py": """
            from unittest import mock
            from app import worker


            def test_start_with_fetch_replaced():
                with mock.patch("asyncio.create_task") as create_task, mock.patch("app.worker.fetch", new=mock.Mock()) as fetch:
                    worker.start("k")
                create_task.assert_called_once_with(fetch.return_value)


            def test_start_drops_the_coroutine():
                with mock.patch("asyncio.create_task") as create_task:
                    worker.start("k")
                create_task.assert_called_once()


            def test_start_with_an_async_fetch():
                with mock.patch("asyncio.create_task"), mock.patch("app.worker.fetch", new_callable=mock.AsyncMock):
                    worker.start("k")


            async def test_bounded():
                with mock.patch("asyncio.create_task"), mock.patch("asyncio.wait_for") as wait_for:
                    await worker.bounded("k")
                wait_for.assert_awaited_once()
        """})
    # wait_for is handed create_task's mock result: it drops nothing; create_task drops fetch's coroutine
    assert [(c, line) for c, line in found(tmp_path, "tests/test_w.py") if c == "GF107"] == [
        ("GF107", 12), ("GF107", 18), ("GF107", 23)]
