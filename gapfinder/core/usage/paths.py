"""Evidence that a path through a function surely runs when a test calls it.

Read from the `ast` only: a loop over a non-empty literal range runs its body once at least; a
parameter the call leaves at a falsy default (`phone=None`) makes `if phone:` false; a result the
caller raises on when it is falsy (`r = f(); if not r: raise ...`) means f, on the path the test takes
(a test that expects no raise), returned a truthy value, so its `return None` exits were not taken.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode


def runs_once(expr: ast.expr, condition: bool = False) -> bool:
    """A loop over this runs its body at least once: `range(3)`, `range(1, 4)`, `range(max(1, n))`, a non-empty
    literal list/tuple/set; as a `while` condition (condition=True), a true constant (`while True`)."""
    if condition:
        return isinstance(expr, ast.Constant) and bool(expr.value) and not isinstance(expr.value, str)
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return bool(expr.elts) and not any(isinstance(e, ast.Starred) for e in expr.elts)
    if not (isinstance(expr, ast.Call) and dotted(expr.func) == "range" and 1 <= len(expr.args) <= 2
            and not expr.keywords):
        return False
    bounds = [_least_int(arg) for arg in expr.args]
    if len(bounds) == 1:
        return bounds[0] is not None and bounds[0] >= 1
    start = expr.args[0]
    return isinstance(start, ast.Constant) and type(start.value) is int and bounds[1] is not None \
        and bounds[1] > start.value


def _least_int(expr: ast.expr) -> int | None:
    """The least value an int expression surely has: a literal, or `max(literal, ...)`; None when not known."""
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    if isinstance(expr, ast.Call) and dotted(expr.func) == "max" and not expr.keywords:
        known = [v for v in (_least_int(arg) for arg in expr.args if not isinstance(arg, ast.Starred)) if v is not None]
        return max(known) if known else None
    return None


def unset_falsy(func: FunctionNode, call: ast.Call, drop_self: bool, falsy: frozenset[str] = frozenset()
                ) -> frozenset[str]:
    """The parameters of func that this call leaves at a falsy literal default (None, False, 0, "") or
    passes a falsy literal or a name of falsy (the caller's own such parameters); nothing when the call
    spreads `*args` or `**kwargs` (any parameter may be set then)."""
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords):
        return frozenset()
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    given = list(zip([a.arg for a in positional[int(drop_self):]], call.args))
    given += [(kw.arg, kw.value) for kw in call.keywords if kw.arg is not None]
    bound = {name for name, _ in given}
    unset = {name for name, default in defaults.items()
             if name not in bound and isinstance(default, ast.Constant) and not default.value}
    return frozenset(unset | {name for name, value in given if _falsy(value, falsy)})


def _falsy(value: ast.expr, falsy: frozenset[str]) -> bool:
    return isinstance(value, ast.Name) and value.id in falsy or isinstance(value, ast.Constant) and not value.value


def is_false(test: ast.expr, falsy: frozenset[str]) -> bool:
    """The condition is false when the names in falsy are: `if phone:`, `if phone is not None:`,
    `if phone and ...:`."""
    if isinstance(test, ast.Name):
        return test.id in falsy
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot) \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        return isinstance(test.left, ast.Name) and test.left.id in falsy
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(is_false(value, falsy) for value in test.values)
    return False


def demanded(stmt: ast.stmt, following: ast.stmt | None) -> ast.Call | None:
    """`r = [await] f(...)` followed by `if not r:` / `if r is None:` whose body always raises: the call whose
    result must be truthy on a path that does not raise."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and isinstance(following, ast.If) and not following.orelse and always_raises(following.body)):
        return None
    name = stmt.targets[0].id
    test = following.test
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) \
        and isinstance(test.operand, ast.Name) and test.operand.id == name
    is_none = isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is) \
        and isinstance(test.left, ast.Name) and test.left.id == name \
        and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None
    if not (negated or is_none):
        return None
    value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
    return value if isinstance(value, ast.Call) else None


def always_raises(body: list[ast.stmt]) -> bool:
    """Every way through the block ends in a `raise` (its last statement raises, nothing returns or breaks
    out before, and no handler in it may swallow the exception)."""
    if not body or not isinstance(body[-1], ast.Raise):
        return False
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, (ast.Return, ast.Break, ast.Continue, ast.Try, ast.Yield, ast.YieldFrom)):
            return False
    return True


def returns_falsy(node: ast.Return) -> bool:
    """`return`, `return None`, `return False`, `return []`: what a caller that demands a truthy result rules out."""
    value = node.value
    if value is None:
        return True
    if isinstance(value, ast.Constant):
        return not value.value
    return isinstance(value, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and not getattr(value, "elts", None) \
        and not getattr(value, "keys", None)
