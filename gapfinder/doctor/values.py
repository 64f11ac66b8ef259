"""The values a test walk passes between its parts: objects the test built, its fixtures, what one test shares.

Kept apart from the walk (evaluate.py) so the patch and linking mixins and compare.py read them without cycles.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gapfinder.core.usage.index import IndexedModule, ModuleIndex
from gapfinder.core.usage.tree import FunctionNode, UsageTree
from gapfinder.doctor.helpers import TestSide, shown
from gapfinder.doctor.mocks import FileNames, MockNode
from gapfinder.doctor.model import Finding

ASSERT_CALLED = {"assert_called": "assert_awaited", "assert_called_once": "assert_awaited_once",
                 "assert_called_with": "assert_awaited_with", "assert_called_once_with": "assert_awaited_once_with"}


@dataclass
class Instance:
    """An object of a project class the test built, with the doubles stored on `self`."""

    module: IndexedModule
    cls: ast.ClassDef
    fields: dict[str, object]
    guessed: dict[str, object] = field(default_factory=dict)  # what a library base probably stores (bases.py)


@dataclass
class ClassValue:
    """A project class handled as a value (a suite helper's argument), or a class a helper built from it with
    `type(name, (klass,), namespace)`: the namespace's doubles are its class attributes, so its objects have them."""

    module: IndexedModule
    cls: ast.ClassDef
    fields: dict[str, object]


@dataclass
class Holder:
    """A test class's `self`: what setUp/asyncSetUp stored on it, read by the test methods."""

    fields: dict[str, object] = field(default_factory=dict)
    methods: dict[str, FunctionNode] = field(default_factory=dict)  # the test class's own helper methods


@dataclass
class Patcher:
    node: MockNode
    target: str | None = None  # the dotted name it replaces, when known: the test reaches the double by it too


@dataclass
class Fixture:
    func: FunctionNode
    names: FileNames
    path: str


@dataclass
class Shared:
    """What every evaluator of one test shares (the test and its fixtures)."""

    index: ModuleIndex
    fixtures: dict[str, Fixture]
    side: TestSide
    pairs: list[tuple[MockNode, UsageTree, str]] = field(default_factory=list)  # with "path:line" of the code
    asserts: list[tuple[MockNode, ast.Attribute, str]] = field(default_factory=list)
    schedulers: list[tuple[MockNode, ast.Call, str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    not_called: set[int] = field(default_factory=set)  # doubles the test asserts were never called
    fixture_values: dict[str, object] = field(default_factory=dict)
    # doubles patched over a module-level name, and the project functions the test calls: a patched
    # name is compared with its use in the called functions of that module only
    patched: list[tuple[MockNode, IndexedModule, str]] = field(default_factory=list)
    # with the names the test replaced by doubles there (not walked into)
    called: list[tuple[IndexedModule, FunctionNode, ast.ClassDef | None, frozenset[str]]] = field(default_factory=list)
    # doubles patched over a library name (`patch("httpx.AsyncClient")`): compared with how the called
    # functions reach that name through their module's imports (`import httpx; httpx.AsyncClient()`)
    library_patched: list[tuple[MockNode, str]] = field(default_factory=list)
    # methods patched on a project class by string target (`patch("pkg.mod.Device.close")`): the objects
    # of that class the test reaches have the double in the method's place
    class_patched: list[tuple[MockNode, ast.ClassDef, str]] = field(default_factory=list)
    depth: int = 0
    helper_entry: bool = False  # walking a function of a helper module named on its own, not a test
    decorated: set[int] = field(default_factory=set)  # doubles injected by @patch decorators
    runners: set[int] = field(default_factory=set)  # patched project loop runners (always handed a coroutine)
    # inside `with pytest.raises(...)`: the code is expected to stop at a raise, so what it would do
    # with a double after that point is not what the test runs; such calls are not compared
    raising: int = 0
    yielded: bool = False  # the test has awaited something that lets scheduled tasks run (evaluate._lets_tasks_run)
    after_yield: set[int] = field(default_factory=set)  # id() of the assert_called* attributes read after that
    expected: list[frozenset[str]] = field(default_factory=list)  # the exceptions each of those blocks expects
    # replacements (patch()/patch.object() calls, doubles set on objects) in the test and its fixtures whose
    # call may give something other than a coroutine (Patching.replacing)
    patches: int = 0
    patch_names: set[str] = field(default_factory=set)  # the last name of every patch target (`create_task`)
    handoffs: list[tuple[MockNode, Finding]] = field(default_factory=list)  # coroutines handed to doubles
    closes: bool = False  # the test closes a coroutine it took from a double's call_args
    objects: set[int] = field(default_factory=set)  # usage trees that stand for objects the test built


def where(module: IndexedModule, func: FunctionNode) -> str:
    """`name` at path:line: the function of the code under test a double was compared with."""
    return f"`{func.name}` ({shown(module.path)}:{func.lineno})"
