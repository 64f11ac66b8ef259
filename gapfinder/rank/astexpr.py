"""The expression half of the ast scan: calls (resolved through the module's names), awaits
and decision points, walked with an explicit stack over precomputed child fields.

ModuleScanner (astscan.py) inherits this; it provides `module`, `names`, `scope` and `marks`.
"""

from __future__ import annotations

import ast
import sys
from operator import attrgetter
from typing import Any

from gapfinder.core.symbols import dotted
from gapfinder.rank import markers as mk

_intern = sys.intern

# Fields that never hold child nodes worth scanning (contexts, operators, names, plain values).
_SKIP_FIELDS = frozenset(("ctx", "op", "ops", "id", "attr", "arg", "name", "module", "level", "kind",
                          "type_comment", "is_async", "conversion", "names", "pattern", "patterns"))
_FIELDS = {
    cls: tuple(f for f in cls._fields if f not in _SKIP_FIELDS)
    for cls in vars(ast).values()
    if isinstance(cls, type) and issubclass(cls, ast.AST) and cls is not ast.Constant
}
_MULTI = {cls: attrgetter(*fields) for cls, fields in _FIELDS.items() if len(fields) > 1}
_SINGLE = {cls: fields[0] for cls, fields in _FIELDS.items() if len(fields) == 1}

_Call, _Await, _BoolOp, _IfExp, _comprehension = ast.Call, ast.Await, ast.BoolOp, ast.IfExp, ast.comprehension
_Name, _Attribute, _Constant = ast.Name, ast.Attribute, ast.Constant


class Scope:
    """A function being visited: its names, its complexity and the calls it makes."""

    __slots__ = ("qualname", "node", "names", "own_names", "cls", "complexity", "calls")

    def __init__(self, qualname: str, node: Any, names: dict, cls: str | None) -> None:
        self.qualname = qualname
        self.node = node
        self.names = names
        self.own_names = False
        self.cls = cls
        self.complexity = 1
        self.calls: dict[str, int] = {}  # target -> first line

    def bind(self, name: str, target: str) -> None:
        if not self.own_names:
            self.names = dict(self.names)
            self.own_names = True
        self.names[name] = target


class ExpressionScanner:
    """Mixin: scans expressions for the function (scope) or module being visited."""

    module: str
    names: dict[str, str]
    scope: Scope | None
    marks: dict[tuple[str, str], list]
    strings: list[ast.Constant]

    def mark(self, kind: tuple[str, str], line: int, evidence: Any) -> None:
        """Count one occurrence; keep the earliest line's evidence (a string or a thunk)."""
        entry = self.marks.get(kind)
        if entry is None:
            self.marks[kind] = [line, evidence() if callable(evidence) else evidence, 1]
            return
        entry[2] += 1
        if line < entry[0]:
            entry[0] = line
            entry[1] = evidence() if callable(evidence) else evidence

    def decision(self, n: int = 1) -> None:
        if self.scope is not None:
            self.scope.complexity += n

    def scan(self, root: Any) -> None:
        self.scan_all([root])

    def scan_all(self, roots: list) -> None:
        """Walk expressions (or simple statements): calls, awaits and decision points."""
        stack = list(roots)
        pop, push, extend = stack.pop, stack.append, stack.extend
        multi, single = _MULTI, _SINGLE
        decisions = 0
        while stack:
            node = pop()
            t = type(node)
            if t is _Name:
                continue
            if t is _Constant:
                if type(node.value) is str:
                    self.strings.append(node)
                continue
            if t is _Attribute:
                push(node.value)
                continue
            if t is _Call:
                self.call(node, False)
                push(node.func)
                extend(node.args)
                extend(node.keywords)
                continue
            if t is _Await:
                value = node.value
                self.mark(mk.ASYNC, node.lineno, lambda: mk.shorten("await " + _call_text(value)))
                if type(value) is _Call:
                    self.call(value, True)
                    push(value.func)  # the awaited call is counted; scan what is inside it
                    extend(value.args)
                    extend(value.keywords)
                    continue
            elif t is _BoolOp:
                decisions += len(node.values) - 1
            elif t is _IfExp:
                decisions += 1
            elif t is _comprehension:
                decisions += len(node.ifs)
            getter = multi.get(t)
            if getter is not None:
                for value in getter(node):
                    if type(value) is list:
                        extend(value)
                    elif value is not None:
                        push(value)
            else:
                name = single.get(t)
                if name is not None:
                    value = getattr(node, name)
                    if type(value) is list:
                        extend(value)
                    elif value is not None:
                        push(value)
        if decisions:
            self.decision(decisions)

    def call(self, node: ast.Call, awaited: bool) -> None:
        name = dotted(node.func)
        if name is None:
            return
        scope = self.scope
        head, dot, rest = name.partition(".")
        if head in ("self", "cls") and scope is not None and scope.cls is not None:
            resolved = f"{self.module}.{scope.cls}.{rest}" if dot and "." not in rest else None
        else:
            target = (scope.names if scope is not None else self.names).get(head)
            resolved = None if target is None else (f"{target}.{rest}" if dot else target)
        if resolved is not None and scope is not None:
            calls = scope.calls
            line = calls.get(resolved)
            if line is None or node.lineno < line:
                calls[_intern(resolved)] = node.lineno
        kind = mk.call_kind(resolved or name)
        if kind is not None:
            self.mark(kind, node.lineno, lambda: mk.shorten(("await " if awaited else "") + name + "(...)"))


def _call_text(node: Any) -> str:
    if type(node) is _Call:
        return (dotted(node.func) or "...") + "(...)"
    return dotted(node) or "..."
