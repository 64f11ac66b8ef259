"""GF111: a double whose return_value is one coroutine object the test made (`Mock(return_value=fetch(x))`
with `fetch` an `async def`).

The coroutine exists before the code runs and is the same object at every call: when the code does not
call the double it is never awaited ("coroutine ... was never awaited"), and a second call hands back a
coroutine already awaited (RuntimeError: cannot reuse already awaited coroutine). `AsyncMock(return_value=x)`
or a side_effect that makes a new coroutine per call is the shape that matches an awaited collaborator.
"""

from __future__ import annotations

import ast

from gapfinder.core.scopes import own_nodes, yields
from gapfinder.core.usage.index import ModuleIndex, is_coroutine_function
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.helpers import Helper, TestSide
from gapfinder.doctor.mocks import FileNames


def coroutine_maker(expr: ast.expr, names: FileNames, side: TestSide, index: ModuleIndex, path: str,
                    depth: int = 0) -> str | None:
    """The name of the `async def` that `expr` calls (so `expr` is a fresh coroutine object), else None.

    Only functions whose definition is read count: the test module's own, the suite's helpers, the project's.
    A suite helper that is a plain `def` counts when every return of it is such a fresh coroutine (a call of
    an `async def`, of one it defines inside, or of the `async def` a factory helper returns:
    `return make_coro_func(value)()`), as `mock_coro(value)` helpers do."""
    if not isinstance(expr, ast.Call) or depth > 3:
        return None
    func = expr.func
    found = side.lookup(func, names, path)
    if found is not None:
        helper = found[1]
        if not isinstance(helper, Helper):
            return None
        if is_coroutine_function(helper.func):
            return helper.func.name
        return helper.func.name if _returns_coroutines(helper, side, index, depth) else None
    origin = names.qualify(func)
    resolved = index.resolve(origin) if origin else None
    if resolved is None:
        return None
    module, qualname = resolved
    if "." not in qualname:
        module, qualname = index.follow(module, qualname)
    located = module.function(qualname)
    return located[0].name if located is not None and is_coroutine_function(located[0]) else None


def _returns_coroutines(helper: Helper, side: TestSide, index: ModuleIndex, depth: int) -> bool:
    """Every `return` of the sync helper hands back a fresh coroutine (and it returns something)."""
    returns = _returns(helper.func)
    if not returns:
        return False
    inner = _inner_async(helper.func)
    for value in returns:
        if not isinstance(value, ast.Call):
            return False
        if isinstance(value.func, ast.Name) and value.func.id in inner:
            continue
        if isinstance(value.func, ast.Call) and _returns_async_function(value.func, helper, side):
            continue
        if coroutine_maker(value, helper.names, side, index, helper.path, depth + 1) is None:
            return False
    return True


def _returns_async_function(call: ast.Call, helper: Helper, side: TestSide) -> bool:
    """`factory(...)` where factory is a suite helper whose every return is an `async def` it defines."""
    found = side.lookup(call.func, helper.names, helper.path)
    factory = found[1] if found is not None else None
    if not isinstance(factory, Helper) or is_coroutine_function(factory.func):
        return False
    returns, inner = _returns(factory.func), _inner_async(factory.func)
    return bool(returns) and all(isinstance(r, ast.Name) and r.id in inner for r in returns)


def _returns(func: FunctionNode) -> list[ast.expr | None]:
    """The values of the function's own returns; none when it is a generator."""
    if yields(func):
        return []
    return [node.value for node in own_nodes(func) if isinstance(node, ast.Return)]


def _inner_async(func: FunctionNode) -> set[str]:
    """Names of the `async def`s defined in the function's own body."""
    return {node.name for node in own_nodes(func) if isinstance(node, ast.AsyncFunctionDef)}
