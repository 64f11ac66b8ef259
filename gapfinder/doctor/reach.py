"""What a failing test runs, read statically, for `--junit --diff BASE` triage.

A failure that ends in an assertion of the test names no product frame, so its traceback cannot say
whether changed product code ran. This module finds the test function from its JUnit id, then:
the test side it runs (the test, the fixtures it requests, from its file and the conftests above it,
and the test file's own helper functions it calls) and the product functions it reaches (names the
test side imports from the project, followed through re-exports, the methods of project classes it
uses called by name, and so on a few calls deep). Nothing is imported or run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from gapfinder.core.project import import_roots
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule, ModuleIndex
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.helpers import is_test_side
from gapfinder.doctor.lint import parse_with_names
from gapfinder.doctor.mocks import FileNames

DEPTH = 4  # calls followed from the test side into product code
LIMIT = 400  # product functions read per test at most


@dataclass(frozen=True)
class Span:
    path: Path
    start: int
    end: int
    name: str


@dataclass(frozen=True)
class Reached:
    test_side: tuple[Span, ...]
    product: tuple[Span, ...]


class Reach:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.index = ModuleIndex(import_roots(self.root, self.root))
        self.files: dict[Path, tuple[ast.Module, FileNames] | None] = {}

    def parsed(self, path: Path) -> tuple[ast.Module, FileNames] | None:
        if path not in self.files:
            self.files[path] = parse_with_names(path)
        return self.files[path]

    def locate(self, test: str) -> tuple[Path, FunctionNode] | None:
        """A JUnit id (`tests.test_token::test_x[param]`, `tests.test_a.TestB::test_c`) -> file and function."""
        classname, _, name = test.rpartition("::")
        name = name.split("[", 1)[0]
        parts = classname.split(".")
        for cut in range(len(parts), 0, -1):
            path = self.root.joinpath(*parts[:cut]).with_suffix(".py")
            if path.is_file() and self.parsed(path) is not None:
                owner = parts[cut:]
                return next(((path, f) for f in _functions(self.parsed(path)[0], owner) if f.name == name), None)
        return None

    def reach(self, test: str) -> Reached | None:
        found = self.locate(test)
        if found is None:
            return None
        path, func = found
        side = self.test_side(path, func)
        return Reached(tuple(s for s, _ in side), tuple(self.product(side)))

    def test_side(self, path: Path, func: FunctionNode) -> list[tuple[Span, Path]]:
        """The test, the fixtures it requests (recursively) and the test file's helpers it calls."""
        fixtures = self.fixtures(path)
        out: list[tuple[Span, Path]] = []
        todo: list[tuple[Path, FunctionNode]] = [(path, func)]
        seen: set[int] = set()
        while todo and len(out) < 100:
            where, node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            out.append((Span(where, node.lineno, node.end_lineno or node.lineno, node.name), where))
            for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                if arg.arg in fixtures:
                    todo.append(fixtures[arg.arg])
            parsed = self.parsed(where)
            local = {f.name: f for f in parsed[0].body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))} \
                if parsed else {}
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in local:
                    todo.append((where, local[call.func.id]))
        return out

    def fixtures(self, path: Path) -> dict[str, tuple[Path, FunctionNode]]:
        """Fixture name -> definition: conftests from the root down, then the test file (nearest wins)."""
        files = [p / "conftest.py" for p in reversed(path.parents) if _under(p, self.root)] + [path]
        found: dict[str, tuple[Path, FunctionNode]] = {}
        for file in files:
            parsed = self.parsed(file) if file.is_file() else None
            if parsed is None:
                continue
            for node in ast.walk(parsed[0]):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                        (dotted(d.func if isinstance(d, ast.Call) else d) or "").endswith("fixture")
                        for d in node.decorator_list):
                    found[node.name] = (file, node)
        return found

    def product(self, side: list[tuple[Span, Path]]) -> list[Span]:
        """Project functions the test side reaches, a few calls deep."""
        reached: dict[tuple[Path, int], Span] = {}
        classes: list[tuple[IndexedModule, ast.ClassDef]] = []
        frontier: list[tuple[FunctionNode, IndexedModule | None, FileNames | None, ast.ClassDef | None]] = []
        for span, where in side:
            parsed = self.parsed(where)
            node = _find(parsed[0], span) if parsed else None
            if node is not None:
                frontier.append((node, None, parsed[1], None))
        attrs: set[str] = set()  # attribute names used so far: methods of the classes met are called by them
        for _ in range(DEPTH):
            following: list[tuple[FunctionNode, IndexedModule | None, FileNames | None, ast.ClassDef | None]] = []
            for func, module, names, owner in frontier:
                for expr in ast.walk(func):
                    if isinstance(expr, ast.Attribute):
                        attrs.add(expr.attr)
                        if owner is not None and isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
                            method = module.model.methods(owner).get(expr.attr) if module else None
                            if method is not None:
                                following.append((method, module, None, owner))
                    if isinstance(expr, (ast.Name, ast.Attribute)):
                        target = self.target(expr, module, names)
                        if target is not None:
                            found_module, name = target
                            if name in found_module.model.functions:
                                following.append((found_module.model.functions[name], found_module, None, None))
                            elif name in found_module.model.classes:
                                cls = found_module.model.classes[name]
                                if all(c is not cls for _, c in classes):
                                    classes.append((found_module, cls))
            for module, cls in classes:
                for method_name, method in module.model.methods(cls).items():
                    if method_name in attrs or method_name in ("__init__", "__post_init__", "__call__"):
                        following.append((method, module, None, cls))
            frontier = []
            for func, module, names, owner in following:
                if module is None or is_test_side(module.path, self.root):
                    continue
                key = (module.path, func.lineno)
                if key not in reached and len(reached) < LIMIT:
                    reached[key] = Span(module.path, func.lineno, func.end_lineno or func.lineno,
                                        f"{owner.name}.{func.name}" if owner is not None else func.name)
                    frontier.append((func, module, names, owner))
        return list(reached.values())

    def target(self, expr: ast.expr, module: IndexedModule | None,
               names: FileNames | None) -> tuple[IndexedModule, str] | None:
        """The project module and top-level name an expression refers to (through imports and re-exports)."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if names is not None:  # the test side: its own imports
            origin = names.imports.get(head)
            if origin is None:
                return None
            full = f"{origin}.{rest}" if rest else origin
        elif module is not None:
            if head in module.model.functions or head in module.model.classes:
                return (module, head) if not rest else None
            origin_pair = module.model.imports.get(head)
            if origin_pair is None:
                return None
            base = f"{origin_pair[0]}.{origin_pair[1]}" if origin_pair[1] else origin_pair[0]
            full = f"{base}.{rest}" if rest else base
        else:
            return None
        found = self.index.resolve(full)
        if found is None:
            return None
        owner, qualname = found
        return self.index.follow(owner, qualname.split(".")[0])


def _functions(tree: ast.Module, owner: list[str]) -> list[FunctionNode]:
    body: list[ast.stmt] = tree.body
    for cls_name in owner:
        cls = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == cls_name), None)
        if cls is None:
            return []
        body = cls.body
    return [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _find(tree: ast.Module, span: Span) -> FunctionNode | None:
    return next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.lineno == span.start and n.name == span.name), None)


def _under(folder: Path, root: Path) -> bool:
    return folder == root or root in folder.parents
