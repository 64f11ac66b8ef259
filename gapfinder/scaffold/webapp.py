"""A FastAPI/Starlette application as its source shows it: where each router is mounted (the full
path of a route: APIRouter prefixes, include_router and mount prefixes, up to the app) and what a
name in a module refers to across the project's imports.

Read with `ast` only; nothing of the project is imported. A prefix that is not a literal is looked
up as a string constant or a settings field with a literal default (`settings.API_V1_STR`); when
that fails the route's path is unknown (None) and no e2e test is drafted for it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.module import ModuleModel, build_model
from gapfinder.model import Project

Ref = tuple[str, str]  # (module, name)
UNKNOWN = object()  # a prefix that could not be read


@dataclass
class ProjectIndex:
    """Every project module's model, and the string constants and settings fields it defines."""

    models: dict[str, ModuleModel] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)  # class field name -> literal defaults

    @classmethod
    def build(cls, project: Project, read_module: Callable[[str], ast.Module | None]) -> "ProjectIndex":
        index = cls()
        for source in project.files:
            tree = read_module(source.module)
            if tree is None:
                continue
            index.models[source.module] = build_model(tree, source.module, source.is_package)
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    for stmt in node.body:
                        if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                            index.fields.setdefault(stmt.target.id, []).append(stmt.value.value)
        return index

    def resolve(self, module: str, name: str, depth: int = 0) -> tuple[str, str, ast.AST | None] | None:
        """(module, name there, definition) of `name` as seen from module, following imports and
        re-exports; the definition is a def, a class or the assigned value, None for a module."""
        model = self.models.get(module)
        if model is None or depth > 6:
            return None
        if name in model.functions:
            return module, name, model.functions[name]
        if name in model.classes:
            return module, name, model.classes[name]
        for stmt in model.tree.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                return module, name, stmt.value
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name \
                    and stmt.value is not None:
                return module, name, stmt.value
        origin = model.imports.get(name)
        if origin is None:
            return None
        target, attr = origin
        if attr is None:
            return (target, "", None) if target in self.models else None
        if f"{target}.{attr}" in self.models:
            return f"{target}.{attr}", "", None
        return self.resolve(target, attr, depth + 1)

    def resolve_expr(self, module: str, expr: ast.expr) -> tuple[str, str, ast.AST | None] | None:
        """What `name` or `submodule.name` refers to in module, as resolve gives it."""
        if isinstance(expr, ast.Name):
            return self.resolve(module, expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, (ast.Name, ast.Attribute)):
            base = self.resolve_expr(module, expr.value)
            if base is not None and base[2] is None:  # a module: look the attribute up there
                return self.resolve(base[0], expr.attr)
        return None

    def string(self, module: str, expr: ast.expr | None) -> object:
        """The text of a prefix expression, or UNKNOWN."""
        if expr is None:
            return ""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name):
            found = self.resolve(module, expr.id)
            if found and isinstance(found[2], ast.expr) and not isinstance(found[2], ast.Name):
                return self.string(found[0], found[2])
        if isinstance(expr, ast.Attribute):  # settings.API_V1_STR: one literal default across the project
            values = set(self.fields.get(expr.attr, []))
            if len(values) == 1:
                return values.pop()
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self.string(module, expr.left), self.string(module, expr.right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
        if isinstance(expr, ast.JoinedStr):
            parts = [self.string(module, v.value if isinstance(v, ast.FormattedValue) else v) for v in expr.values]
            if all(isinstance(p, str) for p in parts):
                return "".join(parts)  # type: ignore[arg-type]
        return UNKNOWN


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _module_level(tree: ast.Module):
    """The module's nodes outside its top-level functions (those are walked as their own scope)."""
    for stmt in tree.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from ast.walk(stmt)


def _is_call_to(expr: ast.AST, *names: str) -> bool:
    return isinstance(expr, ast.Call) and (dotted(expr.func) or "").rsplit(".", 1)[-1] in names


class RouteMap:
    """The path at which each router of the project is served, from the app down."""

    def __init__(self, index: ProjectIndex, app: Ref | None) -> None:
        self.index = index
        self.app = app
        self.own: dict[Ref, object] = {}  # router -> its APIRouter(prefix=...)
        self.parents: dict[Ref, list[tuple[Ref | None, object]]] = {}  # router -> (includer or None=app, prefix)
        self.pending: dict[tuple[Ref, str, int], tuple[Ref | None, object]] = {}  # factory parameters included
        for module, model in index.models.items():
            for stmt in model.tree.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and _is_call_to(stmt.value, "APIRouter", "Router", "FastAPI", "Starlette"):
                    own = index.string(module, _keyword(stmt.value, "prefix"))
                    self.own[(module, stmt.targets[0].id)] = own if _is_call_to(stmt.value, "APIRouter") else ""
            for scope in [model.tree, *model.functions.values()]:
                for node in ast.walk(scope) if scope is not model.tree else _module_level(model.tree):
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                            and node.func.attr in ("include_router", "mount") and node.args:
                        self._include(module, node, scope if scope is not model.tree else None)
        self._arguments()

    def _arguments(self) -> None:
        """A factory that includes a router it takes as a parameter (`create_application(router=...)`):
        the router its callers pass."""
        for module, model in self.index.models.items():
            for node in ast.walk(model.tree):
                if not isinstance(node, ast.Call):
                    continue
                for (factory, param, position), edge in list(self.pending.items()):
                    called = self.index.resolve_expr(module, node.func)
                    if called is None or called[:2] != factory:
                        continue
                    given = _keyword(node, param)
                    if given is None and position < len(node.args):
                        given = node.args[position]
                    child = self.index.resolve_expr(module, given) if given is not None else None
                    if child is not None:
                        self.parents.setdefault(child[:2], []).append(edge)

    def _include(self, module: str, call: ast.Call, function: ast.AST | None = None) -> None:
        func = call.func
        assert isinstance(func, ast.Attribute)
        if func.attr == "mount":
            if len(call.args) < 2:
                return
            prefix, child_expr = self.index.string(module, call.args[0]), call.args[1]
        else:
            prefix, child_expr = self.index.string(module, _keyword(call, "prefix")), call.args[0]
        receiver = func.value
        parent: Ref | None = None
        if isinstance(receiver, ast.Name):
            found = self.index.resolve(module, receiver.id)
            if found is not None and found[:2] in self.own:
                parent = found[:2]
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(child_expr, ast.Name):
            params = [a.arg for a in function.args.posonlyargs + function.args.args]
            if child_expr.id in params + [a.arg for a in function.args.kwonlyargs]:
                position = params.index(child_expr.id) if child_expr.id in params else 1 << 20
                self.pending[((module, function.name), child_expr.id, position)] = (parent, prefix)
                return
        child = self.index.resolve_expr(module, child_expr)
        if child is not None:
            self.parents.setdefault(child[:2], []).append((parent, prefix))

    def prefix(self, router: Ref, seen: frozenset = frozenset()) -> str | None:
        """The full prefix of router's routes, None when unknown or not served by the app."""
        if router in seen:
            return None
        own = self.own.get(router, "")
        if own is UNKNOWN:
            return None
        if self.app is not None and router == self.app:
            return ""
        for parent, prefix in self.parents.get(router, []):
            if prefix is UNKNOWN:
                continue
            above = "" if parent is None else self.prefix(parent, seen | {router})
            if above is not None:
                return f"{above}{prefix}{own}"
        return None

    def path(self, module: str, func: ast.FunctionDef | ast.AsyncFunctionDef, route_path: str) -> str | None:
        """The full path of a route function decorated `@router.verb(route_path)` in module."""
        for decorator in func.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
                    and isinstance(decorator.func.value, ast.Name):
                found = self.index.resolve(module, decorator.func.value.id)
                if found is None:
                    continue
                ref = found[:2]
                if ref not in self.own and ref != self.app:
                    return None
                prefix = self.prefix(ref)
                return None if prefix is None else f"{prefix}{route_path}"
        return None
