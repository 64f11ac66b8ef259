"""scaffold() on a copy of the shapes fixture: golden output, merging into a hand-written file,
idempotence, dry runs, template overrides."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from gapfinder.scaffold.pipeline import scaffold
from scaffold_runner import copy_fixture

GOLDEN = Path(__file__).parent / "golden"
UNIT = Path("tests/unit/test_rows.py")


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def shapes(tmp_path) -> Path:
    return copy_fixture("shapes", tmp_path)


@pytest.mark.parametrize(("fixture", "module", "written", "golden"), [
    ("shapes", "shapes/rows.py", "tests/unit/test_rows.py", "shapes_rows_unit.py"),
    ("asyncsvc", "app/cache.py", "tests/unit/test_cache.py", "asyncsvc_cache_unit.py"),
    ("asyncsvc", "app/api/routes.py", "tests/e2e/test_api_routes.py", "asyncsvc_routes_e2e.py"),
])
def test_generated_code_matches_golden_file(tmp_path, fixture, module, written, golden) -> None:
    project = copy_fixture(fixture, tmp_path)
    kind = written.split("/")[1]
    scaffold(module, project_root=project, kinds=(kind,))
    code = (project / written).read_text()
    if os.environ.get("UPDATE_GOLDEN"):
        (GOLDEN / golden).write_text(code)
    assert code == (GOLDEN / golden).read_text()


def test_hand_written_test_file_keeps_every_byte(shapes) -> None:
    target = shapes / UNIT
    target.parent.mkdir(parents=True)
    mine = "from shapes.rows import post_sync\n\n\ndef test_post_sync():  # finished by hand\n    pass\n"
    target.write_text(mine)
    result = scaffold("shapes/rows.py", project_root=shapes)
    after = target.read_text()
    matcher = difflib.SequenceMatcher(a=mine.splitlines(True), b=after.splitlines(True), autojunk=False)
    assert all(op in ("equal", "insert") for op, *_ in matcher.get_opcodes())
    unit = next(f for f in result.files if f.path == UNIT.as_posix())
    assert unit.action == "extend"
    assert "test_post_sync" not in unit.tests_added
    assert len(unit.tests_added) == result.tests - 1


def test_second_run_adds_nothing(shapes) -> None:
    scaffold("shapes/rows.py", project_root=shapes, kinds=("unit", "integration", "e2e"))
    before = _snapshot(shapes)
    again = scaffold("shapes/rows.py", project_root=shapes, kinds=("unit", "integration", "e2e"))
    assert again.files == ()
    assert _snapshot(shapes) == before


def test_dry_run_writes_nothing_and_reports_the_diff(shapes) -> None:
    before = _snapshot(shapes)
    result = scaffold("shapes.rows", project_root=shapes, dry_run=True)
    assert _snapshot(shapes) == before
    assert result.dry_run
    assert any(f.diff.startswith("--- /dev/null") and "+async def test_scalars_all(" in f.diff for f in result.files)


def test_user_template_folder_overrides_file_by_file(shapes, tmp_path) -> None:
    mine = tmp_path / "my-templates"
    mine.mkdir()
    (mine / "header.j2").write_text("# Drafted for team X from {{ source }}; run: gapfinder scaffold {{ module }}\n")
    scaffold("shapes/rows.py", project_root=shapes, templates=mine)
    code = (shapes / UNIT).read_text()
    assert code.startswith("# Drafted for team X from shapes/rows.py; run: gapfinder scaffold shapes.rows\n")
    assert "@pytest.mark.scaffold" in code  # the test template still comes from gapfinder


def test_template_folder_from_the_project_configuration(shapes) -> None:
    (shapes / "my-templates").mkdir()
    (shapes / "my-templates" / "header.j2").write_text("# Team header for {{ module }}\n")
    with (shapes / "pyproject.toml").open("a") as config:
        config.write('\n[tool.gapfinder]\ntemplates = "my-templates"\n')
    scaffold("shapes/rows.py", project_root=shapes)
    assert (shapes / UNIT).read_text().startswith("# Team header for shapes.rows\n")
