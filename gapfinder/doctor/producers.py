"""Where the coroutine a patched scheduler receives comes from, read in the code the test calls.

A bare patch of `create_task` drops real work only when the coroutine handed to it is made by the
project's own code: `create_task(self._sync())` with `_sync` a method the test left alone. When the
producer is itself a double (`self._sync` patched, a mock collaborator's method), nothing real is lost.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
from typing import Callable

from gapfinder.core.scopes import own_nodes
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.patches import callee_name

Called = tuple[IndexedModule, FunctionNode, "ast.ClassDef | None", frozenset[str]]


def real_producers(called: list[Called], scheduler: str, doubles: dict[str, MockNode] | None = None) -> bool | None:
    """True when the called code hands `scheduler` (its last name: create_task, run, ...) coroutines
    made by project functions the test did not replace, at every site found; False when one site's
    producer was replaced by a double; None when no site (or no producer) can be read.

    doubles: the test's doubles by the name they replace; a replaced producer that makes a coroutine all
    the same (an AsyncMock, or a function the test configured it to return: an `async def` of the test's
    own) hands over a coroutine that the patched scheduler drops."""
    verdicts: list[bool] = []
    for module, func, cls, replaced in called:
        for body in _bodies(module, func, cls):
            for node in ast.walk(body):
                if isinstance(node, ast.Call) and callee_name(node.func) == scheduler and node.args:
                    verdict = _producer(module, cls, replaced, node.args[0], body)
                    if verdict is not True and doubles:
                        verdict = _made_by_double(body, node.args[0], doubles) or verdict
                    if verdict is not None:
                        verdicts.append(verdict)
    if not verdicts:
        return None
    return all(verdicts)


def _bodies(module: IndexedModule, func: FunctionNode, cls: ast.ClassDef | None) -> list[FunctionNode]:
    """The function and the methods of its class it calls as `self.name(...)` (one level down)."""
    found = [func]
    if cls is not None:
        methods = module.model.methods(cls)
        for node in ast.walk(func):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and dotted(node.func.value) == "self" and node.func.attr in methods:
                method = methods[node.func.attr]
                if method not in found:
                    found.append(method)
    return found


def _producer(module: IndexedModule, cls: ast.ClassDef | None, replaced: frozenset[str],
              arg: ast.expr, body: FunctionNode | None = None) -> bool | None:
    """True: a project function or method not replaced, or an asyncio coroutine function; False: replaced
    by a double; None: unknown."""
    if not isinstance(arg, ast.Call):
        return None
    name = dotted(arg.func) or ""
    head, _, rest = name.partition(".")
    if head == "self" and rest and "." not in rest and cls is not None:
        if rest in replaced:
            return False
        return True if rest in module.model.methods(cls) else None
    if name and "." not in name:
        if name in replaced:
            return False
        return True if name in module.model.functions or name in module.model.imports else None
    if head and rest and head not in replaced and asyncio_coroutine(_asyncio_name(module, body, head, rest)):
        return True
    field, _, method = rest.partition(".")
    if head == "self" and cls is not None and method and "." not in method and field not in replaced \
            and asyncio_coroutine(_asyncio_field(module, cls, field, method)):
        return True  # `self._closed.wait()` with `self._closed = asyncio.Event()` set by the class
    return None


def _asyncio_field(module: IndexedModule, cls: ast.ClassDef, field: str, method: str) -> str:
    """"asyncio.Event.wait" for `self.field.method` when every assignment of `self.field` in the class's
    methods builds the same asyncio class (`self._closed = asyncio.Event()`); "" otherwise."""
    values = [value for f in module.model.methods(cls).values()
              for value in _assigned(f, lambda t: dotted(t) == f"self.{field}")]
    built = {dotted(v.func) or "" for v in values if isinstance(v, ast.Call)}
    if len(built) != 1 or not all(isinstance(v, ast.Call) for v in values):
        return ""
    qualified = _qualified(module, next(iter(built)))
    return f"{qualified}.{method}" if qualified else ""


def _asyncio_name(module: IndexedModule, body: FunctionNode | None, head: str, rest: str) -> str:
    """"asyncio.sleep" for `asyncio.sleep` (or `aio.sleep`), "asyncio.Event.wait" for `done.wait` when the
    function bound `done = asyncio.Event()` (or `Event()` imported from asyncio); "" otherwise."""
    origin = module.model.imports.get(head)
    if origin is not None and origin[1] is None:
        return f"{origin[0]}.{rest}"
    if body is None or "." in rest:
        return ""
    values = [v for v in _assigned(body, lambda t: isinstance(t, ast.Name) and t.id == head) if v is not None]
    if len(values) != 1 or not isinstance(values[0], ast.Call):
        return ""
    qualified = _qualified(module, dotted(values[0].func) or "")
    return f"{qualified}.{rest}" if qualified else ""


def _assigned(func: FunctionNode, target: Callable[[ast.expr], bool]) -> list[ast.expr | None]:
    """The values the function's own assignments give to a target that `target` accepts."""
    return [s.value for s in own_nodes(func) if isinstance(s, (ast.Assign, ast.AnnAssign))
            and any(target(t) for t in (s.targets if isinstance(s, ast.Assign) else [s.target]))]


def _qualified(module: IndexedModule, name: str) -> str:
    """The dotted origin of `name` through the module's imports ("Event" from asyncio -> "asyncio.Event");
    "" when its first part is not imported."""
    first, _, tail = name.partition(".")
    origin = module.model.imports.get(first) if first else None
    if origin is None:
        return ""
    return f"{origin[0]}.{tail}" if origin[1] is None else f"{origin[0]}.{origin[1]}{'.' + tail if tail else ''}"


def asyncio_coroutine(qualified: str) -> bool:
    """`asyncio.sleep`, `asyncio.Event.wait`, `asyncio.Queue.get`: a coroutine function of the standard library's
    asyncio (read from asyncio itself, which gapfinder imports anyway; nothing of the user's is imported)."""
    parts = qualified.split(".")
    if len(parts) < 2 or parts[0] != "asyncio":
        return False
    found: object = asyncio
    for part in parts[1:]:
        found = getattr(found, part, None)
        if found is None:
            return False
    return inspect.iscoroutinefunction(found)


def _made_by_double(body: FunctionNode, arg: ast.expr, doubles: dict[str, MockNode]) -> bool | None:
    """`run(replaced())` with an AsyncMock in its place, or `f, args = replaced(); run(f(*args))` with the
    test's `async def` configured as `f`, or `s = replaced(); run(s.fetch())` with an AsyncMock returned as `s`:
    True (a coroutine is made); False for a sync double; None unknown."""
    if not isinstance(arg, ast.Call):
        return None
    name = dotted(arg.func) or ""
    if name in doubles:
        return _calls_make(doubles[name])
    method = None
    if isinstance(arg.func, ast.Attribute) and isinstance(arg.func.value, ast.Name):
        method, arg = arg.func.attr, ast.Call(arg.func.value, [], [])  # the method of what the name is bound to
    if not isinstance(arg.func, ast.Name):
        return None
    for stmt in ast.walk(body):  # the local name is bound from what a replaced function returned
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call)):
            continue
        double = doubles.get(dotted(stmt.value.func) or "")
        if double is None or double.side_effect is not None or "return_value" not in double.configured:
            continue
        returned, target = double.attrs["return_value"], stmt.targets[0]
        if isinstance(target, ast.Name) and target.id == arg.func.id:
            return _calls_make_through(returned, method)
        if isinstance(target, ast.Tuple) and returned.items is not None and len(returned.items) == len(target.elts):
            for element, item in zip(target.elts, returned.items):
                if isinstance(element, ast.Name) and element.id == arg.func.id:
                    return _calls_make_through(item, method)
    return None


def _calls_make_through(node: MockNode, method: str | None) -> bool | None:
    """Whether calling the value (or its `method`, when given) makes a coroutine; a configured child decides
    by its own kind, an AsyncMock's unconfigured child is an AsyncMock."""
    if method is None:
        return _calls_make(node)
    if method in node.attrs:
        return _calls_make(node.attrs[method])
    if not node.is_double or node.wraps or node.spec or method.startswith("_"):
        return None
    return _calls_make(MockNode(node.kind, False, node.line, node.col))  # a default child has its parent's kind


def _calls_make(node: MockNode) -> bool | None:
    """Whether calling this value makes a coroutine: an AsyncMock or an `async def` does, a sync double not."""
    if node.coroutine_function or (node.kind == "async" and node.side_effect is None):
        return True
    return False if node.kind in ("magic", "mock") else None


# Methods that take a coroutine and schedule it: on a double (`hass.async_create_task`, `bot.loop.create_task`)
# the coroutine is dropped, never run.
STARTERS = frozenset({"create_task", "async_create_task", "ensure_future", "async_create_background_task",
                      "create_background_task", "run_coroutine_threadsafe", "run_until_complete"})
LOOP_KEYWORDS = ("loop", "event_loop")


def handed_to_doubles(func: FunctionNode, roots: dict[str, object], methods: dict[str, FunctionNode] | None = None,
                      depth: int = 0) -> list[tuple[ast.Call, list[str], bool]]:
    """Calls in func that hand a freshly made coroutine to a scheduler reached from one of `roots`
    (the names bound to doubles: a parameter, `self.field` as "self.field"): (the call, the path from
    the root to the scheduler, whether the call is on the function's straight path). methods: the
    object's own methods; those func calls as `self.name(...)` are read too (their `self.` roots)."""
    key = (func, frozenset(roots), bool(methods), depth)
    if key not in _HANDED:
        if len(_HANDED) > 20000:
            _HANDED.clear()
        _HANDED[key] = _handed(func, roots, methods, depth)
    return list(_HANDED[key])


# what handed_to_doubles found, by (function, root names, methods read, depth): the answer depends on nothing
# else, and the same methods are read again for every test that builds the object
_HANDED: dict[tuple[object, ...], list[tuple[ast.Call, list[str], bool]]] = {}


def _handed(func: FunctionNode, roots: dict[str, object], methods: dict[str, FunctionNode] | None,
            depth: int) -> list[tuple[ast.Call, list[str], bool]]:
    found: list[tuple[ast.Call, list[str], bool]] = []
    if methods and depth < 3:
        own = {k: v for k, v in roots.items() if k.startswith("self.")}
        for statement in func.body:
            straight = not isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.Match))
            for node in own_nodes([statement]):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and own \
                        and dotted(node.func.value) == "self" and node.func.attr in methods \
                        and methods[node.func.attr] is not func and f"self.{node.func.attr}" not in roots:
                    inner = handed_to_doubles(methods[node.func.attr], own, methods, depth + 1)
                    found += [(site, chain, straight and ok) for site, chain, ok in inner]
    made = _coroutine_names(func)
    # a root the function rebinds itself (`self._loop = asyncio.new_event_loop()`) is no longer the double
    roots = {k: v for k, v in roots.items() if k not in _rebound(func, roots)}
    coroutines = _coroutine_functions(func, methods)
    for statement in func.body:
        straight = not isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.Match))
        for node in own_nodes([statement]):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            if isinstance(callee, ast.Attribute) and callee.attr not in STARTERS and coroutines \
                    and any(_makes(arg, coroutines) for arg in [*node.args, *(kw.value for kw in node.keywords)]):
                # any other method of a double (`self.scheduler.schedule_at(when, key, self._revert(key))`):
                # a mock records the coroutine it is given and never awaits it
                chain = _chain(callee.value, roots)
                if chain is not None:
                    found.append((node, chain + [callee.attr], straight))
                continue
            if not node.args or not _made(node.args[0], made):
                continue
            chain = _chain(callee.value, roots) if isinstance(callee, ast.Attribute) and callee.attr in STARTERS \
                else None
            if chain is not None:
                found.append((node, chain + [callee.attr], straight))
                continue
            if callee_name(callee) in STARTERS:
                for kw in node.keywords:
                    loop = _chain(kw.value, roots) if kw.arg in LOOP_KEYWORDS else None
                    if loop is not None:
                        found.append((node, loop + ["create_task"], straight))
    return found


def _chain(expr: ast.expr, roots: dict[str, object]) -> list[str] | None:
    """["self.bot", "loop"] for `self.bot.loop` when "self.bot" is a root; None when no root starts it."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        key = dotted(expr)
        if key in roots:
            return [key, *reversed(parts)]
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name) and expr.id in roots:
        return [expr.id, *reversed(parts)]
    return None


def _coroutine_functions(func: FunctionNode, methods: dict[str, FunctionNode] | None) -> set[str]:
    """What a call in func surely turns into a coroutine: `self.name` for the object's own `async def`
    methods, and the `async def`s func defines inside itself."""
    names = {f"self.{name}" for name, method in (methods or {}).items() if isinstance(method, ast.AsyncFunctionDef)}
    return names | {node.name for node in own_nodes(func) if isinstance(node, ast.AsyncFunctionDef)}


def _makes(arg: ast.expr, coroutines: set[str]) -> bool:
    return isinstance(arg, ast.Call) and (dotted(arg.func) or "") in coroutines


def _made(arg: ast.expr, made: set[str]) -> bool:
    """A coroutine made for this call: `f(...)` right there or a local name bound to such a call."""
    return isinstance(arg, ast.Call) or (isinstance(arg, ast.Name) and arg.id in made)


def _rebound(func: FunctionNode, roots: dict[str, object]) -> set[str]:
    """Names and `self.x` fields the function assigns (outside nested functions) something other than a root."""
    return {dotted(t) or "" for s in own_nodes(func) if isinstance(s, (ast.Assign, ast.AnnAssign))
            and s.value is not None and (dotted(s.value) or "") not in roots
            for t in (s.targets if isinstance(s, ast.Assign) else [s.target])}


def _coroutine_names(func: FunctionNode) -> set[str]:
    return {t.id for s in own_nodes(func) if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
            for t in s.targets if isinstance(t, ast.Name)}
