"""Compare each double with how the code under test uses it: GF101-GF105, GF107.

A rule fires only when the usage is consistent: a value the code both awaits and calls
synchronously (in different branches or functions) is ambiguous and reported by no rule.
"""

from __future__ import annotations

import ast

from gapfinder.doctor.handover import hands_over_doubles
from gapfinder.doctor.values import ASSERT_CALLED, Shared, where
from gapfinder.doctor.helpers import shown
from gapfinder.doctor.mocks import MockNode
from gapfinder.doctor.model import Edit, Finding
from gapfinder.doctor.patches import TASK_STARTERS
from gapfinder.doctor.producers import real_producers
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule, merge
from gapfinder.core.usage.tree import FunctionNode
from gapfinder.core.usage.tree import Guard, UsageTree

KIND = {"async": "an AsyncMock", "magic": "a MagicMock", "mock": "a Mock"}


class Comparer:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.usage_of: dict[int, list[UsageTree]] = {}
        self.seen: set[tuple[int, int]] = set()
        self.likely = False  # the usage was found by a weaker link (the whole module's use of a patched name)
        self.where = ""  # "path:line" of the code under test the current double is compared with
        self.where_of: dict[int, str] = {}
        self.not_called: set[int] = set()  # doubles the test asserts were never called
        self.sure = True
        self.weak: set[int] = set()  # doubles linked to the code by a weak link only (every use of a name)
        self.patched: set[str] = set()  # schedulers the test patched so they drop the coroutine (`create_task`)
        self.objects: set[int] = set()  # usage trees of objects the test built (not None)
        self.node_of: dict[int, MockNode] = {}  # usage tree (and the trees merged into it) -> the double met there

    def emit(self, code: str, node: MockNode, message: str, edit: Edit | None = None,
             related: tuple[int, ...] = ()) -> None:
        confidence = "likely" if self.likely or node.evidence or node.weak or not self.sure else "certain"
        message += self.cite(node)
        self.findings.append(Finding(code, node.path, node.line, node.col, message, edit, confidence, related))

    def cite(self, node: MockNode, where: str | None = None) -> str:
        """The evidence linking the double to the code: where it was built, where the code uses it."""
        parts = [f"double built by {node.evidence}"] if node.evidence else []
        where = self.where if where is None else where
        if where:
            parts.append(f"used by {where}")
        return f" [{'; '.join(parts)}]" if parts else ""

    def walk(self, node: MockNode | None, use: UsageTree, via_await: bool, text: str, depth: int = 0,
             anchor: tuple[MockNode, UsageTree] | None = None) -> None:
        if not isinstance(node, MockNode):  # an object of a project class kept in a dict: links.py pairs its fields
            return
        for origin in [*use.origins, use]:
            self.node_of.setdefault(id(origin), node)
        if use.calls and all(self.fails(c.guards) for c in use.calls):
            return  # every call sits behind a condition the test's own values make false: it never runs
        if node.kind == "value" and node.entries and use.item is not None and depth <= 30:
            for key, entry in node.entries.items():  # `shards[i].request(...)` with `shards = {0: m0, 1: m1}`
                self.walk(entry, use.item, via_await, f"{text}[{key!r}]", depth + 1, anchor)
            return
        if node is not None and node.kind == "value" and node.items and use.elements and depth <= 30:
            for item, element in zip(node.items, use.elements):  # `a, b = await f()` with f returning a tuple
                self.walk(item, element, False, f"{text}[{use.elements.index(element)}]", depth + 1, anchor)
            return
        if node is not None and node.kind == "value" and node.items and use.iter_item is not None and depth <= 30:
            for index, item in enumerate(node.items):  # `for m in channel.members` with members = [m0, m1]
                self.walk(item, use.iter_item, via_await, f"(item of {text})", depth + 1, anchor)
            return
        if node is None or not node.is_double or depth > 30 or (id(node), id(use)) in self.seen:
            return
        self.seen.add((id(node), id(use)))
        if self.likely:
            self.weak.add(id(node))
        self.usage_of.setdefault(id(node), []).append(use)
        self.where_of.setdefault(id(node), self.where)
        outer = self.sure  # certain only on a path the code always takes (a call on its straight path)
        self.sure = outer and (any(c.always and self.hold(c.guards) for c in use.calls) or use.awaited_always
                               or (not use.calls and use.awaited is None))
        try:
            self.judge(node, use, via_await, text, depth, anchor)
        finally:
            self.sure = outer

    def only_patched_schedulers(self, use: UsageTree) -> bool:
        """Every call of this value hands its coroutine to a scheduler the test patched to drop it: nothing
        awaits it (a patch whose side_effect runs the coroutine, `ensure_future(coro)`, still does)."""
        return bool(use.calls) and all(c.via and c.via in self.patched for c in use.calls)

    @staticmethod
    def result(node: MockNode) -> MockNode | None:
        """What a call of the double gives: its return_value, unless the test set a side_effect (then the
        side_effect decides: it raises, or returns values the test did not build as this node)."""
        return node.child("return_value") if node.side_effect is None else None

    def fails(self, guards: tuple[Guard, ...]) -> bool:
        """A guard the test's values make false: `not x()` with x's return_value set to a truthy literal or
        left a (truthy) double, `if x:` / `x is not None` with x set to a falsy literal or None."""
        for guard in guards:
            node = self.node_of.get(id(guard.subject))
            if node is None or guard.kind == "protocol":
                continue
            if node.kind == "value" and node.text:
                try:
                    truth = bool(ast.literal_eval(node.text))
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    continue
                if guard.kind == "falsy" and truth or guard.kind == "truthy" and not truth \
                        or guard.kind == "not-none" and node.text == "None":
                    return True
            elif guard.kind == "falsy" and node.is_double and "__bool__" not in node.attrs:
                return True
        return False

    def hold(self, guards: tuple[Guard, ...]) -> bool:
        """Every guard's subject is a double the walk met: not None and truthy; a bare one (no spec, none
        of the Protocol's members deleted) is an instance of a runtime-checkable Protocol."""
        for guard in guards:
            if guard.kind == "not-none" and id(guard.subject) in self.objects:
                continue  # an object of a project class the test built and the code reads back
            node = self.node_of.get(id(guard.subject))
            if guard.kind == "falsy":  # `not x`: holds for a value the test set falsy, never for a double
                if node is None or node.kind != "value" or not _literal_falsy(node.text):
                    return False
                continue
            if node is None or not node.is_double or "__bool__" in node.attrs:
                return False
            if guard.kind == "protocol" and (node.spec or node.kind == "spec" or any(
                    name in node.attrs and not node.attrs[name].is_double for name in guard.members)):
                return False
        return True

    def judge(self, node: MockNode, use: UsageTree, via_await: bool, text: str, depth: int,
              anchor: tuple[MockNode, UsageTree] | None) -> None:
        via_await = via_await and not node.explicit
        if node.explicit or anchor is None:
            anchor = (node, use)
        self.anchor = anchor
        sync, awaited = use.call is not None, use.awaited_call is not None
        if node.kind == "spec":  # a double of unknown kind: record how its children are used, judge nothing
            for name, child in use.attrs.items():
                self.walk(node.child(name), child, False, f"{text}.{name}", depth + 1, anchor)
            returned = node.attrs.get("return_value")  # configured: what both `x()` and `await x()` give
            for result, how in ((use.call, f"{text}()"), (use.awaited_call, f"(await {text}(...))")):
                if returned is not None and result is not None:
                    self.walk(returned, result, False, how, depth + 1)
            for method, used, how in (("__aenter__", use.aenter, f"(async with {text})"),
                                      ("__enter__", use.enter, f"(with {text})")):
                entered = node.attrs.get(method)  # what the test set as the entered value, through the spec
                if used is not None and entered is not None and "return_value" in entered.configured:
                    self.walk(entered.attrs["return_value"], used, False, how, depth + 1)
            return
        if node.kind == "async":
            self.async_node(node, use, via_await, text, sync, awaited, depth)
        else:
            self.sync_node(node, use, via_await, text, sync, awaited, depth)
        for name, child in use.attrs.items():
            self.walk(node.child(name), child, via_await, f"{text}.{name}", depth + 1, anchor)
        entered = node.attrs.get("__enter__")  # `with x as m`: m is what the test set __enter__ to return
        if use.enter is not None and entered is not None and "return_value" in entered.configured:
            self.walk(entered.attrs["return_value"], use.enter, False, f"(with {text})", depth + 1)

    def async_node(self, node: MockNode, use: UsageTree, via_await: bool, text: str, sync: bool,
                   awaited: bool, depth: int) -> None:
        label = node.label or text
        if sync and not awaited:
            result = use.call
            assert result is not None
            # the coroutine is collected or handed on (`coros.append(f())`, `create_task(f())`): it may
            # well be awaited later, so nothing says the AsyncMock is wrong
            deferred = result.awaited is not None or (  # `p = f(); await p`: awaited after all
                not result.used and any(not p.startswith("kw:") for p in result.passed_to))
            if deferred:
                pass
            elif result.aenter is not None or result.aiter_item is not None:
                protocol = "async with" if result.aenter is not None else "async for"
                self.emit("GF103", node, f"the code uses `{protocol} {text}(...)` but `{label}` is an AsyncMock: "
                          f"calling it returns a coroutine, which supports no `{protocol}`; use a MagicMock and "
                          f"configure {'__aenter__' if protocol == 'async with' else '__aiter__'}")
            elif via_await:
                self.emit("GF102", node, f"the code calls `{text}()` synchronously, but `{label}` is reached "
                          "through an awaited AsyncMock's return_value, so it is an AsyncMock and returns a "
                          "coroutine; give the awaited call an explicit MagicMock return_value")
            else:
                root, root_use = self.anchor
                edit = None
                if root.ctor is not None and not root_use.is_async:
                    edit = _rename_ctor(root.ctor)
                # reported where the AsyncMock is built (the fix renames it); the line that configures the
                # child (`m.parse_uri.return_value = uri`) is named as related
                configured = (node.line,) if node is not root and node.located and node.path == root.path \
                    and node.line != root.line else ()
                self.emit("GF101", root, f"`{label}` is an AsyncMock but the code calls `{text}()` without "
                          "await: it returns a coroutine that is never awaited; use a MagicMock "
                          "(AsyncMock only for awaited leaves)"
                          + (f" [configured at line {configured[0]}]" if configured else ""), edit, configured)
        if use.awaited is not None and not awaited and not sync:
            self.emit("GF104", node, f"the code awaits `{text}` itself, and an AsyncMock is not awaitable "
                      "(only its calls are); use a done future or an awaitable object")
        if awaited:
            assert use.awaited_call is not None
            self.truthy_result(node, use.awaited_call, f"await {text}(...)")
            self.walk(self.result(node), use.awaited_call, True, f"(await {text}(...))", depth + 1)

    def truthy_result(self, node: MockNode, result: UsageTree, text: str) -> None:
        """GF108: the code branches on a call result the test never configured (a mock is always truthy).

        Only on the code's straight path and a direct link: a branch point the test may never reach (an
        `if` on another branch, a loop over nothing) was a false finding in every case measured on real suites."""
        weak = self.likely or node.evidence or node.weak or not self.sure
        if result.branched_on and node.side_effect is None and "return_value" not in node.attrs \
                and not node.spec and id(node) not in self.not_called and not weak:
            self.emit("GF108", node, f"the code branches on `{text}`, but the test never set `{node.label or text}`'s "
                      "return_value: a mock's result is always truthy, so the test only ever takes one branch; "
                      "set return_value (or side_effect) to the value the test means")

    def sync_node(self, node: MockNode, use: UsageTree, via_await: bool, text: str, sync: bool,
                  awaited: bool, depth: int) -> None:
        label = node.label or text
        what = KIND[node.kind]
        if awaited and not sync and not self.only_patched_schedulers(use):
            returned = node.attrs.get("return_value")
            if node.side_effect is None and (returned is None or returned.kind in ("magic", "mock", "value")):
                self.emit("GF104", node, f"the code awaits `{text}(...)` but `{label}` is {what}: its result "
                          f"can't be used in 'await' expression; make it an AsyncMock (or patch with autospec=True)")
        if use.awaited is not None and not awaited and not sync:
            self.emit("GF104", node, f"the code awaits `{text}` but `{label}` is {what}, which is not awaitable")
        if sync:
            assert use.call is not None
            self.truthy_result(node, use.call, f"{text}(...)")
            self.walk(self.result(node), use.call, via_await, f"{text}()", depth + 1, self.anchor)
        configured = node.configured | {n for n, c in node.attrs.items() if c.explicit or c.configured}
        if use.aenter is not None:
            if node.kind == "mock" and "__aenter__" not in node.attrs:
                self.emit("GF103", node, f"the code uses `async with {text}` but `{label}` is a Mock, which has no "
                          "__aenter__; use a MagicMock")
            elif "__enter__" in configured and "__aenter__" not in configured:
                self.emit("GF103", node, f"the code uses `async with {text}` but the test configured `__enter__`; "
                          "configure `__aenter__.return_value` instead")
            else:
                enter = node.child("__aenter__")
                if enter is not None:
                    self.walk(enter.child("return_value"), use.aenter, True, f"(async with {text})", depth + 1)
        if use.enter is not None and "__aenter__" in configured and "__enter__" not in configured:
            self.emit("GF103", node, f"the code uses `with {text}` but the test configured `__aenter__`; "
                      "configure `__enter__.return_value` instead")
        if use.aiter_item is not None:
            if node.kind == "mock" and "__aiter__" not in node.attrs:
                self.emit("GF103", node, f"the code uses `async for ... in {text}` but `{label}` is a Mock, which "
                          "has no __aiter__; use a MagicMock and set __aiter__.return_value")
            elif "__iter__" in configured and "__aiter__" not in configured:
                self.emit("GF103", node, f"the code uses `async for ... in {text}` but the test configured "
                          "`__iter__`; set `__aiter__.return_value` instead")
            else:
                self.items(node, "__aiter__", use.aiter_item, text, depth)
        if use.iter_item is not None:
            if "__aiter__" in configured and "__iter__" not in configured:
                self.emit("GF103", node, f"the code uses `for ... in {text}` but the test configured `__aiter__`; "
                          "set `__iter__.return_value` instead")
            else:
                self.items(node, "__iter__", use.iter_item, text, depth)

    def items(self, node: MockNode, method: str, use: UsageTree, text: str, depth: int) -> None:
        configured = node.attrs.get(method)
        returned = configured.attrs.get("return_value") if configured is not None else None
        for item in (returned.items or []) if returned is not None else []:
            self.walk(item, use, False, f"(item of {text})", depth + 1)


def _literal_falsy(text: str) -> bool:
    try:
        return bool(text) and not ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def _rename_ctor(ctor: ast.Call) -> Edit | None:
    func = ctor.func
    if isinstance(func, ast.Name):
        return Edit("rename", func.lineno, func.col_offset, "MagicMock", "AsyncMock",
                    (("unittest.mock", "MagicMock"),))
    if isinstance(func, ast.Attribute):
        return Edit("rename", func.lineno, func.col_offset, "MagicMock", "AsyncMock")
    return None


def handed_coroutines(shared: Shared, target: str) -> bool:
    """Every call of the scheduler in the code the test calls is handed a coroutine made there: by a project
    function the test left alone, or by one it replaced with a double that makes one all the same."""
    patched = {name.rpartition(".")[2] for _, _, name in shared.patched} | \
        {t.rpartition(".")[2] for _, t in shared.library_patched} | {name for _, _, name in shared.class_patched}
    called = [(m, f, c, r | patched) for m, f, c, r in shared.called]
    doubles = {name: double for double, _, name in shared.patched} | \
        {f"self.{name}": double for double, _, name in shared.class_patched}
    return real_producers(called, target.rpartition(".")[2], doubles) is True


def _hands_back(effect: ast.expr | None) -> bool:
    """`lambda coro, **kw: coro`: a sync side_effect that returns the first argument it is given."""
    if not isinstance(effect, ast.Lambda):
        return False
    params = effect.args.posonlyargs + effect.args.args
    return bool(params) and isinstance(effect.body, ast.Name) and effect.body.id == params[0].arg


def _raises(effect: ast.expr | None) -> bool:
    """A side_effect that is an exception (class or instance): the mock raises and drops its argument."""
    target = effect.func if isinstance(effect, ast.Call) else effect
    name = (dotted(target) or "") if target is not None else ""
    return name.rsplit(".", 1)[-1].endswith(("Error", "Exception", "Timeout", "Cancelled", "Interrupt", "Exit"))


def library_use(module: IndexedModule, func: FunctionNode, cls: ast.ClassDef | None,
                target: str, replaced: frozenset[str] = frozenset()) -> UsageTree | None:
    """How `func` uses a patched library name: through `import lib` (lib.Name) or `from lib import Name`."""
    for name, (origin, attr) in module.model.imports.items():
        full = f"{origin}.{attr}" if attr else origin
        if target == full:
            path: list[str] = []
        elif target.startswith(full + ".") and attr is None:
            path = target[len(full) + 1:].split(".")
        else:
            continue
        params = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
        if name in params:
            continue
        use: UsageTree | None = module.usage(func, cls, [name], replaced)[name]
        for part in path:
            use = use.attrs.get(part) if use is not None else None
        if use is not None and use.used:
            return use
    return None


def check(shared: Shared) -> list[Finding]:
    comparer = Comparer()
    comparer.not_called = shared.not_called
    comparer.objects = shared.objects
    # schedulers the test patched with a double that drops what it is handed (no side_effect that runs it)
    comparer.patched = {target.rpartition(".")[2] for node, _, target, _ in shared.schedulers
                        if node.side_effect is None or _raises(node.side_effect)}
    grouped: dict[int, tuple[MockNode, list[UsageTree], list[str], bool]] = {}
    for node, module, name in shared.patched:
        seen: set[int] = set()
        for other, func, cls, replaced in shared.called:
            params = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
            if other is module and id(func) not in seen and name not in params:
                seen.add(id(func))
                entry = grouped.setdefault(id(node), (node, [], [], False))
                entry[1].append(module.usage(func, cls, [name], replaced | {name})[name])
                entry[2].append(where(module, func))
        if id(node) not in grouped and node.explicit and shared.helper_entry:
            # A helper module linted on its own (no test calls it): compare with how every function
            # of the patched module uses the name (a weaker link: likely, not certain).
            use = module.global_usage(name)
            if use is not None:
                grouped[id(node)] = (node, [use], [f"every use of `{name}` in {shown(module.path)}"], True)
    for node, target in shared.library_patched:
        for module, func, cls, replaced in shared.called:
            use = library_use(module, func, cls, target, replaced)
            if use is not None:
                entry = grouped.setdefault(id(node), (node, [], [], False))
                entry[1].append(use)
                entry[2].append(where(module, func))
    for node, use, at in shared.pairs:
        entry = grouped.setdefault(id(node), (node, [], [], False))
        entry[1].append(use)
        entry[2].append(at)
    for node, uses, places, likely in grouped.values():
        comparer.likely, comparer.where = likely, ", ".join(dict.fromkeys(places[:2]))
        comparer.walk(node, merge(uses), False, node.label or "mock")
    findings = comparer.findings
    for node, attr, path in shared.asserts:
        uses = comparer.usage_of.get(id(node))
        if not uses or node.kind not in ("async", "spec"):
            continue
        use = merge(uses)
        # `return rest.fetch(...)` awaited by the test (`await entry(...)`): the call's coroutine is awaited too
        later = use.call is not None and use.call.awaited is not None and not use.call.calls and not use.call.attrs
        if (use.awaited_call is not None or later) and (use.call is None or later) \
                and not comparer.only_patched_schedulers(use):
            new = ASSERT_CALLED[attr.attr]
            # the test's own assertion proves the call happened, and every call the linked code makes
            # is awaited (on a branch or not): certain whatever built the double (a helper, a spec'd Mock
            # subclass), unless the link is weak; the rename is offered only for a plain AsyncMock (a
            # spec'd child may not have assert_awaited*). A coroutine only handed to a task starter
            # (`loop.create_task(self.throttle())`) is awaited by a task that may not have run when the test
            # asserts, unless the test awaited a task, a future or asyncio.sleep before: else likely only
            scheduled = bool(use.calls) and all(c.via in TASK_STARTERS for c in use.calls) \
                and id(attr) not in shared.after_yield
            certain = id(node) not in comparer.weak and not scheduled
            renamable = certain and node.kind == "async" and not node.evidence
            findings.append(Finding(
                "GF105", path, attr.lineno, attr.col_offset,
                f"`{node.label or 'mock'}` is awaited by the code; `{attr.attr}` passes even if it was never "
                f"awaited: use `{new}`" + comparer.cite(node, comparer.where_of.get(id(node), "")),
                Edit("rename", attr.lineno, attr.col_offset, new, attr.attr) if renamable else None,
                "certain" if certain else "likely"))
    findings += [finding for node, finding in shared.handoffs if id(node) not in shared.not_called]
    return findings + dropping_schedulers(shared)


def dropping_schedulers(shared: Shared) -> list[Finding]:
    """GF107 for a scheduler or loop runner the test patched with a double that drops the coroutine."""
    findings: list[Finding] = []
    asserted_called = {id(node) for node, _, _ in shared.asserts}
    for node, call, target, path in shared.schedulers:
        # raising drops the argument too, but only a project runner is always handed a coroutine, or
        # a scheduler the code hands a coroutine made right there at every call
        handed = id(node) in shared.runners or handed_coroutines(shared, target)
        raises = _raises(node.side_effect) and handed
        # an AsyncMock whose sync side_effect hands the coroutine back (`lambda coro, **kw: coro`): awaiting
        # the mock gives the coroutine itself, which nothing awaits
        back = node.kind == "async" and _hands_back(node.side_effect) and handed
        # a patch the test asserts was never called drops nothing, unless it also asserts a call
        unused = id(node) in shared.not_called and id(node) not in asserted_called
        # a list of values as side_effect returns them in turn and drops the argument, as return_value does
        listed = isinstance(node.side_effect, (ast.List, ast.Tuple))
        if node.is_double and (node.side_effect is None or raises or listed or back) and not unused \
                and not shared.closes and not hands_over_doubles(shared, target):
            # a decorator's double is reported where the test body configures what it returns (the line a
            # fix changes), a raising side_effect where it is set, any other where it is made; the other
            # places are named in the message and kept as related lines
            result = node.attrs.get("return_value") if "return_value" in node.configured else None
            # where the test set it (`run.return_value = future`), not where it built the value
            result_at = node.set_at.get("return_value") or ((result.line, result.col) if result is not None else None)
            result_at = result_at if result_at and result_at[0] else None
            setting = [("patched", call.lineno)] + ([("return_value", result_at[0])] if result_at else [])
            if (raises or listed or back) and node.side_effect is not None:
                setting.append(("side_effect", node.side_effect.lineno))
            line, col = call.lineno, call.col_offset
            if result_at is not None and id(node) in shared.decorated:
                line, col = result_at
            if (raises or back) and node.side_effect is not None:
                line, col = node.side_effect.lineno, node.side_effect.col_offset
            setting = [(what, n) for what, n in setting if n != line]
            related = tuple(sorted({n for _, n in setting}))
            # when the test replaced other functions too, the coroutine the code hands over may itself
            # come from one of those doubles (then nothing is dropped): likely, not certain, unless the
            # code under test shows every coroutine it hands over is made by a function left alone
            others = shared.patches > sum(scheduler.kind != "async" for scheduler, _, _, _ in shared.schedulers)
            if others:
                others = handed_coroutines(shared, target) is not True
            shape = ("an AsyncMock whose side_effect hands the coroutine it is given back (awaiting the mock gives "
                    "that coroutine, never awaited, never run); make the side_effect an `async def` that awaits it"
                    if back else f"{KIND[node.kind]} that drops the coroutine it is given (never awaited, never "
                    "run); do not patch it, or close the coroutine in a side_effect")
            findings.append(Finding(
                "GF107", path, line, col, f"`{target}` is patched with {shape}"
                + "".join(f" [{what} at line {n}]" if what == "patched" else f" [{what} set at line {n}]"
                          for what, n in setting),
                None, "likely" if others or node.evidence else "certain", related))
    return findings
