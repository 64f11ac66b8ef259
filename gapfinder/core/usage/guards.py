"""Branch conditions that a test's doubles decide: the walker records them on the calls they guard.

`if session is not None and not session.client.is_connected():` runs its second operand whenever
`session` is a double; `if isinstance(radio, Routable):` takes the branch for a bare mock when `Routable`
is a runtime-checkable Protocol (a mock has every attribute); `if not client.is_connected():` is false
when the test made is_connected() return True. What the subject is, is for the reader of the tree to
say (doctor knows the test's doubles and values); scaffold ignores guards.
"""

from __future__ import annotations

import ast
from typing import Callable

from gapfinder.core.usage.tree import FunctionNode, Guard, UsageTree

# (the function the expression is in, the class expression) -> the Protocol's members, or None when the
# class is not a runtime-checkable Protocol of the project
ProtocolLookup = Callable[[FunctionNode, ast.expr], "frozenset[str] | None"]
TreeLookup = Callable[[ast.expr], "UsageTree | None"]


def guards_of(test: ast.expr, lookup: TreeLookup, protocols: ProtocolLookup | None,
              func: FunctionNode | None) -> list[Guard] | None:
    """The guards that make `test` true when their subjects are bare doubles; None when a part of the
    test is anything else (a comparison with data, a call of the code's own, `or`)."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    found: list[Guard] = []
    for part in parts:
        guard = _guard(part, lookup, protocols, func)
        if guard is None:
            return None
        found.append(guard)
    return found


def _guard(part: ast.expr, lookup: TreeLookup, protocols: ProtocolLookup | None,
           func: FunctionNode | None) -> Guard | None:
    if isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.ops[0], ast.IsNot) \
            and isinstance(part.comparators[0], ast.Constant) and part.comparators[0].value is None:
        subject = lookup(part.left)
        return Guard(subject, "not-none") if subject is not None else None
    if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id == "isinstance" \
            and len(part.args) == 2 and protocols is not None and func is not None:
        members = protocols(func, part.args[1])
        subject = lookup(part.args[0])
        return Guard(subject, "protocol", members) if members is not None and subject is not None else None
    if isinstance(part, (ast.Name, ast.Attribute)):
        subject = lookup(part)
        return Guard(subject, "truthy") if subject is not None else None
    if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.Not) \
            and isinstance(part.operand, (ast.Name, ast.Attribute, ast.Call)):
        subject = lookup(part.operand)  # `not client.is_connected()`: false for a double, or a value set truthy
        return Guard(subject, "falsy") if subject is not None else None
    return None
