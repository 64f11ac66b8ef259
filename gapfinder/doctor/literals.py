"""The code under test read with the literal values the test put on the object it calls.

`feature.attribute_setter = "set_dummy"` then `await feature.set_value(v)`, whose code runs
`await getattr(container, self.attribute_setter)(v)` with `container = self.container if self.container
is not None else self.device`: with the test's literals settled (`getattr` of a known name is that
attribute, a condition on a known literal picks its side), the usage walk sees `self.device.set_dummy(v)`
awaited, which it can hold against the test's double. Fields the method assigns itself are not settled.
A member of a project Enum (`type=Feature.Type.Switch`) is a literal too: `self.type == Feature.Type.Action`
is settled by comparing the members both sides name.
"""

from __future__ import annotations

import ast
import copy
import functools
from dataclasses import dataclass
from typing import Callable

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import ModuleIndex
from gapfinder.core.usage.tree import FunctionNode

MISSING = object()
ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})


@dataclass(frozen=True)
class EnumMember:
    """A member of a project Enum class, by its canonical dotted name (`kasa.feature.Feature.Type.Switch`)."""

    name: str


def enum_member(index: ModuleIndex, name: str) -> EnumMember | None:
    """The Enum member a dotted name leads to in the project (following re-exports and nested classes)."""
    found = index.resolve(name)
    if found is None or "." not in found[1]:
        return None
    head, *rest = found[1].split(".")
    module, head = index.follow(found[0], head)
    cls, path = module.model.classes.get(head), rest
    while cls is not None and len(path) > 1:
        cls = next((n for n in cls.body if isinstance(n, ast.ClassDef) and n.name == path[0]), None)
        path = path[1:]
    if cls is None or not any((dotted(b) or "").rsplit(".", 1)[-1] in ENUM_BASES for b in cls.bases):
        return None
    values = {t.id: ast.unparse(n.value) for n in cls.body if isinstance(n, ast.Assign) for t in n.targets
              if isinstance(t, ast.Name)}
    if path[0] not in values or ("auto()" not in values[path[0]] and list(values.values()).count(values[path[0]]) > 1):
        return None  # not a member, or maybe an alias of another (the same value): not told apart by name
    return EnumMember(".".join([module.name, head, *rest]))


def settle(func: FunctionNode, literals: dict[str, object],
           qualify: Callable[[str], EnumMember | None] | None = None) -> FunctionNode:
    """A copy of func with the test's literal fields (`self.name` -> value) settled, or func itself."""
    if not literals:
        return func
    assigned, used = _self_fields(func)
    known = {k: v for k, v in literals.items() if k not in assigned}
    if not known.keys() & used:
        return func
    return _Settle(known, qualify).visit(copy.deepcopy(func))


@functools.lru_cache(maxsize=4096)
def _self_fields(func: FunctionNode) -> tuple[frozenset[str], frozenset[str]]:
    """The `self.x` fields func assigns, and those it reads."""
    assigned = {t.attr for n in ast.walk(func) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Attribute) and dotted(t.value) == "self"}
    used = {n.attr for n in ast.walk(func) if isinstance(n, ast.Attribute) and dotted(n.value) == "self"}
    return frozenset(assigned), frozenset(used)


class _Settle(ast.NodeTransformer):
    def __init__(self, known: dict[str, object], qualify: Callable[[str], EnumMember | None] | None) -> None:
        self.known = known
        self.qualify = qualify

    def value(self, expr: ast.expr) -> object:
        if isinstance(expr, ast.Constant):
            return expr.value
        if isinstance(expr, ast.Attribute) and dotted(expr.value) == "self" and expr.attr in self.known:
            return self.known[expr.attr]
        name = dotted(expr) if isinstance(expr, ast.Attribute) else None
        member = self.qualify(name) if name and self.qualify is not None else None
        return member if member is not None else MISSING

    def truth(self, test: ast.expr) -> bool | None:
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right = self.value(test.left), self.value(test.comparators[0])
            if left is MISSING or right is MISSING or not (_plain(left) and _plain(right)):
                return None
            same = type(left) is type(right) and left == right
            if isinstance(test.ops[0], (ast.Is, ast.Eq)):
                return same
            if isinstance(test.ops[0], (ast.IsNot, ast.NotEq)):
                return not same
            return None
        value = self.value(test) if isinstance(test, ast.Attribute) else MISSING
        return None if value is MISSING or not _plain(value) else bool(value)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if dotted(node.func) == "getattr" and len(node.args) == 2:
            name = self.value(node.args[1])
            if isinstance(name, str) and name.isidentifier():
                return ast.copy_location(ast.Attribute(node.args[0], name, ast.Load()), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        truth = self.truth(node.test)
        return node if truth is None else (node.body if truth else node.orelse)

    def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        truth = self.truth(node.test)
        return node if truth is None else (node.body if truth else node.orelse)


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str, bytes, EnumMember))
