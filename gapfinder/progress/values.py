"""Evaluate the literal-ish expressions test suites build parametrize lists from, without running them.

A small interpreter over `ast`: constants, containers, comprehensions, slicing, arithmetic and
comparisons, names bound to such values (in this file or another project file), a whitelist of pure
builtins and itertools functions, and non-mutating methods of built-in types. Anything else (a call to
project code, I/O, a lambda being called) makes the whole expression unknown. Work and sizes are capped,
so a hostile or huge expression costs little.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import operator
import sys
from typing import Any

from gapfinder.progress.bindings import External, Local, NameResolver, SourceModule, ValueBinding

MAX_STEPS = 200_000
MAX_SIZE = 1_000_000


PARAM = object()  # stands for pytest.param while evaluating


class Unknown(Exception):
    """The expression's value cannot be known statically."""


class Opaque:
    """A value we may hold (a function, a lambda) but never inspect; comparing or hashing it is unknown."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        raise Unknown("an opaque value was compared")


SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in ("range", "len", "enumerate", "zip", "list", "tuple", "sorted", "reversed", "dict", "set",
                 "frozenset", "sum", "min", "max", "abs", "str", "int", "float", "bool", "repr", "any", "all")
}
SAFE_ITERTOOLS = {
    f"itertools.{name}": getattr(itertools, name)
    for name in ("product", "chain", "combinations", "permutations", "combinations_with_replacement", "repeat", "islice")
}
SAFE_ITERTOOLS["itertools.chain.from_iterable"] = itertools.chain.from_iterable
SAFE_TYPES = (str, bytes, int, float, bool, tuple, list, dict, set, frozenset, type({}.keys()), type({}.items()),
              type({}.values()), range, type(None))
NON_MUTATING = frozenset({"keys", "items", "values", "get", "copy", "index", "count", "union", "intersection",
                          "difference", "symmetric_difference", "issubset", "issuperset", "isdisjoint"})
CONSTANT_MODULES = frozenset({"operator", "string", "math", "pickle", "sys", "decimal", "fractions", "datetime",
                              "enum", "re", "os", "json", "functools"})
BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow, ast.BitOr: operator.or_,
          ast.BitAnd: operator.and_, ast.BitXor: operator.xor}
COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
           ast.Is: operator.is_, ast.IsNot: operator.is_not}


def evaluate(index: NameResolver, module: SourceModule, expr: ast.expr) -> Any:
    """The value of expr, or raise Unknown."""
    try:
        return _Evaluator(index).value(module, expr, {})
    except Unknown:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise Unknown(str(exc)) from None


class _Evaluator:
    def __init__(self, index: NameResolver) -> None:
        self.index = index
        self.steps = 0
        self.globals: dict[int, Any] = {}  # module-level values already evaluated (never mutated)

    def value(self, module: SourceModule, expr: ast.expr, env: dict[str, Any]) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Unknown("too much work")
        method = getattr(self, f"_{type(expr).__name__}", None)
        if method is None:
            raise Unknown(type(expr).__name__)
        result = method(module, expr, env)
        if isinstance(result, (list, tuple, set, frozenset, dict, str, bytes)) and len(result) > MAX_SIZE:
            raise Unknown("too large")
        return result

    def _Constant(self, module, expr, env):
        return expr.value

    def _List(self, module, expr, env):
        return [v for e in expr.elts for v in self._element(module, e, env)]

    def _Tuple(self, module, expr, env):
        return tuple(self._List(module, expr, env))

    def _Set(self, module, expr, env):
        return set(self._List(module, expr, env))

    def _element(self, module, expr, env):
        if isinstance(expr, ast.Starred):
            return list(self._iterate(self.value(module, expr.value, env)))
        return [self.value(module, expr, env)]

    def _Dict(self, module, expr, env):
        out = {}
        for key, value in zip(expr.keys, expr.values):
            if key is None:
                out.update(self.value(module, value, env))
            else:
                out[self.value(module, key, env)] = self.value(module, value, env)
        return out

    def _Lambda(self, module, expr, env):
        return Opaque()

    def _Name(self, module, expr, env):
        if expr.id in env:
            return env[expr.id]
        return self._global(module, expr)

    def _Attribute(self, module, expr, env):
        try:
            return self._global(module, expr)
        except Unknown:
            obj = self.value(module, expr.value, env)
        if isinstance(obj, SAFE_TYPES) and (expr.attr in NON_MUTATING or isinstance(obj, (str, bytes))) \
                and not expr.attr.startswith("_"):
            return getattr(obj, expr.attr)
        raise Unknown(expr.attr)

    def _global(self, module, expr):
        found = self.index.resolve(module, expr)
        if isinstance(found, Local):
            if isinstance(found.binding, ValueBinding):
                key = id(found.binding.node)
                if key not in self.globals:
                    self.globals[key] = self.value(found.module, found.binding.node, {})
                return self.globals[key]
            return Opaque()  # a def or class: fine inside a tuple, unknown if called or compared
        if isinstance(found, External):
            if found.dotted in SAFE_BUILTINS:
                return SAFE_BUILTINS[found.dotted]
            if found.dotted in SAFE_ITERTOOLS:
                return SAFE_ITERTOOLS[found.dotted]
            head, _, name = found.dotted.rpartition(".")
            if head in CONSTANT_MODULES and head in sys.stdlib_module_names:
                value = getattr(__import__(head), name, None)
                return value if isinstance(value, SAFE_TYPES) else Opaque()
            if found.dotted == "pytest.param":
                return PARAM
        raise Unknown(ast.unparse(expr))

    def _Call(self, module, expr, env):
        func = self.value(module, expr.func, env)
        if func is PARAM:
            return Opaque()  # pytest.param(...): one value, whatever it holds
        safe = not isinstance(func, Opaque) and (
            any(func is f for f in (*SAFE_BUILTINS.values(), *SAFE_ITERTOOLS.values()))
            or isinstance(getattr(func, "__self__", None), SAFE_TYPES)
        )
        if not safe:
            raise Unknown("a call to code we do not run")
        args = [v for a in expr.args for v in self._element(module, a, env)]
        kwargs = {k.arg: self.value(module, k.value, env) for k in expr.keywords if k.arg}
        result = func(*args, **kwargs)
        if type(result).__module__ == "itertools" or isinstance(result, (zip, enumerate, reversed)):
            return list(itertools.islice(result, MAX_SIZE + 1))
        return result

    def _Subscript(self, module, expr, env):
        return self.value(module, expr.value, env)[self.value(module, expr.slice, env)]

    def _Slice(self, module, expr, env):
        part = lambda e: None if e is None else self.value(module, e, env)  # noqa: E731
        return slice(part(expr.lower), part(expr.upper), part(expr.step))

    def _BinOp(self, module, expr, env):
        left, right = self.value(module, expr.left, env), self.value(module, expr.right, env)
        if isinstance(expr.op, ast.Mult) and isinstance(left, (str, bytes, list, tuple)) and right > MAX_SIZE:
            raise Unknown("too large")
        if isinstance(expr.op, ast.Pow) and abs(right) > 64:
            raise Unknown("too large")
        return BINOPS[type(expr.op)](left, right)

    def _UnaryOp(self, module, expr, env):
        operand = self.value(module, expr.operand, env)
        return {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
                ast.Invert: operator.invert}[type(expr.op)](operand)

    def _BoolOp(self, module, expr, env):
        result = None
        for value in expr.values:
            result = self.value(module, value, env)
            if isinstance(expr.op, ast.And) != bool(result):
                return result
        return result

    def _Compare(self, module, expr, env):
        left = self.value(module, expr.left, env)
        for op, right_expr in zip(expr.ops, expr.comparators):
            right = self.value(module, right_expr, env)
            if not COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, module, expr, env):
        return self.value(module, expr.body if self.value(module, expr.test, env) else expr.orelse, env)

    def _ListComp(self, module, expr, env):
        return [self.value(module, expr.elt, scope) for scope in self._scopes(module, expr.generators, env)]

    _GeneratorExp = _ListComp

    def _SetComp(self, module, expr, env):
        return set(self._ListComp(module, expr, env))

    def _DictComp(self, module, expr, env):
        return {self.value(module, expr.key, s): self.value(module, expr.value, s)
                for s in self._scopes(module, expr.generators, env)}

    def _scopes(self, module, generators, env):
        if not generators:
            yield env
            return
        first, rest = generators[0], generators[1:]
        for item in self._iterate(self.value(module, first.iter, env)):
            scope = dict(env)
            self._bind(first.target, item, scope)
            if all(self.value(module, cond, scope) for cond in first.ifs):
                yield from self._scopes(module, rest, scope)

    def _bind(self, target, item, scope):
        if isinstance(target, ast.Name):
            scope[target.id] = item
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = list(self._iterate(item))
            if len(items) != len(target.elts):
                raise Unknown("unpacking")
            for t, v in zip(target.elts, items):
                self._bind(t, v, scope)
        else:
            raise Unknown("target")

    def _iterate(self, value):
        if isinstance(value, Opaque) or not isinstance(value, (*SAFE_TYPES, list)):
            raise Unknown("iterating an unknown value")
        return value
