"""What a class's or function's own source says, read before planning its tests: the real data
an `__init__` stores (literals, scalar parameters, empty dicts, optional collaborators), the fields
of a frozen dataclass, the exceptions a module names, and whether a function returns once, always
raises, starts tasks or yields without end."""

from __future__ import annotations

import ast

from gapfinder.core.scopes import own_nodes, yields
from gapfinder.core.symbols import dotted
from gapfinder.scaffold.exprs import Resolver
from gapfinder.scaffold.values import scalar_literal


def unwrap_mapped(annotation: ast.expr) -> ast.expr:
    """`Mapped[int]` (SQLAlchemy) -> `int`."""
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value).endswith("Mapped"):
        return annotation.slice
    return annotation


def frozen_dataclass(cls: ast.ClassDef) -> set[str]:
    """The init fields of a `@dataclass(frozen=True)` class (empty for any other class)."""
    frozen = any(isinstance(d, ast.Call) and (dotted(d.func) or "").endswith("dataclass") and any(
        k.arg == "frozen" and isinstance(k.value, ast.Constant) and k.value.value is True for k in d.keywords)
        for d in cls.decorator_list)
    if not frozen:
        return set()
    return {s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            and "ClassVar" not in ast.unparse(s.annotation)
            and not (isinstance(s.value, ast.Call) and dotted(s.value.func) in ("field", "dataclasses.field")
                     and any(k.arg == "init" for k in s.value.keywords))}


def data_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef | None) -> set[str]:
    """`self.x` set in __init__ from a scalar parameter or a literal: real values, not doubles."""
    if init is None:
        return set()
    scalar = {a.arg for a in init.args.args + init.args.kwonlyargs if scalar_literal(a.annotation, a.arg)}
    # a parameter whose default is a literal: the instance already holds a real value of the kind the code wants
    scalar |= {a.arg for a, d in defaults(init) if isinstance(d, ast.Constant) and d.value is not None}
    found = set()
    for stmt in ast.walk(init):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            is_data = (
                isinstance(value, (ast.Constant, ast.List, ast.Dict, ast.Set, ast.Tuple))
                or (isinstance(value, ast.Name) and value.id in scalar)
                or (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id in ("set", "dict", "list", "tuple") and not value.args)
            )
            for t in targets:
                if is_data and isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                    found.add(t.attr)
    return found


def defaults(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr]]:
    """(parameter, default) of every parameter that has one."""
    positional = func.args.posonlyargs + func.args.args
    pairs = list(zip(positional[len(positional) - len(func.args.defaults):], func.args.defaults))
    return pairs + [(a, d) for a, d in zip(func.args.kwonlyargs, func.args.kw_defaults) if d is not None]


def dict_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef | None) -> set[str]:
    """`self.x = {}` (or `dict()`, annotated or not) in __init__: a dict the object starts empty."""
    found = set()
    for stmt in ast.walk(init) if init is not None else ():
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and (
                (isinstance(stmt.value, ast.Dict) and not stmt.value.keys)
                or (isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) == "dict" and not stmt.value.args
                    and not stmt.value.keywords)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            found |= {t.attr for t in targets
                      if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
    return found


def optional_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef | None) -> set[str]:
    """`self.x = x` in __init__ where the parameter `x` defaults to None."""
    if init is None:
        return set()
    optional = {a.arg for a, d in defaults(init) if isinstance(d, ast.Constant) and d.value is None}
    return {t.attr for stmt in ast.walk(init) if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name)
            and stmt.value.id in optional for t in stmt.targets
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}


def exception_names(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        exprs: list[ast.expr] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            exprs.append(node.exc.func if isinstance(node.exc, ast.Call) else node.exc)
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            exprs.append(node.type)
        elif isinstance(node, ast.Call) and dotted(node.func) in ("isinstance", "issubclass") and len(node.args) == 2:
            exprs.append(node.args[1])
        for expr in exprs:
            for item in expr.elts if isinstance(expr, ast.Tuple) else [expr]:
                name = dotted(item)
                if name:
                    found.add(name)
    return found


def always_raises(func: ast.FunctionDef | ast.AsyncFunctionDef, resolver: Resolver) -> str | None:
    """The exception a function with no return raises at the end of its body (abstract, not built)."""
    last = func.body[-1]
    if not isinstance(last, ast.Raise) or last.exc is None or yields(func):
        return None
    if any(isinstance(n, ast.Return) for n in own_nodes(func)):
        return None
    exc = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
    return resolver.exception(dotted(exc))


def single_return(func: ast.AST) -> bool:
    returns = [n for n in own_nodes(func) if isinstance(n, ast.Return) and n.value is not None]
    return len(returns) == 1


def starts_tasks(func: ast.AST) -> bool:
    """The code needs a running event loop: it creates tasks or asks for the loop."""
    names = ("create_task", "ensure_future", "get_running_loop", "get_event_loop")
    return any(isinstance(n, ast.Call) and isinstance(n.func, (ast.Attribute, ast.Name))
               and (getattr(n.func, "attr", None) or getattr(n.func, "id", None)) in names for n in own_nodes(func))


LOOPS = (ast.While, ast.For, ast.AsyncFor)


def endless(func: ast.AST) -> bool:
    """A generator with a `while True:` loop that nothing inside leaves (no `break` of its own, no
    `return`): a test that collects every item never ends, so it takes the first few."""
    for loop in own_nodes(func):
        if isinstance(loop, ast.While) and isinstance(loop.test, ast.Constant) and loop.test.value:
            inner = list(own_nodes(loop.body))
            nested = {id(n) for other in inner if isinstance(other, LOOPS) for n in own_nodes(other.body)}
            if not any(isinstance(n, ast.Return) or (isinstance(n, ast.Break) and id(n) not in nested)
                       for n in inner):
                return yields(func)
    return False
