"""Python 3.12 grammar in test files (PEP 695 type parameters, PEP 701 f-strings) is counted,
whatever Python gapfinder itself runs on: files are parsed, never imported or run. Tests defined
under a platform test count as pytest would collect them here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gapfinder.core.source import parse
from gapfinder.progress.count import count_tests
from gapfinder.progress.measure import pytest_items

PY312 = '''\
type Pair[T] = tuple[T, T]


class Box[T]:
    def get[U: int](self, x: U) -> T: ...


def first[T](xs: list[T]) -> T:
    return xs[0]


def test_nested_quotes():
    name = "a"
    assert f"{f"{name}"}" == "a"


class TestGeneric[T]:
    def test_method[U](self):
        assert f"{'x' + "y"}" == "xy"


def test_after_a_multiline_fstring():
    text = f"""{
        "z"
    }"""
    assert text
'''


def test_parse_keeps_names_and_line_numbers_of_312_grammar() -> None:
    tree = parse(PY312)
    # on 3.12+ a `type` statement has a `name` too, an ast.Name: only definitions' names are strings
    names = {name if isinstance(name := getattr(node, "name", None), str) else None: node.lineno for node in tree.body}
    assert names == {None: 1, "Box": 4, "first": 8, "test_nested_quotes": 12, "TestGeneric": 17,
                     "test_after_a_multiline_fstring": 22}


def test_312_test_files_are_counted_not_reported_as_syntax_errors(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_new.py").write_text(PY312, encoding="utf-8")
    (tmp_path / "tests" / "test_broken.py").write_text("def test_x(:\n    pass\n", encoding="utf-8")
    counted = count_tests(tmp_path)
    assert sorted(i.name for i in counted.items) == [
        "TestGeneric::test_method", "test_after_a_multiline_fstring", "test_nested_quotes"]
    assert [s.path for s in counted.unparsable] == ["tests/test_broken.py"]  # real errors still are


def test_tests_defined_under_a_platform_test_count_as_on_this_machine(tmp_path: Path) -> None:
    """pytest collects what the module defines when imported here: only the branch that holds."""
    other = "win32" if sys.platform != "win32" else "linux"
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_platforms.py").write_text(
        "import os\nimport sys\n\n"
        f"if sys.platform == {other!r}:\n    def test_other():\n        pass\n"
        "else:\n    def test_here():\n        pass\n\n"
        f"if not sys.platform.startswith({sys.platform[:3]!r}):\n    def test_never():\n        pass\n\n"
        f"if os.name == {os.name!r}:\n    def test_os():\n        pass\n\n"
        "if sys.version_info >= (3, 0):\n    def test_unknown_condition_counts():\n        pass\n",
        encoding="utf-8")
    names = sorted(i.name for i in count_tests(tmp_path).items)
    assert names == ["test_here", "test_os", "test_unknown_condition_counts"]
    items, error, _ = pytest_items(tmp_path, sys.executable)
    assert error is None and sorted(n.rsplit("::", 1)[1] for n in items) == names
