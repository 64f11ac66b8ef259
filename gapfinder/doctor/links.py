"""How a test's doubles reach the code under test: calls of project functions and classes, objects the
test built (their fields, inherited methods), and the usage of the arguments and fields that are doubles.

A mixin of the Evaluator (evaluate.py): it uses the walk's eval and the shared state of one test; how an
object gets its fields (its __init__ chain, a factory's result) is objects.py's.
"""

from __future__ import annotations

import ast
from contextlib import contextmanager
from typing import Iterator

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule
from gapfinder.core.usage.paths import unset_falsy
from gapfinder.core.usage.tree import FunctionNode, UsageTree
from gapfinder.doctor.dynamic import UNKNOWN, literal
from gapfinder.doctor.expected import reached_before_raise
from gapfinder.doctor.literals import EnumMember, enum_member, settle
from gapfinder.doctor.containers import entry_uses, field_use, method_uses
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.model import Finding
from gapfinder.doctor.producers import handed_to_doubles
from gapfinder.doctor.values import Holder, Instance, where


UNWRAPPED = frozenset({"callback", "__wrapped__"})


class Linking:
    """The linking half of the Evaluator."""

    def resolve(self, expr: ast.expr) -> tuple[IndexedModule, str] | None:
        origin = self.names.qualify(expr)
        found = self.shared.index.resolve(origin) if origin else None
        if found is None:
            return None
        module, qualname = found
        if "." not in qualname:
            module, qualname = self.shared.index.follow(module, qualname)
        return module, qualname

    def project_call(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in UNWRAPPED and isinstance(func.value, ast.Attribute) \
                and call.args:
            # `cog.command.callback(cog, ctx)`: a decorated method's own function, given the object
            # as its first argument (discord.py commands, functools.wraps' __wrapped__)
            owner = self.eval(func.value.value)
            if isinstance(owner, Instance) and self.eval(call.args[0]) is owner:
                bound = ast.copy_location(ast.Call(func.value, call.args[1:], call.keywords), call)
                return self.project_call(bound)
        owner = self.eval(func.value) if isinstance(func, ast.Attribute) else None
        if isinstance(owner, Instance):
            self.class_patches(owner)
        found = self.callee(call, owner)
        if found is None:
            return
        module, cls, function, drop_self = found
        with self.run_until_raise(function) as function:
            if isinstance(owner, Instance):
                assert cls is not None
                self.call_method(call, owner, module, cls, function, drop_self)
                return
            if not self.shared.raising:
                self.shared.called.append((module, function, cls, self.replaced(module)))
            passed = self.bind_args(function, call, drop_self=drop_self)
            self.pair(module, function, cls, passed,
                      id(call) in self.awaited_calls and isinstance(function, ast.FunctionDef))
            self.handoffs(module, function, dict(passed), call)

    def callee(self, call: ast.Call, owner: object) -> tuple[IndexedModule, ast.ClassDef | None, FunctionNode,
                                                            bool] | None:
        """The project code a call runs, and whether its first parameter is bound (self or cls): a method of
        an object the test built (owner: what the call's object evaluated to), else a function, method or
        classmethod by its name."""
        if isinstance(owner, Instance):
            found_method = self.method(owner.module, owner.cls, call.func.attr)  # type: ignore[attr-defined]
            if found_method is None:
                return None
            module, cls, method = found_method
            return module, cls, method, not decorated(method, "staticmethod")
        found = self.resolve(call.func)
        located = found[0].function(found[1]) if found is not None else None
        if located is None:
            return None
        function, cls = located
        return found[0], cls, function, cls is not None and _is_classmethod(function)  # type: ignore[index]

    @contextmanager
    def run_until_raise(self, func: FunctionNode) -> Iterator[FunctionNode]:
        """Inside `pytest.raises(E)` the part of func that runs before it raises E is compared (expected.py),
        for the block's first call of project code only (a later one runs only if that one did not raise);
        everything else stays uncompared there."""
        prefix = None
        if self.shared.raising:
            prefix = reached_before_raise(func, self.shared.expected[-1])
            self.shared.expected[-1] = frozenset()
        if prefix is None:
            yield func
            return
        raising, self.shared.raising = self.shared.raising, 0
        try:
            yield prefix
        finally:
            self.shared.raising = raising

    def call_method(self, call: ast.Call, owner: Instance, module: IndexedModule, cls: ast.ClassDef,
                    method: FunctionNode, drop_self: bool) -> None:
        """A method of a project object the test calls: its doubles (arguments, fields) with its use of them."""
        if not self.shared.raising:
            self.shared.called.append((module, method, cls, self.replaced(module, owner)))
        passed = self.bind_args(method, call, drop_self=drop_self)
        if passed or _holds_doubles(owner.fields):  # else the walk of the method pairs nothing
            literals = {k: v if isinstance(v, EnumMember) else literal(v, UNKNOWN) for k, v in owner.fields.items()}
            settled = settle(method, {k: v for k, v in literals.items() if v is not UNKNOWN},
                             lambda name: self.code_enum(module, name))
            usage = module.usage(settled, cls, ["self", *passed], self.replaced(module, owner),
                                 unset_falsy(method, call, drop_self))
            if id(call) in self.awaited_calls and isinstance(method, ast.FunctionDef):
                _awaited_by_caller(usage)
            self.pair_fields(owner, usage["self"], where(module, method), 0)
            self.pair_usage(passed, usage, where(module, method))
        guessed = {f"self.{k}": v for k, v in owner.guessed.items() if k not in owner.fields}
        self.handoffs(module, method, {**guessed, **passed, **{f"self.{k}": v for k, v in owner.fields.items()}},
                      call, module.model.methods(cls), frozenset(guessed))

    def code_enum(self, module: IndexedModule, name: str) -> EnumMember | None:
        """A dotted name in the code under test (`Feature.Type.Action`) that names a project Enum member."""
        head, _, rest = name.partition(".")
        origin = module.model.import_for(head)
        return enum_member(self.shared.index, ".".join(p for p in (*origin, rest) if p)) if origin else None

    def class_patches(self, owner: Instance) -> None:
        """Methods the test patched on the object's class (and not overridden below it) become its fields."""
        for node, cls, name in self.shared.class_patched:
            found = self.method(owner.module, owner.cls, name)
            if (found is not None and found[1] is cls) or (found is None and owner.cls is cls):
                owner.fields.setdefault(name, node)

    def handoffs(self, module: IndexedModule, func: FunctionNode, roots: dict[str, object], call: ast.Call,
                 methods: dict[str, FunctionNode] | None = None, guessed: frozenset[str] = frozenset()) -> None:
        """GF107 for a coroutine the code hands to a scheduler that is a double (`hass.async_create_task`,
        `create_task(coro, event_loop=self.bot.loop)` with a mock bot): the double drops it, never run."""
        doubles = {k: v for k, v in roots.items() if isinstance(v, MockNode) and v.is_double}
        if self.shared.raising or not doubles:
            return
        patched = self.shared.patch_names
        for site, chain, straight in handed_to_doubles(func, doubles, methods):
            if set((dotted(site.func) or "").split(".")) & patched:
                continue  # the test patched the scheduler itself (or its module): GF107's patch check owns it
            node: MockNode | None = doubles[chain[0]]
            built = node  # the last double on the chain the test built itself: the one a fix replaces
            for part in chain[1:]:
                node = node.child(part) if node is not None and not node.wraps else None
                built = node if node is not None and node.explicit and node.path else built
            # a project Mock subclass (evidence) may set the scheduler up in its own __init__ (a loop whose
            # create_task closes the coroutine), which is not read: only doubles built in view count
            if node is None or not node.is_double or node.side_effect is not None or node.evidence or node.wraps:
                continue
            producer = doubles.get(dotted(site.args[0].func) or "") if isinstance(site.args[0], ast.Call) else None
            if producer is not None and (producer.kind != "async" or producer.side_effect is not None):
                continue  # the "coroutine" comes from a sync double of the test: a mock, nothing is dropped
            # a coroutine the test's own AsyncMock makes is reported where the test builds that double
            shown_node = producer if producer is not None and producer.explicit and producer.path else \
                node if node.explicit else built
            line, col, path = (shown_node.line, shown_node.col, shown_node.path) \
                if shown_node.explicit and shown_node.path else (call.lineno, call.col_offset, self.path)
            self.shared.handoffs.append((node, Finding(  # kept unless the test asserts it was never called
                "GF107", path, line, col,
                f"the code hands a coroutine to `{'.'.join(chain)}`, which is a double here: it drops the "
                f"coroutine (never awaited, never run) [{where(module, func)} line {site.lineno}]; give the "
                "double a side_effect that closes or runs the coroutine",
                None, "certain" if straight and chain[0] not in guessed else "likely")))

    def replaced(self, module: IndexedModule, owner: Instance | None = None) -> frozenset[str]:
        """Names the test replaced with doubles: patched functions of the module, doubles set on the object."""
        names = {name for _, patched, name in self.shared.patched if patched is module}
        if owner is not None:
            names |= {name for name, value in owner.fields.items() if isinstance(value, MockNode) and value.is_double}
        return frozenset(names)

    def pair_fields(self, owner: Instance | Holder, tree: UsageTree, at: str, depth: int) -> None:
        """Each double stored on the object (or on an object stored on it, or in a dict it holds) with the
        code's use of that field (through properties that return it, and the methods called on the object)."""
        if self.shared.raising or depth > 3:
            return
        if isinstance(owner, Instance):
            for inner, place in method_uses(owner, tree):
                self.pair_fields(owner, inner, place, depth + 1)
        for field_name, value in owner.fields.items():
            used = field_use(owner, tree, field_name) if isinstance(owner, Instance) else tree.attrs.get(field_name)
            if used is not None:
                self.pair_value(value, used, at, depth)

    def pair_value(self, value: object, used: UsageTree, at: str, depth: int) -> None:
        if isinstance(value, MockNode) and value.is_double:
            self.shared.pairs.append((value, used, at))
        elif isinstance(value, (Instance, Holder)):
            self.shared.objects.update(id(tree) for tree in [*used.origins, used])  # an object: not None
            self.pair_fields(value, used, at, depth + 1)
        elif isinstance(value, MockNode) and value.entries:  # a dict of doubles or objects the code reads back
            for entry in value.entries.values():
                for use in entry_uses(used):
                    self.pair_value(entry, use, at, depth + 1)

    def method(self, module: IndexedModule, cls: ast.ClassDef, name: str,
               depth: int = 0) -> tuple[IndexedModule, ast.ClassDef, FunctionNode] | None:
        """A method of a project class, or the one it inherits from a project base class (depth first)."""
        own = module.model.methods(cls).get(name)
        if own is not None or depth > 5:
            return (module, cls, own) if own is not None else None
        for other, base in self.base_classes(module, cls):
            inherited = self.method(other, base, name, depth + 1)
            if inherited is not None:
                return inherited
        return None

    def base_classes(self, module: IndexedModule, cls: ast.ClassDef) -> list[tuple[IndexedModule, ast.ClassDef]]:
        """The project classes `cls` derives from directly (`Base`, `mod.Base`, `Base[T]`), in order."""
        found: list[tuple[IndexedModule, ast.ClassDef]] = []
        for base in cls.bases:
            base_name = dotted(base.value if isinstance(base, ast.Subscript) else base) or ""
            head, _, rest = base_name.partition(".")
            origin = module.model.import_for(head)
            if origin is None:
                continue
            target = ".".join(p for p in (origin[0], origin[1], rest) if p)
            resolved = self.shared.index.resolve(target)
            if resolved is None:
                continue
            other, qualname = self.shared.index.follow(*resolved)
            if qualname in other.model.classes:
                found.append((other, other.model.classes[qualname]))
        return found

    def bind_args(self, func: FunctionNode, call: ast.Call, drop_self: bool) -> dict[str, MockNode]:
        positional = [a.arg for a in func.args.posonlyargs + func.args.args]
        if drop_self:
            positional = positional[1:]
        names = set(positional) | {a.arg for a in func.args.kwonlyargs}
        passed: dict[str, MockNode] = {}
        values: list[object] = []
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                spread = self.eval(arg.value)  # `f(*channels)` with a list the test built: its items in order
                if not (isinstance(spread, MockNode) and spread.items):
                    break
                values += spread.items
            else:
                values.append(self.eval(arg))
        for param, value in zip(positional, values):
            if isinstance(value, MockNode) and value.is_double:
                passed[param] = value
        for kw in call.keywords:
            if kw.arg in names:
                value = self.eval(kw.value)
                if isinstance(value, MockNode) and value.is_double:
                    passed[kw.arg] = value
        return passed

    def pair(self, module: IndexedModule, func: FunctionNode, cls: ast.ClassDef | None,
             passed: dict[str, MockNode], awaited: bool = False) -> None:
        """awaited: the test awaits what func, a sync def, returns (`await entry(...)`): a value func returns is
        awaited."""
        if passed:
            usage = module.usage(func, cls, list(passed), self.replaced(module))
            if awaited:
                _awaited_by_caller(usage)
            self.pair_usage(passed, usage, where(module, func))

    def pair_usage(self, passed: dict[str, MockNode], usage: dict[str, UsageTree], at: str) -> None:
        if self.shared.raising:
            return
        for name, node in passed.items():
            if name in usage:
                self.shared.pairs.append((node, usage[name], at))


def _awaited_by_caller(usage: dict[str, UsageTree]) -> None:
    """The test awaits the call of a sync entry function: what it returns itself (`return rest.fetch(...)`, a
    wrapper handing back a collaborator's coroutine) is awaited, as if the code awaited it."""
    stack, seen = list(usage.values()), set()
    while stack:
        tree = stack.pop()
        if id(tree) in seen:
            continue
        seen.add(id(tree))
        if tree.to_caller:
            tree.child("awaited")
        stack.extend(tree.children())


def _holds_doubles(fields: dict[str, object]) -> bool:
    """An object's fields include a double, an object (which may hold some) or a dict of them."""
    return any(isinstance(v, (Instance, Holder)) or isinstance(v, MockNode) and (v.is_double or bool(v.entries))
               for v in fields.values())


def _is_classmethod(func: FunctionNode) -> bool:
    return decorated(func, "classmethod")


def decorated(func: FunctionNode, name: str) -> bool:
    return any(dotted(d) == name for d in func.decorator_list)
