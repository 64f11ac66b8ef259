"""The nodes of one scope: a function's own code, without the nested functions, classes and lambdas
in it (they run later, if at all, so what they return, yield or raise is not the function's)."""

from __future__ import annotations

import ast
import functools
from typing import Iterable, Iterator

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# `try` and, from Python 3.11, `try ... except*`: the same fields (body, handlers, orelse, finalbody)
TRY_NODES = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def own_nodes(roots: ast.AST | Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under `roots` (a node's children, or the nodes of a list such as a body and
    those nodes themselves), not descending into nested scopes."""
    stack = list(ast.iter_child_nodes(roots)) if isinstance(roots, ast.AST) else list(roots)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, NESTED_SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def yields(func: ast.AST) -> bool:
    """The function's own code yields: it is a generator."""
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(func))


@functools.lru_cache(maxsize=8192)
def walked(node: ast.AST) -> tuple[ast.AST, ...]:
    """`ast.walk(node)` kept: doctor and the usage walk read the same functions again for every test that
    reaches them (an AST node hashes by identity, and the cache holds it, so a key is never reused)."""
    return tuple(ast.walk(node))
