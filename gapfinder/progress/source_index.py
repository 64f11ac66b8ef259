"""What static test counting needs to know about one Python file, without importing it.

A SourceIndex parses files on demand (each once) and answers three questions the way Python
would at import time: what a top-level name is bound to (following imports into other project
files), which pytest marks an expression stands for, and how many elements a literal-ish
expression has (for parametrize lists and fixture params).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sysconfig
import itertools
import math
import os
import sys
from pathlib import Path

from gapfinder.core.scopes import TRY_NODES
from gapfinder.core.source import parse, read_source
from gapfinder.core.symbols import dotted, import_bindings, strip_relative
from gapfinder.progress.bindings import (
    Binding, ClassBinding, DefBinding, External, FromBinding, Local, Mark, ModuleBinding, ModuleObj, ModuleRef,
    Resolved, SourceModule, ValueBinding,
)
from gapfinder.progress.values import Unknown, evaluate

MAX_DEPTH = 12
_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()

UNITTEST_MARKS = {"skip": "skip", "skipIf": "skipif", "skipUnless": "skipif", "expectedFailure": "xfail"}


class SourceIndex:
    def __init__(self, root: Path, search_roots: tuple[str, ...]) -> None:
        self.root = root
        self.search_roots = search_roots  # folders (relative) on sys.path besides the file's own
        self._modules: dict[str, SourceModule | None] = {}
        self.errors: dict[str, str] = {}  # path -> why it does not parse
        self._files: dict[tuple[str, str, bool], str | None] = {}

    # --- files -------------------------------------------------------------------------------

    def module(self, rel: str) -> SourceModule | None:
        if rel in self._modules:
            return self._modules[rel]
        self._modules[rel] = None  # guards against import cycles while scanning
        try:
            text = read_source(self.root / rel)
            tree = parse(text)
        except SyntaxError as exc:
            self.errors[rel] = f"syntax error at line {exc.lineno}: {exc.msg}"
            return None
        except (OSError, ValueError) as exc:
            self.errors[rel] = f"cannot be read: {exc}"
            return None
        module = SourceModule(rel, tree, text.splitlines(), {})
        self._bind(module, tree.body, module.names)
        self._modules[rel] = module
        return module

    def class_names(self, module: SourceModule, node: ast.ClassDef) -> dict[str, Binding]:
        names: dict[str, Binding] = {}
        self._bind(module, node.body, names)
        return names

    def _bind(self, module: SourceModule, body: list[ast.stmt], names: dict[str, Binding]) -> None:
        folder = module.path.rsplit("/", 1)[0] if "/" in module.path else ""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names[stmt.name] = DefBinding(stmt)
            elif isinstance(stmt, ast.ClassDef):
                names[stmt.name] = ClassBinding(stmt)
            elif isinstance(stmt, ast.Import):
                for name, imported, _ in import_bindings(stmt, ""):
                    names[name] = ModuleBinding((None, imported))
            elif isinstance(stmt, ast.ImportFrom):
                ref = _import_ref(folder, stmt)
                for alias in stmt.names:
                    if alias.name == "*":
                        self._bind_star(ref, names, module.path)
                    else:
                        names[alias.asname or alias.name] = FromBinding(ref, alias.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and stmt.value is not None:
                        names[target.id] = ValueBinding(stmt.value)
            elif isinstance(stmt, ast.If) and (holds := platform_test(stmt.test)) is not None:
                self._bind(module, stmt.body if holds else stmt.orelse, names)  # as on this machine
            elif isinstance(stmt, (ast.If, ast.With, *TRY_NODES)):
                for block in ("body", "orelse", "finalbody"):
                    self._bind(module, getattr(stmt, block, []), names)
                for handler in getattr(stmt, "handlers", []):
                    self._bind(module, handler.body, names)

    def _bind_star(self, ref: ModuleRef, names: dict[str, Binding], near: str) -> None:
        path = self.module_file(ref, near)
        target = self.module(path) if path else None
        if target is not None:
            for name in target.names:
                if not name.startswith("_"):
                    names[name] = FromBinding(ref, name)

    def module_file(self, ref: ModuleRef, near: str = "") -> str | None:
        base, dotted = ref
        key = (base if base is not None else _import_root(self.root, near), dotted, base is None)
        if key not in self._files:
            bases = [key[0], *self.search_roots] if base is None else [base]
            self._files[key] = next(
                (c for c in _candidates(bases, dotted) if (self.root / c).is_file()), None
            )
        return self._files[key]

    # --- names -------------------------------------------------------------------------------

    def resolve_name(self, module: SourceModule, name: str, depth: int = 0) -> Resolved:
        binding = module.names.get(name)
        if binding is None:
            return External(name)  # a builtin, or bound in a way we do not follow
        if depth > MAX_DEPTH:
            return None
        if isinstance(binding, ModuleBinding):
            return self._module_or_external(binding.ref, module.path)
        if isinstance(binding, FromBinding):
            ref, attr = binding.ref, binding.attr
            sub = self.module_file((ref[0], f"{ref[1]}.{attr}".strip(".")), module.path)
            if sub is not None and self.module(sub) is not None:
                return ModuleObj(self.module(sub))  # type: ignore[arg-type]
            path = self.module_file(ref, module.path)
            if path is None:
                return External(f"{ref[1]}.{attr}".strip("."))
            target = self.module(path)
            if target is None or attr not in target.names:
                return None
            return self.resolve_name(target, attr, depth + 1)
        return Local(module, binding)

    def _module_or_external(self, ref: ModuleRef, near: str) -> Resolved:
        path = self.module_file(ref, near)
        module = self.module(path) if path else None
        return ModuleObj(module) if module is not None else External(ref[1])

    def resolve(self, module: SourceModule, expr: ast.expr, depth: int = 0) -> Resolved:
        name = dotted(expr)
        if name is None:
            return None
        parts = name.split(".")
        found = self.resolve_name(module, parts[0], depth)
        for attr in parts[1:]:
            if isinstance(found, External):
                found = External(f"{found.dotted}.{attr}")
            elif isinstance(found, ModuleObj):
                found = self.resolve_name(found.module, attr, depth + 1)
            else:
                return None
        return found

    # --- marks -------------------------------------------------------------------------------

    def marks(self, module: SourceModule, expr: ast.expr | None, depth: int = 0) -> list[Mark]:
        """The pytest marks (and unittest skip decorators) an expression stands for."""
        if expr is None or depth > MAX_DEPTH:
            return []
        if isinstance(expr, (ast.List, ast.Tuple)):
            return [m for e in expr.elts for m in self.marks(module, e, depth + 1)]
        call = expr if isinstance(expr, ast.Call) else None
        found = self.resolve(module, call.func if call else expr)
        if isinstance(found, External):
            name = mark_name(found.dotted)
            return [Mark(name, call, module)] if name else []
        if isinstance(found, Local) and isinstance(found.binding, ValueBinding) and call is None:
            return self.marks(found.module, found.binding.node, depth + 1)
        if isinstance(found, Local) and isinstance(found.binding, DefBinding):
            return self._helper_marks(found.module, found.binding.node)
        return []

    def _helper_marks(self, module: SourceModule, helper: ast.FunctionDef) -> list[Mark]:
        """Marks a project decorator applies, e.g. `return pytest.mark.parametrize("x", [a, b])(f)`."""
        marks = []
        for node in ast.walk(helper):
            if isinstance(node, ast.Call):
                found = self.resolve(module, node.func)
                name = mark_name(found.dotted) if isinstance(found, External) else None
                if name:
                    marks.append(Mark(name, node, module))
        return marks

    # --- literal lengths ---------------------------------------------------------------------

    def elements(self, module: SourceModule, expr: ast.expr, depth: int = 0) -> list[ast.expr | None] | None:
        """The elements iterating expr gives (None for ones not visible), or None when unknown."""
        if depth > MAX_DEPTH:
            return None
        found = self._elements(module, expr, depth)
        if found is not None or depth:
            return found
        try:
            return [None] * len(evaluate(self, module, expr))
        except (Unknown, TypeError):
            return None

    def _elements(self, module: SourceModule, expr: ast.expr, depth: int) -> list[ast.expr | None] | None:
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            out: list[ast.expr | None] = []
            for elt in expr.elts:
                if isinstance(elt, ast.Starred):
                    inner = self.elements(module, elt.value, depth + 1)
                    if inner is None:
                        return None
                    out.extend(inner)
                else:
                    out.append(elt)
            return out
        if isinstance(expr, ast.Dict):
            return list(expr.keys) if None not in expr.keys else None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)):
            return [None] * len(expr.value)
        if isinstance(expr, (ast.Name, ast.Attribute)):
            found = self.resolve(module, expr)
            if isinstance(found, Local) and isinstance(found.binding, ValueBinding):
                return self.elements(found.module, found.binding.node, depth + 1)
            return None
        if isinstance(expr, ast.BinOp):
            return self._binop(module, expr, depth)
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            sizes = [self.length(module, g.iter, depth + 1) for g in expr.generators if not g.ifs]
            if len(sizes) != len(expr.generators) or None in sizes:
                return None
            return [None] * math.prod(sizes)  # type: ignore[arg-type]
        if isinstance(expr, ast.Call):
            return self._call(module, expr, depth)
        return None

    def length(self, module: SourceModule, expr: ast.expr, depth: int = 0) -> int | None:
        found = self.elements(module, expr, depth)
        return None if found is None else len(found)

    def _binop(self, module: SourceModule, expr: ast.BinOp, depth: int) -> list[ast.expr | None] | None:
        left = self.elements(module, expr.left, depth + 1)
        if isinstance(expr.op, ast.Add):
            right = self.elements(module, expr.right, depth + 1)
            return None if left is None or right is None else left + right
        if isinstance(expr.op, ast.Mult):
            times = self.integer(module, expr.right)
            return None if left is None or times is None else left * times
        return None

    def _call(self, module: SourceModule, call: ast.Call, depth: int) -> list[ast.expr | None] | None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values", "copy") and not call.args:
            return self.elements(module, func.value, depth + 1)
        found = self.resolve(module, func)
        name = found.dotted if isinstance(found, External) else None
        args = call.args
        if name == "range" and 1 <= len(args) <= 3:
            ints = [self.integer(module, a) for a in args]
            return None if None in ints else [None] * len(range(*ints))  # type: ignore[arg-type]
        if name in ("list", "tuple", "sorted", "reversed", "enumerate", "dict") and len(args) == 1:
            return self.elements(module, args[0], depth + 1)
        if name == "zip" and args:
            sizes = [self.length(module, a, depth + 1) for a in args]
            return None if None in sizes else [None] * min(sizes)  # type: ignore[type-var]
        if name == "itertools.product" and args:
            sizes = [self.length(module, a, depth + 1) for a in args]
            repeat = next((self.integer(module, k.value) for k in call.keywords if k.arg == "repeat"), 1)
            if None in sizes or repeat is None:
                return None
            return [None] * (math.prod(sizes) ** repeat)  # type: ignore[arg-type]
        if name in ("itertools.combinations", "itertools.permutations") and len(args) == 2:
            size, r = self.length(module, args[0], depth + 1), self.integer(module, args[1])
            if size is None or r is None:
                return None
            pick = itertools.combinations if name.endswith("combinations") else itertools.permutations
            return [None] * sum(1 for _ in pick(range(size), r))
        return None

    def integer(self, module: SourceModule, expr: ast.expr) -> int | None:
        if isinstance(expr, ast.Constant) and type(expr.value) is int:
            return expr.value
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            inner = self.integer(module, expr.operand)
            return None if inner is None else -inner
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult)):
            left, right = self.integer(module, expr.left), self.integer(module, expr.right)
            if left is None or right is None:
                return None
            return left + right if isinstance(expr.op, ast.Add) else left - right if isinstance(expr.op, ast.Sub) else left * right
        if isinstance(expr, ast.Call) and len(expr.args) == 1 and self.resolve(module, expr.func) == External("len"):
            return self.length(module, expr.args[0])
        if isinstance(expr, (ast.Name, ast.Attribute)):
            found = self.resolve(module, expr)
            if isinstance(found, Local) and isinstance(found.binding, ValueBinding):
                return self.integer(found.module, found.binding.node)
            if isinstance(found, External):
                return _stdlib_int(found.dotted)
        return None


def _stdlib_int(name: str) -> int | None:
    """An integer constant of the standard library, e.g. pickle.HIGHEST_PROTOCOL (never user code)."""
    module, _, attr = name.rpartition(".")
    if module not in sys.stdlib_module_names or not _in_stdlib(module):
        return None
    value = getattr(importlib.import_module(module), attr, None)
    return value if type(value) is int else None


def _in_stdlib(module: str) -> bool:
    """The module Python would import is the standard library's own, not a project file that shadows
    its name (with the project's folder on sys.path, importing that would run the project's code)."""
    if module in sys.modules:
        return True
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None)
    return spec is not None and (origin in (None, "built-in", "frozen") or Path(origin).resolve().is_relative_to(_STDLIB))


def mark_name(name: str) -> str | None:
    """"pytest.mark.skip" -> "skip"; "unittest.skipIf" -> "skipif"; anything else -> None."""
    parts = name.split(".")
    if parts[0] in ("pytest", "_pytest") and "mark" in parts[:-1]:
        return parts[parts.index("mark") + 1]
    if parts[0] == "unittest" and parts[-1] in UNITTEST_MARKS:
        return UNITTEST_MARKS[parts[-1]]
    return None


def _import_ref(folder: str, stmt: ast.ImportFrom) -> ModuleRef:
    """A relative import is resolved against folders: test files need not sit in packages."""
    if not stmt.level:
        return (None, stmt.module or "")
    return ("/".join(strip_relative(folder.split("/") if folder else [], stmt.level)), stmt.module or "")


def _candidates(bases: list[str], dotted: str) -> list[str]:
    inner = dotted.replace(".", "/")
    out = []
    for folder in dict.fromkeys(bases):
        stem = "/".join(p for p in (folder, inner) if p)
        out += [f"{stem}.py", f"{stem}/__init__.py" if stem else "__init__.py"]
    return out


def _import_root(root: Path, near: str) -> str:
    """The folder pytest's default import mode puts on sys.path for a file: above its packages."""
    parts = near.split("/")[:-1]
    while parts and (root.joinpath(*parts) / "__init__.py").is_file():
        parts.pop()
    return "/".join(parts)


def platform_test(test: ast.expr) -> bool | None:
    """The value of `sys.platform == "win32"`, `sys.platform.startswith("linux")`, `os.name != "nt"`
    (and `not` of them) on this machine, where pytest collects too; None for any other test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = platform_test(test.operand)
        return None if inner is None else not inner
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))
            and isinstance(test.comparators[0], ast.Constant) and isinstance(test.comparators[0].value, str)):
        actual = _platform_value(test.left)
        if actual is not None:
            return (actual == test.comparators[0].value) == isinstance(test.ops[0], ast.Eq)
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith"
            and len(test.args) == 1 and not test.keywords and isinstance(test.args[0], ast.Constant)
            and isinstance(test.args[0].value, str)):
        actual = _platform_value(test.func.value)
        if actual is not None:
            return actual.startswith(test.args[0].value)
    return None


def _platform_value(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        if (expr.value.id, expr.attr) == ("sys", "platform"):
            return sys.platform
        if (expr.value.id, expr.attr) == ("os", "name"):
            return os.name
    return None
