"""GF111: a double whose return_value is one coroutine object the test made (`Mock(return_value=fetch(x))`
with `fetch` an `async def`).

The coroutine exists before the code runs and is the same object at every call: when the code does not
call the double it is never awaited ("coroutine ... was never awaited"), and a second call hands back a
coroutine already awaited (RuntimeError: cannot reuse already awaited coroutine). `AsyncMock(return_value=x)`
or a side_effect that makes a new coroutine per call is the shape that matches an awaited collaborator.
"""

from __future__ import annotations

import ast

from gapfinder.core.usage.index import ModuleIndex, is_coroutine_function
from gapfinder.doctor.helpers import Helper, TestSide
from gapfinder.doctor.mocks import FileNames


def coroutine_maker(expr: ast.expr, names: FileNames, side: TestSide, index: ModuleIndex, path: str) -> str | None:
    """The name of the `async def` that `expr` calls (so `expr` is a fresh coroutine object), else None.

    Only functions whose definition is read count: the test module's own, the suite's helpers, the project's."""
    if not isinstance(expr, ast.Call):
        return None
    func = expr.func
    found = side.lookup(func, names, path)
    if found is not None:
        helper = found[1]
        return helper.func.name if isinstance(helper, Helper) and is_coroutine_function(helper.func) else None
    origin = names.qualify(func)
    resolved = index.resolve(origin) if origin else None
    if resolved is None:
        return None
    module, qualname = resolved
    if "." not in qualname:
        module, qualname = index.follow(module, qualname)
    located = module.function(qualname)
    return located[0].name if located is not None and is_coroutine_function(located[0]) else None
