"""The project's modules by dotted name, parsed on demand, with the usage of their functions.

doctor finds the code a test's double stands in for through this index; `merge` folds the trees of
several functions (every use of one module-level collaborator) into one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from gapfinder.core.scopes import walked, yields
from gapfinder.core.source import parse, read_source
from gapfinder.core.symbols import dotted, import_bindings, package_of
from gapfinder.core.usage.module import ModuleModel, build_model
from gapfinder.core.usage.tree import FunctionNode, UsageTree
from gapfinder.core.usage.walker import helper_lookup, infer_usage

EDGES = ("call", "awaited_call", "awaited", "aenter", "enter", "aiter_item", "iter_item", "item")


def merge(trees: list[UsageTree]) -> UsageTree:
    """One tree with every use in `trees` (calls from several functions of one collaborator)."""
    out = UsageTree()
    for tree in trees:
        _into(out, tree, 0)
    return out


def _into(dst: UsageTree, src: UsageTree, depth: int) -> None:
    if depth > 40:
        return
    dst.used = dst.used or src.used
    dst.origins += [*src.origins, src]
    dst.returned = dst.returned or src.returned
    dst.to_caller = dst.to_caller or src.to_caller
    dst.branched_on = dst.branched_on or src.branched_on
    dst.awaited_always = dst.awaited_always or src.awaited_always
    dst.calls.extend(src.calls)
    dst.passed_to |= src.passed_to
    for name, child in src.attrs.items():
        _into(dst.attrs.setdefault(name, UsageTree()), child, depth + 1)
    if src.elements and (not dst.elements or len(dst.elements) == len(src.elements)):
        dst.elements = dst.elements or [UsageTree() for _ in src.elements]  # `a, b = value`: element by element
        for target, child in zip(dst.elements, src.elements):
            _into(target, child, depth + 1)
    for edge in EDGES:
        child = getattr(src, edge)
        if child is not None:
            target = getattr(dst, edge)
            if target is None:
                target = UsageTree()
                setattr(dst, edge, target)
            _into(target, child, depth + 1)


@dataclass
class IndexedModule:
    name: str
    path: Path
    model: ModuleModel
    _globals: dict[str, UsageTree | None] = field(default_factory=dict)
    index: ModuleIndex | None = None  # to walk into project functions this module imports

    def function(self, qualname: str) -> tuple[FunctionNode, ast.ClassDef | None] | None:
        head, _, rest = qualname.partition(".")
        if not rest and head in self.model.functions:
            return self.model.functions[head], None
        cls = self.model.classes.get(head)
        if cls is not None and rest and "." not in rest:
            method = self.model.methods(cls).get(rest)
            if method is not None:
                return method, cls
        return None

    def usage(self, func: FunctionNode, cls: ast.ClassDef | None, names: list[str],
              replaced: frozenset[str] = frozenset(), falsy: frozenset[str] = frozenset()) -> dict[str, UsageTree]:
        """replaced: functions and methods a test swapped for doubles; calls to them are not walked into;
        falsy: parameters the test's call left at a falsy default."""
        methods = {n: m for n, m in (self.model.methods(cls) if cls is not None else {}).items() if n not in replaced}
        functions = {n: f for n, f in self.model.functions.items() if n not in replaced}
        local = helper_lookup(functions, methods)
        owners: dict[int, IndexedModule] = {}  # imported functions walked: the module each is defined in

        def lookup(expr: ast.expr) -> tuple[FunctionNode, bool] | None:
            """Same-module helpers first, then project functions imported by name (`from .routing import
            create_routing`): a double handed on to them is used there."""
            found = local(expr)
            if found is None and isinstance(expr, ast.Name) and expr.id not in replaced and self.index is not None:
                imported = self.index.imported_function(self, expr.id)
                if imported is None:
                    return None
                owners[id(imported[1])] = imported[0]
                return imported[1], False
            return found

        def protocols(inside: FunctionNode, expr: ast.expr) -> frozenset[str] | None:
            module = owners.get(id(inside), self)
            return module.index.runtime_protocol(module, inside, expr) if module.index is not None else None

        return infer_usage(func, names, lookup, protocols=protocols, falsy=falsy)

    def global_usage(self, name: str) -> UsageTree | None:
        """How every function and method of the module uses the module-level `name`."""
        if name not in self._globals:
            trees = []
            for func, cls in self._all_functions():
                params = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
                if name not in params:
                    # the name stands for a double here: a same-module function of that name is not walked into
                    trees.append(self.usage(func, cls, [name], frozenset({name}))[name])
            tree = merge(trees)
            self._globals[name] = tree if tree.used else None
        return self._globals[name]

    def _all_functions(self) -> list[tuple[FunctionNode, ast.ClassDef | None]]:
        found: list[tuple[FunctionNode, ast.ClassDef | None]] = [(f, None) for f in self.model.functions.values()]
        for cls in self.model.classes.values():
            found += [(m, cls) for m in self.model.methods(cls).values()]
        return found

    def is_async_def(self, name: str) -> bool | None:
        """True for an `async def name` coroutine function, False for a def, an async generator (patch()
        makes a MagicMock for it, as inspect.iscoroutinefunction is false) or a class; None when not here."""
        if name in self.model.functions:
            func = self.model.functions[name]
            return is_coroutine_function(func)
        if name in self.model.classes:
            return False
        return None


class ModuleIndex:
    """Finds and parses the project's modules by dotted name (nothing is imported)."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [r for i, r in enumerate(roots) if r not in roots[:i]]
        self._modules: dict[str, IndexedModule | None] = {}

    def module(self, name: str) -> IndexedModule | None:
        if name not in self._modules:
            self._modules[name] = self._load(name)
        return self._modules[name]

    def _load(self, name: str) -> IndexedModule | None:
        parts = name.split(".")
        for root in self.roots:
            for candidate, is_package in ((root.joinpath(*parts).with_suffix(".py"), False),
                                          (root.joinpath(*parts, "__init__.py"), True)):
                if candidate.is_file():
                    try:
                        tree = parse(read_source(candidate))
                    except (SyntaxError, ValueError, OSError):
                        return None
                    return IndexedModule(name, candidate, build_model(tree, name, is_package), index=self)
        return None

    def resolve(self, dotted_name: str) -> tuple[IndexedModule, str] | None:
        """"pkg.mod.Class.method" -> (pkg.mod, "Class.method"); the longest module prefix wins."""
        parts = dotted_name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.module(".".join(parts[:cut]))
            if module is not None:
                return module, ".".join(parts[cut:])
        return None

    def imported_function(self, module: IndexedModule, name: str) -> tuple[IndexedModule, FunctionNode] | None:
        """The project function a module-level import of `module` binds to `name`, and its module."""
        origin = module.model.imports.get(name)
        if origin is None or origin[1] is None:
            return None
        target = self.module(origin[0])
        if target is None:
            return None
        defined, local = self.follow(target, origin[1])
        func = defined.model.functions.get(local)
        return (defined, func) if func is not None else None

    def runtime_protocol(self, module: IndexedModule, inside: FunctionNode, expr: ast.expr) -> frozenset[str] | None:
        """The members of the project class `expr` names in `inside` (a function of `module`; its own imports
        count) when it is a `@runtime_checkable` Protocol, else None."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        origin: tuple[str, str | None] | None = None
        for node in walked(inside):  # `from pkg.protocols import Routable` inside the function
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for bound, source, attr in import_bindings(node, package_of(module.name, module.path.name == "__init__.py")):
                    origin = (source, attr) if bound == head else origin
        origin = origin or module.model.imports.get(head) or ((module.name, head) if head in module.model.classes else None)
        if origin is None:
            return None
        found = self.resolve(".".join(p for p in (origin[0], origin[1], rest) if p))
        if found is None:
            return None
        defined, qualname = self.follow(*found)
        cls = defined.model.classes.get(qualname)
        if cls is None or not any((dotted(d) or "").rpartition(".")[2] == "runtime_checkable" for d in cls.decorator_list) \
                or not any((dotted(b) or "").rpartition(".")[2] == "Protocol" for b in cls.bases):
            return None
        members = set(defined.model.methods(cls))
        members |= {s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
        return frozenset(members)

    def follow(self, module: IndexedModule, name: str, depth: int = 0) -> tuple[IndexedModule, str]:
        """Where a module-level name is defined, following `from x import name` re-exports."""
        origin = module.model.imports.get(name)
        if origin is not None and origin[1] is not None and depth < 5:
            target = self.module(origin[0])
            if target is not None:
                return self.follow(target, origin[1], depth + 1)
        return module, name


def is_coroutine_function(func: FunctionNode) -> bool:
    """An `async def` whose call makes a coroutine (an async generator's call makes no coroutine)."""
    return isinstance(func, ast.AsyncFunctionDef) and not yields(func)
