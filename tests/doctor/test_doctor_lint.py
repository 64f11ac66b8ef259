"""doctor's lint on fixtures/doctor: every wrong shape reported with its code on its line
(`# expect: GF...` in the fixture), no finding anywhere in the corrected twins."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gapfinder.doctor import RULES, lint, select_rules
from gapfinder.errors import GapfinderError

DOCTOR = Path(__file__).resolve().parents[2] / "fixtures" / "doctor"
ALL = select_rules(None, None)


def expected(paths: list[Path]) -> set[tuple[str, int, str]]:
    found = set()
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.search(r"# expect: ([A-Z0-9 ]+)", line)
            if match:
                found |= {(path.name, number, code) for code in match.group(1).split()}
    return found


def reported(paths: list[Path], codes=ALL) -> set[tuple[str, int, str]]:
    result = lint(paths, codes)
    assert not result.skipped
    return {(Path(f.path).name, f.line, f.code) for f in result.findings}


@pytest.mark.parametrize("name", ["test_wrong_shapes.py", "test_wrong_fixable.py", "test_wrong_config.py"])
def test_every_wrong_shape_is_reported_with_its_code(name):
    path = DOCTOR / "shapes" / "tests" / "wrong" / name
    assert reported([path]) == expected([path])


def test_loop_scope_unset_is_reported_once_per_project():
    path = DOCTOR / "noscope" / "tests" / "test_scope.py"
    assert reported([path]) == expected([path]) == {("test_scope.py", 6, "GF202")}


def test_no_finding_on_any_corrected_twin():
    assert reported([DOCTOR / "shapes" / "tests" / "right"]) == set()


def test_every_rule_has_a_wrong_example_in_the_fixtures():
    everything = expected(sorted((DOCTOR).rglob("test_*.py")))
    assert {code for _, _, code in everything} == {rule.code for rule in RULES}


def test_select_and_ignore_filter_by_code_and_prefix():
    path = DOCTOR / "shapes" / "tests" / "wrong" / "test_wrong_shapes.py"
    assert {c for _, _, c in reported([path], select_rules(["GF104"], None))} == {"GF104"}
    assert {c for _, _, c in reported([path], select_rules(["GF1"], ["GF102,GF103"]))} == {
        "GF101", "GF104", "GF106", "GF107", "GF108", "GF109", "GF110", "GF111", "GF112"}
    with pytest.raises(GapfinderError, match="unknown rule code"):
        select_rules(["GF999"], None)


def test_rules_are_documented():
    for rule in RULES:
        assert re.fullmatch(r"GF\d{3}", rule.code) and rule.name and rule.summary and rule.why
        assert rule.example and rule.fix
    assert len({r.code for r in RULES}) == len({r.name for r in RULES}) == len(RULES)


def test_ambiguous_usage_reports_nothing(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(
        "async def run(c, flag):\n    if flag:\n        return await c.get()\n    return c.get()\n")
    test = tmp_path / "test_mod.py"
    test.write_text("from unittest.mock import AsyncMock, MagicMock\nfrom pkg.mod import run\n\n"
                    "async def test_a():\n    c = AsyncMock()\n    await run(c, True)\n\n"
                    "async def test_b():\n    c = MagicMock()\n    await run(c, False)\n")
    assert lint([test], ALL).findings == ()


def test_noqa_suppresses_a_finding_on_its_line(tmp_path: Path) -> None:
    shapes = Path(__file__).resolve().parents[2] / "fixtures" / "doctor" / "shapes"
    project = Path(shutil.copytree(shapes, tmp_path / "shapes"))
    target = project / "tests" / "wrong" / "test_wrong_shapes.py"
    before = lint([target], select_rules(None, None)).findings
    assert before
    first = before[0]
    lines = target.read_text().splitlines(keepends=True)
    line = lines[first.line - 1]
    lines[first.line - 1] = line.rstrip("\n") + f"  # noqa: {first.code}\n"
    target.write_text("".join(lines))
    after = lint([target], select_rules(None, None)).findings
    assert not [f for f in after if (f.line, f.code) == (first.line, first.code)]
    assert len(after) == len(before) - sum(1 for f in before if (f.line, f.code) == (first.line, first.code))
    lines[first.line - 1] = line.rstrip("\n") + "  # noqa: GF2\n"  # another family: still reported
    target.write_text("".join(lines))
    assert any((f.line, f.code) == (first.line, first.code) for f in lint([target], select_rules(None, None)).findings)


def test_a_helper_module_in_a_tests_folder_can_be_linted(tmp_path: Path) -> None:
    helper = tmp_path / "tests" / "helpers" / "factories.py"
    helper.parent.mkdir(parents=True)
    helper.write_text("from unittest.mock import MagicMock\n\n\ndef make_client():\n    return MagicMock()\n")
    assert lint([helper], select_rules(None, None)).files
