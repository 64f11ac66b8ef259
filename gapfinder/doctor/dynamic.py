"""Classes a suite builds at run time, and the protocols the test drives on objects of project classes.

A suite helper such as `mock_class_namespace(klass, **namespace)` or `unslot_class(klass)` returns
`type(name, (klass,), namespace)`: a subclass of the project class whose class attributes are the doubles
the test passed. Its objects run the project class's code with those doubles in place of its members,
the same as an object whose fields the test set by hand. `async with obj`, `with obj` and `await obj`
run the class's `__aenter__`/`__aexit__`, `__enter__`/`__exit__` and `__await__`.

Such helpers read the class itself: `for name in klass.__abstractmethods__`, `getattr(klass, name)`, and
branch on `asyncio.iscoroutinefunction(attr)` to pick an AsyncMock or a Mock per member. The walk answers
those from the class's code, and a condition it can settle (`init is False` with the literal the test
passed) runs only the branch taken.

A mixin of the Evaluator (evaluate.py): it uses the walk's eval and the linking half's project_call.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule, is_coroutine_function
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.literals import EnumMember, enum_member
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.values import ClassValue, Instance

SIMPLE = (ast.Name, ast.Attribute, ast.Constant)
DESCRIPTORS = frozenset({"property", "cached_property", "functools.cached_property"})


@dataclass(frozen=True)
class Member:
    """A method of a project class the walk read by name (`getattr(klass, "open")`)."""

    func: FunctionNode


class Dynamic:
    """The dynamic-class half of the Evaluator."""

    def class_ref(self, expr: ast.expr) -> ClassValue | EnumMember | None:
        """A name or dotted path (`event_stream.Streamer`) that names a project class (or a member of a
        project Enum: `Feature.Type.Switch`)."""
        found = self.resolve(expr)
        if found is None or found[1] not in found[0].model.classes:
            origin = self.names.qualify(expr) if isinstance(expr, ast.Attribute) else None
            return enum_member(self.shared.index, origin) if origin else None
        return ClassValue(found[0], found[0].model.classes[found[1]], {})

    def built_class(self, call: ast.Call) -> ClassValue | None:
        """`type(name, (klass, ...), namespace)` with a project class among the bases."""
        if dotted(call.func) != "type" or len(call.args) != 3 or not isinstance(call.args[1], (ast.Tuple, ast.List)):
            return None
        base = next((b for b in map(self.eval, call.args[1].elts) if isinstance(b, ClassValue)), None)
        if base is None:
            return None
        namespace = self.eval(call.args[2])
        entries = namespace.entries if isinstance(namespace, MockNode) and namespace.entries else {}
        fields = {**base.fields, **{k: v for k, v in entries.items() if isinstance(k, str)}}
        return ClassValue(base.module, base.cls, fields)

    def construct(self, made: ClassValue, call: ast.Call) -> Instance | None:
        """An object of a class value: the class attributes it was built with, then what `__init__` stores
        (a namespace that replaces `__init__` skips it)."""
        if "__init__" in made.fields:
            return Instance(made.module, made.cls, dict(made.fields))
        found = self.instance(call, (made.module, made.cls.name))
        if found is not None and made.fields:
            found.fields = {**made.fields, **found.fields}
        return found

    def class_attribute(self, made: ClassValue, attr: str, expr: ast.expr) -> object:
        """A class value's attribute: what its namespace set, or the names of its abstract methods."""
        if attr in made.fields:
            return made.fields[attr]
        if attr != "__abstractmethods__":
            return None
        names = [MockNode("value", True, expr.lineno, expr.col_offset, path=self.path, text=repr(name))
                 for name in self.abstract_methods(made.module, made.cls)]
        return MockNode("value", True, expr.lineno, expr.col_offset, path=self.path, items=names)

    def abstract_methods(self, module: IndexedModule, cls: ast.ClassDef) -> list[str]:
        """The abstract methods a class leaves unimplemented: its own and its project bases' (nearest first)."""
        concrete: set[str] = set()
        abstract: list[str] = []
        chain = [(module, cls)]
        for owner, klass in chain:
            for name, func in owner.model.methods(klass).items():
                if name not in concrete and name not in abstract:
                    (abstract.append if _is_abstract(func) else concrete.add)(name)
            if len(chain) < 20:
                chain += self.base_classes(owner, klass)
        return abstract

    def member(self, call: ast.Call) -> object:
        """`getattr(obj_or_class, "name")` with a literal name: the double set there, or the class's method."""
        if dotted(call.func) != "getattr" or len(call.args) < 2 or not isinstance(call.args[1], SIMPLE):
            return None
        base = self.eval(call.args[0])
        name = literal(self.eval(call.args[1]))
        if not isinstance(base, (ClassValue, Instance)) or not isinstance(name, str):
            return None
        if name in base.fields:
            return base.fields[name]
        found = self.method(base.module, base.cls, name)
        return Member(found[2]) if found is not None else None

    def decide(self, test: ast.expr) -> bool | None:
        """True/False when the walk's own values settle the condition, else None (both branches are walked)."""
        if isinstance(test, ast.BoolOp):
            values = [self.decide(v) for v in test.values]
            settles = isinstance(test.op, ast.Or)  # any True settles an `or`, any False an `and`
            if settles in values:
                return settles
            return (not settles) if all(v is not None for v in values) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.decide(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.Call) and len(test.args) == 1 and isinstance(test.args[0], SIMPLE):
            value = self.eval(test.args[0])
            name = (dotted(test.func) or "").rsplit(".", 1)[-1]
            if isinstance(value, Member) and name == "iscoroutinefunction":
                return is_coroutine_function(value.func)
            if isinstance(value, Member) and name in ("isdatadescriptor", "isgetsetdescriptor"):
                return any(dotted(d) in DESCRIPTORS for d in value.func.decorator_list)
            return None
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, SIMPLE) \
                and isinstance(test.comparators[0], SIMPLE):
            left, right, op = self.eval(test.left), self.eval(test.comparators[0]), test.ops[0]
            if isinstance(op, (ast.In, ast.NotIn)):  # only a key known to be there settles it
                key = literal(left)
                present = isinstance(right, MockNode) and bool(right.entries) and key is not None \
                    and isinstance(key, (str, int)) and key in right.entries
                return (isinstance(op, ast.In)) if present else None
            a, b = literal(left, UNKNOWN), literal(right, UNKNOWN)
            if isinstance(op, (ast.Is, ast.Eq, ast.IsNot, ast.NotEq)) and _plain(a) and _plain(b):
                same = type(a) is type(b) and a == b
                return same if isinstance(op, (ast.Is, ast.Eq)) else not same
        return None

    def literal_defaults(self, func: FunctionNode) -> dict[str, MockNode]:
        """The literal default values of a helper's parameters (`init: bool = True`), as the walk's values."""
        positional = func.args.posonlyargs + func.args.args
        pairs = list(zip(positional[len(positional) - len(func.args.defaults):], func.args.defaults))
        pairs += [(a, d) for a, d in zip(func.args.kwonlyargs, func.args.kw_defaults) if d is not None]
        return {a.arg: MockNode("value", True, d.lineno, d.col_offset, path=self.path, text=repr(d.value))
                for a, d in pairs if isinstance(d, ast.Constant)}

    def protocol(self, expr: ast.expr, method: str, at: ast.AST) -> Instance | None:
        """Run `method` (`__aenter__`, `__await__`) of the project object `expr` stands for, as the code
        does for `async with`/`with`/`await`; the object when the method returns `self`, else None."""
        owner = self.eval(expr)
        if not isinstance(owner, Instance):
            return None
        call = ast.copy_location(ast.Call(ast.copy_location(ast.Attribute(expr, method, ast.Load()), at), [], []), at)
        self.project_call(call)
        found = self.method(owner.module, owner.cls, method)
        returns = [n.value for n in ast.walk(found[2]) if isinstance(n, ast.Return)] if found is not None else []
        return owner if returns and all(isinstance(r, ast.Name) and r.id == "self" for r in returns) else None


@functools.lru_cache(maxsize=4096)
def builds_class(func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    """The function returns a class it builds with `type(name, bases, namespace)` (not an object of it:
    `return new_klass(kwargs)` is a stub helper's object, read as such by the walk)."""
    if func is None:
        return False
    calls = [n for n in ast.walk(func) if isinstance(n, ast.Call) and dotted(n.func) == "type" and len(n.args) == 3]
    returned = [n.value for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None]
    return bool(calls) and not any(isinstance(r, ast.Call) and r not in calls for r in returned)


UNKNOWN = object()


def literal(value: object, unknown: object = None) -> object:
    """The Python literal a walk value stands for (a constant the test wrote), else `unknown`."""
    if not (isinstance(value, MockNode) and value.kind == "value" and value.text):
        return unknown
    try:
        return ast.literal_eval(value.text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return unknown


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str, bytes))


def _is_abstract(func: FunctionNode) -> bool:
    return any((dotted(d) or "").rsplit(".", 1)[-1] == "abstractmethod" for d in func.decorator_list)
