"""GF112: a coroutine the test itself makes and never awaits.

`self.assertIsInstance(task, type(cog.sync()))` or a bare `client.refresh()` statement, with `sync` and
`refresh` an `async def` of the project or the suite on an object the test built: calling it makes a
coroutine that nothing awaits ("coroutine ... was never awaited"), and in the bare statement the work
the test meant to run never runs. A mixin of the Evaluator (evaluate.py), like Linking.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import is_coroutine_function
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.eager import coroutine_maker
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.values import Instance

# Builtins that only look at their argument: a coroutine handed to them is never awaited.
INSPECTING = frozenset({"type", "isinstance", "id", "repr", "str", "print", "bool", "callable", "hash"})
# Decorators that keep an `async def` a coroutine function.
PLAIN = frozenset({"abstractmethod", "abc.abstractmethod", "staticmethod", "classmethod", "override"})


def inspected(call: ast.Call) -> ast.Call | None:
    """`type(f())`, `isinstance(f(), X)`: the call whose result is only looked at."""
    if isinstance(call.func, ast.Name) and call.func.id in INSPECTING and call.args \
            and isinstance(call.args[0], ast.Call):
        return call.args[0]
    return None


class Dropping:
    """The GF112 half of the Evaluator."""

    def dropped(self, call: ast.Call, how: str) -> None:
        """Report `call` when it surely makes a coroutine: how says what the test does with it instead."""
        if self.shared.raising:  # type: ignore[attr-defined]
            return
        maker = self.coroutine_of(call)
        if maker is not None:
            self.finding("GF112", call, f"`{maker}` is an `async def`: calling it makes a coroutine that the test "  # type: ignore[attr-defined]
                         f"{how} and never awaits (never run, 'coroutine ... was never awaited'); await it, "
                         "or compare with `types.CoroutineType` / `inspect.iscoroutine` instead of making one")

    def coroutine_of(self, call: ast.Call) -> str | None:
        """The dotted name of the `async def` this call runs, when its definition is read and the test did not
        replace it: a project function, a suite helper, or a method of a project object the test built."""
        func = call.func
        if isinstance(func, ast.Attribute):
            owner = self.eval(func.value)  # type: ignore[attr-defined]
            if isinstance(owner, MockNode) or not isinstance(owner, Instance):
                return None
            if func.attr in owner.fields or func.attr in self.replaced(owner.module, owner):  # type: ignore[attr-defined]
                return None
            found = self.method(owner.module, owner.cls, func.attr)  # type: ignore[attr-defined]
            if found is None or not _plain_coroutine(found[2]):
                return None
            return f"{found[1].name}.{func.attr}"
        if not isinstance(func, ast.Name) or self.eval(func) is not None:  # type: ignore[attr-defined]
            return None  # a local name the test bound (a double, a value): not a definition read here
        maker = coroutine_maker(call, self.names, self.shared.side, self.shared.index, self.path)  # type: ignore[attr-defined]
        return maker


def _plain_coroutine(func: FunctionNode) -> bool:
    return is_coroutine_function(func) and all((dotted(d) or "") in PLAIN for d in func.decorator_list)
