"""A route's FastAPI dependency chain, read from the source: whether it needs credentials, which
dependency yields the current user (the one to override for an authenticated test), which yield a
database session (to override with a test database), and a stand-in for the user it returns.

Dependencies are followed through `Depends(...)`/`Security(...)` defaults, `Annotated[T, Depends(...)]`
(also through aliases such as `CurrentUser = Annotated[User, Depends(get_current_user)]`), a route's
`dependencies=[...]`, dependency factories (`Depends(get_current_user_authorizer())`, evaluated by
their parameters' defaults) and classes with `__call__`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gapfinder.core.symbols import dotted
from gapfinder.scaffold.integration import _required_column
from gapfinder.scaffold.source_facts import unwrap_mapped
from gapfinder.scaffold.values import scalar_literal
from gapfinder.scaffold.webapp import ProjectIndex, Ref

SECURITY_CLASSES = frozenset({
    "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer", "HTTPBasic", "HTTPDigest",
    "APIKeyHeader", "APIKeyCookie", "APIKeyQuery", "OpenIdConnect", "SecurityBase",
})
TEXT_RETURNS = frozenset({"str", "Optional[str]", "str | None", "bytes", "None"})
Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Chain:
    """What a function's dependencies amount to."""

    takes_token: bool = False
    user: tuple[Ref, Function] | None = None  # the dependency that turns the token into the user
    sessions: dict[Ref, bool] = field(default_factory=dict)  # session dependency -> is async
    startup: set[Ref] = field(default_factory=set)  # dependencies that read what the app's startup set


class DependencyReader:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.memo: dict[Ref, Chain] = {}

    def route(self, module: str, func: Function) -> Chain:
        extra = []
        for decorator in func.decorator_list:
            if isinstance(decorator, ast.Call):
                listed = next((k.value for k in decorator.keywords if k.arg == "dependencies"), None)
                if isinstance(listed, (ast.List, ast.Tuple)):
                    extra += list(listed.elts)
        chain = self._chain(module, func, extra)
        if chain.user is not None and _optional(chain.user[1]):  # `-> Optional[User]` that never raises
            chain.takes_token, chain.user = False, None
        return chain

    def _chain(self, module: str, func: Function, extra: list[ast.expr] = ()) -> Chain:  # type: ignore[assignment]
        chain = Chain()
        for where, marker in [*self._markers(module, func), *((module, e) for e in extra)]:
            if not (isinstance(marker, ast.Call) and (dotted(marker.func) or "").rsplit(".", 1)[-1]
                    in ("Depends", "Security")):
                continue
            if dotted(marker.func).endswith("Security"):  # type: ignore[union-attr]
                chain.takes_token = True
            if not marker.args:
                continue
            found = self._dependency(where, marker.args[0])
            if found is None:
                continue
            kind, ref, node = found
            if kind == "scheme":
                chain.takes_token = True
                continue
            assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if _is_session(node):
                chain.sessions[ref] = isinstance(node, ast.AsyncFunctionDef) or "Async" in ast.unparse(
                    node.returns or ast.Constant(""))
                continue
            if "." not in ref[1] and any(".app.state." in (dotted(n) or "") for n in ast.walk(node)):
                chain.startup.add(ref)
                continue
            sub = self.memo.get(ref)
            if sub is None:
                self.memo[ref] = Chain()  # a cycle ends here
                sub = self.memo[ref] = self._chain(ref[0], node)
            chain.sessions.update(sub.sessions)
            chain.startup |= sub.startup
            if sub.takes_token:
                chain.takes_token = True
                if chain.user is None:
                    chain.user = sub.user or ((ref, node) if _returns_user(node) else None)
        return chain

    def _markers(self, module: str, func: Function) -> list[tuple[str, ast.expr]]:
        """The Depends(...)/Security(...) expressions of a function's parameters, each with the
        module it is written in (an alias may live in another)."""
        args = func.args
        params = args.posonlyargs + args.args + args.kwonlyargs
        defaults = [*[None] * (len(args.posonlyargs + args.args) - len(args.defaults)), *args.defaults,
                    *args.kw_defaults]
        found: list[tuple[str, ast.expr]] = []
        for param, default in zip(params, defaults):
            if param.arg in ("self", "cls"):
                continue
            if default is not None:
                found.append((module, default))
            found += self._annotated(module, param.annotation)
        return found

    def _annotated(self, module: str, annotation: ast.expr | None, depth: int = 0) -> list[tuple[str, ast.expr]]:
        if annotation is None or depth > 3:
            return []
        if isinstance(annotation, ast.Subscript) and (dotted(annotation.value) or "").endswith("Annotated"):
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            return [(module, item) for item in items[1:]]
        if isinstance(annotation, ast.Name):  # SessionDep = Annotated[Session, Depends(get_db)]
            found = self.index.resolve(module, annotation.id)
            if found is not None and isinstance(found[2], ast.Subscript):
                return self._annotated(found[0], found[2], depth + 1)
        return []

    def _dependency(self, module: str, expr: ast.expr, depth: int = 0) -> tuple[str, Ref, ast.AST] | None:
        """("scheme", ref, node) for a security scheme, ("function", ref, def) for a dependency function."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Call):
            if _security_call(expr, self.index, module):
                return "scheme", (module, ""), expr
            called = self.index.resolve_expr(module, expr.func)
            if called is None:
                return None
            if isinstance(called[2], ast.ClassDef):
                call = next((s for s in called[2].body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                             and s.name == "__call__"), None)
                return ("function", (called[0], f"{called[1]}.__call__"), call) if call is not None else None
            if isinstance(called[2], (ast.FunctionDef, ast.AsyncFunctionDef)):
                returned = _factory_result(called[2], expr)
                if returned is None:
                    return None
                nested = {s.name: s for s in called[2].body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
                if returned in nested:
                    return "function", (called[0], f"{called[1]}.{returned}"), nested[returned]
                return self._dependency(called[0], ast.Name(returned), depth + 1)
            return None
        found = self.index.resolve_expr(module, expr)
        if found is None:
            return None
        if isinstance(found[2], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return "function", found[:2], found[2]
        if isinstance(found[2], ast.Call):  # a module-level instance: a scheme, or a callable object
            return self._dependency(found[0], found[2], depth + 1)
        return None


def _security_call(call: ast.Call, index: ProjectIndex, module: str) -> bool:
    name = (dotted(call.func) or "").rsplit(".", 1)[-1]
    if name in SECURITY_CLASSES:
        return True
    found = index.resolve_expr(module, call.func)
    if found is not None and isinstance(found[2], ast.ClassDef):
        return any((dotted(b) or "").rsplit(".", 1)[-1] in SECURITY_CLASSES for b in found[2].bases)
    return False


def _factory_result(func: Function, call: ast.Call) -> str | None:
    """The name a dependency factory returns: `return A if required else B` with `required=True`
    (the call's argument, else the default) -> A."""
    defaults = {}
    args = func.args
    for param, default in zip(args.args[len(args.args) - len(args.defaults):], args.defaults):
        defaults[param.arg] = default
    defaults.update({p.arg: d for p, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    defaults.update({p.arg: a for p, a in zip(args.args, call.args)})
    defaults.update({k.arg: k.value for k in call.keywords if k.arg})
    for node in ast.walk(func):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        value = node.value
        if isinstance(value, ast.IfExp) and isinstance(value.test, ast.Name) and value.test.id in defaults:
            default = defaults[value.test.id]
            if isinstance(default, ast.Constant):
                value = value.body if default.value else value.orelse
        if isinstance(value, ast.Name):
            return value.id
    return None


def _is_session(func: Function) -> bool:
    returns = ast.unparse(func.returns) if func.returns is not None else ""
    if returns:
        return "Session" in returns and "maker" not in returns and "Factory" not in returns
    return func.name in ("get_db", "get_session", "get_db_session", "async_get_db")


def _optional(func: Function) -> bool:
    returns = ast.unparse(func.returns) if func.returns is not None else ""
    return ("Optional" in returns or "None" in returns) and not any(isinstance(n, ast.Raise) for n in ast.walk(func))


def _returns_user(func: Function) -> bool:
    return func.returns is None or ast.unparse(func.returns) not in TEXT_RETURNS


# --- a stand-in for the user the dependency returns ----------------------------------------------

PRIVILEGE = ("superuser", "admin", "active", "verified", "staff")


def user_value(
    index: ProjectIndex, module: str, func: Function, keys: set[str], user_model: Ref | None = None,
) -> tuple[str, set] | None:
    """(expression, imports) for what the user dependency returns: an instance of its return class
    with the required fields filled (privilege flags on), or a dict with the keys routes read and
    the columns of the project's user model."""
    returns = func.returns
    text = ast.unparse(returns) if returns is not None else ""
    if text.startswith(("dict", "Dict")) or (keys and not text):
        values = {k: _key_value(k) for k in keys | {"id"}}
        found = index.resolve(*user_model) if user_model else None
        imports: set = set()
        for name, annotation, value in _fields(index, found[0], found[2]) if found and isinstance(found[2], ast.ClassDef) \
                else []:
            annotation = unwrap_mapped(annotation)
            literal = None if "None" in ast.unparse(annotation) else scalar_literal(annotation, name)
            default = _default(value)
            if name not in values and not name.endswith("_at"):
                values[name] = default if default is not None else "None" if literal is None else literal[0]
                imports |= set(literal[1]) if literal and default is None else set()
        for name in values:
            if any(p in name for p in PRIVILEGE) and values[name] in ("True", "False"):
                values[name] = "True"
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in sorted(values.items())) + "}", imports
    names = [n for n in _names(returns) if n not in ("None", "Optional")]
    if not names:
        return None
    found = index.resolve(module, names[0])
    if found is None or not isinstance(found[2], ast.ClassDef):
        return None
    imports: set = {(found[0], found[1])}
    fields = []
    for name, annotation, value in _fields(index, found[0], found[2]):
        annotation = unwrap_mapped(annotation)
        required = value is None or _required_column(value) or (
            isinstance(value, ast.Call) and (dotted(value.func) or "").endswith("Field") and not value.args
            and not any(k.arg in ("default", "default_factory") for k in value.keywords))
        flag = any(p in name for p in PRIVILEGE) and "bool" in ast.unparse(annotation)
        if not (required or flag or name in ("id", "role")):
            continue
        if flag:
            fields.append(f"{name}=True")
            continue
        if name == "role" and "str" in ast.unparse(annotation):
            fields.append(f'{name}="admin"')
            continue
        literal = scalar_literal(annotation, name)  # EmailStr and other validated types included
        if literal is None:
            return None
        fields.append(f"{name}={literal[0]}")
        imports |= set(literal[1])
    return f"{found[1]}({', '.join(fields)})", imports


def _default(value: ast.expr | None) -> str | None:
    """The literal default of a field: `= 3`, `Field(default=3)`, `mapped_column(default=3)`."""
    if isinstance(value, ast.Call):
        value = next((k.value for k in value.keywords if k.arg == "default"), None)
    return ast.unparse(value) if isinstance(value, ast.Constant) else None


def _names(annotation: ast.expr | None) -> list[str]:
    if annotation is None:
        return []
    if isinstance(annotation, ast.BinOp):
        return _names(annotation.left) + _names(annotation.right)
    if isinstance(annotation, ast.Subscript) and (dotted(annotation.value) or "").endswith("Optional"):
        return _names(annotation.slice)
    name = dotted(annotation)
    return [name] if name else []


def _fields(index: ProjectIndex, module: str, cls: ast.ClassDef, depth: int = 0) -> list[tuple[str, ast.expr, ast.expr | None]]:
    """(name, annotation, value) of a class's annotated fields, its project bases' first."""
    found: dict[str, tuple[str, ast.expr, ast.expr | None]] = {}
    if depth < 5:
        for base in cls.bases:
            parent = index.resolve_expr(module, base)
            if parent is not None and isinstance(parent[2], ast.ClassDef):
                for item in _fields(index, parent[0], parent[2], depth + 1):
                    found[item[0]] = item
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and not stmt.target.id.startswith("_"):
            if "ClassVar" in ast.unparse(stmt.annotation) or "relationship" in ast.unparse(stmt.value or ast.Constant(0)):
                found.pop(stmt.target.id, None)
                continue
            found[stmt.target.id] = (stmt.target.id, stmt.annotation, stmt.value)
    return list(found.values())


def _key_value(key: str) -> str:
    if key == "id" or key.endswith("_id"):
        return "1"
    if "email" in key:
        return '"user@example.com"'
    if key.startswith(("is_", "has_")):
        return "True"
    return repr("scaffold")


def user_keys(index: ProjectIndex, user: Ref) -> set[str]:
    """The keys code reads from the user a dependency returns (`current_user["username"]`)."""
    keys: set[str] = set()
    for module, model in index.models.items():
        for node in ast.walk(model.tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = node.args
            params = args.args + args.kwonlyargs
            defaults = [*[None] * (len(args.args) - len(args.defaults)), *args.defaults, *args.kw_defaults]
            bound = {p.arg for p, d in zip(params, defaults)
                     if user[1].rsplit(".", 1)[-1] in ast.unparse(d if d is not None else p.annotation or ast.Constant(0))}
            for sub in ast.walk(node):
                if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id in bound \
                        and isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str):
                    keys.add(sub.slice.value)
    return keys
