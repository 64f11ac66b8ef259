"""The module under test as scaffold sees it: its names, its public callables and its routes.

Built from the module's `ast` alone; nothing of the user's project is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gapfinder.scaffold.usage import FunctionNode, dotted

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


@dataclass
class ModuleModel:
    module: str  # dotted name of the module under test
    tree: ast.Module
    package: str  # the project's top-level package ("app")
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> (module, attr)
    assigned: set[str] = field(default_factory=set)  # module-level variables
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)

    def is_project(self, name: str) -> bool:
        """True when a module-level name comes from the user's own package."""
        origin = self.imports.get(name)
        return origin is not None and (origin[0] == self.package or origin[0].startswith(self.package + "."))

    def import_for(self, name: str) -> tuple[str, str | None] | None:
        """How a test imports a name the module under test uses: (module, attr or None)."""
        if name in self.imports:
            return self.imports[name]
        if name in self.functions or name in self.classes or name in self.assigned:
            return self.module, name
        return None

    def constants(self) -> dict[str, tuple[object, ...]]:
        """Module-level literal collections (`ALLOWED = frozenset({"a", "b"})`), sorted."""
        found: dict[str, tuple[object, ...]] = {}
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = stmt.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(value.args) == 1 \
                        and value.func.id in ("frozenset", "set", "tuple", "list"):
                    value = value.args[0]
                try:
                    literal = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    continue
                if isinstance(literal, (tuple, list, set, frozenset)):
                    found[stmt.targets[0].id] = tuple(sorted(literal, key=repr))
        return found

    def regexes(self) -> dict[str, str]:
        """Module-level `NAME = re.compile("pattern")`: {name: pattern}."""
        found = {}
        for stmt in self.tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in ("re.compile", "compile")
                    and stmt.value.args and isinstance(stmt.value.args[0], ast.Constant)
                    and isinstance(stmt.value.args[0].value, str)):
                found[stmt.targets[0].id] = stmt.value.args[0].value
        return found

    def methods(self, cls: ast.ClassDef) -> dict[str, FunctionNode]:
        return {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def class_attributes(self, cls: ast.ClassDef) -> set[str]:
        """Names defined in the class body with a value (annotation-only fields are not attributes)."""
        names = set(self.methods(cls))
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                names |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
                names.add(stmt.target.id)
        return names

    def targets(self) -> list[Target]:
        found: list[Target] = []
        for stmt in self.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(stmt.name):
                found.append(Target(stmt.name, stmt, None, "function", _route(stmt)))
            elif isinstance(stmt, ast.ClassDef) and _public(stmt.name):
                for method in self.methods(stmt).values():
                    if not _public(method.name) and method.name != "__call__":
                        continue
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


def build_model(tree: ast.Module, module: str, is_package: bool = False) -> ModuleModel:
    package = module.split(".", 1)[0]
    model = ModuleModel(module, tree, package)
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    model.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".", 1)[0]
                    model.imports[top] = (top, None)
        elif isinstance(stmt, ast.ImportFrom):
            base = _resolve_relative(module, stmt.module, stmt.level, is_package)
            for alias in stmt.names:
                if alias.name != "*":
                    model.imports[alias.asname or alias.name] = (base, alias.name)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            model.functions[stmt.name] = stmt
        elif isinstance(stmt, ast.ClassDef):
            model.classes[stmt.name] = stmt
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            model.assigned |= {t.id for t in targets if isinstance(t, ast.Name)}
    return model


def _resolve_relative(module: str, name: str | None, level: int, is_package: bool) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    base = parts[: len(parts) - level + (1 if is_package else 0)]
    return ".".join(base + ([name] if name else []))


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
