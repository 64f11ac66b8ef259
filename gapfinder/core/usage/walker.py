"""`infer_usage` and the walk behind it: statements in order, local names bound to collaborator values.

Tracks what a generated test needs to know about the path through the body: which calls always
run (so a test may assert them once), which guards raise, which exceptions are caught around a call.
"""

from __future__ import annotations

import ast
from typing import Callable, Iterable, Mapping

from gapfinder.core.scopes import TRY_NODES, walked
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.flow import exits, handler_names, handler_raise, raise_name, returns_early
from gapfinder.core.usage.guards import ProtocolLookup, guards_of
from gapfinder.core.usage.paths import demanded, is_false, runs_once, unset_falsy
from gapfinder.core.usage.tree import CallSite, Comparison, FunctionNode, Guard, UsageTree

# Resolves a callee expression to a helper whose usage should be merged: (function, drop self).
HelperLookup = Callable[[ast.expr], "tuple[FunctionNode, bool] | None"]

# Callables whose coroutine arguments end up awaited (the task or gather awaits them).
AWAITING_CALLS = frozenset({"create_task", "ensure_future", "gather", "wait_for", "shield", "run"})
# Keyword arguments that take a number of seconds or a count: a double there must be a number.
NUMERIC_KEYWORDS = frozenset({"timeout", "delay", "seconds", "ttl", "ex", "px", "interval", "limit", "retries"})


class Walker:
    def __init__(
        self, roots: dict[str, UsageTree], helpers: HelperLookup | None, depth: int,
        constants: Mapping[str, tuple[object, ...]] | None = None,
        protocols: ProtocolLookup | None = None, func: FunctionNode | None = None,
        falsy: frozenset[str] = frozenset(),
    ) -> None:
        self.roots = roots
        self.protocols = protocols
        self.func = func
        self.env: dict[str, UsageTree | None] = dict(roots)
        self.helpers = helpers
        self.depth = depth
        self.uncertain = 0  # inside a branch, loop or handler
        self.exited = False  # an earlier statement may have returned or raised
        self.handlers: tuple[tuple[str, str | None], ...] = ()
        self.returns: list[UsageTree] = []
        self.guarding = False  # walking an if/while test
        self.floor = 0  # the uncertainty this walk starts with (a helper starts at 1)
        self.entry = True  # this function is called on its caller's straight path
        self.guards: tuple[Guard, ...] = ()  # conditions a bare double decides, around what is walked now
        self.guarded = 0  # the branch levels those guards open
        self.looped = 0  # the loop levels whose body runs at least once (`for _ in range(3)`, `while True`)
        self.local_defs: dict[str, FunctionNode] = {}  # functions defined in the walked body (closures)
        self.constants = constants or {}
        self.falsy = falsy  # parameters the call left at a falsy default: `if name:` is not taken
        self.demand = False  # the caller raises unless this function returns a truthy value
        self.demanded: ast.Call | None = None  # the call walked now whose result must be truthy
        self.catching = False  # a caller catches exceptions around this walk: a raise may be the path taken

    # --- statements ------------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        for index, stmt in enumerate(body):
            # a raise caught around here may be the path the test takes: no demand then
            following = body[index + 1] if index + 1 < len(body) else None
            self.demanded = None if self.handlers or self.catching else demanded(stmt, following)
            if self.demand and isinstance(stmt, ast.Return):  # `return f()`: f's result must be truthy too
                value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
                self.demanded = value if isinstance(value, ast.Call) else None
            self.stmt(stmt)
            self.demanded = None
            if not isinstance(stmt, (ast.Return, ast.Raise)) and not self.not_taken(stmt) \
                    and returns_early(stmt, self.demand):
                self.exited = True

    def not_taken(self, stmt: ast.stmt) -> bool:
        """`if phone:` with phone left at its falsy default by the call."""
        return isinstance(stmt, ast.If) and is_false(stmt.test, self.falsy)

    def branch(self, body: list[ast.stmt]) -> None:
        self.uncertain += 1
        self.block(body)
        self.uncertain -= 1

    def loop_body(self, body: list[ast.stmt], once: bool) -> None:
        """A loop body: a branch (it may run any number of times), but one whose first pass is on the
        straight path when the loop surely runs (its calls are `always`, never `certain` = once)."""
        self.looped += once
        self.branch(body)
        self.looped -= once

    def guarded_branch(self, body: list[ast.stmt], guards: list[Guard] | None) -> None:
        """A branch whose condition holds when the guards' subjects are bare doubles (None: not known)."""
        if not guards:
            self.branch(body)
            return
        outer = self.guards
        self.guards, self.guarded = outer + tuple(guards), self.guarded + 1
        self.branch(body)
        self.guards, self.guarded = outer, self.guarded - 1

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.bind(target, value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            value = self.expr(node.value) if node.value is not None else None
            if isinstance(node, ast.AugAssign):
                self.expr(node.target)
                value = None
            self.bind(node.target, value)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            edge = "aenter" if isinstance(node, ast.AsyncWith) else "enter"
            for item in node.items:
                manager = self.expr(item.context_expr)
                entered = manager.child(edge) if manager is not None else None
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, entered)
            self.block(node.body)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            source = self.expr(node.iter)
            edge = "aiter_item" if isinstance(node, ast.AsyncFor) else "iter_item"
            self.bind(node.target, source.child(edge) if source is not None else None)
            self.loop_body(node.body, runs_once(node.iter))
            self.branch(node.orelse)
        elif isinstance(node, ast.While) and runs_once(node.test, condition=True):
            self.expr(node.test)
            self.loop_body(node.body, True)
            self.branch(node.orelse)
        elif self.not_taken(node):
            self.expr(node.test)  # type: ignore[attr-defined]
            self.block(node.orelse)  # type: ignore[attr-defined]
        elif isinstance(node, (ast.If, ast.While)):
            self.condition(node.test, node.body)
            found = guards_of(node.test, self.lookup, self.protocols, self.func) if isinstance(node, ast.If) else None
            self.guarded_branch(node.body, found)
            self.branch(node.orelse)
        elif isinstance(node, TRY_NODES):
            self.try_(node)  # type: ignore[arg-type]
        elif isinstance(node, ast.Return):
            if node.value is not None:
                value = self.expr(node.value)
                if value is not None:
                    # `return x if ok else None` returns x on one side only: a helper's caller may follow it,
                    # but nothing may assert the function returns it
                    value.returned = value.returned or not isinstance(node.value, ast.IfExp)
                    self.returns.append(value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.local_defs[node.name] = node  # runs later, if at all: walked where the function calls it
        elif isinstance(node, ast.ClassDef):
            return
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            for case in node.cases:
                self.branch(case.body)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def try_(self, node: ast.Try) -> None:
        caught = tuple(
            (name, handler_raise(handler.body))
            for handler in node.handlers
            for name in handler_names(handler.type)
        )
        outer = self.handlers
        self.handlers = outer + caught
        self.block(node.body)
        self.handlers = outer
        for handler in node.handlers:
            if handler.name:
                self.env[handler.name] = None
            self.branch(handler.body)
        self.branch(node.orelse)
        self.block(node.finalbody)

    def condition(self, test: ast.expr, body: list[ast.stmt]) -> None:
        """Record None checks and comparisons with constants that guard this branch."""
        self.guarding = True
        self.expr(test)
        self.guarding = False
        guards = raise_name(body) if exits(body) else False
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        tests = test.values if isinstance(test, ast.BoolOp) else [test]
        for part in tests:
            subject = part.operand if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.Not) else part
            truth = self.lookup(subject) if not isinstance(subject, (ast.Compare, ast.BoolOp)) else None
            if truth is not None:
                truth.branched_on = True
            if isinstance(part, ast.Compare) and len(part.ops) == 1:
                right = part.comparators[0]
                if isinstance(right, ast.Constant) and right.value is None and isinstance(part.ops[0], ast.Is):
                    self.note_none(part.left, guards)
                elif isinstance(right, ast.Constant) and right.value is None and isinstance(part.ops[0], ast.IsNot):
                    self.note_none(part.left, None if guards is not False else False)
                else:
                    self.compare(part, raises=isinstance(guards, str), evaluated=True)
            elif subject is not part or negated:
                self.note_none(subject, guards)

    def compare(self, node: ast.Compare, raises: bool, evaluated: bool = False) -> None:
        """`x > 5`, `x != "pending"`, `x in ALLOWED`: the constants a value is held against."""
        if evaluated:  # a guard: its expression was walked already
            left = self.lookup(node.left)
        else:
            left = self.expr(node.left)
            for comparator in node.comparators:
                self.expr(comparator)
            if self.guarding:
                return  # condition() records it with what the guarded branch does
        if left is None or len(node.ops) != 1:
            return
        op, right = node.ops[0], node.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(right.value, (int, float, str)) and type(op) in _OPS:
            left.comparisons.append(Comparison(_OPS[type(op)], right.value, raises))
        elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Name) and right.id in self.constants:
            for value in self.constants[right.id][:3]:
                left.comparisons.append(Comparison("==" if isinstance(op, ast.In) else "!=", value, raises))
        elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            for element in right.elts[:3]:
                if isinstance(element, ast.Constant) and isinstance(element.value, (int, float, str)):
                    left.comparisons.append(Comparison("==" if isinstance(op, ast.In) else "!=", element.value, raises))
        elif isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            left.passed_to.add("kw:ordered")  # ordered against a variable: a double must be a number

    def note_none(self, expr: ast.expr, guards: str | None | bool) -> None:
        node = self.lookup(expr)
        if node is not None and guards is not False:
            node.none_checks.append(guards if isinstance(guards, str) else None)

    def bind(self, target: ast.expr, value: UsageTree | None) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            self.falsy = self.falsy - {target.id}  # rebound: no longer the falsy default
        elif isinstance(target, (ast.Tuple, ast.List)):
            if value is not None and not value.elements:
                value.used = True
                value.elements = [UsageTree() for _ in target.elts]
            for index, element in enumerate(target.elts):
                self.bind(element, value.elements[index] if value is not None and index < len(value.elements) else None)
        else:
            self.expr(target)

    # --- expressions -----------------------------------------------------------------------

    def lookup(self, expr: ast.expr) -> UsageTree | None:
        """The tree an expression already denotes, without recording new use."""
        if isinstance(expr, ast.Name):
            return self.env.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = self.lookup(expr.value)
            return base.attrs.get(expr.attr) if base is not None else None
        if isinstance(expr, ast.Await) and isinstance(expr.value, ast.Call):
            base = self.lookup(expr.value.func)
            return base.awaited_call if base is not None else None
        if isinstance(expr, ast.Call):
            base = self.lookup(expr.func)
            return base.call if base is not None else None
        if isinstance(expr, ast.Subscript):
            base = self.lookup(expr.value)
            return base.item if base is not None else None
        return None

    def expr(self, node: ast.expr) -> UsageTree | None:
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.expr(node.value)
            return base.child("attr", node.attr) if base is not None else None
        if isinstance(node, ast.Await):
            if isinstance(node.value, ast.Call):
                return self.call(node.value, awaited=True)
            base = self.expr(node.value)
            if base is not None:
                base.awaited_always = base.awaited_always or (self.always and not self.guards)
            return base.child("awaited") if base is not None else None
        if isinstance(node, ast.Call):
            return self.call(node, awaited=False)
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value)
            self.expr(node.slice)
            return base.child("item") if base is not None else None
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        if isinstance(node, (ast.Lambda,)):
            return None
        if isinstance(node, ast.IfExp):  # `None if flag else self._direct(phone)`: the one side that is a value
            self.expr(node.test)
            self.uncertain += 1
            sides = [self.expr(node.body), self.expr(node.orelse)]
            self.uncertain -= 1
            known = [tree for tree, side in zip(sides, (node.body, node.orelse)) if not isinstance(side, ast.Constant)]
            return known[0] if len(known) == 1 else None
        if isinstance(node, ast.BoolOp):
            first, *rest = node.values
            self.expr(first)
            self.uncertain += 1
            conjunction = isinstance(node.op, ast.And)
            outer, guarded = self.guards, self.guarded
            collected: list[Guard] = []
            for before, value in zip([first, *rest], rest):  # `a is not None and a.ready()`: runs when a is a double
                found = guards_of(before, self.lookup, self.protocols, self.func) if conjunction else None
                conjunction = found is not None
                collected += found or []
                self.guards, self.guarded = (outer + tuple(collected), guarded + 1) if conjunction else (outer, guarded)
                self.expr(value)
            self.guards, self.guarded = outer, guarded
            self.uncertain -= 1
            return None
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.Compare):
            self.compare(node, raises=False)
            return None
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            value = self.expr(node.value)
            if value is not None:
                value.passed_to.add("kw:format")  # `f"{x:.2f}"`: a number, not a double
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
        return None

    def comprehension(self, node: ast.expr) -> None:
        saved = dict(self.env)
        self.uncertain += 1
        for gen in node.generators:  # type: ignore[attr-defined]
            source = self.expr(gen.iter)
            edge = "aiter_item" if gen.is_async else "iter_item"
            self.bind(gen.target, source.child(edge) if source is not None else None)
            for cond in gen.ifs:
                self.expr(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.expr(getattr(node, part))
        self.uncertain -= 1
        self.env = saved
        return None

    def call(self, node: ast.Call, awaited: bool, via: str = "") -> UsageTree | None:
        """via: the scheduler (create_task, run, ...) that awaits this call's coroutine, "" when the code does."""
        callee = self.expr(node.func)
        name = dotted(node.func) or ""
        # `asyncio.get_running_loop().create_task(c)` has no dotted name: its callee's own name counts
        short = name.rsplit(".", 1)[-1] or (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        arg_trees: list[UsageTree | None] = []
        for arg in node.args:
            if short in AWAITING_CALLS and isinstance(arg, ast.Call):
                arg_trees.append(self.call(arg, awaited=True, via=short))
            elif short in AWAITING_CALLS and isinstance(arg, ast.Starred) and isinstance(arg.value, (ast.GeneratorExp,
                                                                                                   ast.ListComp)):
                arg_trees.append(self.awaited_generator(arg.value))
            else:
                arg_trees.append(self.expr(arg))
        for kw in node.keywords:
            self.expr(kw.value)
        for tree in arg_trees:
            if tree is not None and name:
                tree.passed_to.add(name)
        for kw in node.keywords:
            if kw.arg in NUMERIC_KEYWORDS:
                tree = self.lookup(kw.value)
                if tree is not None:
                    tree.passed_to.add(f"kw:{kw.arg}")
        is_helper, returned = self.walk_helper(node, arg_trees)
        if is_helper:
            return returned
        if short in ("wait_for", "shield") and arg_trees and arg_trees[0] is not None:
            return arg_trees[0]
        if callee is None:
            return None
        callee.calls.append(CallSite(tuple(node.args), tuple(node.keywords), self.certain, self.handlers, self.always,
                                     self.guards, via))
        return callee.child("awaited_call" if awaited else "call")

    def awaited_generator(self, gen: ast.GeneratorExp | ast.ListComp) -> None:
        """`gather(*(ws.send(m) for ws in targets))`: each generated call is awaited."""
        saved = dict(self.env)
        self.uncertain += 1
        for comp in gen.generators:
            source = self.expr(comp.iter)
            self.bind(comp.target, source.child("iter_item") if source is not None else None)
        if isinstance(gen.elt, ast.Call):
            self.call(gen.elt, awaited=True)
        self.uncertain -= 1
        self.env = saved

    def walk_helper(self, node: ast.Call, arg_trees: list[UsageTree | None]) -> tuple[bool, UsageTree | None]:
        """Walk a same-module helper with the caller's trees as its parameters.

        Returns (was a helper, the value it returns when that is one known value).
        """
        if self.helpers is None or self.depth >= 4:
            return False, None
        local = self.local_defs.get(node.func.id) if isinstance(node.func, ast.Name) else None
        found = (local, False) if local is not None else self.helpers(node.func)
        if found is None:
            return False, None
        func, drop_self = found
        positional = [a.arg for a in func.args.posonlyargs + func.args.args]
        if drop_self:
            positional = positional[1:]
        own = set(positional) | {a.arg for a in func.args.kwonlyargs}
        passed: dict[str, UsageTree] = {}
        for param, tree in zip(positional, arg_trees):
            if tree is not None:
                passed[param] = tree
        for kw in node.keywords:
            tree = self.lookup(kw.value)
            if kw.arg in own and tree is not None:
                passed[kw.arg] = tree
        # a closure sees the caller's local names too; another function only the collaborators
        scope = self.env if local is not None else self.roots
        shared = {name: tree for name, tree in scope.items() if name not in own and tree is not None}
        # a closure also sees its caller's parameters left at a falsy default (those it does not shadow)
        falsy = unset_falsy(func, node, drop_self, self.falsy) | (self.falsy - own if local is not None else frozenset())
        inner = Walker({**shared, **passed}, self.helpers, self.depth + 1, self.constants, self.protocols, func,
                       falsy)
        inner.demand = node is self.demanded
        inner.catching = self.catching or bool(self.handlers)
        inner.uncertain = inner.floor = 1  # calls inside helpers are never asserted one by one
        inner.entry = self.always
        inner.guards = self.guards  # the helper runs only when the caller's guards hold
        inner.block(func.body)
        returned = {id(t): t for t in inner.returns}
        return True, (next(iter(returned.values())) if len(returned) == 1 else None)

    @property
    def certain(self) -> bool:
        return not self.uncertain and not self.exited

    @property
    def always(self) -> bool:
        """On the straight path of this function, itself called on its caller's straight path."""
        return self.entry and self.uncertain == self.floor + self.guarded + self.looped and not self.exited


_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def infer_usage(
    func: FunctionNode, collaborators: Iterable[str], helpers: HelperLookup | None = None,
    constants: Mapping[str, tuple[object, ...]] | None = None, protocols: ProtocolLookup | None = None,
    falsy: frozenset[str] = frozenset(),
) -> dict[str, UsageTree]:
    """Usage tree per collaborator name (parameters, `self`, module-level names) in func's body.

    helpers resolves calls to same-module functions and methods, walked with the caller's values;
    constants are module-level literal collections, so `x in ALLOWED` suggests a value for x; falsy are
    parameters the caller left at a falsy default (`unset_falsy`).
    """
    walker = Walker({name: UsageTree() for name in _in_order_of_use(func, collaborators)}, helpers, 0, constants,
                    protocols, func, falsy)
    walker.block(func.body)
    for tree in walker.returns:
        tree.to_caller = tree.to_caller or tree.returned
    return walker.roots


def _in_order_of_use(func: FunctionNode, names: Iterable[str]) -> list[str]:
    """The names in the order the function first uses them (the rest sorted after): the order of
    the doubles in a generated test must not depend on Python's hash seed."""
    wanted = set(names)
    first: dict[str, tuple[int, int]] = {}
    for node in walked(func):
        if isinstance(node, ast.Name) and node.id in wanted:
            at = (node.lineno, node.col_offset)
            if node.id not in first or at < first[node.id]:
                first[node.id] = at
    return sorted(wanted, key=lambda name: (first.get(name, (1 << 30, 0)), name))


def helper_lookup(functions: Mapping[str, FunctionNode], methods: Mapping[str, FunctionNode]) -> HelperLookup:
    """Resolve `helper(...)` to a module function and `self.method(...)` to a method of the class."""

    def lookup(expr: ast.expr) -> tuple[FunctionNode, bool] | None:
        if isinstance(expr, ast.Name) and expr.id in functions:
            return functions[expr.id], False
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id == "self"
            and expr.attr in methods
        ):
            method = methods[expr.attr]
            return method, not any(dotted(d) == "staticmethod" for d in method.decorator_list)
        return None

    return lookup
