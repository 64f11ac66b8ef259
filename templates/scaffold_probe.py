"""gapfinder's pytest plugin for `scaffold`'s run-and-adapt loop; runs in the PROJECT's interpreter.

Loaded with `-p scaffold_probe` from a temporary folder; reads its settings from the JSON file named
by GAPFINDER_PROBE and writes what it observed as JSON (gapfinder reads only that JSON back).
Standard library and pytest only. Per test it records: outcome, the exception (type, message,
whether the target's own code raised it), the value of `result`, the awaited calls of the test's
doubles, and the lines of the target file that ran. It also stops a test after a timeout, can
shuffle the order, and can run each passing test against mutants of the function it targets (code
objects swapped in memory; no file is edited). The network is cut off by gapfinder_offline.py,
loaded beside it.
"""

from __future__ import annotations

import ast
import importlib
import json
import math
import os
import random
import signal
import sys
import types

import pytest

SETTINGS: dict = {}
RESULTS: dict = {"tests": {}, "mutants": {}}
MAX_REPR = 300


# --- what a value looks like as source ---------------------------------------------------------

def _literal(value, depth: int = 0):
    """Python source that evaluates to an equal value, or None when there is none worth asserting."""
    if depth > 3:
        return None
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int) and type(value) is int:
        return repr(value)
    if isinstance(value, float) and type(value) is float:
        return repr(value) if math.isfinite(value) else None
    if type(value) in (str, bytes):
        text = repr(value)
        return text if len(text) <= MAX_REPR else None
    if type(value) in (list, tuple, set, frozenset, dict):
        if len(value) > 12 or (type(value) in (set, frozenset) and not value):
            return None
        if type(value) is dict:
            parts = []
            for key, item in value.items():
                key_src, item_src = _literal(key, depth + 1), _literal(item, depth + 1)
                if key_src is None or item_src is None:
                    return None
                parts.append(f"{key_src}: {item_src}")
            text = "{" + ", ".join(parts) + "}"
        else:
            items = [_literal(item, depth + 1) for item in (sorted(value, key=repr) if type(value) in (set, frozenset)
                                                           else value)]
            if any(i is None for i in items):
                return None
            inner = ", ".join(items)
            text = {list: f"[{inner}]", tuple: f"({inner}{',' if len(items) == 1 else ''})",
                    set: "{" + inner + "}", frozenset: "frozenset({" + inner + "})"}[type(value)]
        return text if len(text) <= MAX_REPR else None
    return None


def _source_of(value, names: dict):
    """A local variable's name when value is that very object, else its literal."""
    for name, local in names.items():
        if local is value and not isinstance(value, (bool, int, float, str, bytes, type(None))):
            return name
    return _literal(value)


def _describe(value, names: dict) -> dict:
    kind = type(value)
    found = {"literal": _literal(value), "type": f"{kind.__module__}.{kind.__qualname__}",
             "type_module": kind.__module__, "type_qualname": kind.__qualname__,
             "local": next((n for n, v in names.items() if v is value and n != "result"), None),
             "is_mock": "unittest.mock" in kind.__module__, "path": None, "attrs": {}}
    if found["is_mock"]:
        found["path"] = _mock_path(value, names)
    elif found["literal"] is None:
        found["attrs"] = _plain_attrs(value, names)
        found["items"] = _items(value)
        if type(value) in (list, tuple):
            found["length"] = len(value)
    return found


def _written(names: dict, watcher) -> list:
    """Values the code left on the test's objects: plain attributes set on its doubles, and
    attributes of the target's `self` that the target's call changed. [{"expr", "value", "on"}]."""
    found = []
    for expr, mock, _ in _doubles(names, max_depth=3):
        for name, source in _plain_attrs(mock, names, limit=8).items():
            found.append({"expr": f"{expr}.{name}", "value": source, "on": "double"})
    owner = watcher.self_obj
    local = next((n for n, v in names.items() if v is owner and n.isidentifier()), None) if owner is not None else None
    if local is not None:
        stored = _self_stores(watcher.qualname)
        after = _plain_attrs(owner, names, limit=40)
        for name, source in after.items():  # what the call changed, and what it stores even when unchanged
            if watcher.self_before.get(name) != source or name in stored:
                found.append({"expr": f"{local}.{name}", "value": source, "on": "self"})
        fields = _fields(owner)
        for name in sorted(stored - set(after)):  # `self._config = config`: the object the test passed in
            value = fields.get(name, _MISSING)
            source = _source_of(value, names) if value is not _MISSING else None
            if source is not None and len(source) <= 80 and source != local:
                found.append({"expr": f"{local}.{name}", "value": source, "on": "self",
                              "same": source.isidentifier() and source not in ("None", "True", "False")})
        for name, size in _sizes(owner).items():  # a container the call filled or emptied (`self._store[k] = v`)
            if name not in after and name not in stored and watcher.self_sizes.get(name, size) != size:
                found.append({"expr": f"len({local}.{name})", "value": repr(size), "on": "self"})
    return found


_MISSING = object()


def _fields(value) -> dict:
    """An object's own attributes: its `__dict__` and the slots it has set (a `__slots__` class has
    no `__dict__`, and `vars()` raises for it)."""
    try:
        found = dict(vars(value))
    except TypeError:
        found = {}
    for kind in type(value).__mro__:
        slots = kind.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in found and name not in ("__dict__", "__weakref__"):
                try:
                    found[name] = object.__getattribute__(value, name)
                except AttributeError:  # a slot never set
                    pass
    return found


def _sizes(owner) -> dict:
    """{attribute: length} of the plain containers (list, dict, set, deque) an object holds."""
    import collections

    return {name: len(value) for name, value in _fields(owner).items()
            if name.isidentifier() and type(value) in (list, dict, set, collections.deque)}


_STORES: dict = {}


def _self_stores(qualname: str) -> set:
    """Names of the `self.<name> = ...` (and `+=`) statements of the target function's own code."""
    if qualname not in _STORES:
        names = set()
        try:
            with open(SETTINGS["target_file"], encoding="utf-8") as handle:
                func = _find_def(ast.parse(handle.read()), qualname)
        except (OSError, SyntaxError, ValueError, KeyError):
            func = None
        for node in _own_nodes(func) if func is not None else ():
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)] \
                if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            names |= {t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                      and t.value.id == "self"}
        _STORES[qualname] = names
    return _STORES[qualname]


def _plain_attrs(value, names: dict, limit: int = 6) -> dict:
    """Up to `limit` public attributes of an object whose values are literals: {name: source}."""
    found = {}
    for name, item in _fields(value).items():
        if name.startswith("_") or not name.isidentifier() or name == "method_calls":
            continue
        source = _literal(item)
        if source is not None and len(source) <= 80:
            found[name] = source
        if len(found) == limit:
            break
    return found


def _items(value) -> dict:
    """Entries of a dict that is not a literal as a whole (a value is an object): {key source: value
    source} for the keys and values that are literals, at most six; and the length of a list/tuple."""
    if type(value) is dict:
        found = {}
        for key, item in list(value.items()):
            key_src, item_src = _literal(key), _literal(item)
            if key_src is not None and item_src is not None and len(item_src) <= 80:
                found[key_src] = item_src
            if len(found) == 6:
                break
        return found
    return {}


def _mock_path(value, names: dict):
    """`repo.get.return_value` when value is what a double the test holds returned (or that double's
    child, or the double itself under another name)."""
    for expr, mock, _ in _doubles({k: v for k, v in names.items() if k != "result"}, max_depth=4):
        if getattr(mock, "_mock_return_value", None) is value:
            return f"{expr}.return_value"
        if mock is value and "." in expr:
            return expr
    return None


def _awaited(names: dict) -> list:
    """Calls on the doubles in the test's locals: [{"expr", "kind" (awaited|called), "count", "args",
    "kwargs"}], arguments as source (None when one has none)."""
    try:
        from unittest.mock import AsyncMock
    except ImportError:  # pragma: no cover
        return []
    found = []

    def record(expr, mock, kind, count, call):
        args = [_source_of(a, names) for a in call.args]
        kwargs = {k: _source_of(v, names) for k, v in call.kwargs.items()}
        ok = all(a is not None for a in args) and all(v is not None for v in kwargs.values())
        found.append({"expr": expr, "kind": kind, "count": count,
                      "args": args if ok else None, "kwargs": kwargs if ok else None})

    for expr, mock, depth in _doubles(names, max_depth=4):
        if isinstance(mock, AsyncMock):
            if mock.await_count:
                record(expr, mock, "awaited", mock.await_count, mock.await_args)
        elif callable(mock) and getattr(mock, "call_count", 0):  # a patched function, a method, a callback
            record(expr, mock, "called", mock.call_count, mock.call_args)
    found.sort(key=lambda c: c["kind"] != "awaited")  # awaited calls first: they are what async code is for
    return found


def _doubles(names: dict, max_depth: int):
    """The doubles in the test's locals, their public children and return values, depth first, each
    once: (the expression the test would write, the double, its depth). A double is yielded before
    its children are listed, so children the caller's reading creates are visited too."""
    from unittest.mock import NonCallableMock

    seen = set()

    def visit(expr, mock, depth):
        if id(mock) in seen or depth > max_depth:
            return
        seen.add(id(mock))
        yield expr, mock, depth
        for child_name, child in list(getattr(mock, "_mock_children", {}).items()):
            if isinstance(child, NonCallableMock) and child_name.isidentifier() and not child_name.startswith("_"):
                yield from visit(f"{expr}.{child_name}", child, depth + 1)
        returned = getattr(mock, "_mock_return_value", None)
        if isinstance(returned, NonCallableMock) and depth < 2:
            yield from visit(f"{expr}.return_value", returned, depth + 1)

    for name, value in names.items():
        if isinstance(value, NonCallableMock) and name.isidentifier():
            yield from visit(name, value, 0)
    for name, value in names.items():  # doubles the test put on its objects (`client._connect = AsyncMock()`)
        if name.isidentifier() and not isinstance(value, (NonCallableMock, type, types.ModuleType)):
            for attr, child in _fields(value).items():
                if isinstance(child, NonCallableMock) and attr.isidentifier() and not attr.startswith("__"):
                    yield from visit(f"{name}.{attr}", child, 1)


# --- hooks -------------------------------------------------------------------------------------

def pytest_configure(config) -> None:
    path = os.environ.get("GAPFINDER_PROBE")
    if not path:
        return
    with open(path, encoding="utf-8") as handle:
        SETTINGS.update(json.load(handle))


def pytest_collection_modifyitems(session, config, items) -> None:
    if SETTINGS.get("select"):
        chosen = set(SETTINGS["select"])
        items[:] = [i for i in items if i.name.split("[", 1)[0] in chosen]
    if SETTINGS.get("seed") is not None:  # `repeat` passes, each in its own shuffled order
        passes = []
        for offset in range(max(1, SETTINGS.get("repeat", 1))):
            order = list(items)
            random.Random(SETTINGS["seed"] + offset).shuffle(order)
            passes += order
        items[:] = passes
    # the mutants are parsed and compiled now, before any test runs: deep inside a run's hooks CPython
    # 3.11's ast.parse can fail ("AST constructor recursion depth mismatch", seen on arq's worker.py)
    for target in sorted(set((SETTINGS.get("mutate") or {}).values())):
        _built_mutants(target)


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"the test ran longer than {SETTINGS.get('timeout')} s")


class _Watcher:
    """The test function's last locals and the target's executed lines, from one trace function:
    every other frame is left untraced, so the run costs little more than without it."""

    def __init__(self, item) -> None:
        self.name = getattr(item, "originalname", None) or item.name
        self.test_file = str(item.path) if hasattr(item, "path") else str(item.fspath)
        self.target_file = SETTINGS.get("target_file")
        self.locals: dict = {}
        self.lines: set = set()
        self.qualname = (SETTINGS.get("targets") or {}).get(self.name.split("[", 1)[0], "")
        self.target = self.qualname.rsplit(".", 1)[-1]
        self.self_obj = None  # the target's `self` on its first call, and its plain attributes then
        self.raised = None  # the exception the target's own call let out (the test's pytest.raises caught it)
        self._pending: dict = {}  # frame id -> the exception passing through it
        self.self_before: dict = {}
        self.self_sizes: dict = {}

    def trace(self, frame, event, arg):
        code = frame.f_code
        if code.co_filename == self.target_file:
            self.lines.add(frame.f_lineno)
            if self.self_obj is None and self.target and code.co_name == self.target and code.co_argcount \
                    and code.co_varnames[0] == "self":
                self.self_obj = frame.f_locals.get("self")
                self.self_before = _plain_attrs(self.self_obj, {}, limit=40) if self.self_obj is not None else {}
                self.self_sizes = _sizes(self.self_obj) if self.self_obj is not None else {}
            return self.line_trace
        if code.co_name == self.name and code.co_filename == self.test_file:
            return self.test_trace
        return None

    def line_trace(self, frame, event, arg):
        if event == "line":
            self.lines.add(frame.f_lineno)
            self._pending.pop(id(frame), None)  # handled in this frame
        elif event == "exception" and frame.f_code.co_name == self.target:
            self._pending[id(frame)] = arg[1]
        elif event == "return" and id(frame) in self._pending:
            self.raised = self._pending.pop(id(frame))
        return self.line_trace

    def test_trace(self, frame, event, arg):
        if event == "return":
            self.locals = dict(frame.f_locals)
        return self.test_trace


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not SETTINGS:
        yield
        return
    watcher = _Watcher(item)
    item._gapfinder_watcher = watcher
    mutant = getattr(item, "_gapfinder_mutant", False)
    timeout = SETTINGS.get("mutant_timeout") if mutant else SETTINGS.get("timeout")
    use_alarm = bool(timeout) and hasattr(signal, "SIGALRM")
    tracing = sys.gettrace() is None and not mutant  # never on top of coverage's own tracer
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
    if tracing:
        sys.settrace(watcher.trace)
    try:
        yield
    finally:
        if tracing:
            sys.settrace(None)
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _raised_in_target(excinfo) -> str:
    """"raise" when a raise statement of the target file raised it, "code" when another line of the
    target's code did (an operation failed there), "" when it came from elsewhere."""
    import linecache

    tb, last = excinfo.tb, None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None or last.tb_frame.f_code.co_filename != SETTINGS.get("target_file"):
        return ""
    line = linecache.getline(last.tb_frame.f_code.co_filename, last.tb_lineno).strip()
    return "raise" if line.startswith("raise") else "code"


def _own_helper(excinfo, test: str):
    """{"name", "async"} of the method of the target's own object that the target called and the
    exception came through (an unconnected client's `_ehlo_or_helo_if_needed`), or None: a draft
    that doubles it reaches the target's own code instead of stopping at the helper's raise."""
    import inspect

    qualname = (SETTINGS.get("targets") or {}).get(test, "")
    if "." not in qualname:
        return None
    method = qualname.rsplit(".", 1)[1]
    tb = excinfo.tb
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename == SETTINGS.get("target_file") and frame.f_code.co_name == method:
            nxt = tb.tb_next
            owner = frame.f_locals.get("self")
            if nxt is None or owner is None or nxt.tb_frame.f_locals.get("self") is not owner:
                return None
            name = nxt.tb_frame.f_code.co_name
            if name == method or name.startswith("__") or not callable(getattr(type(owner), name, None)):
                return None
            return {"name": name, "async": bool(nxt.tb_frame.f_code.co_flags & inspect.CO_COROUTINE)}
        tb = tb.tb_next
    return None


def _test_line(excinfo, item) -> str:
    """The source line of the test function where the failure surfaced (an assertion), stripped."""
    import linecache

    test_file = str(item.path) if hasattr(item, "path") else str(item.fspath)
    tb, found = excinfo.tb, ""
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == test_file:
            found = linecache.getline(test_file, tb.tb_lineno).strip()
        tb = tb.tb_next
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not SETTINGS or getattr(item, "_gapfinder_mutant", False):
        return
    report = outcome.get_result()
    name = item.name
    entry = RESULTS["tests"].setdefault(name, {"outcome": "passed", "phase": None})
    if report.failed and entry["phase"] is None:
        entry["outcome"] = "failed" if call.when == "call" else "error"
        entry["phase"] = call.when
        if call.excinfo is not None:
            exc = call.excinfo.value
            kind = type(exc)
            entry["exc_type"] = f"{kind.__module__}.{kind.__qualname__}"
            entry["exc_module"], entry["exc_qualname"] = kind.__module__, kind.__qualname__
            entry["message"] = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            entry["exc_attrs"] = _plain_attrs(exc, {}, limit=3)  # an HTTPException's status_code and detail
            entry["in_target"] = _raised_in_target(call.excinfo)
            helper = _own_helper(call.excinfo, item.name.split("[", 1)[0])
            if helper is not None:
                entry["own_helper"] = helper
            entry["test_line"] = _test_line(call.excinfo, item)
            entry["timeout"] = isinstance(exc, _Timeout)
    elif report.skipped and call.when in ("setup", "call"):
        entry["outcome"] = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    if call.when == "call":
        watcher = getattr(item, "_gapfinder_watcher", None)
        if report.passed and hasattr(report, "wasxfail"):
            entry["outcome"] = "xpassed"
        if watcher is not None:
            try:
                _observe(entry, watcher, report)
            except Exception as exc:  # a value the probe cannot read costs this test's observations, not the run
                entry["probe_error"] = f"{type(exc).__name__}: {exc}"[:200]


def _observe(entry: dict, watcher, report) -> None:
    """What the test's call returned, awaited, raised and wrote, and which lines of the target ran."""
    entry["lines"] = sorted(watcher.lines)
    names = {k: v for k, v in watcher.locals.items() if not k.startswith("@")}
    if "result" in names:
        entry["result"] = _describe(names["result"], names)
    entry["awaited"] = _awaited(names)
    if report.passed and watcher.raised is not None:  # what the exception the test expected carried
        entry["raised_attrs"] = _plain_attrs(watcher.raised, {}, limit=3)
    entry["written"] = _written(names, watcher)


# --- mutants -----------------------------------------------------------------------------------

FLIPS = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
         ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


def _find_def(tree, qualname: str):
    scope, node = tree, None
    for part in qualname.split("."):
        node = next((s for s in scope.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and s.name == part), None)
        if node is None:
            return None
        scope = node
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _own_nodes(func):
    """The function's nodes, without those of nested functions and classes."""
    stack = list(func.body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _mutations(func):
    """(label, edit) pairs; each edit changes the function's tree in place once. Up to two of each
    kind, so a test that checks the second awaited call is not judged by the first alone."""
    nodes = list(_own_nodes(func))
    found = []
    for compare in [n for n in nodes if isinstance(n, ast.Compare) and type(n.ops[0]) in FLIPS][:2]:
        def flip(node=compare):
            node.ops[0] = FLIPS[type(node.ops[0])]()
        found.append(("flip a comparison", flip))
    if not found:
        for branch in [n for n in nodes if isinstance(n, (ast.If, ast.While, ast.IfExp))][:2]:
            def negate(node=branch):
                node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
            found.append(("negate a condition", negate))
    returns = [n for n in nodes if isinstance(n, ast.Return) and n.value is not None
               and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
    if returns:
        def none(nodes=returns):
            for node in nodes:
                node.value = ast.Constant(value=None)
        found.append(("return None", none))
    for awaited in [n for n in nodes if isinstance(n, ast.Expr) and isinstance(n.value, ast.Await)][:3]:
        def drop(node=awaited):
            node.value = ast.Constant(value=None)
        found.append(("drop an awaited call", drop))
    for raising in [n for n in nodes if isinstance(n, ast.Raise)][:2]:
        def skip(node=raising):
            _replace(func, node, ast.Pass())
        found.append(("skip a raise", skip))
    calls = [n for n in nodes if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    if len(found) < 2:
        for call in calls[:2]:
            def drop_call(node=call):
                node.value = ast.Constant(value=None)
            found.append(("drop a call", drop_call))
    writes = [n for n in nodes if isinstance(n, (ast.Assign, ast.AugAssign, ast.Delete))
              and any(isinstance(t, ast.Attribute) or (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute))
                      for t in getattr(n, "targets", [getattr(n, "target", None)]))]
    if len(found) < 2:  # code that only stores values (an `__init__`, a setter, `self._items[k] = v`): the store is its behaviour
        for write in writes[:2]:
            def skip_write(node=write):
                _replace(func, node, ast.Pass())
            found.append(("drop a write to an attribute", skip_write))
    return found[:8]


def _replace(func, old, new) -> None:
    """Put new where the statement old stands in func's tree."""
    for node in ast.walk(func):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and any(s is old for s in block):
                block[[id(s) for s in block].index(id(old))] = ast.copy_location(new, old)
                return


def _code_objects(code, prefix=""):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            qualname = f"{prefix}{const.co_name}"
            yield qualname, const
            yield from _code_objects(const, qualname + ".")


def _live_function(module, qualname: str):
    value = module
    for part in qualname.split("."):
        holder = value
        value = holder.__dict__.get(part) if hasattr(holder, "__dict__") else None
        if value is None:
            value = getattr(holder, part, None)
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            value = value.fget
    seen = 0
    while value is not None and not isinstance(value, types.FunctionType) and seen < 5:
        value = getattr(value, "__wrapped__", None) or getattr(value, "__func__", None)
        seen += 1
    while isinstance(value, types.FunctionType) and value.__code__.co_filename != SETTINGS.get("target_file") \
            and hasattr(value, "__wrapped__") and seen < 10:
        value, seen = value.__wrapped__, seen + 1
    return value if isinstance(value, types.FunctionType) else None


_MUTANT_CACHE: dict = {}


def _built_mutants(qualname: str):
    """The mutants of `qualname`, or the reason they could not be built (a str): that costs the
    test its mutant check, never the run."""
    try:
        return _mutant_codes(qualname)
    except Exception as exc:  # noqa: BLE001 - a parser or compiler failure on the target's file
        _MUTANT_CACHE[qualname] = why = f"mutants could not be built: {type(exc).__name__}: {exc}"[:200]
        return why


def _mutant_codes(qualname: str):
    """[(label, code object)] for the target's function `qualname`, compiled from the file on disk."""
    if qualname in _MUTANT_CACHE:
        return _MUTANT_CACHE[qualname]
    path = SETTINGS["target_file"]
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    codes = []
    count = len(_mutations(_find_def(ast.parse(source), qualname) or ast.parse("def f(): pass").body[0]))
    for index in range(count):
        tree = ast.parse(source)
        func = _find_def(tree, qualname)
        if func is None:
            break
        label, edit = _mutations(func)[index]
        edit()
        ast.fix_missing_locations(tree)
        try:
            compiled = compile(tree, path, "exec")
        except (SyntaxError, ValueError):
            continue
        code = dict(_code_objects(compiled)).get(qualname)
        if code is not None:
            codes.append((label, code))
    _MUTANT_CACHE[qualname] = codes
    return codes


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    yield
    targets = SETTINGS.get("mutate") or {}
    target = targets.get(item.name.split("[", 1)[0])
    entry = RESULTS["tests"].get(item.name)
    if not target or entry is None or entry["outcome"] != "passed" or item.name in RESULTS["mutants"]:
        return
    module = _target_module()
    function = _live_function(module, target) if module is not None else None
    if function is None:
        RESULTS["mutants"][item.name] = {"total": 0, "killed": 0, "why": "function not found"}
        return
    from _pytest.runner import runtestprotocol

    codes = _built_mutants(target)
    if isinstance(codes, str):
        RESULTS["mutants"][item.name] = {"total": 0, "killed": 0, "why": codes}
        return
    original = function.__code__
    killed, total, labels = 0, 0, []
    for label, code in codes:
        if len(code.co_freevars) != len(original.co_freevars):
            continue
        total += 1
        item._gapfinder_mutant = True
        try:
            function.__code__ = code
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
        except BaseException:  # noqa: BLE001 - a mutant that breaks the run counts as killed
            reports = None
        finally:
            function.__code__ = original
            item._gapfinder_mutant = False
        dead = reports is None or any(r.failed for r in reports) or any(
            r.when == "call" and r.skipped for r in reports)
        killed += dead
        if dead:
            labels.append(label)
    RESULTS["mutants"][item.name] = {"total": total, "killed": killed, "killed_by": labels}


def _target_module():
    """The module object of the target file, whatever name the tests imported it under."""
    target = os.path.realpath(SETTINGS.get("target_file", ""))
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and os.path.realpath(path) == target:
            return module
    try:
        return importlib.import_module(SETTINGS.get("target_module", ""))
    except Exception:  # noqa: BLE001 - not importable under that name either
        return None


def pytest_sessionfinish(session, exitstatus) -> None:
    if SETTINGS.get("out"):
        with open(SETTINGS["out"], "w", encoding="utf-8") as handle:
            json.dump(RESULTS, handle)
