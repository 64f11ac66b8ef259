"""How a test builds its doubles: one MockNode per value, with the children the test configured.

Read from the test's `ast` in statement order: constructors (AsyncMock/MagicMock/Mock and their
keywords), attribute assignments (`s.execute.return_value.scalars.return_value.all.return_value = rows`),
`configure_mock`, `patch`/`patch.object`/`mocker.patch`/`monkeypatch.setattr`. Children the test did
not set are the ones unittest.mock creates (see ../shared/mock-shapes.md): children and return values
of an AsyncMock are AsyncMocks except sync magic methods; a MagicMock's __aenter__/__aexit__/__anext__
are AsyncMocks. A spec, autospec or wraps makes the children's kinds unknown ("spec"): they are still
doubles (the code's use of them is recorded, an `assert_called*` on an awaited one is reported as likely),
but no rule that needs the kind looks there. Anything else unknown is "opaque".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from gapfinder.core.symbols import dotted, import_bindings
from gapfinder.doctor.shims import mock_origins

MOCK_CLASSES = {"AsyncMock": "async", "MagicMock": "magic", "NonCallableMagicMock": "magic",
                "Mock": "mock", "NonCallableMock": "mock"}
MOCK_MODULES = ("unittest.mock", "mock", "pytest_mock")
ASYNC_MAGIC = frozenset({"__aenter__", "__aexit__", "__anext__"})
SYNC_MAGIC = frozenset({"__enter__", "__exit__", "__getitem__", "__setitem__", "__delitem__", "__len__",
                        "__iter__", "__aiter__", "__contains__", "__bool__", "__str__", "__int__", "__float__",
                        "__hash__", "__sizeof__", "__fspath__", "__index__", "__complex__", "__round__",
                        "__lt__", "__gt__", "__le__", "__ge__", "__eq__", "__ne__"})
MOCK_API = ("assert_", "call_args", "call_count", "called", "mock_calls", "method_calls", "await_",
            "reset_mock", "configure_mock", "attach_mock", "mock_add_spec", "side_effect")


@dataclass(eq=False)
class MockNode:
    """One value in a test: a double (async | magic | mock | spec: a double of unknown kind), a literal
    ("value") or unknown ("opaque")."""

    kind: str
    explicit: bool  # built here by a constructor or patch (not a default child)
    line: int
    col: int
    spec: bool = False  # spec/autospec/wraps: children unknown
    attrs: dict[str, MockNode] = field(default_factory=dict)
    side_effect: ast.expr | None = None
    ctor: ast.Call | None = None  # the constructor call, for fixes
    label: str = ""  # how the test names it: "session", "session.execute"
    items: list[MockNode] | None = None  # a list literal's elements (`__aiter__.return_value = [a, b]`)
    entries: dict[object, MockNode] | None = None  # a dict literal's values by constant key (`{0: shard}`)
    configured: set[str] = field(default_factory=set)  # names the test assigned
    path: str = ""  # the test file that built it
    located: bool = False  # line/col point at the test line that configured it
    evidence: str = ""  # how the double was linked to the code (a helper, a Mock subclass): "path:line"
    weak: bool = False  # its kind was inferred from a name (a library class patched), not from code
    text: str = ""  # the test's expression for a configured value (`return_value = rows` -> "rows")
    told: bool = False  # the test got this value by calling the double it configured (not through the code)
    wraps: bool = False  # built with wraps=: calls go through to the real object (so do its children's)
    coroutine_function: bool = False  # a value the test defined with `async def`: calling it makes a coroutine
    set_at: dict[str, tuple[int, int]] = field(default_factory=dict)  # where the test set each configured name

    @property
    def is_double(self) -> bool:
        return self.kind in ("async", "magic", "mock", "spec")

    def child(self, name: str) -> MockNode | None:
        if name in self.attrs:
            return self.attrs[name]
        if not self.is_double or name.startswith(MOCK_API):
            return None
        if self.spec or self.kind == "spec":
            kind = "spec"  # its own kind unknown too; a chain the test configures through it is still followed
        elif self.kind == "async":
            kind = "magic" if name in SYNC_MAGIC else "async"
        elif self.kind == "magic":
            kind = "async" if name in ASYNC_MAGIC else "magic"
        else:
            kind = "opaque" if name.startswith("__") else "mock"
        label = f"{self.label}.{name}" if name != "return_value" else f"{self.label}()"
        node = MockNode(kind, False, self.line, self.col, label=label, path=self.path, evidence=self.evidence,
                        weak=self.weak, wraps=self.wraps)
        self.attrs[name] = node
        return node

    def set(self, name: str, value: MockNode, at: tuple[int, int] | None = None) -> None:
        """at: the test's line and column that set it (`m.return_value = future`, where future may have been
        built lines before)."""
        if not value.label:
            value.label = f"{self.label}.{name}" if self.label else name
        self.attrs[name] = value
        self.configured.add(name)
        if at is not None:
            self.set_at[name] = at


def opaque(node: ast.AST) -> MockNode:
    return MockNode("opaque", True, getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


class FileNames:
    """What the names of one test module refer to: imports and its own async/sync functions."""

    def __init__(self, tree: ast.Module, package: str | None = None, base: Path | None = None) -> None:
        """package: the test module's own package, to read its relative imports (None: not known); base: the
        folder its top package sits in, to read suite modules that re-export unittest.mock (None: not read)."""
        self.imports: dict[str, str] = {}  # local name -> dotted origin
        self.async_defs: set[str] = set()
        self.sync_defs: dict[str, ast.FunctionDef] = {}
        self.classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        self.functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in ast.walk(tree):
            relative = isinstance(node, ast.ImportFrom) and node.level and package is not None
            if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.module and not node.level) \
                    or relative:
                for name, module, attr in import_bindings(node, package or ""):
                    self.imports[name] = f"{module}.{attr}" if attr else module
            elif isinstance(node, ast.AsyncFunctionDef):
                self.async_defs.add(node.name)
            elif isinstance(node, ast.FunctionDef):
                self.sync_defs.setdefault(node.name, node)
        self.imports = mock_origins(self.imports, base)

    def qualify(self, expr: ast.expr) -> str | None:
        """The dotted origin of a Name/Attribute chain: `store.load` -> "svc.store.load"."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        origin = self.imports.get(head)
        if origin is None:
            return None
        return f"{origin}.{rest}" if rest else origin

    def mock_class(self, func: ast.expr) -> str | None:
        """"async"/"magic"/"mock" when `func` names a unittest.mock class, "autospec" for create_autospec."""
        name = dotted(func) or ""
        last = name.rsplit(".", 1)[-1]
        if last not in MOCK_CLASSES and last != "create_autospec":
            return None
        origin = self.qualify(func) or ""
        if origin.rsplit(".", 1)[0] in MOCK_MODULES or name.split(".")[0] in ("mocker", "mock"):
            return "autospec" if last == "create_autospec" else MOCK_CLASSES[last]
        return None

    def returns_coroutine(self, expr: ast.expr) -> bool:
        """A lambda or sync def whose every return calls one of this module's `async def`s."""
        if isinstance(expr, ast.Lambda):
            returns = [expr.body]
        elif isinstance(expr, ast.Name) and expr.id in self.sync_defs and expr.id not in self.async_defs:
            returns = [n.value for n in ast.walk(self.sync_defs[expr.id]) if isinstance(n, ast.Return)]
            if not returns or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(self.sync_defs[expr.id])):
                return False
        else:
            return False
        return all(
            isinstance(r, ast.Call) and isinstance(r.func, ast.Name) and r.func.id in self.async_defs for r in returns
        )
