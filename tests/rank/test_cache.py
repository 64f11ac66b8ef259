"""The per-file analysis cache: warm runs, edits, corruption, concurrent runs, pruning."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gapfinder.rank import cache as cache_module
from gapfinder.rank.runner import analyse
from gapfinder.model import Project, SourceFile

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import pkg.b\n\ndef a():\n    return pkg.b.b()\n",
    "pkg/b.py": "async def b(session):\n    await session.execute(1)\n",
    "pkg/bad.py": "def (:\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return _discover(tmp_path)


def _discover(root: Path) -> Project:
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        files.append(SourceFile(rel, rel[:-3].replace("/", ".").removesuffix(".__init__"), rel.endswith("__init__.py")))
    return Project(root, (".",), tuple(files), ())


def run(project: Project):
    return analyse(project, max_file_bytes=100_000, jobs=1, cache_dir=project.root / ".gapfinder")


def test_warm_run_answers_from_the_cache(project: Project) -> None:
    cold = run(project)
    warm = run(project)
    assert cold.cached == 0
    assert warm.cached == 3
    assert warm.modules == cold.modules and warm.skipped == cold.skipped
    assert warm.warnings == ()


def test_edited_file_is_analysed_again(project: Project) -> None:
    run(project)
    target = project.root / "pkg/a.py"
    target.write_text("def a():\n    return 1\n\ndef added():\n    pass\n")
    os.utime(target, ns=(1, 1))  # a different stat even on coarse clocks
    result = run(project)
    assert result.cached == 2
    module = next(m for m in result.modules if m.path == "pkg/a.py")
    assert [f.qualname for f in module.functions] == ["a", "added"]


def test_touched_but_unchanged_file_comes_from_the_cache(project: Project) -> None:
    run(project)
    os.utime(project.root / "pkg/b.py", ns=(10**18, 10**18))
    assert run(project).cached == 3


def test_corrupt_cache_is_rebuilt_with_a_warning(project: Project) -> None:
    run(project)
    db = project.root / ".gapfinder" / cache_module.FILENAME
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    rebuilt = run(project)
    assert len(rebuilt.modules) == 3 and rebuilt.cached == 0
    assert len(rebuilt.warnings) == 1 and "corrupt" in rebuilt.warnings[0]
    assert run(project).cached == 3


def test_damaged_entry_is_a_miss(project: Project) -> None:
    run(project)
    with sqlite3.connect(project.root / ".gapfinder" / cache_module.FILENAME) as db:
        db.execute("UPDATE files SET blob = x'00ff' WHERE path = 'pkg/a.py'")
    result = run(project)
    assert result.cached == 2 and len(result.modules) == 3


def test_deleted_files_are_pruned(project: Project) -> None:
    run(project)
    (project.root / "pkg/a.py").unlink()
    run(_discover(project.root))
    with sqlite3.connect(project.root / ".gapfinder" / cache_module.FILENAME) as db:
        paths = {row[0] for row in db.execute("SELECT path FROM files")}
    assert paths == {"pkg/__init__.py", "pkg/b.py", "pkg/bad.py"}


def test_entries_of_other_existing_files_are_kept(project: Project) -> None:
    """api.py analyses sources and tests as two projects sharing one cache."""
    run(project)
    only_b = Project(project.root, (".",), tuple(f for f in project.files if f.path == "pkg/b.py"), ())
    run(only_b)
    assert run(project).cached == 3


def test_new_tool_version_starts_a_fresh_cache(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    monkeypatch.setattr(cache_module, "SCHEMA", "another-version")
    assert run(project).cached == 0
    assert run(project).cached == 3


def test_unwritable_cache_folder_still_analyses(project: Project) -> None:
    blocker = project.root / "blocker"
    blocker.write_text("a file where the cache folder should go")
    result = analyse(project, max_file_bytes=100_000, jobs=1, cache_dir=blocker / ".gapfinder")
    assert len(result.modules) == 3
    assert len(result.warnings) == 1 and "not used" in result.warnings[0]


def test_two_concurrent_runs_both_succeed(project: Project) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_cache import _discover, run
        from pathlib import Path
        result = run(_discover(Path({str(project.root)!r})))
        assert len(result.modules) == 3 and not result.warnings, result
        """
    )
    runs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=60)[1] for p in runs]
    assert [p.returncode for p in runs] == [0, 0], errors
    assert run(project).cached == 3


def test_a_lower_size_limit_skips_files_the_cache_holds(project: Project) -> None:
    run(project)
    result = analyse(project, max_file_bytes=40, jobs=1, cache_dir=project.root / ".gapfinder")
    assert {s.path for s in result.skipped if s.reason.startswith("larger than 40 bytes")} == {"pkg/a.py", "pkg/b.py"}
