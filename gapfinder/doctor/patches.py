"""How a test's patches become doubles: patch / patch.object / mocker.patch / monkeypatch.setattr targets,
the kind unittest.mock gives each, and the schedulers and loop runners whose coroutine a bare patch drops.

A mixin of the Evaluator (evaluate.py): it uses the walk's eval, configure and method lookup.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule, is_coroutine_function
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.mocks import MockNode, opaque
from gapfinder.doctor.values import Holder, Instance, Patcher

# asyncio functions that take a coroutine: patched with a bare mock, they drop it un-awaited.
SCHEDULERS = frozenset({"create_task", "ensure_future", "wait_for", "gather", "run", "run_coroutine_threadsafe",
                        "run_until_complete"})
TASK_STARTERS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe"})
# what a project loop runner hands its coroutine to (`run` only as asyncio.run: `shield.run(text)` is not one)
RUNNER_CALLS = TASK_STARTERS | {"run_until_complete", "wait_for", "shield", "gather"}
PATCH_NAMES = ("unittest.mock.patch", "mock.patch")


class Patching:
    """The patch half of the Evaluator."""

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
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
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
                return Patcher(self.replacing(self.patch_field(instance, call.args[1].value, call, new),
                                              keywords.get("new", new)))
        else:
            return Patcher(self.replacing(opaque(call)))
        new = keywords.get("new", new)
        if target:
            self.shared.patch_names.add(target.rpartition(".")[2])
        node = self.replacing(self.patched_node(call, target, new, keywords), new)
        node.label = node.label or (target.rsplit(".", 1)[-1] if target else "")
        if target is not None:
            self.attach(node, target, call)
        return Patcher(node, target)

    def replacing(self, node: MockNode, new: ast.expr | None = None) -> MockNode:
        """Count a replacement whose call may give something other than a coroutine: a function the code
        hands a coroutine made by it to a patched scheduler then drops nothing. An AsyncMock's call always
        makes a coroutine, and a literal (`patch("sys.argv", [...])`) is not called."""
        literal = isinstance(new, (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set))
        if node.kind != "async" and not literal:
            self.shared.patches += 1
        return node

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
        elif isinstance(owner, Holder) and isinstance(owner.methods.get(attr), ast.AsyncFunctionDef):
            kind = "async"  # an object of a plain class of the test: its own async def
        elif isinstance(owner, Holder) and (attr not in owner.fields or "create" in keywords):
            kind = "magic"  # an attribute it does not have (`create=True`) or a plain one: a MagicMock
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
            if kind is None and target and self.from_library(target) and target.rpartition(".")[2][:1].isupper():
                # a library class (CamelCase by convention), also where a project module imports it
                # (`patch("app.auth.TelegramClient")`): patch() makes a MagicMock for a class
                node = MockNode("magic", True, call.lineno, call.col_offset, path=self.path, weak=True)
                self.configure(node, call)
                return node
            if kind is None:
                return opaque(call)
        node = MockNode(kind, True, call.lineno, call.col_offset, ctor=None, path=self.path)
        self.configure(node, call)
        return node

    def from_library(self, target: str) -> bool:
        """The patched name comes from outside the project: a library module, or a project module's import
        of one (followed through re-exports)."""
        module_name, _, name = target.rpartition(".")
        module = self.shared.index.module(module_name)
        if module is None:
            return True
        defined, local = self.shared.index.follow(module, name)
        origin = defined.model.imports.get(local)
        return origin is not None and self.shared.index.module(origin[0]) is None

    def default_patch_kind(self, target: str | None) -> str | None:
        """patch() makes an AsyncMock for an async def target, else a MagicMock; None when unknown."""
        if not target or "." not in target:
            return None
        module_name, name = target.rsplit(".", 1)
        if name in SCHEDULERS and self._is_asyncio(module_name, name):
            return "async" if name == "wait_for" else "magic"  # asyncio.wait_for is the one async def
        module = self.shared.index.module(module_name)
        if module is None:
            member = self.class_member(target)
            method = self.method(member[0], member[1], name) if member is not None else None
            return None if method is None else "async" if is_coroutine_function(method[2]) else "magic"
        module, name = self.shared.index.follow(module, name)
        is_async = module.is_async_def(name)
        if is_async is None:
            return None
        return "async" if is_async else "magic"

    def class_member(self, target: str) -> tuple[IndexedModule, ast.ClassDef, str] | None:
        """`pkg.mod.Class.method` as a patch target: the project class and the member's name."""
        owner, _, name = target.rpartition(".")
        found = self.shared.index.resolve(owner) if "." in owner else None
        if found is None or "." in found[1]:
            return None
        module, qualname = self.shared.index.follow(*found)
        cls = module.model.classes.get(qualname)
        return (module, cls, name) if cls is not None else None

    def attach(self, node: MockNode, target: str, call: ast.Call) -> None:
        module_name, _, name = target.rpartition(".")
        if name in SCHEDULERS and self._is_asyncio(module_name, name):
            self.shared.schedulers.append((node, call, target, self.path))
        module = self.shared.index.module(module_name)
        member = self.class_member(target) if module is None else None
        if member is not None:  # a method of a project class: every object of the class has the double
            self.shared.class_patched.append((node, member[1], name))
        elif module is not None:
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


def expects_raise(expr: ast.expr) -> bool:
    """`pytest.raises(...)`, `self.assertRaises(...)`, `assertRaisesRegex`: the body is expected to raise."""
    func = expr.func if isinstance(expr, ast.Call) else expr
    return callee_name(func) in ("raises", "assertRaises", "assertRaisesRegex")


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
                and node.args[0].id == first and (callee_name(node.func) in RUNNER_CALLS
                                                  or dotted(node.func) == "asyncio.run"):
            return True
    return False


def callee_name(func: ast.expr) -> str:
    """The called name itself: `run_until_complete` in `asyncio.get_event_loop().run_until_complete(c)`."""
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
