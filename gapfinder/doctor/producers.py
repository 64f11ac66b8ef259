"""Where the coroutine a patched scheduler receives comes from, read in the code the test calls.

A bare patch of `create_task` drops real work only when the coroutine handed to it is made by the
project's own code: `create_task(self._sync())` with `_sync` a method the test left alone. When the
producer is itself a double (`self._sync` patched, a mock collaborator's method), nothing real is lost.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule
from gapfinder.core.usage.tree import FunctionNode

Called = tuple[IndexedModule, FunctionNode, "ast.ClassDef | None", frozenset[str]]


def real_producers(called: list[Called], scheduler: str) -> bool | None:
    """True when the called code hands `scheduler` (its last name: create_task, run, ...) coroutines
    made by project functions the test did not replace, at every site found; False when one site's
    producer was replaced by a double; None when no site (or no producer) can be read."""
    verdicts: list[bool] = []
    for module, func, cls, replaced in called:
        for body in _bodies(module, func, cls):
            for node in ast.walk(body):
                if isinstance(node, ast.Call) and _callee(node.func) == scheduler and node.args:
                    verdict = _producer(module, cls, replaced, node.args[0])
                    if verdict is not None:
                        verdicts.append(verdict)
    if not verdicts:
        return None
    return all(verdicts)


def _bodies(module: IndexedModule, func: FunctionNode, cls: ast.ClassDef | None) -> list[FunctionNode]:
    """The function and the methods of its class it calls as `self.name(...)` (one level down)."""
    found = [func]
    if cls is not None:
        methods = module.model.methods(cls)
        for node in ast.walk(func):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and dotted(node.func.value) == "self" and node.func.attr in methods:
                method = methods[node.func.attr]
                if method not in found:
                    found.append(method)
    return found


def _producer(module: IndexedModule, cls: ast.ClassDef | None, replaced: frozenset[str],
              arg: ast.expr) -> bool | None:
    """True: a project function or method not replaced; False: replaced by a double; None: unknown."""
    if not isinstance(arg, ast.Call):
        return None
    name = dotted(arg.func) or ""
    head, _, rest = name.partition(".")
    if head == "self" and rest and "." not in rest and cls is not None:
        if rest in replaced:
            return False
        return True if rest in module.model.methods(cls) else None
    if name and "." not in name:
        if name in replaced:
            return False
        return True if name in module.model.functions or name in module.model.imports else None
    return None


def _callee(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
