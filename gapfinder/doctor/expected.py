"""What a test that expects an exception still runs of the code: `with pytest.raises(E): await f(...)`.

Inside such a block doctor used to compare nothing, since the code stops wherever E is raised and its
later uses of a double never happen. When `f` raises E itself (`raise E(...)`, by name), the statements
before the first one that can raise at all (a `raise` anywhere in it) run on every way to that raise:
a double used there is used as the code uses it (the wrong AsyncMock in `resp.raise_for_status()` before
`raise RuntimeError("not valid JSON")`). Only that part of `f` is compared.
"""

from __future__ import annotations

import ast
import copy
import functools

from gapfinder.core.scopes import own_nodes
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode

BROAD = frozenset({"Exception", "BaseException"})  # `pytest.raises(Exception)`: any raise of the code matches


def expected_names(context: ast.expr) -> frozenset[str]:
    """The last names of the exceptions `pytest.raises(E)` / `assertRaises((E1, E2))` expects; empty if unread."""
    if not (isinstance(context, ast.Call) and context.args):
        return frozenset()
    first = context.args[0]
    parts = first.elts if isinstance(first, ast.Tuple) else [first]
    names = [dotted(part) for part in parts]
    if not all(names):
        return frozenset()
    return frozenset(name.rpartition(".")[2] for name in names if name)


@functools.lru_cache(maxsize=4096)  # one copy per function and exception: the walk reads it again per test
def reached_before_raise(func: FunctionNode, expected: frozenset[str]) -> FunctionNode | None:
    """A copy of `func` cut before its first statement that contains a `raise`, when that statement or a
    later one raises one of `expected` by name; None when func does not raise it itself (the exception
    may come from a collaborator, at any point) or nothing comes before the cut. A `with` block that holds
    the raise is entered and cut the same way inside: its context manager and the statements before its
    own first raise run too."""
    if not expected:
        return None
    body = _cut(func.body, expected)
    if not body:
        return None
    prefix = copy.copy(func)
    prefix.body = body
    return prefix


def _cut(body: list[ast.stmt], expected: frozenset[str]) -> list[ast.stmt] | None:
    for index, stmt in enumerate(body):
        raised = [_raised_name(node) for node in own_nodes([stmt]) if isinstance(node, ast.Raise)]
        if not raised:
            continue
        later = raised + [_raised_name(node) for node in own_nodes(body[index + 1:]) if isinstance(node, ast.Raise)]
        if not any(name in expected or (expected & BROAD and name) for name in later):
            return None
        if isinstance(stmt, (ast.With, ast.AsyncWith)) and not any(
                isinstance(node, ast.Raise) for item in stmt.items for node in ast.walk(item.context_expr)):
            inner = _cut(stmt.body, expected)
            if inner:
                entered = copy.copy(stmt)
                entered.body = inner
                return body[:index] + [entered]
        return body[:index] or None
    return None


def _raised_name(node: ast.Raise) -> str:
    """`raise E(...)` / `raise E` / `raise mod.E(...) from e` -> "E"; "" for a bare re-raise or a variable."""
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    name = dotted(exc) if exc is not None else None
    return name.rpartition(".")[2] if name and name.rpartition(".")[2][:1].isupper() else ""
