"""What scaffold tests in a module: its public functions and methods, and their web routes."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.module import ModuleModel
from gapfinder.core.usage.tree import FunctionNode

WEB_METHODS = frozenset({"get", "post", "put", "patch", "delete", "route", "websocket", "api_route"})


@dataclass(frozen=True)
class Route:
    method: str  # "GET", "POST", ... or "WEBSOCKET"
    path: str
    status: int | None  # status_code= from the decorator


@dataclass(frozen=True)
class Target:
    """One public function or method to test."""

    qualname: str  # "func" or "Class.method"
    node: FunctionNode
    cls: ast.ClassDef | None
    kind: str  # "function" | "method" | "classmethod" | "staticmethod"
    route: Route | None = None

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def public_targets(model: ModuleModel) -> list[Target]:
    """The public functions and methods of the module under test, in source order."""
    found: list[Target] = []
    for stmt in model.tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(stmt.name) \
                and not does_nothing(stmt):
            found.append(Target(stmt.name, stmt, None, "function", _route(stmt)))
        elif isinstance(stmt, ast.ClassDef) and _public(stmt.name) and not is_protocol(stmt):
            for method in model.methods(stmt).values():
                if (not _public(method.name) and method.name != "__call__") or is_abstract(method) \
                        or does_nothing(method):
                    continue  # no behaviour of its own: what subclasses do is tested on them
                decorators = {dotted(d) for d in method.decorator_list}
                if "property" in decorators or any(d and d.endswith((".setter", ".deleter")) for d in decorators):
                    kind = "property"
                elif "classmethod" in decorators:
                    kind = "classmethod"
                elif "staticmethod" in decorators:
                    kind = "staticmethod"
                else:
                    kind = "method"
                found.append(Target(f"{stmt.name}.{method.name}", method, stmt, kind))
    return found


def is_protocol(cls: ast.ClassDef) -> bool:
    """A typing.Protocol: an interface that cannot be instantiated; its methods have no behaviour."""
    return any((dotted(b.value if isinstance(b, ast.Subscript) else b) or "").rsplit(".", 1)[-1] == "Protocol"
               for b in cls.bases)


def is_abstract(method: FunctionNode) -> bool:
    """Declared `@abstractmethod`: left to subclasses."""
    return any((dotted(d) or "").endswith("abstractmethod") for d in method.decorator_list)


def does_nothing(func: FunctionNode) -> bool:
    """A body of only a docstring, `pass`, `...` or a bare `return`: a hook for subclasses to fill
    in. A test of it cannot fail whatever the code does, so none is drafted."""
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Return) and (
        s.value is None or (isinstance(s.value, ast.Constant) and s.value.value is None))) for s in _statements(func))


def raises_not_implemented(method: FunctionNode) -> bool:
    """A body that only raises NotImplementedError: a hook a subclass must fill in."""
    body = _statements(method)
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return dotted(exc) == "NotImplementedError"


def _statements(func: FunctionNode) -> list[ast.stmt]:
    """The body without its docstring and bare constants (`...`)."""
    return [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]


def _public(name: str) -> bool:
    return not name.startswith("_")


def _route(func: FunctionNode) -> Route | None:
    """FastAPI/Starlette/Flask route decorators: `@router.get("/path", status_code=201)`."""
    for decorator in func.decorator_list:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            continue
        verb = decorator.func.attr
        if verb not in WEB_METHODS or not decorator.args:
            continue
        path = decorator.args[0]
        if not isinstance(path, ast.Constant) or not isinstance(path.value, str):
            continue
        status = None
        methods = ["GET"]
        for kw in decorator.keywords:
            if kw.arg == "status_code" and isinstance(kw.value, ast.Constant):
                status = kw.value.value
            elif kw.arg == "status_code":
                status = _status_constant(kw.value)
            elif kw.arg == "methods" and isinstance(kw.value, (ast.List, ast.Tuple)):
                methods = [e.value for e in kw.value.elts if isinstance(e, ast.Constant)]
        method = methods[0].upper() if verb in ("route", "api_route") else verb.upper()
        return Route(method, path.value, status)
    return None


def _status_constant(expr: ast.expr) -> int | None:
    """`status.HTTP_201_CREATED` -> 201."""
    name = dotted(expr) or ""
    digits = name.rsplit("HTTP_", 1)[-1].split("_", 1)[0]
    return int(digits) if digits.isdigit() else None
