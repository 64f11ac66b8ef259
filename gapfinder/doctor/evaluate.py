"""Walk one test (and the fixtures it requests): which doubles it builds, and where they go.

Produces pairs (double, how the code under test uses it) for compare.py, the assert_called* calls
made on each double, and the per-call rules that need no usage: GF106, GF107, GF301.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gapfinder.doctor.helpers import Helper, MockClass, TestSide, is_test_side, shown
from gapfinder.doctor.mocks import FileNames, MockNode, opaque
from gapfinder.doctor.model import Edit, Finding
from gapfinder.core.usage.index import ModuleIndex, IndexedModule
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode, UsageTree

# asyncio functions that take a coroutine: patched with a bare mock, they drop it un-awaited.
SCHEDULERS = frozenset({"create_task", "ensure_future", "wait_for", "gather", "run", "run_coroutine_threadsafe",
                        "run_until_complete"})
SETUPS = ("setUp", "asyncSetUp", "setup_method")
TASK_STARTERS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe"})
# what a project loop runner hands its coroutine to (`run` only as asyncio.run: `shield.run(text)` is not one)
RUNNER_CALLS = TASK_STARTERS | {"run_until_complete", "wait_for", "shield", "gather"}
ASSERT_CALLED = {"assert_called": "assert_awaited", "assert_called_once": "assert_awaited_once",
                 "assert_called_with": "assert_awaited_with", "assert_called_once_with": "assert_awaited_once_with"}
PATCH_NAMES = ("unittest.mock.patch", "mock.patch")


@dataclass
class Instance:
    """An object of a project class the test built, with the doubles stored on `self`."""

    module: IndexedModule
    cls: ast.ClassDef
    fields: dict[str, object]


@dataclass
class Holder:
    """A test class's `self`: what setUp/asyncSetUp stored on it, read by the test methods."""

    fields: dict[str, object] = field(default_factory=dict)


@dataclass
class Patcher:
    node: MockNode


@dataclass
class Fixture:
    func: FunctionNode
    names: FileNames
    path: str


@dataclass
class Shared:
    """What every evaluator of one test shares (the test and its fixtures)."""

    index: ModuleIndex
    fixtures: dict[str, Fixture]
    side: TestSide
    pairs: list[tuple[MockNode, UsageTree, str]] = field(default_factory=list)  # with "path:line" of the code
    asserts: list[tuple[MockNode, ast.Attribute, str]] = field(default_factory=list)
    schedulers: list[tuple[MockNode, ast.Call, str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    not_called: set[int] = field(default_factory=set)  # doubles the test asserts were never called
    fixture_values: dict[str, object] = field(default_factory=dict)
    # doubles patched over a module-level name, and the project functions the test calls: a patched
    # name is compared with its use in the called functions of that module only
    patched: list[tuple[MockNode, IndexedModule, str]] = field(default_factory=list)
    # with the names the test replaced by doubles there (not walked into)
    called: list[tuple[IndexedModule, FunctionNode, ast.ClassDef | None, frozenset[str]]] = field(default_factory=list)
    # doubles patched over a library name (`patch("httpx.AsyncClient")`): compared with how the called
    # functions reach that name through their module's imports (`import httpx; httpx.AsyncClient()`)
    library_patched: list[tuple[MockNode, str]] = field(default_factory=list)
    depth: int = 0
    helper_entry: bool = False  # walking a function of a helper module named on its own, not a test
    decorated: set[int] = field(default_factory=set)  # doubles injected by @patch decorators
    runners: set[int] = field(default_factory=set)  # patched project loop runners (always handed a coroutine)
    # inside `with pytest.raises(...)`: the code is expected to stop at a raise, so what it would do
    # with a double after that point is not what the test runs; such calls are not compared
    raising: int = 0
    patches: int = 0  # patch()/patch.object() calls in the test and its fixtures


class Evaluator:
    def __init__(self, shared: Shared, names: FileNames, path: str) -> None:
        self.shared = shared
        self.names = names
        self.path = path
        self.env: dict[str, object] = {}
        self.result: object = None
        self.calls: dict[int, object] = {}  # id(ast.Call) -> its value

    # --- functions -------------------------------------------------------------------------

    def run(self, func: FunctionNode, in_class: bool = False, setups: list[FunctionNode] | None = None) -> object:
        params = [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]
        if in_class and params and params[0] in ("self", "cls"):
            params = params[1:]
            self.env["self"] = Holder()
            for setup in setups or []:
                self.block(setup.body)
        injected = [self.patch(d, d.lineno) for d in reversed(func.decorator_list)
                    if isinstance(d, ast.Call) and self._patch_style(d) and not self._has_new(d)]
        for name, value in zip(params, injected):
            self.env[name] = value.node if isinstance(value, Patcher) else value
            self.shared.decorated.add(id(self.env[name]))
        for name in params[len(injected):]:
            if name in self.shared.fixtures:
                self.env[name] = self.fixture(name)
        self.block(func.body)
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
            for item in node.items:
                self.scan(item.context_expr)
                value = self.eval(item.context_expr)
                if isinstance(value, Patcher):
                    value = value.node
                elif isinstance(value, MockNode):
                    value = None  # `with double as x`: x is __enter__'s result; not followed
                if isinstance(item.optional_vars, ast.Name):
                    self.env[item.optional_vars.id] = value
            raising = any(_expects_raise(item.context_expr) for item in node.items)
            self.shared.raising += raising
            self.block(node.body)
            self.shared.raising -= raising
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
            elif isinstance(node, ast.Return):
                self.result = self.eval(value)
        else:
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

    def assign(self, target: ast.expr, value: object, expr: ast.expr) -> None:
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
                    self.shared.patches += 1  # a method or collaborator of the object replaced by hand
                if isinstance(value, MockNode) and not value.label:
                    value.label = dotted(target) or target.attr
            elif isinstance(base, MockNode) and base.is_double:
                if target.attr == "side_effect":
                    self.side_effect(base, expr)
                else:
                    node = value if isinstance(value, MockNode) else opaque(expr)
                    if not node.label:
                        node.label = dotted(target) or target.attr
                    node.text = node.text or ast.unparse(expr)
                    base.set(target.attr, node)
        elif isinstance(target, ast.Subscript):
            if isinstance(target.value, ast.Attribute) and target.value.attr == "dependency_overrides" \
                    and isinstance(value, MockNode) and value.is_double:
                self.finding("GF301", expr, "a mock is the dependency override: FastAPI reads its (*args, **kwargs) "
                             "as query parameters and answers 422; override with `lambda: <mock>`",
                             Edit("lambda", expr.lineno, expr.col_offset, ""))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                if isinstance(element, ast.Name):
                    self.env[element.id] = None

    def _locate(self, expr: ast.expr, line: int, col: int) -> None:
        """Default children along `a.b.return_value.c` now point at the line that configures them."""
        while isinstance(expr, ast.Attribute):
            node = self.eval(expr)
            if isinstance(node, MockNode) and not node.explicit and not node.located:
                node.line, node.col, node.located = line, col, True
            expr = expr.value

    def side_effect(self, node: MockNode, expr: ast.expr) -> None:
        node.side_effect = expr
        if node.kind == "async" and self.names.returns_coroutine(expr):
            self.finding("GF106", expr, f"AsyncMock side_effect for `{node.label or 'mock'}` is a sync function "
                         "returning a coroutine: the code receives the coroutine, which is never awaited; "
                         "pass the async function itself")

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
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and \
                    isinstance(node.operand, ast.Attribute) and node.operand.attr in ("called", "awaited"):
                self._not_called(node.operand.value)
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            func = call.func
            name = dotted(func) or ""
            if isinstance(func, ast.Attribute) and func.attr in ("assert_not_called", "assert_not_awaited"):
                self._not_called(func.value)
            elif isinstance(func, ast.Attribute) and func.attr in ASSERT_CALLED:
                base = self.eval(func.value)
                if isinstance(base, MockNode) and base.is_double:
                    self.shared.asserts.append((base, func, self.path))
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
            return self.env.get(expr.id)
        if isinstance(expr, ast.Dict):
            node = MockNode("value", True, expr.lineno, expr.col_offset, path=self.path, entries={})
            for key, value in zip(expr.keys, expr.values):
                found = self.eval(value)
                if isinstance(key, ast.Constant) and isinstance(found, MockNode):
                    node.entries[key.value] = found  # type: ignore[index]
            return node
        if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
            base = self.eval(expr.value)
            return base.entries.get(expr.slice.value) if isinstance(base, MockNode) and base.entries else None
        if isinstance(expr, (ast.Constant, ast.Set, ast.JoinedStr)):
            return MockNode("value", True, expr.lineno, expr.col_offset, path=self.path)
        if isinstance(expr, (ast.List, ast.Tuple)):
            node = MockNode("value", True, expr.lineno, expr.col_offset, path=self.path)
            items = [self.eval(e) for e in expr.elts]
            node.items = [i if isinstance(i, MockNode) else opaque(e) for i, e in zip(items, expr.elts)]
            return node
        if isinstance(expr, ast.Attribute):
            base = self.eval(expr.value)
            if isinstance(base, MockNode):
                return base.child(expr.attr)
            if isinstance(base, (Holder, Instance)):
                return base.fields.get(expr.attr)
            return None
        if isinstance(expr, ast.Call):
            return self.eval_call(expr)
        if isinstance(expr, ast.Await) and isinstance(expr.value, ast.Call):
            base = self.eval(expr.value.func)
            return _told(base) if isinstance(base, MockNode) and base.kind == "async" else None
        return None

    def tautology(self, test: ast.expr) -> None:
        """GF109: `assert m.get() == rows` right after `m.get.return_value = rows`."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is))):
            return
        left, right = test.left, test.comparators[0]
        for side, other in ((left, right), (right, left)):
            value = self.eval(side)
            if isinstance(value, MockNode) and value.told and value.text and (
                    ast.unparse(other) == value.text or self.eval(other) is value):
                self.finding("GF109", test, f"`{ast.unparse(side)}` is the double's own result, which the test set "
                             f"to `{value.text}`: this assertion checks unittest.mock, not the code under test")
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
        stub = self.stub(call)
        if stub is not None:
            return stub
        if isinstance(call.func, ast.Attribute) and call.func.attr == "__new__":  # `Pool.__new__(Pool)`
            found = self.resolve(call.func.value)
            if found is not None and found[1] in found[0].model.classes:
                return Instance(found[0], found[0].model.classes[found[1]], {})
        found = self.shared.side.lookup(call.func, self.names, self.path)
        if found is not None:
            return self.mock_subclass(found[1], call) if found[0] == "class" else self.helper(found[1], call)
        base = self.eval(call.func)
        if isinstance(base, MockNode) and base.kind in ("magic", "mock"):
            return _told(base)
        return self.instance(call)

    def mock_subclass(self, cls: MockClass, call: ast.Call) -> MockNode:
        node = MockNode(cls.kind, True, call.lineno, call.col_offset, spec=cls.spec, path=self.path,
                        evidence=cls.where)
        self.configure(node, call)
        return node

    def helper(self, helper: Helper, call: ast.Call) -> object:
        """Evaluate a test-side function that builds doubles, with the test's values as arguments."""
        if self.shared.depth >= 6:
            return None
        inner = Evaluator(self.shared, helper.names, helper.path)
        params = [a.arg for a in helper.func.args.posonlyargs + helper.func.args.args]
        for name, arg in zip(params, call.args):
            inner.env[name] = self.eval(arg)
        for kw in call.keywords:
            if kw.arg:
                inner.env[kw.arg] = self.eval(kw.value)
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
            value = self.eval(expr)
            value = value if isinstance(value, MockNode) else opaque(expr)
            value.text = value.text or ast.unparse(expr)
            node.set(last, value)

    # --- patches ---------------------------------------------------------------------------

    def _patch_style(self, call: ast.Call) -> str | None:
        name = dotted(call.func) or ""
        origin = self.names.qualify(call.func) or ""
        if origin in PATCH_NAMES or name == "mocker.patch":
            return "patch"
        if origin in tuple(p + ".object" for p in PATCH_NAMES) or name == "mocker.patch.object":
            return "object"
        return None

    def _has_new(self, call: ast.Call) -> bool:
        positional = 2 if self._patch_style(call) == "patch" else 3
        return len(call.args) >= positional or any(kw.arg == "new" for kw in call.keywords)

    def patch(self, call: ast.Call, line: int) -> Patcher:
        style = self._patch_style(call)
        self.shared.patches += 1
        target = None
        if style == "patch" and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            target = call.args[0].value
            new = call.args[1] if len(call.args) > 1 else None
        elif style == "object" and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant) \
                and isinstance(call.args[1].value, str):
            owner = self.names.qualify(call.args[0])
            target = f"{owner}.{call.args[1].value}" if owner else None
            new = call.args[2] if len(call.args) > 2 else None
            instance = self.eval(call.args[0]) if owner is None else None
            if isinstance(instance, (Instance, Holder)):
                return Patcher(self.patch_field(instance, call.args[1].value, call, new))
        else:
            return Patcher(opaque(call))
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        new = keywords.get("new", new)
        node = self.patched_node(call, target, new, keywords)
        node.label = node.label or (target.rsplit(".", 1)[-1] if target else "")
        if target is not None:
            self.attach(node, target, call)
        return Patcher(node)

    def patch_field(self, owner: Instance | Holder, attr: str, call: ast.Call, new: ast.expr | None) -> MockNode:
        """`patch.object(cog, "send")` on an object the test built: the double replaces that field
        (a method of the project class: AsyncMock for an `async def`, as patch() itself decides)."""
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        kind, weak = None, False
        if isinstance(owner, Instance):
            found = self.method(owner.module, owner.cls, attr)
            # not a method: an attribute the object sets itself, which patch() replaces with a MagicMock
            kind = "magic" if found is None or not isinstance(found[2], ast.AsyncFunctionDef) else "async"
            weak = found is None
        node = self.patched_node(call, None, keywords.get("new", new), keywords, kind)
        node.weak = node.weak or (weak and node.explicit and node.ctor is None)
        node.label = node.label or attr
        owner.fields[attr] = node
        return node

    def patched_node(self, call: ast.Call, target: str | None, new: ast.expr | None,
                     keywords: dict[str, ast.expr], kind: str | None = None) -> MockNode:
        if new is not None:
            value = self.eval(new)
            return value if isinstance(value, MockNode) else opaque(new)
        if "new_callable" in keywords:
            kind = self.names.mock_class(keywords["new_callable"])
            if kind not in ("async", "magic", "mock"):
                return opaque(call)
        elif any(k in keywords for k in ("autospec", "spec", "spec_set", "wraps")):
            return MockNode("spec", True, call.lineno, call.col_offset, spec=True, path=self.path)
        else:
            kind = kind or self.default_patch_kind(target)
            if kind is None and target and self.shared.index.module(target.rpartition(".")[0]) is None \
                    and target.rpartition(".")[2][:1].isupper():
                # a library class (CamelCase by convention): patch() makes a MagicMock for a class
                node = MockNode("magic", True, call.lineno, call.col_offset, path=self.path, weak=True)
                self.configure(node, call)
                return node
            if kind is None:
                return opaque(call)
        node = MockNode(kind, True, call.lineno, call.col_offset, ctor=None, path=self.path)
        self.configure(node, call)
        return node

    def default_patch_kind(self, target: str | None) -> str | None:
        """patch() makes an AsyncMock for an async def target, else a MagicMock; None when unknown."""
        if not target or "." not in target:
            return None
        module_name, name = target.rsplit(".", 1)
        if name in SCHEDULERS and self._is_asyncio(module_name, name):
            return "async" if name == "wait_for" else "magic"  # asyncio.wait_for is the one async def
        module = self.shared.index.module(module_name)
        if module is None:
            return None
        module, name = self.shared.index.follow(module, name)
        is_async = module.is_async_def(name)
        if is_async is None:
            return None
        return "async" if is_async else "magic"

    def attach(self, node: MockNode, target: str, call: ast.Call) -> None:
        module_name, _, name = target.rpartition(".")
        if name in SCHEDULERS and self._is_asyncio(module_name, name):
            self.shared.schedulers.append((node, call, target, self.path))
        module = self.shared.index.module(module_name)
        if module is not None:
            self.shared.patched.append((node, module, name))
            defined, local = self.shared.index.follow(module, name)
            runner = defined.model.functions.get(local)
            if runner is not None and runs_coroutine(runner):
                self.shared.schedulers.append((node, call, target, self.path))
                self.shared.runners.add(id(node))
        elif module_name and name not in SCHEDULERS:
            self.shared.library_patched.append((node, target))

    def _is_asyncio(self, module_name: str, name: str) -> bool:
        if module_name == "asyncio" or module_name.endswith(".asyncio"):
            return True
        module = self.shared.index.module(module_name)
        if module is None:
            return False
        origin = module.model.imports.get(name)
        if origin == ("asyncio", name):
            return True
        # a library's own create_task wrapper (`from pydis_core.utils.scheduling import create_task`):
        # a function with that name that is not in the project takes a coroutine by convention
        return origin is not None and name in TASK_STARTERS and self.shared.index.module(origin[0]) is None

    def monkeypatch(self, call: ast.Call) -> None:
        args = call.args
        if len(args) == 3 and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
            owner = self.names.qualify(args[0])
            target, value_expr = (f"{owner}.{args[1].value}" if owner else None), args[2]
        elif len(args) == 2 and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            target, value_expr = args[0].value, args[1]
        else:
            return
        value = self.eval(value_expr)
        if isinstance(value, MockNode) and target:
            self.attach(value, target, call)

    # --- the code under test ---------------------------------------------------------------

    def resolve(self, expr: ast.expr) -> tuple[IndexedModule, str] | None:
        origin = self.names.qualify(expr)
        found = self.shared.index.resolve(origin) if origin else None
        if found is None:
            return None
        module, qualname = found
        if "." not in qualname:
            module, qualname = self.shared.index.follow(module, qualname)
        return module, qualname

    def instance(self, call: ast.Call) -> Instance | None:
        found = self.resolve(call.func)
        if found is None or found[1] not in found[0].model.classes:
            return None
        module, name = found
        cls = module.model.classes[name]
        init = module.model.methods(cls).get("__init__")
        fields: dict[str, object] = {}
        if init is not None:
            passed = self.bind_args(init, call, drop_self=True)
            for stmt in ast.walk(init):
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and stmt.value.id in passed:
                    for target in stmt.targets:
                        if isinstance(target, ast.Attribute) and dotted(target.value) == "self":
                            fields[target.attr] = passed[stmt.value.id]
            self.pair(module, init, cls, passed)
            if not self.shared.raising:
                self.shared.called.append((module, init, cls, self.replaced(module)))
        else:
            order = [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            for param, arg in list(zip(order, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg in order]:
                value = self.eval(arg)
                if isinstance(value, MockNode) and value.is_double:
                    fields[param] = value
        return Instance(module, cls, fields)

    def project_call(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute):
            owner = self.eval(func.value)
            if isinstance(owner, Instance):
                found_method = self.method(owner.module, owner.cls, func.attr)
                if found_method is not None:
                    module, cls, method = found_method
                    if not self.shared.raising:
                        self.shared.called.append((module, method, cls, self.replaced(module, owner)))
                    passed = self.bind_args(method, call, drop_self=True)
                    usage = module.usage(method, cls, ["self", *passed], self.replaced(module, owner))
                    self.pair_fields(owner, usage["self"], where(module, method), 0)
                    self.pair_usage(passed, usage, where(module, method))
                return
        found = self.resolve(func)
        if found is None:
            return
        module, qualname = found
        located = module.function(qualname)
        if located is None:
            return
        function, cls = located
        if not self.shared.raising:
            self.shared.called.append((module, function, cls, self.replaced(module)))
        passed = self.bind_args(function, call, drop_self=cls is not None and _is_classmethod(function))
        self.pair(module, function, cls, passed)

    def replaced(self, module: IndexedModule, owner: Instance | None = None) -> frozenset[str]:
        """Names the test replaced with doubles: patched functions of the module, doubles set on the object."""
        names = {name for _, patched, name in self.shared.patched if patched is module}
        if owner is not None:
            names |= {name for name, value in owner.fields.items() if isinstance(value, MockNode) and value.is_double}
        return frozenset(names)

    def pair_fields(self, owner: Instance | Holder, tree: UsageTree, at: str, depth: int) -> None:
        """Each double stored on the object (or on an object stored on it) with the code's use of that field."""
        if self.shared.raising:
            return
        for field_name, value in owner.fields.items():
            used = tree.attrs.get(field_name)
            if used is None:
                continue
            if isinstance(value, MockNode) and value.is_double:
                self.shared.pairs.append((value, used, at))
            elif isinstance(value, (Instance, Holder)) and depth < 3:
                self.pair_fields(value, used, at, depth + 1)

    def method(self, module: IndexedModule, cls: ast.ClassDef, name: str,
               depth: int = 0) -> tuple[IndexedModule, ast.ClassDef, FunctionNode] | None:
        """A method of a project class, or the one it inherits from a project base class (depth first)."""
        own = module.model.methods(cls).get(name)
        if own is not None or depth > 5:
            return (module, cls, own) if own is not None else None
        for base in cls.bases:
            base_name = dotted(base) or ""
            head, _, rest = base_name.partition(".")
            origin = module.model.import_for(head)
            if origin is None:
                continue
            target = ".".join(p for p in (origin[0], origin[1], rest) if p)
            found = self.shared.index.resolve(target)
            if found is None:
                continue
            other, qualname = self.shared.index.follow(*found)
            if qualname in other.model.classes:
                inherited = self.method(other, other.model.classes[qualname], name, depth + 1)
                if inherited is not None:
                    return inherited
        return None

    def bind_args(self, func: FunctionNode, call: ast.Call, drop_self: bool) -> dict[str, MockNode]:
        positional = [a.arg for a in func.args.posonlyargs + func.args.args]
        if drop_self:
            positional = positional[1:]
        names = set(positional) | {a.arg for a in func.args.kwonlyargs}
        passed: dict[str, MockNode] = {}
        for param, arg in zip(positional, call.args):
            if isinstance(arg, ast.Starred):
                break
            value = self.eval(arg)
            if isinstance(value, MockNode) and value.is_double:
                passed[param] = value
        for kw in call.keywords:
            if kw.arg in names:
                value = self.eval(kw.value)
                if isinstance(value, MockNode) and value.is_double:
                    passed[kw.arg] = value
        return passed

    def pair(self, module: IndexedModule, func: FunctionNode, cls: ast.ClassDef | None,
             passed: dict[str, MockNode]) -> None:
        if passed:
            self.pair_usage(passed, module.usage(func, cls, list(passed), self.replaced(module)), where(module, func))

    def pair_usage(self, passed: dict[str, MockNode], usage: dict[str, UsageTree], at: str) -> None:
        if self.shared.raising:
            return
        for name, node in passed.items():
            if name in usage:
                self.shared.pairs.append((node, usage[name], at))


def _expects_raise(expr: ast.expr) -> bool:
    """`pytest.raises(...)`, `self.assertRaises(...)`, `assertRaisesRegex`: the body is expected to raise."""
    func = expr.func if isinstance(expr, ast.Call) else expr
    return _callee_name(func) in ("raises", "assertRaises", "assertRaisesRegex")


def runs_coroutine(func: FunctionNode) -> bool:
    """A project loop runner: a function that awaits its first parameter or hands it to asyncio to run
    (`def run_async(coro): return loop.run_until_complete(coro)`); a bare mock in its place drops the coroutine."""
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    if not params:
        return False
    first = params[0]
    for node in ast.walk(func):
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Name) and node.value.id == first:
            return True
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name) \
                and node.args[0].id == first and (_callee_name(node.func) in RUNNER_CALLS
                                                  or dotted(node.func) == "asyncio.run"):
            return True
    return False


def _callee_name(func: ast.expr) -> str:
    """The called name itself: `run_until_complete` in `asyncio.get_event_loop().run_until_complete(c)`."""
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _told(double: MockNode) -> MockNode | None:
    """The result of the test calling a double itself: a configured return_value is marked `told`."""
    result = double.child("return_value")
    if result is not None and "return_value" in double.configured:
        result.told = True
    return result


def where(module: IndexedModule, func: FunctionNode) -> str:
    """`name` at path:line: the function of the code under test a double was compared with."""
    return f"`{func.name}` ({shown(module.path)}:{func.lineno})"


def _is_classmethod(func: FunctionNode) -> bool:
    return any(dotted(d) == "classmethod" for d in func.decorator_list)
