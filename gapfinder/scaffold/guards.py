"""Which optional constructor arguments a draft must pass for the constructor's own guards to hold.

`assert (route_name is not None) != (redirect_url is not None)` or `if a is None and b is None: raise`
reject the all-defaults call a draft makes. The guards are read from the `ast` and decided with a
three-valued evaluator over "this parameter is set / is None" (never `eval`: nothing gapfinder reads
runs); guards that name anything else are left alone.
"""

from __future__ import annotations

import ast
from itertools import combinations

from gapfinder.core.scopes import own_nodes
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode

MAX_SET = 2  # at most this many optional arguments are passed to satisfy the guards


def needed_options(init: FunctionNode, optional: list[str]) -> tuple[str, ...]:
    """The fewest of the None-default parameters `optional` to pass so that every guard at the top of
    init holds; () when the defaults already pass or nothing found satisfies them."""
    guards = _guards(init, set(optional))
    if not guards:
        return ()
    for size in range(0, min(MAX_SET, len(optional)) + 1):
        for chosen in combinations(optional, size):
            env = {name: name in chosen for name in optional}
            if all(_value(test, env) is want for test, want in guards):
                return chosen
    return ()


def checked_types(init: FunctionNode, module: ast.Module) -> dict[str, str]:
    """{parameter: class expression} for each `if not isinstance(parameter, Cls): raise` guard of init
    whose class the module names at its top level (so a test can import that name from it): a bare
    double fails the guard, a double made with `spec=Cls` passes it (`isinstance` follows the spec)."""
    found = {}
    for stmt in init.body:
        if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Raise)):
            continue
        test = stmt.test
        call = test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "isinstance"
                and len(call.args) == 2 and isinstance(call.args[0], ast.Name)
                and isinstance(call.args[1], (ast.Name, ast.Attribute))):
            if _binds(module, dotted(call.args[1]).split(".", 1)[0]):
                found[call.args[0].id] = ast.unparse(call.args[1])
    return found


def _binds(module: ast.Module, name: str) -> bool:
    """The module binds `name` at its top level, also inside `try`/`if` (`try: from redis import
    asyncio as aioredis`), where the usage model's import table does not look."""
    for node in own_nodes(module.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".", 1)[0]) == name for alias in node.names):
                return True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
    return False


def _guards(init: FunctionNode, names: set[str]) -> list[tuple[ast.expr, bool]]:
    """(test, the value it must have): `assert test` must be True, `if test: raise` False."""
    found = []
    for stmt in init.body:
        if isinstance(stmt, ast.Assert):
            found.append((stmt.test, True))
        elif isinstance(stmt, ast.If) and stmt.body and all(isinstance(s, ast.Raise) for s in stmt.body[-1:]):
            found.append((stmt.test, False))
        else:
            continue
        used = {n.id for n in ast.walk(found[-1][0]) if isinstance(n, ast.Name)}
        if not used or not used <= names:
            found.pop()
    return found


def _value(expr: ast.expr, env: dict[str, bool]) -> bool | None:
    """True/False when decided by which parameters are set, None when unknown."""
    if isinstance(expr, ast.BoolOp):
        values = [_value(v, env) for v in expr.values]
        if isinstance(expr.op, ast.And):
            return False if False in values else (None if None in values else True)
        return True if True in values else (None if None in values else False)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        inner = _value(expr.operand, env)
        return None if inner is None else not inner
    if isinstance(expr, ast.Name):
        return env.get(expr.id)  # a set option is a non-empty value
    if (isinstance(expr, ast.Compare) and len(expr.ops) == 1 and isinstance(expr.left, ast.Name)
            and isinstance(expr.comparators[0], ast.Constant) and expr.comparators[0].value is None
            and expr.left.id in env):
        if isinstance(expr.ops[0], ast.IsNot):
            return env[expr.left.id]
        if isinstance(expr.ops[0], ast.Is):
            return not env[expr.left.id]
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and isinstance(expr.ops[0], (ast.NotEq, ast.Eq)):
        left, right = _value(expr.left, env), _value(expr.comparators[0], env)
        if left is None or right is None:
            return None
        return (left != right) if isinstance(expr.ops[0], ast.NotEq) else (left == right)
    return None
