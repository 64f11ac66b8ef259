"""Patches a suite applies through decorators other than a plain `@patch` on the test function.

- `@patch(...)` on a TestCase class patches every `test*` method; its doubles come after the method's own.
- A suite helper such as `autospec(target, *attributes, **kwargs)` that calls `patch.object(target, name, ...)`
  for each name it is given stands for those patches (autospec'd when it says `autospec=True`). Whether it
  passes the doubles on is its own business: they are taken as arguments only when the test has exactly the
  parameters for them.
- A suite decorator that returns a wrapper calling the test (`def helper(function): @autospec(...) async def
  inner(self, a, b): await function(self, ctx, a, b); return inner`) hands the test the values of that call.

A mixin of the Evaluator (evaluate.py): it uses the walk's patch, eval and block.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.helpers import Helper
from gapfinder.doctor.mocks import MockNode


class Decorators:
    """The decorator half of the Evaluator."""

    def decorator_doubles(self, func: FunctionNode, owner: ast.ClassDef | None, params: list[str]) -> list[object]:
        """The doubles func's patch decorators (and its TestCase class's, for a test method) pass, in order."""
        layers = [func.decorator_list] + ([owner.decorator_list] if owner is not None and func.name.startswith("test")
                                          else [])
        found: list[tuple[list[MockNode], bool]] = []  # (doubles, passed only if the test has parameters for them)
        for decorators in layers:
            for decorator in reversed(decorators):
                if not isinstance(decorator, ast.Call):
                    continue
                if self._patch_style(decorator):
                    node = self.patch(decorator, decorator.lineno).node  # with new=, replaced but not passed in
                    if not self._has_new(decorator):
                        found.append(([node], False))
                elif helper := self.patch_helper(decorator):
                    found.append((helper, True))
        # the helpers whose doubles fill the test's free parameters exactly (the innermost ones first)
        optional = [i for i, (_, maybe) in enumerate(found) if maybe][:6]
        free = len([p for p in params if p not in self.shared.fixtures])
        required = sum(len(nodes) for nodes, maybe in found if not maybe)
        taken: set[int] = set()
        for mask in range((1 << len(optional)) - 1, -1, -1):
            chosen = {i for bit, i in enumerate(optional) if mask & (1 << (len(optional) - 1 - bit))}
            if required + sum(len(found[i][0]) for i in chosen) == free:
                taken = chosen
                break
        return [node for i, (nodes, maybe) in enumerate(found) if not maybe or i in taken for node in nodes]

    def patch_helper(self, call: ast.Call) -> list[MockNode]:
        """The patch.object doubles a suite helper applies for each name it is given, or []."""
        found = self.shared.side.lookup(call.func, self.names, self.path)
        if found is None or found[0] != "helper" or not call.args:
            return []
        helper = found[1].func
        positional = helper.args.posonlyargs + helper.args.args
        owner = self.names.qualify(call.args[0])
        if helper.args.vararg is None or not positional or owner is None \
                or not _patches_each(helper, positional[0].arg, helper.args.vararg.arg):
            return []
        keywords = {"autospec": ast.Constant(True)} if _autospec(helper) or _autospec(call) else {}
        bare = ast.copy_location(ast.Call(call.func, [], []), call)
        nodes = []
        for arg in call.args[1:]:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                return []
            target = f"{owner}.{arg.value}"
            self.shared.patch_names.add(arg.value)
            node = self.replacing(self.patched_node(bare, target, None, keywords))
            node.label = node.label or arg.value
            self.attach(node, target, bare)
            nodes.append(node)
        return nodes

    def wrapped_args(self, func: FunctionNode) -> dict[str, object]:
        """The values a suite decorator's wrapper passes to the test it wraps, by the test's parameter names."""
        for decorator in func.decorator_list:
            found = self.shared.side.lookup(decorator, self.names, self.path) \
                if isinstance(decorator, (ast.Name, ast.Attribute)) else None
            if found is None or found[0] != "helper" or not isinstance(found[1], Helper):
                continue
            helper = found[1]
            inner, call = _wrapper(helper.func)
            if inner is None or call is None:
                continue
            walk = type(self)(self.shared, helper.names, helper.path)
            params = [a.arg for a in inner.args.posonlyargs + inner.args.args]
            if params and params[0] == "self" and "self" in self.env:
                walk.env["self"] = self.env["self"]
                params = params[1:]
            for name, value in zip(params, walk.decorator_doubles(inner, None, params)):
                walk.env[name] = value
            walk.block(inner.body)
            values = [walk.eval(arg) for arg in call.args]
            return dict(zip([a.arg for a in func.args.posonlyargs + func.args.args], values))
        return {}


def _patches_each(helper: FunctionNode, target: str, names: str) -> bool:
    """`for name in names: ... patch.object(target, name, ...)` in the helper's body."""
    for loop in ast.walk(helper):
        if isinstance(loop, ast.For) and isinstance(loop.iter, ast.Name) and loop.iter.id == names \
                and isinstance(loop.target, ast.Name):
            for node in ast.walk(loop):
                if isinstance(node, ast.Call) and (dotted(node.func) or "").endswith("patch.object") \
                        and len(node.args) >= 2 and dotted(node.args[0]) == target \
                        and dotted(node.args[1]) == loop.target.id:
                    return True
    return False


def _autospec(node: ast.AST) -> bool:
    return any(isinstance(k, ast.keyword) and k.arg == "autospec" and isinstance(k.value, ast.Constant)
               and k.value.value is True for k in ast.walk(node))


def _wrapper(helper: FunctionNode) -> tuple[FunctionNode | None, ast.Call | None]:
    """The inner function a decorator returns, and its call of the function it wraps (the first parameter)."""
    positional = helper.args.posonlyargs + helper.args.args
    if not positional:
        return None, None
    returned = {r.value.id for r in ast.walk(helper) if isinstance(r, ast.Return) and isinstance(r.value, ast.Name)}
    inner = next((n for n in helper.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.name in returned), None)
    if inner is None:
        return None, None
    call = next((n for n in ast.walk(inner) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                 and n.func.id == positional[0].arg), None)
    return inner, call
