"""Count the tests pytest would collect, statically: read the test files with `ast`, never import them.

Follows pytest's collection rules: python_files / python_classes / python_functions / testpaths
from the project's pytest configuration; unittest.TestCase subclasses (any name, methods `test*`);
classes with __init__ or __new__, abstract classes and `__test__ = False` are not collected;
inherited test methods count once per collecting class (bases resolved within the file and across
project files by import); imported test functions and classes are collected where imported.
Cases multiply by every statically known `parametrize` list (stacked, and from `pytestmark`) and by
the params of the fixtures a test requests; what cannot be known counts as one case and the item
is flagged `static=False`.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path

from gapfinder.model import ProgressFn, SkippedFile
from gapfinder.core.pytest_config import Ignored, PytestSettings, matches_name, read_settings, walk_test_files
from gapfinder.progress.bindings import (
    Binding, ClassBinding, DefBinding, External, Local, Mark, SourceModule, ValueBinding,
)
from gapfinder.progress.source_index import SourceIndex

SCAFFOLD_MARK = "scaffold"
SCAFFOLD_TODO = "TODO(gapfinder)"
CANNOT_FAIL_TODO = "TODO(gapfinder): cannot fail"  # what scaffold writes in a draft no mutant made fail
FIXTURE_DECORATORS = ("pytest.fixture", "pytest.yield_fixture", "pytest_asyncio.fixture")
NOT_MARKERS = frozenset({"parametrize", "usefixtures", "filterwarnings"})


@dataclass(frozen=True, slots=True)
class TestItem:
    """One test function or method as pytest would collect it (its cases are its parametrizations)."""

    __test__ = False  # keeps pytest from collecting this class in our own tests

    path: str  # the test file that collects it, relative posix
    name: str  # the node id after the file, e.g. "TestUser::test_login"
    line: int
    cases: int  # items pytest would run for it (>= 1)
    skipped: int  # cases marked skip (unconditionally)
    skipif: int  # cases marked skipif (skipped under a condition)
    xfail: int  # cases marked xfail
    markers: tuple[str, ...]  # marker names from the function, its classes and the module
    scaffolded: bool  # still carries @pytest.mark.scaffold or a `# TODO(gapfinder)` comment
    static: bool  # every parametrize list and fixture param it uses was known statically
    cannot_fail: bool = False  # scaffold's run found no mutant of its target that makes it fail


@dataclass(frozen=True)
class TestCount:
    settings: PytestSettings
    files: tuple[str, ...]  # test files pytest would collect
    items: tuple[TestItem, ...]
    unparsable: tuple[SkippedFile, ...]
    dynamic: tuple[str, ...]  # files defining pytest_generate_tests (their cases may be more)
    outside: tuple[str, ...] = ()  # symlinks leading out of the project, not followed


@dataclass(frozen=True)
class _Fixture:
    params: list[ast.expr | None] | None  # None: params given but not statically known; [] none
    args: tuple[str, ...]
    autouse: bool


Layer = dict[str, _Fixture]


def count_tests(root: Path, on_progress: ProgressFn | None = None) -> TestCount:
    """Count the tests under root as `pytest --collect-only` run from root would."""
    root = root.resolve()
    settings = read_settings(root)
    search_roots = tuple(dict.fromkeys(["", "src", *(p for p in settings.testpaths if p and (root / p).is_dir())]))
    counter = _Counter(root, settings, SourceIndex(root, search_roots))
    ignored = Ignored(set(), [])
    files = list(walk_test_files(root, settings, lambda d: counter.enter_dir(d, ignored), ignored))
    items: list[TestItem] = []
    for done, rel in enumerate(files, 1):
        items.extend(counter.collect_file(rel))
        if on_progress:
            on_progress("counting tests", done, len(files))
    unparsable = tuple(SkippedFile(p, counter.index.errors[p]) for p in files if p in counter.index.errors)
    return TestCount(settings, tuple(files), tuple(items), unparsable, tuple(sorted(counter.dynamic)),
                     tuple(ignored.outside))


class _Counter:
    def __init__(self, root: Path, settings: PytestSettings, index: SourceIndex) -> None:
        self.root, self.settings, self.index = root, settings, index
        self.conftest_layers: dict[str, Layer] = {}  # folder -> fixtures of its conftest.py
        self.dynamic: set[str] = set()

    # --- conftest.py -------------------------------------------------------------------------

    def enter_dir(self, folder: str, ignored: Ignored) -> None:
        if folder in self.conftest_layers:
            return
        rel = f"{folder}/conftest.py" if folder else "conftest.py"
        module = self.index.module(rel) if (self.root / rel).is_file() else None
        self.conftest_layers[folder] = self._fixtures(module, module.names) if module else {}
        if module is None:
            return
        prefix = f"{folder}/" if folder else ""
        for key, target in (("collect_ignore", ignored.paths), ("collect_ignore_glob", ignored.globs)):
            binding = module.names.get(key)
            if isinstance(binding, ValueBinding):
                for elt in self.index.elements(module, binding.node) or []:
                    if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                        path = (prefix + elt.value).rstrip("/").replace("/./", "/")
                        target.add(path) if isinstance(target, set) else target.append(path)
        if "pytest_generate_tests" in module.names:
            self.dynamic.add(rel)

    def _conftest_chain(self, rel: str) -> list[Layer]:
        parts = rel.split("/")[:-1]
        return [self.conftest_layers.get("/".join(parts[:n]), {}) for n in range(len(parts), -1, -1)]

    # --- modules and classes -----------------------------------------------------------------

    def collect_file(self, rel: str) -> list[TestItem]:
        module = self.index.module(rel)
        if module is None or _literal(module.names.get("__test__")) is False:
            return []
        if "pytest_generate_tests" in module.names:
            self.dynamic.add(rel)
        module_marks = self._body_marks(module, module.names)
        layers = [self._fixtures(module, module.names), *self._conftest_chain(rel)]
        items: list[TestItem] = []
        for name in module.names:
            found = self.index.resolve_name(module, name)
            if not isinstance(found, Local):
                continue
            binding, node = found.binding, found.binding.node
            if isinstance(binding, DefBinding) and self._is_test_function(found.module, name, node):
                items.append(self._item(rel, name, found.module, node, module_marks, layers, None))
            elif isinstance(binding, ClassBinding):
                items.extend(self._collect_class(rel, name, found.module, node, module_marks, layers, name))
            elif isinstance(binding, ValueBinding) and _is_state_machine_case(self.index, found.module, node):
                items.append(TestItem(rel, f"{name}::runTest", node.lineno, 1, 0, 0, 0, (), False, True))
        return items

    def _collect_class(
        self, rel: str, name: str, module: SourceModule, node: ast.ClassDef,
        outer_marks: list[Mark], outer_layers: list[Layer], nodeid: str,
    ) -> list[TestItem]:
        mro, externals = self._mro(module, node)
        bodies = [(m, self.index.class_names(m, c)) for m, c in mro]
        test_flag = next((_literal(names["__test__"]) for _, names in bodies if "__test__" in names), None)
        is_unittest = any(e.split(".")[-1].endswith("TestCase") for e in externals)
        if test_flag is False:
            return []
        if not is_unittest:
            if not (matches_name(self.settings.python_classes, name) or test_flag is True):
                return []
            if any("__init__" in names or "__new__" in names for _, names in bodies) or _abstract(mro, bodies, externals):
                return []
        marks = [m for cm, c in mro for m in self._class_marks(cm, c)] + outer_marks
        layers = [*(self._fixtures(m, names) for m, names in bodies), *outer_layers]
        scope = {k: (m, b.node) for m, names in reversed(bodies) for k, b in names.items() if isinstance(b, ValueBinding)}
        items: list[TestItem] = []
        seen: set[str] = set()
        for owner, names in bodies:
            for attr, binding in names.items():
                if attr in seen:
                    continue
                seen.add(attr)
                member = binding.node
                if isinstance(binding, DefBinding):
                    wanted = attr.startswith("test") if is_unittest else self._is_test_function(owner, attr, member)
                    if wanted and not _decorated_with(self.index, owner, member, ("property",)):
                        items.append(self._item(rel, f"{nodeid}::{attr}", owner, member, marks, layers, scope))
                elif isinstance(binding, ClassBinding) and not is_unittest:
                    items.extend(self._collect_class(rel, attr, owner, member, marks, layers, f"{nodeid}::{attr}"))
        if is_unittest and not items and "runTest" in seen:
            owner, member = next((m, n["runTest"].node) for m, n in bodies if "runTest" in n)
            items.append(self._item(rel, f"{nodeid}::runTest", owner, member, marks, layers, scope))
        return items

    def _mro(self, module: SourceModule, node: ast.ClassDef) -> tuple[list[tuple[SourceModule, ast.ClassDef]], list[str]]:
        """Project classes in method-resolution order (depth-first, left to right) and external bases."""
        order: list[tuple[SourceModule, ast.ClassDef]] = []
        externals: list[str] = []
        stack = [(module, node)]
        while stack and len(order) < 64:
            mod, cls = stack.pop()
            if any(c is cls for _, c in order):
                continue
            order.append((mod, cls))
            bases = []
            for base in cls.bases:
                found = self.index.resolve(mod, base)
                if isinstance(found, Local) and isinstance(found.binding, ClassBinding):
                    bases.append((found.module, found.binding.node))
                elif isinstance(found, External):
                    externals.append(found.dotted)
            stack.extend(reversed(bases))
        return order, externals

    def _is_test_function(self, module: SourceModule, name: str, node: ast.AST) -> bool:
        return (
            matches_name(self.settings.python_functions, name)
            and not _decorated_with(self.index, module, node, FIXTURE_DECORATORS)
        )

    # --- marks and fixtures ------------------------------------------------------------------

    def _body_marks(self, module: SourceModule, names: dict) -> list[Mark]:
        binding = names.get("pytestmark")
        return self.index.marks(module, binding.node) if binding and isinstance(binding, ValueBinding) else []

    def _class_marks(self, module: SourceModule, node: ast.ClassDef) -> list[Mark]:
        marks = [m for d in node.decorator_list for m in self.index.marks(module, d)]
        return marks + self._body_marks(module, self.index.class_names(module, node))

    def _fixtures(self, module: SourceModule, names: dict) -> Layer:
        layer: Layer = {}
        for name, binding in names.items():
            found = Local(module, binding) if isinstance(binding, DefBinding) else None
            if found is None and names is module.names:
                found = self.index.resolve_name(module, name)
            if not (isinstance(found, Local) and isinstance(found.binding, DefBinding)):
                continue
            node = found.binding.node
            for deco in node.decorator_list:
                call = deco if isinstance(deco, ast.Call) else None
                target = self.index.resolve(found.module, call.func if call else deco)
                if not (isinstance(target, External) and target.dotted in FIXTURE_DECORATORS):
                    continue
                kw = {k.arg: k.value for k in call.keywords} if call else {}
                params = self.index.elements(found.module, kw["params"]) if "params" in kw else []
                fixture_name = _literal(ValueBinding(kw["name"])) if "name" in kw else None
                layer[fixture_name or name] = _Fixture(params, _arg_names(node, method=False), _literal(ValueBinding(kw["autouse"]) if "autouse" in kw else None) is True)
        return layer

    def _item(
        self, rel: str, name: str, module: SourceModule, node: ast.FunctionDef,
        outer_marks: list[Mark], layers: list[Layer], class_scope: dict | None,
    ) -> TestItem:
        """One test; class_scope (None for a module-level function) holds the class body's values."""
        method = class_scope is not None
        own = [m for d in node.decorator_list for m in self.index.marks(module, d)]
        marks = own + outer_marks
        names = {m.name for m in marks}
        params: list[list[set[str]]] = []  # per parametrize mark: the marks of each value
        static, direct = True, set()
        for mark in marks:
            if mark.name != "parametrize" or mark.call is None or len(mark.call.args) < 2:
                continue
            direct.update(_param_names(mark.call.args[0]))
            values_expr = mark.call.args[1]
            if method and isinstance(values_expr, ast.Name) and values_expr.id in class_scope:
                values = self.index.elements(*class_scope[values_expr.id])  # a name from the class body
            else:
                values = self.index.elements(mark.module, values_expr)
            if values is None:
                static = False
            else:  # an empty list still gives one (skipped) case
                params.append([self._param_marks(mark.module, v) for v in values] or [{"skip"}])
        requested = [a for a in self._fixture_args(module, node, method) if a not in direct]
        requested += [a for m in marks if m.name == "usefixtures" and m.call for a in _str_args(m.call)]
        requested += [n for layer in layers for n, f in layer.items() if f.autouse]
        fixture_cases, fixtures_static = _fixture_cases(requested, layers, direct)
        cases = math.prod(len(p) for p in params) * fixture_cases

        def affected(mark: str) -> int:
            if mark in names:
                return cases
            return cases - math.prod(sum(1 for f in p if mark not in f) for p in params) * fixture_cases

        body = module.lines[node.lineno - 1 : node.end_lineno]
        scaffolded = SCAFFOLD_MARK in names or any(SCAFFOLD_TODO in line for line in body)
        return TestItem(
            rel, name, node.lineno, cases, affected("skip"), affected("skipif"), affected("xfail"),
            tuple(sorted(names - NOT_MARKERS)), scaffolded, static and fixtures_static,
            any(CANNOT_FAIL_TODO in line for line in body + _trailing_comments(module.lines, node.end_lineno or 0)),
        )

    def _fixture_args(self, module: SourceModule, node: ast.FunctionDef, method: bool) -> list[str]:
        """Arguments pytest fills from fixtures, less those hypothesis' @given and mock's @patch fill."""
        names = list(_arg_names(node, method))
        patches = 0
        for deco in node.decorator_list:
            if not isinstance(deco, ast.Call):
                continue
            target = self.index.resolve(module, deco.func)
            dotted = target.dotted if isinstance(target, External) else ""
            if dotted == "hypothesis.given":
                given = {k.arg for k in deco.keywords}
                names = [n for n in names if n not in given]
                names = names[: len(names) - len(deco.args)] if deco.args else names
            elif dotted.endswith(("mock.patch", "mock.patch.object")) and not any(k.arg == "new" for k in deco.keywords):
                patches += len(deco.args) < (3 if dotted.endswith("object") else 2)
        return names[patches:]

    def _param_marks(self, module: SourceModule, value: ast.expr | None) -> set[str]:
        if not (isinstance(value, ast.Call) and isinstance(self.index.resolve(module, value.func), External)):
            return set()
        if self.index.resolve(module, value.func).dotted != "pytest.param":  # type: ignore[union-attr]
            return set()
        marks_kw = next((k.value for k in value.keywords if k.arg == "marks"), None)
        return {m.name for m in self.index.marks(module, marks_kw)}


def _fixture_cases(requested: list[str], layers: list[Layer], direct: set[str]) -> tuple[int, bool]:
    """Multiply the params of every fixture in the closure of `requested` (pytest's lookup order)."""
    cases, static = 1, True
    seen: set[tuple[int, str]] = set()
    stack = [(name, 0) for name in requested]
    while stack:
        name, start = stack.pop()
        index = next((i for i in range(start, len(layers)) if name in layers[i]), None)
        if index is None or (index, name) in seen:
            continue
        seen.add((index, name))
        fixture = layers[index][name]
        if name not in direct:
            if fixture.params is None:
                static = False
            elif fixture.params:
                cases *= len(fixture.params)
        stack.extend((arg, index + 1 if arg == name else 0) for arg in fixture.args)
    return cases, static


def _arg_names(node: ast.FunctionDef, method: bool) -> tuple[str, ...]:
    """Arguments pytest fills from fixtures: no defaults, no self/cls."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    positional = positional[: len(positional) - len(args.defaults)]
    decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
    if method and "staticmethod" not in decorators and positional:
        positional = positional[1:]
    kwonly = [a for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    return tuple(a.arg for a in [*positional, *kwonly])


def _param_names(expr: ast.expr) -> list[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [p.strip() for p in expr.value.split(",") if p.strip()]
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [e.value for e in expr.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _trailing_comments(lines: list[str], end: int) -> list[str]:
    """The indented comment lines right after a function's last statement: still its body to a reader
    (scaffold ends a draft with its `# TODO(gapfinder): ...` lines), though not to `ast`."""
    found = []
    for line in lines[end:]:
        if not line.strip():
            continue
        if not (line[:1].isspace() and line.lstrip().startswith("#")):
            break
        found.append(line)
    return found


def _str_args(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _literal(binding: Binding | None) -> object:
    if isinstance(binding, ValueBinding) and isinstance(binding.node, ast.Constant):
        return binding.node.value
    return None


def _decorated_with(index: SourceIndex, module: SourceModule, node: ast.AST, dotted: tuple[str, ...]) -> bool:
    for deco in getattr(node, "decorator_list", []):
        target = index.resolve(module, deco.func if isinstance(deco, ast.Call) else deco)
        if isinstance(target, External) and target.dotted in dotted:
            return True
    return False


def _abstract(mro: list[tuple[SourceModule, ast.ClassDef]], bodies: list[tuple[SourceModule, dict]], externals: list[str]) -> bool:
    """An ABC with abstract methods left: pytest does not collect it."""
    meta = any(k.arg == "metaclass" and ast.unparse(k.value).endswith("ABCMeta") for _, c in mro for k in c.keywords)
    if not meta and not any(e.split(".")[-1] in ("ABC", "ABCMeta") for e in externals):
        return False
    seen: set[str] = set()
    for _, names in bodies:
        for attr, binding in names.items():
            if attr in seen:
                continue
            seen.add(attr)
            if isinstance(binding, DefBinding) and any(ast.unparse(d).endswith("abstractmethod") for d in binding.node.decorator_list):
                return True
    return False


def _is_state_machine_case(index: SourceIndex, module: SourceModule, value: ast.expr) -> bool:
    """`TestX = SomeStateMachine.TestCase` (hypothesis): a unittest case with one runTest."""
    if not (isinstance(value, ast.Attribute) and value.attr == "TestCase"):
        return False
    found = index.resolve(module, value.value)
    return isinstance(found, Local) and isinstance(found.binding, ClassBinding)
