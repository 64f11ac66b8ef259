"""How the objects a test builds get its doubles: the `__init__` an object runs (its own, inherited, and the
base class __init__ it calls with super()), and the object a project factory returns.

A mixin of the Evaluator (evaluate.py), beside Linking (links.py), whose pairing and lookups it uses.
"""

from __future__ import annotations

import ast
from typing import Callable

from gapfinder.core.scopes import own_nodes, walked
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.bases import library_base_fields
from gapfinder.doctor.dynamic import UNKNOWN, literal
from gapfinder.doctor.literals import EnumMember
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.values import Holder, Instance


class Objects:
    """The object half of the Evaluator."""

    def instance(self, call: ast.Call, found: tuple[IndexedModule, str] | None = None) -> Instance | None:
        """An object of the project class `call` builds (found: the class, when the callee is not its name)."""
        found = found or self.resolve(call.func)
        if found is None or found[1] not in found[0].model.classes:
            return None
        module, name = found
        cls = module.model.classes[name]
        found_init = self.init_of(module, cls)
        fields: dict[str, object] = {}
        guessed: dict[str, object] = {}
        if found_init is not None:
            init_module, init_cls, init = found_init
            passed = self.bind_args(init, call, drop_self=True)
            guessed = library_base_fields(self.shared.index, init_module, init_cls, init, passed)
            fields = self.init_fields(init_module, init_cls, init, passed, call)
        else:
            order = [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            for param, arg in list(zip(order, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg in order]:
                value = self.eval(arg)
                if isinstance(value, (Holder, Instance, EnumMember)) or isinstance(value, MockNode) and (
                        value.is_double or literal(value, UNKNOWN) is not UNKNOWN):
                    fields[param] = value  # a double, an object, or a literal (`container=None`)
        return Instance(module, cls, fields, {k: v for k, v in guessed.items() if k not in fields})

    def made(self, call: ast.Call, awaited: bool) -> Instance | None:
        """The object a project function or method returns when every `return` builds one project class
        (`return ChunkStream(app=self._app, guild=guild)`, `return cls(session)`): its fields are the test's
        doubles the callee hands that class, by parameter or from its own object's fields. An `async def`
        gives it only when the test awaits the call."""
        owner = self.eval(call.func.value) if isinstance(call.func, ast.Attribute) else None
        found = self.callee(call, owner)
        if found is None:
            return None
        module, cls, callee, drop_self = found
        if isinstance(callee, ast.AsyncFunctionDef) != awaited:
            return None
        returns = [_built_by(callee, n.value) for n in own_nodes(callee.body) if isinstance(n, ast.Return)]
        built = [self.class_in(module, cls, r.func) if isinstance(r, ast.Call) else None for r in returns]
        if not built or None in built or len({(m.name, name) for m, name in built}) != 1:  # type: ignore[union-attr]
            return None
        made_module, made_name = built[0]  # type: ignore[misc]
        made_cls = made_module.model.classes[made_name]
        passed = self.bind_args(callee, call, drop_self=drop_self)

        def value(expr: ast.expr) -> MockNode | None:
            if isinstance(expr, ast.Name):
                return passed.get(expr.id)
            if isinstance(owner, Instance) and isinstance(expr, ast.Attribute) and dotted(expr.value) == "self":
                field = owner.fields.get(expr.attr)
                return field if isinstance(field, MockNode) and field.is_double else None
            return None

        fields: dict[str, object] = {}
        found_init = self.init_of(made_module, made_cls)
        if found_init is not None:
            init_module, init_cls, init = found_init
            for ret in returns:
                assert isinstance(ret, ast.Call)
                fields |= self.init_fields(init_module, init_cls, init, _handed_to(init, ret, value), call)
        return Instance(made_module, made_cls, fields, {})

    def class_in(self, module: IndexedModule, owner: ast.ClassDef | None,
                 expr: ast.expr) -> tuple[IndexedModule, str] | None:
        """The project class a name in `module`'s code stands for (`cls` in a classmethod of owner)."""
        name = dotted(expr) or ""
        if name == "cls" and owner is not None:
            return module, owner.name
        head, _, rest = name.partition(".")
        if head in module.model.classes and not rest:
            return module, head
        origin = module.model.import_for(head) if head else None
        found = self.shared.index.resolve(".".join(p for p in (*origin, rest) if p)) if origin else None
        if found is None:
            return None
        other, qualname = self.shared.index.follow(*found)
        return (other, qualname) if qualname in other.model.classes else None

    def init_of(self, module: IndexedModule, cls: ast.ClassDef) -> tuple[IndexedModule, ast.ClassDef, FunctionNode] | None:
        """The `__init__` an object of cls runs: its own, else one it inherits from a project base class
        (not for a class of annotated fields, whose generated __init__ takes them in order)."""
        own = module.model.methods(cls).get("__init__")
        if own is not None:
            return module, cls, own
        if any(isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) for s in cls.body):
            return None
        return self.method(module, cls, "__init__")

    def init_fields(self, module: IndexedModule, cls: ast.ClassDef, init: FunctionNode, passed: dict[str, MockNode],
                    call: ast.Call, depth: int = 0) -> dict[str, object]:
        """The doubles an `__init__` stores on self (`self._session = session`), also through the base class
        __init__ it calls (`super().__init__(session)`), whose use of them is compared too."""
        fields: dict[str, object] = {}
        for stmt in walked(init):
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and stmt.value.id in passed:
                for target in stmt.targets:
                    if isinstance(target, ast.Attribute) and dotted(target.value) == "self":
                        fields[target.attr] = passed[stmt.value.id]
        base = self.base_init(module, cls, init) if depth < 5 else None
        if base is not None:
            (base_module, base_cls, base_init), handed = base
            mapped = _handed_to(base_init, handed, lambda e: passed.get(e.id) if isinstance(e, ast.Name) else None)
            fields = {**self.init_fields(base_module, base_cls, base_init, mapped, call, depth + 1), **fields}
        self.pair(module, init, cls, passed)
        self.handoffs(module, init, {**passed, **{f"self.{k}": v for k, v in fields.items()}}, call)
        if not self.shared.raising:
            self.shared.called.append((module, init, cls, self.replaced(module)))
        return fields

    def base_init(self, module: IndexedModule, cls: ast.ClassDef, init: FunctionNode) \
            -> tuple[tuple[IndexedModule, ast.ClassDef, FunctionNode], ast.Call] | None:
        """The project base class __init__ that init calls on its straight path, and the call (`self`
        dropped): `super().__init__(a, b=c)` or `Base.__init__(self, a)`."""
        for stmt in init.body:
            value = stmt.value if isinstance(stmt, ast.Expr) else None
            if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                    and value.func.attr == "__init__"):
                continue
            owner = value.func.value
            if isinstance(owner, ast.Call) and dotted(owner.func) == "super":
                handed = value
            elif value.args and dotted(value.args[0]) == "self":
                handed = ast.Call(value.func, value.args[1:], value.keywords)
            else:
                continue
            for other, base in self.base_classes(module, cls):
                found = self.method(other, base, "__init__")
                if found is not None:
                    return found, handed
            return None
        return None


def _handed_to(init: FunctionNode, call: ast.Call, value: Callable[[ast.expr], MockNode | None]) -> dict[str, MockNode]:
    """The doubles a call of a class hands its `__init__` (self dropped), by parameter; value() reads each
    argument where the call is written."""
    params = [a.arg for a in init.args.posonlyargs + init.args.args][1:]
    names = set(params) | {a.arg for a in init.args.kwonlyargs}
    handed = {param: found for param, arg in zip(params, call.args) if (found := value(arg)) is not None}
    handed |= {kw.arg: found for kw in call.keywords if kw.arg in names and (found := value(kw.value)) is not None}
    return handed


def _built_by(func: FunctionNode, value: ast.expr | None) -> ast.expr | None:
    """What a `return` hands back: the call itself, or for `return obj` the call that one assignment in the
    function's own body bound to obj (`obj = Stream(...); obj.ready = True; return obj`)."""
    if not isinstance(value, ast.Name):
        return value
    bound = [n.value for n in own_nodes(func.body) if isinstance(n, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == value.id for t in n.targets)]
    return bound[0] if len(bound) == 1 else value
