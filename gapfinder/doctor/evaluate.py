"""Walk one test (and the fixtures it requests): which doubles it builds, and where they go.

Produces pairs (double, how the code under test uses it) for compare.py, the assert_called* calls
made on each double, and the per-call rules that need no usage: GF106, GF107, GF301. Patches are read
by the Patching mixin (patches.py), calls into the code under test by the Linking mixin (links.py), the
test's own never-awaited coroutines (GF112) by the Dropping mixin (dropped.py).
"""

from __future__ import annotations

import ast
from dataclasses import replace

from gapfinder.doctor.decorators import Decorators
from gapfinder.doctor.dropped import Dropping, inspected
from gapfinder.doctor.dynamic import UNKNOWN, Dynamic, builds_class, literal
from gapfinder.doctor.eager import coroutine_maker
from gapfinder.doctor.expected import expected_names
from gapfinder.doctor.helpers import Helper, MockClass, is_test_side
from gapfinder.doctor.links import Linking, decorated
from gapfinder.doctor.mocks import FileNames, MockNode, opaque
from gapfinder.doctor.objects import Objects
from gapfinder.doctor.model import Edit, Finding
from gapfinder.doctor.patches import Patching, expects_raise
from gapfinder.doctor.values import ASSERT_CALLED, ClassValue, Holder, Instance, Patcher, Shared
from gapfinder.core.scopes import walked
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import is_coroutine_function
from gapfinder.core.usage.tree import FunctionNode

SETUPS = ("setUp", "asyncSetUp", "setup_method")


class Evaluator(Patching, Objects, Linking, Dynamic, Decorators, Dropping):
    def __init__(self, shared: Shared, names: FileNames, path: str) -> None:
        self.shared = shared
        self.names = names
        self.path = path
        self.env: dict[str, object] = {}
        self.result: object = None
        self.calls: dict[int, object] = {}  # id(ast.Call) -> its value
        self.async_defs: set[str] = set()  # coroutine functions the walked function (or its module) defines
        self.continuing = False  # a `continue` the walk took for sure: the rest of the loop body is skipped
        self.awaited_calls: set[int] = set()  # id(ast.Call) of the calls the test awaits (`await entry(...)`)
        self.active_patches: dict[str, MockNode] = {}  # dotted target -> its double, inside a `with patch(...)`

    # --- functions -------------------------------------------------------------------------

    def run(self, func: FunctionNode, in_class: bool = False, setups: list[FunctionNode] | None = None) -> object:
        self.async_defs = {n.name for n in [*walked(func), *self.names.functions.values()]
                           if isinstance(n, ast.AsyncFunctionDef) and is_coroutine_function(n)}
        params = [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]
        owner = None
        if in_class and params and params[0] in ("self", "cls"):
            params = params[1:]
            owner = next((c for c in self.names.classes.values() if func in c.body), None)
            self.env["self"] = Holder(methods={m.name: m for m in owner.body if isinstance(
                m, (ast.FunctionDef, ast.AsyncFunctionDef)) and not m.name.startswith("test")} if owner else {})
            for setup in setups or []:
                self.block(setup.body)
        injected = self.decorator_doubles(func, owner, params)
        for name, value in zip(params, injected):
            self.env[name] = value
            self.shared.decorated.add(id(value))
        for name, value in self.wrapped_args(func).items():
            if name not in ("self", "cls"):
                self.env[name] = value
        for name in params[len(injected):]:
            if name in self.shared.fixtures:
                self.env[name] = self.fixture(name)
        self.block(func.body)
        self.shared.closes = self.shared.closes or _closes_handed_coroutine(func)
        return self.result

    def fixture(self, name: str) -> object:
        if name not in self.shared.fixture_values:
            self.shared.fixture_values[name] = None  # a cycle resolves to unknown
            fixture = self.shared.fixtures[name]
            if self.shared.depth < 8:
                self.shared.depth += 1
                inner = Evaluator(self.shared, fixture.names, fixture.path)
                self.shared.fixture_values[name] = inner.run(fixture.func)
                self.shared.depth -= 1
        return self.shared.fixture_values[name]

    # --- statements ------------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if self.continuing:
                break
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is None:
                return
            self.scan(node.value)
            value = self.eval(node.value)
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                self.assign(target, value, node.value)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            enter, leave = ("__aenter__", "__aexit__") if isinstance(node, ast.AsyncWith) else ("__enter__", "__exit__")
            objects = []
            active = dict(self.active_patches)
            for item in node.items:
                self.scan(item.context_expr)
                value = self.eval(item.context_expr)
                if isinstance(value, Patcher):
                    if value.target is not None:  # `asyncio.ensure_future.assert_not_called()` in the block
                        self.active_patches[value.target] = value.node
                    value = value.node
                elif isinstance(value, MockNode):
                    value = None  # `with double as x`: x is __enter__'s result; not followed
                elif isinstance(value, Instance):  # an object of a project class: its own enter/exit run
                    objects.append(item.context_expr)
                    value = self.protocol(item.context_expr, enter, item.context_expr)
                if isinstance(item.optional_vars, ast.Name):
                    self.env[item.optional_vars.id] = value
            raising = [item.context_expr for item in node.items if expects_raise(item.context_expr)]
            if raising:
                self.shared.raising += 1
                self.shared.expected.append(expected_names(raising[0]))
            self.block(node.body)
            if raising:
                self.shared.raising -= 1
                self.shared.expected.pop()
            self.active_patches = active
            for expr in reversed(objects):
                self.protocol(expr, leave, expr)
        elif isinstance(node, ast.Delete):
            for target in node.targets:  # `del radio.routing`: the double has no such attribute any more
                base = self.eval(target.value) if isinstance(target, ast.Attribute) else None
                if isinstance(base, MockNode) and base.is_double:
                    base.attrs[target.attr] = opaque(target)
        elif isinstance(node, (ast.Return, ast.Expr)):
            value = node.value
            if value is None:
                return
            self.scan(value)
            if isinstance(node, ast.Expr) and isinstance(value, (ast.Yield, ast.YieldFrom)):
                if value.value is not None:
                    self.result = self.eval(value.value)
            elif isinstance(node, ast.Expr) and isinstance(value, ast.Call):
                self.eval(value)  # `patch(...).start()`, `stack.enter_context(patch(...))`
                self.dropped(value, "discards")
            elif isinstance(node, ast.Return):
                self.result = self.eval(value)
        elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name) \
                and isinstance(looped := self.eval(node.iter), MockNode) and looped.items and not node.orelse:
            self.scan(node.iter)
            for item in looped.items[:10]:  # `for member in members:` over doubles the test built: each in turn
                self.env[node.target.id] = item
                for inner in ast.walk(node):  # each turn makes its own values (`namespace[name] = Mock()`)
                    self.calls.pop(id(inner), None)
                self.block(node.body)
                self.continuing = False
        elif isinstance(node, ast.Continue):
            self.continuing = True
        elif isinstance(node, ast.If) and (decided := self.decide(node.test)) is not None:
            self.scan(node.test)  # a condition the walk's own values settle: only that branch runs
            self.block(node.body if decided else node.orelse)
        else:
            continuing = self.continuing
            if isinstance(node, ast.Assert):
                self.tautology(node.test)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.scan(child)  # includes `assert` tests
            for part in ("body", "orelse", "finalbody"):
                self.block(getattr(node, part, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                self.block(handler.body)
            for case in getattr(node, "cases", []) or []:
                self.block(case.body)
            self.continuing = continuing  # a branch's `continue` may not run

    def assign(self, target: ast.expr, value: object, expr: ast.expr) -> None:
        if isinstance(value, MockNode) and value.items and isinstance(target, (ast.Name, ast.Attribute)):
            for index, item in enumerate(value.items):  # `channels = [...]`: the items are `channels[i]`
                if item.is_double and not item.label:
                    item.label = f"{dotted(target) or 'items'}[{index}]"
        if isinstance(target, ast.Name):
            if isinstance(value, MockNode) and not value.label:
                value.label = target.id
            self.env[target.id] = value
        elif isinstance(target, ast.Attribute):
            base = self.eval(target.value)
            self._locate(target.value, target.lineno, target.col_offset)
            if isinstance(base, (Holder, Instance)):
                base.fields[target.attr] = value
                if isinstance(base, Instance) and isinstance(value, MockNode) and value.is_double:
                    self.replacing(value)  # a method or collaborator of the object replaced by hand
                if isinstance(value, MockNode) and not value.label:
                    value.label = dotted(target) or target.attr
            elif isinstance(base, MockNode) and base.is_double:
                if target.attr == "side_effect":
                    self.side_effect(base, expr)
                else:
                    if target.attr == "return_value":
                        self.eager(base, expr)
                    node = value if isinstance(value, MockNode) else opaque(expr)
                    if not node.label:
                        node.label = dotted(target) or target.attr
                    node.text = node.text or ast.unparse(expr)
                    node.path = node.path or self.path
                    base.set(target.attr, node, (target.lineno, target.col_offset))
        elif isinstance(target, ast.Subscript):
            self.store_entry(target, value)
            held, key = self.eval(target.value), literal(self.eval(target.slice), UNKNOWN)
            if isinstance(key, (str, int)) and isinstance(held, MockNode) and held.entries is not None:
                held.entries[key] = value if isinstance(value, (MockNode, Instance)) else opaque(expr)
                if isinstance(value, MockNode) and not value.label:
                    value.label = str(key)
            elif not isinstance(target.slice, ast.Constant):  # `cache[klass] = ...`, read back as `cache[klass]`
                self.env[ast.unparse(target)] = value
            if isinstance(target.value, ast.Attribute) and target.value.attr == "dependency_overrides" \
                    and isinstance(value, MockNode) and value.is_double:
                self.finding("GF301", expr, "a mock is the dependency override: FastAPI reads its (*args, **kwargs) "
                             "as query parameters and answers 422; override with `lambda: <mock>`",
                             Edit("lambda", expr.lineno, expr.col_offset, ""))
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value.items if isinstance(value, MockNode) and value.items is not None \
                and len(value.items) == len(target.elts) else None
            for index, element in enumerate(target.elts):  # `a, b = helper()` returning (double, [doubles])
                if isinstance(element, ast.Name):
                    self.env[element.id] = items[index] if items is not None else None

    def store_entry(self, target: ast.Subscript, value: object) -> None:
        """`pool.clients["+7001"] = Session(client)` on an object the test built: a dict entry of that field."""
        if not isinstance(target.slice, ast.Constant) or not isinstance(value, (MockNode, Instance)) \
                or not isinstance(target.value, ast.Attribute):
            return
        owner = self.eval(target.value.value)
        if not isinstance(owner, (Instance, Holder)):
            return
        held = owner.fields.get(target.value.attr)
        if not (isinstance(held, MockNode) and held.kind == "value" and held.entries is not None):
            held = MockNode("value", True, target.lineno, target.col_offset, path=self.path, entries={})
            owner.fields[target.value.attr] = held
        held.entries[target.slice.value] = value  # type: ignore[index]

    def _locate(self, expr: ast.expr, line: int, col: int) -> None:
        """Default children along `a.b.return_value.c` now point at the line that configures them."""
        while isinstance(expr, ast.Attribute):
            node = self.eval(expr)
            if isinstance(node, MockNode) and not node.explicit and not node.located:
                node.line, node.col, node.located, node.path = line, col, True, self.path  # this file's line
            expr = expr.value

    def side_effect(self, node: MockNode, expr: ast.expr) -> None:
        node.side_effect = expr
        if node.kind == "async" and self.names.returns_coroutine(expr):
            self.finding("GF106", expr, f"AsyncMock side_effect for `{node.label or 'mock'}` is a sync function "
                         "returning a coroutine: the code receives the coroutine, which is never awaited; "
                         "pass the async function itself")

    def eager(self, node: MockNode, expr: ast.expr) -> None:
        """GF111: the return_value is one coroutine the test made (a call of an `async def`)."""
        maker = coroutine_maker(expr, self.names, self.shared.side, self.shared.index, self.path)
        if maker is not None:
            named = f"`{node.label}`" if node.label else "the double"
            self.finding("GF111", expr, f"{named} returns the one coroutine `{maker}(...)` made when the test built "
                         "it: it is never awaited if the code does not call the double, and a second call gets a "
                         "coroutine already awaited (RuntimeError); use AsyncMock(return_value=...) or a side_effect "
                         "that makes a new coroutine per call")

    def finding(self, code: str, at: ast.AST, message: str, edit: Edit | None = None) -> None:
        self.shared.findings.append(Finding(code, self.path, getattr(at, "lineno", 1),
                                            getattr(at, "col_offset", 0), message, edit))

    # --- expressions -----------------------------------------------------------------------

    def scan(self, expr: ast.expr) -> None:
        """Calls inside an expression: calls into project code, assert_called*, monkeypatch.setattr."""
        stack: list[ast.AST] = [expr]
        calls: list[ast.Call] = []
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Call):
                calls.append(node)
            stack.extend(ast.iter_child_nodes(node))
        for node in ast.walk(expr):  # `m.call_count == 0`, `not m.called`: a spy that must stay unused
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) \
                    and node.left.attr in ("call_count", "await_count") and \
                    isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value == 0:
                self._not_called(node.left.value)
            elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) and dotted(node.left.func) == "len" \
                    and len(node.left.args) == 1 and isinstance(node.left.args[0], ast.Attribute) \
                    and node.left.args[0].attr in ("mock_calls", "call_args_list", "await_args_list") \
                    and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value == 0:
                self._not_called(node.left.args[0].value)  # `len(m.mock_calls) == 0`
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and \
                    isinstance(node.operand, ast.Attribute) and node.operand.attr in ("called", "awaited"):
                self._not_called(node.operand.value)
            elif isinstance(node, ast.Await) and isinstance(node.value, (ast.Name, ast.Attribute)):
                self.protocol(node.value, "__await__", node)  # `await obj`: the class's __await__ runs
            if isinstance(node, ast.Await) and _lets_tasks_run(node):
                self.shared.yielded = True
        self.awaited_calls |= {id(n.value) for n in ast.walk(expr) if isinstance(n, ast.Await)
                               and isinstance(n.value, ast.Call)}
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            func = call.func
            name = dotted(func) or ""
            if (looked_at := inspected(call)) is not None:
                self.dropped(looked_at, f"hands to `{name}()`")
            if isinstance(func, ast.Attribute) and func.attr in ("assert_not_called", "assert_not_awaited"):
                self._not_called(func.value)
            elif isinstance(func, ast.Attribute) and func.attr in ASSERT_CALLED:
                base = self.eval(func.value)
                # inside `pytest.raises(AssertionError)` the test asserts the call did NOT happen
                if isinstance(base, MockNode) and base.is_double and not self.shared.raising:
                    self.shared.asserts.append((base, func, self.path))
                    if self.shared.yielded:
                        self.shared.after_yield.add(id(func))
            elif name.endswith("monkeypatch.setattr") or name == "monkeypatch.setattr":
                self.monkeypatch(call)
            elif isinstance(func, ast.Attribute) and func.attr == "configure_mock":
                base = self.eval(func.value)
                if isinstance(base, MockNode) and base.is_double:
                    self.configure(base, call)
            else:
                self.project_call(call)

    def _not_called(self, expr: ast.expr) -> None:
        node = self.eval(expr)
        if isinstance(node, MockNode):
            self.shared.not_called.add(id(node))

    def eval(self, expr: ast.expr) -> object:
        if isinstance(expr, ast.Name):
            if expr.id not in self.env and expr.id in self.async_defs:  # the test's own `async def`
                return MockNode("value", True, expr.lineno, expr.col_offset, path=self.path, coroutine_function=True)
            return self.env[expr.id] if expr.id in self.env else self.class_ref(expr)
        if isinstance(expr, ast.Dict):
            node = MockNode("value", True, expr.lineno, expr.col_offset, path=self.path, entries={})
            for key, value in zip(expr.keys, expr.values):
                found = self.eval(value)
                if isinstance(key, ast.Constant) and isinstance(found, (MockNode, Instance)):
                    node.entries[key.value] = found  # type: ignore[index]
            return node
        if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
            base = self.eval(expr.value)
            key = expr.slice.value
            if isinstance(base, MockNode) and base.items and isinstance(key, int) and -len(base.items) <= key < len(base.items):
                return base.items[key]  # `channels[0]` of a list the test built
            return base.entries.get(key) if isinstance(base, MockNode) and base.entries else None
        if isinstance(expr, ast.Subscript):
            return self.env.get(ast.unparse(expr))
        if isinstance(expr, ast.ListComp) and len(expr.generators) == 1:
            return self.repeated(expr)
        if isinstance(expr, (ast.Constant, ast.Set, ast.JoinedStr)):
            return MockNode("value", True, expr.lineno, expr.col_offset, path=self.path,
                            text=repr(expr.value) if isinstance(expr, ast.Constant) else "")
        if isinstance(expr, (ast.List, ast.Tuple)):
            node = MockNode("value", True, expr.lineno, expr.col_offset, path=self.path)
            items = [self.eval(e) for e in expr.elts]
            node.items = [i if isinstance(i, MockNode) else opaque(e) for i, e in zip(items, expr.elts)]
            return node
        if isinstance(expr, ast.Attribute):
            if self.active_patches and (patched := self.active_patches.get(self.names.qualify(expr) or "")):
                return patched
            base = self.eval(expr.value)
            if isinstance(base, MockNode):
                return base.child(expr.attr)
            if isinstance(base, ClassValue):
                return self.class_attribute(base, expr.attr, expr)
            if isinstance(base, (Holder, Instance)):
                return base.fields.get(expr.attr)
            return self.class_ref(expr) if base is None else None
        if isinstance(expr, ast.Call):
            return self.eval_call(expr)
        if isinstance(expr, ast.Await) and isinstance(expr.value, ast.Call):
            base = self.eval(expr.value.func)
            if isinstance(base, MockNode) and base.kind == "async":
                return _told(base)
            found = self.shared.side.lookup(expr.value.func, self.names, self.path)
            if found is not None and isinstance(found[1], Helper) and is_coroutine_function(found[1].func):
                return self.helper(found[1], expr.value)  # `await make_client()`: what the async helper returns
            return self.made(expr.value, awaited=True)
        return None

    def repeated(self, expr: ast.ListComp) -> MockNode | None:
        """`[MockChannel() for _ in range(2)]`: a list of doubles built alike (one node stands for each)."""
        target, source = expr.generators[0].target, expr.generators[0].iter
        saved = dict(self.env)
        if isinstance(target, ast.Name):
            self.env[target.id] = None
        element = self.eval(expr.elt)
        self.env = saved
        if not isinstance(element, MockNode) or not element.is_double:
            return None
        count = 1
        if isinstance(source, ast.Call) and dotted(source.func) == "range" and len(source.args) == 1 \
                and isinstance(source.args[0], ast.Constant) and isinstance(source.args[0].value, int):
            count = max(1, min(source.args[0].value, 10))
        # one double per item, alike: the children the test configured are shared, the rest are each item's own
        items = [element] + [replace(element, attrs=dict(element.attrs), configured=set(element.configured))
                             for _ in range(count - 1)]
        return MockNode("value", True, expr.lineno, expr.col_offset, path=self.path, items=items)

    def tautology(self, test: ast.expr) -> None:
        """GF109: `assert m.get() == rows` right after `m.get.return_value = rows`."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is))):
            return
        left, right = test.left, test.comparators[0]
        for side, other in ((left, right), (right, left)):
            value = self.eval(side)
            if isinstance(value, MockNode) and value.told and value.text and (
                    ast.unparse(other) == value.text or self.eval(other) is value):
                at = f" at {value.path}:{value.line}" if value.path and value.line else ""
                self.finding("GF109", test, f"`{ast.unparse(side)}` is the double's own result, which the test set "
                             f"to `{value.text}`{at}: this assertion checks unittest.mock, not the code under test")
                return

    def eval_call(self, call: ast.Call) -> object:
        """A call is evaluated once: `patch(...).return_value.x = v` re-reads its chain, and a second
        evaluation would build (and attach) a second, unconfigured patch double."""
        if id(call) not in self.calls:
            self.calls[id(call)] = self.evaluate_call(call)
        return self.calls[id(call)]

    def evaluate_call(self, call: ast.Call) -> object:
        kind = self.names.mock_class(call.func)
        if kind == "autospec":
            return MockNode("spec", True, call.lineno, call.col_offset, spec=True, path=self.path)
        if kind is not None:
            node = MockNode(kind, True, call.lineno, call.col_offset, ctor=call, path=self.path)
            if call.args:
                node.spec = True
            self.configure(node, call)
            return node
        if self._patch_style(call):
            patcher = self.patch(call, call.lineno)
            return patcher.node if (dotted(call.func) or "").startswith("mocker.") else patcher
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("start", "enter_context"):
            base = self.eval(call.func.value if call.func.attr == "start" else call.args[0]) if (
                call.func.attr == "start" or len(call.args) == 1) else None
            return base.node if isinstance(base, Patcher) else base
        stub = self.stub(call) or self.built_class(call) or self.member(call)
        if stub is not None:
            return stub
        holder = self.eval(call.func.value) if isinstance(call.func, ast.Attribute) else None
        if isinstance(holder, Holder) and call.func.attr in holder.methods:  # `self.make_members()` of the test class
            method = holder.methods[call.func.attr]
            return self.helper(Helper(method, self.names, self.path), call,
                               None if decorated(method, "staticmethod") else holder)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "__new__":  # `Pool.__new__(Pool)`
            found = self.resolve(call.func.value)
            if found is not None and found[1] in found[0].model.classes:
                return Instance(found[0], found[0].model.classes[found[1]], {})
        found = self.shared.side.lookup(call.func, self.names, self.path)
        if found is not None and isinstance(found[1], Helper) and is_coroutine_function(found[1].func):
            return opaque(call)  # a coroutine, not yet what the helper returns
        if found is not None:
            return self.mock_subclass(found[1], call) if found[0] == "class" else self.helper(found[1], call)
        plain = self.names.classes.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if plain is not None and call.func.id not in self.env and all(dotted(b) == "object" for b in plain.bases):
            # an object of a plain class the test defines (`class DummyDevice: pass`): attributes set on it later
            return Holder(methods={m.name: m for m in plain.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))})
        base = self.eval(call.func)
        if isinstance(base, MockNode) and base.kind in ("magic", "mock"):
            return _told(base)
        if isinstance(base, ClassValue):
            return self.construct(base, call)
        return self.instance(call) or self.made(call, awaited=False)

    def mock_subclass(self, cls: MockClass, call: ast.Call) -> MockNode:
        node = MockNode(cls.kind, True, call.lineno, call.col_offset, spec=cls.spec, path=self.path,
                        evidence=cls.where)
        self.configure(node, call)
        return node

    def helper(self, helper: Helper, call: ast.Call, bound: Holder | None = None) -> object:
        """Evaluate a test-side function that builds doubles, with the test's values as arguments
        (bound: the test's `self` for a method of the test class)."""
        if self.shared.depth >= 6:
            return None
        inner = Evaluator(self.shared, helper.names, helper.path)
        params = [a.arg for a in helper.func.args.posonlyargs + helper.func.args.args]
        if bound is not None and params:
            inner.env[params.pop(0)] = bound
        for name, arg in zip(params, call.args):
            inner.env[name] = self.eval(arg)
        named = set(params) | {a.arg for a in helper.func.args.kwonlyargs}
        extra = MockNode("value", True, call.lineno, call.col_offset, path=self.path, entries={})
        for kw in call.keywords:
            if kw.arg:
                inner.env[kw.arg] = value = self.eval(kw.value)
                if kw.arg not in named and isinstance(value, (MockNode, Instance)):
                    extra.entries[kw.arg] = value  # type: ignore[index]
                    if isinstance(value, MockNode) and not value.label:
                        value.label = kw.arg
        if helper.func.args.kwarg is not None:  # `**namespace`: the keywords no parameter takes
            inner.env[helper.func.args.kwarg.arg] = extra
        inner.env.update({k: v for k, v in self.literal_defaults(helper.func).items() if k not in inner.env})
        self.shared.depth += 1
        inner.block(helper.func.body)
        self.shared.depth -= 1
        return inner.result

    def stub(self, call: ast.Call) -> Instance | None:
        """`stub_class(pkg.Cls, attr=double)`: a test helper that builds an object of a project class
        with the given attributes; the keyword doubles become its fields."""
        if not call.args or not call.keywords:
            return None
        callee = self.resolve(call.func)
        if callee is not None and not is_test_side(callee[0].path, self.shared.side.root):
            return None
        if callee is not None and builds_class(callee[0].model.functions.get(callee[1])):
            return None  # a helper that returns a class built from the argument: evaluated as a helper
        found = self.resolve(call.args[0])
        if found is None or found[1] not in found[0].model.classes:
            return None
        fields: dict[str, object] = {}
        for kw in call.keywords:
            if kw.arg:
                fields[kw.arg] = value = self.eval(kw.value)
                if isinstance(value, MockNode) and not value.label:
                    value.label = kw.arg
        return Instance(found[0], found[0].model.classes[found[1]], fields)

    def configure(self, node: MockNode, call: ast.Call) -> None:
        for kw in call.keywords:
            if kw.arg is None:
                if isinstance(kw.value, ast.Dict):
                    for key, value in zip(kw.value.keys, kw.value.values):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            self.configure_path(node, key.value, value)
                continue
            if kw.arg in ("spec", "spec_set", "wraps", "autospec"):
                node.spec = True
                node.wraps = node.wraps or kw.arg == "wraps"
            elif kw.arg in ("name", "unsafe", "new_callable", "new", "create", "instance", "_new_name"):
                continue
            else:
                self.configure_path(node, kw.arg, kw.value)

    def configure_path(self, node: MockNode | None, path: str, expr: ast.expr) -> None:
        *parents, last = path.split(".")
        for part in parents:
            node = node.child(part) if node is not None else None
        if node is None or not node.is_double:
            return
        if last == "side_effect":
            self.side_effect(node, expr)
        else:
            if last == "return_value":
                self.eager(node, expr)
            value = self.eval(expr)
            value = value if isinstance(value, MockNode) else opaque(expr)
            value.text = value.text or ast.unparse(expr)
            value.path = value.path or self.path
            node.set(last, value, (expr.lineno, expr.col_offset))

    # --- patches ---------------------------------------------------------------------------


    # --- the code under test ---------------------------------------------------------------


def _told(double: MockNode) -> MockNode | None:
    """The result of the test calling a double itself: a configured return_value is marked `told`."""
    result = double.child("return_value")
    if result is not None and "return_value" in double.configured:
        result.told = True
    return result


def _closes_handed_coroutine(func: FunctionNode) -> bool:
    """The test takes what a double was called with (`m.call_args[0][0]`) and closes it: a patched
    scheduler's coroutine is then not left un-awaited."""
    nodes = walked(func)
    return any(isinstance(n, ast.Attribute) and n.attr in ("call_args", "call_args_list", "await_args") for n in nodes) \
        and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "close"
                and not n.args for n in nodes)


def _lets_tasks_run(node: ast.Await) -> bool:
    """An await in the test that gives scheduled tasks their turn: a task or future (`await task`, `await
    (await start())`), or asyncio's sleep/gather/wait; awaiting a call of the code or of a double need not."""
    value = node.value
    if isinstance(value, (ast.Name, ast.Attribute, ast.Await)):
        return True
    return isinstance(value, ast.Call) and (dotted(value.func) or "").rpartition(".")[2] in (
        "sleep", "gather", "wait", "wait_for", "shield")
