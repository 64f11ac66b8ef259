"""Test-side code that builds doubles: helper functions and project-defined Mock subclasses.

A call in a test may reach a function or class of the test suite itself (the same file, a
`tests/helpers.py`, a conftest): such a function is evaluated like a fixture (its doubles are
followed), and a class that derives from a unittest.mock class is a double of that kind. A subclass
that sets a spec (`spec_set = discord.TextChannel`) has children whose kinds are unknown ("spec").
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from gapfinder.core.usage.index import IndexedModule, ModuleIndex
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.mocks import FileNames
from gapfinder.doctor.shims import package_base

TEST_FOLDERS = frozenset({"tests", "test", "testing", "testutils", "test_utils"})


def is_test_side(path: Path, root: Path) -> bool:
    """A module of the test suite: a test file, a conftest, or any module in a tests folder under root."""
    name = path.name
    try:
        folders = set(path.relative_to(root).parts[:-1])
    except ValueError:
        return False
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or bool(TEST_FOLDERS & folders)


def shown(path: Path) -> str:
    """A path as findings show it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class MockClass:
    kind: str  # "async" | "magic" | "mock"
    spec: bool  # the class (or a base) sets a spec: children of unknown kind
    where: str  # "path:line" of the class, the evidence that links a double to it


@dataclass(frozen=True)
class Helper:
    """A test-side function to evaluate, with the names of the module it lives in."""

    func: FunctionNode
    names: FileNames
    path: str


class TestSide:
    """Resolves callees of a test to the suite's own helpers and Mock subclasses (cached per module)."""

    def __init__(self, index: ModuleIndex, root: Path) -> None:
        self.index = index
        self.root = root
        self._names: dict[str, FileNames] = {}

    def names_of(self, module: IndexedModule) -> FileNames:
        if module.name not in self._names:
            package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
            self._names[module.name] = FileNames(module.model.tree, package, package_base(module.path))
        return self._names[module.name]

    def lookup(self, expr: ast.expr, names: FileNames, path: str) -> tuple[str, object] | None:
        """("class", MockClass) or ("helper", Helper) for a callee of the test suite, else None."""
        if isinstance(expr, ast.Name) and expr.id in names.classes:
            found = self.mock_class(names.classes[expr.id], names, path, 0)
            return ("class", found) if found else None
        if isinstance(expr, ast.Name) and expr.id in names.functions and not _is_fixture(names.functions[expr.id]):
            return "helper", Helper(names.functions[expr.id], names, path)
        origin = names.qualify(expr)
        found = self.index.resolve(origin) if origin else None
        if found is None:
            return None
        module, qualname = found
        if "." in qualname:
            return None
        module, qualname = self.index.follow(module, qualname)
        if not is_test_side(module.path, self.root):
            return None
        other, where = self.names_of(module), shown(module.path)
        if qualname in module.model.classes:
            cls = self.mock_class(module.model.classes[qualname], other, where, 0)
            return ("class", cls) if cls else None
        func = module.model.functions.get(qualname)
        if func is not None and not _is_fixture(func):
            return "helper", Helper(func, other, where)
        return None

    def mock_class(self, cls: ast.ClassDef, names: FileNames, path: str, depth: int) -> MockClass | None:
        """The mock kind a class derives from (through mixins and suite-defined bases), or None."""
        if depth > 4:
            return None
        kind, spec = None, _sets_spec(cls)
        for base in cls.bases:
            direct = names.mock_class(base)
            if direct in ("async", "magic", "mock"):
                kind = kind or direct
                continue
            found = self.base_class(base, names, path)
            if found is None:
                continue
            base_cls, base_names, base_path = found
            inner = self.mock_class(base_cls, base_names, base_path, depth + 1)
            kind = kind or (inner.kind if inner else None)
            spec = spec or (inner.spec if inner else _sets_spec(base_cls))
        return MockClass(kind, spec, f"{path}:{cls.lineno}") if kind else None

    def base_class(self, base: ast.expr, names: FileNames, path: str) -> tuple[ast.ClassDef, FileNames, str] | None:
        """A base class defined in the test suite (the same file or a test-side module)."""
        if isinstance(base, ast.Name) and base.id in names.classes:
            return names.classes[base.id], names, path
        origin = names.qualify(base)
        found = self.index.resolve(origin) if origin else None
        if found is None:
            return None
        module, qualname = self.index.follow(*found)
        if qualname in module.model.classes and is_test_side(module.path, self.root):
            return module.model.classes[qualname], self.names_of(module), shown(module.path)
        return None


def _is_fixture(func: FunctionNode) -> bool:
    return any("fixture" in ast.unparse(d) for d in func.decorator_list)


def _sets_spec(cls: ast.ClassDef) -> bool:
    """The class body assigns or passes a spec (`spec_set = X`, `super().__init__(spec_set=...)`)."""
    for node in ast.walk(cls):
        if isinstance(node, ast.Name) and node.id in ("spec", "spec_set"):
            return True
        if isinstance(node, ast.keyword) and node.arg in ("spec", "spec_set", "wraps"):
            return True
    return False
