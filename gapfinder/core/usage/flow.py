"""How control leaves a block, read from the `ast`: whether statements exit (return, raise, break,
continue), whether a compound statement may return early on the path a test takes, and which
exception a branch or handler raises. The usage walk uses them to keep guards and early exits apart."""

from __future__ import annotations

import ast

from gapfinder.core.scopes import NESTED_SCOPES, TRY_NODES
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.paths import returns_falsy


def exits(node: ast.stmt | list[ast.stmt]) -> bool:
    """True when the statement(s) contain a return, raise, break or continue (not in nested defs)."""
    stack = list(node) if isinstance(node, list) else [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
            return True
        if not isinstance(current, NESTED_SCOPES):
            stack.extend(_inner_statements(current, handlers=True))
    return False


def returns_early(stmt: ast.stmt, demand: bool = False) -> bool:
    """True when a compound statement may return, break or continue on the path the test takes.

    Branches that raise and exception handlers are not on that path: the generated test picks
    values that avoid raising guards, and its mocks raise nothing. demand: the caller raises unless
    the function returns a truthy value, so a `return None` is not on that path either.
    """
    stack: list[ast.stmt] = [stmt]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Return) and demand and returns_falsy(current):
            continue
        if isinstance(current, (ast.Return, ast.Break, ast.Continue)):
            return True
        if not isinstance(current, NESTED_SCOPES):
            stack.extend(_inner_statements(current))
    return False


def _inner_statements(stmt: ast.stmt, handlers: bool = False) -> list[ast.stmt]:
    """The statements a compound statement holds (return, raise, break and continue are statements:
    expressions hold none); a try's handlers only when asked, they are not on the path the test takes."""
    if isinstance(stmt, ast.Match):
        return [inner for case in stmt.cases for inner in case.body]
    if isinstance(stmt, TRY_NODES):
        caught = [inner for handler in stmt.handlers for inner in handler.body] if handlers else []
        return stmt.body + caught + stmt.orelse + stmt.finalbody
    return getattr(stmt, "body", []) + getattr(stmt, "orelse", [])


def raise_name(body: list[ast.stmt]) -> str | None:
    """The dotted exception a branch raises first (`raise X(...)`), or None when it returns."""
    for stmt in body:
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            return dotted(exc)
        if isinstance(stmt, ast.Return):
            return None
    return None


def handler_raise(body: list[ast.stmt]) -> str | None:
    for stmt in body:
        if isinstance(stmt, ast.Raise):
            return "" if stmt.exc is None else raise_name([stmt])
    return None


def handler_names(expr: ast.expr | None) -> list[str]:
    if expr is None:
        return ["BaseException"]
    items = expr.elts if isinstance(expr, ast.Tuple) else [expr]
    return [name for name in (dotted(item) for item in items) if name]
