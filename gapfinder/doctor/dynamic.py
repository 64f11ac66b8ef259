"""Classes a suite builds at run time, and the protocols the test drives on objects of project classes.

A suite helper such as `mock_class_namespace(klass, **namespace)` or `unslot_class(klass)` returns
`type(name, (klass,), namespace)`: a subclass of the project class whose class attributes are the doubles
the test passed. Its objects run the project class's code with those doubles in place of its members,
the same as an object whose fields the test set by hand. `async with obj`, `with obj` and `await obj`
run the class's `__aenter__`/`__aexit__`, `__enter__`/`__exit__` and `__await__`.

A mixin of the Evaluator (evaluate.py): it uses the walk's eval and the linking half's project_call.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.values import ClassValue, Instance


class Dynamic:
    """The dynamic-class half of the Evaluator."""

    def class_ref(self, expr: ast.expr) -> ClassValue | None:
        """A name or dotted path (`event_stream.Streamer`) that names a project class."""
        found = self.resolve(expr)
        if found is None or found[1] not in found[0].model.classes:
            return None
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


def builds_class(func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> bool:
    """The function returns a class it builds with `type(name, bases, namespace)` (not an object of it:
    `return new_klass(kwargs)` is a stub helper's object, read as such by the walk)."""
    if func is None:
        return False
    calls = [n for n in ast.walk(func) if isinstance(n, ast.Call) and dotted(n.func) == "type" and len(n.args) == 3]
    returned = [n.value for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None]
    return bool(calls) and not any(isinstance(r, ast.Call) and r not in calls for r in returned)
