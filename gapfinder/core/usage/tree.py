"""How a function uses each collaborator, read from its `ast` (no imports, no execution).

`infer_usage(func, collaborators)` walks one function body in order, follows local names bound to
collaborator values (`r = await s.execute(q)`), and records for every value the edges a test double
has to answer: attributes, sync calls, awaited calls, awaited attributes, `async with`, `async for`,
`with`, iteration, subscripts, comparisons, `None` checks and the exceptions caught around calls.
scaffold turns the trees into mocks; `doctor` reads the same trees to lint existing mocks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(eq=False)
class Guard:
    """A condition a call depends on that holds whenever `subject` is a bare test double (no spec, nothing
    configured falsy): `x is not None`, `if x:`, `isinstance(x, P)` with P a runtime-checkable Protocol
    (a mock has every attribute, unless the test deleted one of `members`)."""

    subject: UsageTree
    kind: str  # "not-none" | "truthy" | "falsy" (`not x`) | "protocol"
    members: frozenset[str] = frozenset()


@dataclass
class CallSite:
    """One place the code calls a value: its arguments and whether it always runs."""

    args: tuple[ast.expr, ...]
    keywords: tuple[ast.keyword, ...]
    certain: bool  # on the straight path through the function body
    # (caught exception, what its handler raises: a dotted name, "" to re-raise, None for nothing)
    handlers: tuple[tuple[str, str | None], ...] = ()
    # runs whenever the walked function runs: its straight path, through helpers called on their caller's
    # straight path (`certain` stays False inside helpers: scaffold asserts no helper call one by one)
    always: bool = False
    guards: tuple[Guard, ...] = ()  # with `always`: runs whenever these hold too
    via: str = ""  # the scheduler its coroutine is handed to (`create_task(f())`), "" when awaited here or sync


@dataclass(frozen=True)
class Comparison:
    op: str  # "==", "!=", "<", "<=", ">", ">="
    value: object  # the constant compared with
    raises: bool  # true when the comparison guards a raise or return


@dataclass
class UsageTree:
    """Every way the code uses one value; children are the values reached from it."""

    attrs: dict[str, UsageTree] = field(default_factory=dict)
    call: UsageTree | None = None  # result of a sync call
    awaited_call: UsageTree | None = None  # result of `await value(...)`
    awaited: UsageTree | None = None  # result of `await value` (an awaitable attribute)
    aenter: UsageTree | None = None  # target of `async with value as t`
    enter: UsageTree | None = None  # target of `with value as t`
    aiter_item: UsageTree | None = None  # item of `async for item in value`
    iter_item: UsageTree | None = None  # item of `for item in value` / comprehensions
    item: UsageTree | None = None  # result of `value[key]`
    calls: list[CallSite] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    none_checks: list[str | None] = field(default_factory=list)  # raised exception, or None (returns)
    returned: bool = False
    to_caller: bool = False  # returned by the walked function itself (not by a helper it calls)
    branched_on: bool = False  # an `if`/`while` test reads its truth value (`if x:`, `if not x:`)
    awaited_always: bool = False  # `await value` on the straight path through the function
    passed_to: set[str] = field(default_factory=set)  # dotted callees it is handed to (json.loads)
    elements: list[UsageTree] = field(default_factory=list)  # unpacked as `a, b = value`
    used: bool = False
    origins: list[UsageTree] = field(default_factory=list, repr=False)  # the trees `merge` folded into this one

    def child(self, edge: str, name: str | None = None) -> UsageTree:
        self.used = True
        if edge == "attr":
            assert name is not None
            return self.attrs.setdefault(name, UsageTree())
        node = getattr(self, edge)
        if node is None:
            node = UsageTree()
            setattr(self, edge, node)
        return node

    @property
    def is_async(self) -> bool:
        """True when this value or anything reached from it is awaited or used asynchronously."""
        if self.awaited_call or self.awaited or self.aenter or self.aiter_item:
            return True
        return any(c.is_async for c in self.children())

    def children(self) -> Iterable[UsageTree]:
        yield from self.attrs.values()
        yield from self.elements
        for edge in ("call", "awaited_call", "awaited", "aenter", "enter", "aiter_item", "iter_item", "item"):
            node = getattr(self, edge)
            if node is not None:
                yield node
