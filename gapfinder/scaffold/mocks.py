"""Doubles for usage trees: the Arrange lines that build each mock of a generated test.

The rules follow mock-shapes.md: MagicMock at every node, AsyncMock only at awaited leaves with an
explicit `return_value` when the awaited result is used, `__aenter__`/`__aiter__` configured,
autospec when the annotated type is importable (then leaves overridden). Constants stand in where
the code compares or parses a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gapfinder.scaffold.exprs import Resolver
from gapfinder.core.usage.tree import UsageTree
from gapfinder.scaffold.values import Namer, choose

Import = tuple[str, "str | None"]


@dataclass
class Override:
    tree: UsageTree
    none: bool = False  # the value is None
    raises: str | None = None  # the call raises this (an expression)


@dataclass
class CaseState:
    """Mutable state while one test is built."""

    namer: Namer
    lines: list[str] = field(default_factory=list)
    imports: set[Import] = field(default_factory=set)
    todos: list[str] = field(default_factory=list)
    handles: dict[int, str] = field(default_factory=dict)  # id(tree) -> expression of its double


class Doubles:
    """Emits the lines that build the doubles of one test."""

    def __init__(self, case: CaseState, override: Override | None, resolver: Resolver, returned: str | None = None) -> None:
        self.case, self.override, self.resolver = case, override, resolver
        self.returned = returned
        self.trees: dict[int, UsageTree] = {}
        self.results: dict[int, tuple[UsageTree, str]] = {}  # id(tree) -> (tree, expression of the result)

    def root(self, var: str, tree: UsageTree, spec: str | None) -> None:
        self.case.imports.add(("unittest.mock", "MagicMock"))
        self.remember(tree, var)
        if tree.awaited_call is not None and spec is None:
            self.case.lines.append(f"{var} = {self.async_leaf(tree, var)}")
            return
        if spec is not None:
            self.case.imports.add(("unittest.mock", "create_autospec"))
        self.case.lines.append(f"{var} = {f'create_autospec({spec}, instance=True)' if spec else 'MagicMock()'}")
        self.configure(tree, var, autospec=spec is not None)

    def value(self, tree: UsageTree, hint: str, root: bool = False) -> str:
        """An expression for a value the code receives: None, a chosen constant, or a configured double."""
        if self.is_none(tree):
            return "None"
        if self.returned is not None and tree.returned:
            return self.returned
        literal = scalar_value(tree)
        if literal is not None:
            return literal
        self.case.imports.add(("unittest.mock", "MagicMock"))
        if tree.elements and not tree.attrs:
            parts = [self.value(e, f"{hint}_{i}") for i, e in enumerate(tree.elements)]
            return f"({', '.join(parts)},)"
        if not tree.used and not tree.returned and not root:
            return "MagicMock()"
        var = self.case.namer(hint)
        if tree.awaited_call is not None:
            self.case.lines.append(f"{var} = {self.async_leaf(tree, var)}")
            self.remember(tree, var)
        else:
            self.case.lines.append(f"{var} = MagicMock()")
        self.configure(tree, var)
        return var

    def async_leaf(self, tree: UsageTree, hint: str) -> str:
        self.case.imports.add(("unittest.mock", "AsyncMock"))
        if self.override is not None and self.override.tree is tree and self.override.raises:
            return f"AsyncMock(side_effect={self.override.raises})"
        result = tree.awaited_call
        assert result is not None
        value = self.value(result, f"{hint}_result")
        self.results[id(result)] = (result, value)
        return f"AsyncMock(return_value={value})"

    def remember(self, tree: UsageTree, handle: str) -> None:
        self.trees[id(tree)] = tree
        self.case.handles[id(tree)] = handle

    def configure(self, tree: UsageTree, expr: str, autospec: bool = False) -> None:
        lines = self.case.lines
        for attr, child in tree.attrs.items():
            path = f"{expr}.{attr}"
            self.remember(child, path)
            if child.awaited_call is not None:  # an AsyncMock leaf: nothing is configured through it
                lines.append(f"{path} = {self.async_leaf(child, attr)}")
            elif child.awaited is not None:
                self.case.imports.add(("asyncio", None))
                future = self.case.namer(f"{attr}_future")
                lines.append(f"{future} = asyncio.get_running_loop().create_future()")
                lines.append(f"{future}.set_result({self.value(child.awaited, f'{attr}_value')})")
                lines.append(f"{path} = {future}")
            elif self.is_none(child) or is_scalar(child) or child.elements:
                lines.append(f"{path} = {self.value(child, attr)}")
            elif autospec and not needs_config(child):
                continue  # the autospec'd attribute already has the right shape and signature
            else:
                if autospec:
                    lines.append(f"{path} = MagicMock()")
                self.configure(child, path)
        if self.override is not None and self.override.tree is tree and self.override.raises and tree.call:
            lines.append(f"{expr}.side_effect = {self.override.raises}")
        self.configure_rest(tree, expr)

    def configure_rest(self, tree: UsageTree, expr: str) -> None:
        """The protocol edges: call result, context managers, iteration, subscripts."""
        lines = self.case.lines
        if tree.call is not None and tree.awaited_call is None:
            self.sync_result(tree.call, f"{expr}.return_value", f"{expr.rsplit('.', 1)[-1]}_value")
        if tree.aenter is not None:
            lines.append(f"{expr}.__aenter__.return_value = {self.value(tree.aenter, hint(expr, 'entered'))}")
        if tree.enter is not None:
            self.sync_result(tree.enter, f"{expr}.__enter__.return_value", hint(expr, "entered"))
        if tree.aiter_item is not None:
            lines.append(f"{expr}.__aiter__.return_value = [{self.value(tree.aiter_item, hint(expr, 'item'))}]")
        if tree.iter_item is not None:
            lines.append(f"{expr}.__iter__.return_value = [{self.value(tree.iter_item, hint(expr, 'item'))}]")
        if tree.item is not None:
            self.sync_result(tree.item, f"{expr}.__getitem__.return_value", hint(expr, "item"))

    def sync_result(self, tree: UsageTree, path: str, hint: str) -> None:
        if self.is_none(tree) or is_scalar(tree) or tree.elements or (self.returned is not None and tree.returned):
            self.case.lines.append(f"{path} = {self.value(tree, hint)}")
            return
        self.results[id(tree)] = (tree, path)
        self.configure(tree, path)

    def is_none(self, tree: UsageTree) -> bool:
        return self.override is not None and self.override.tree is tree and self.override.none


def hint(expr: str, suffix: str) -> str:
    last = expr.replace(".return_value", "").replace(".__getitem__", "").rsplit(".", 1)[-1]
    return f"{last}_{suffix}"


# What a value handed to a serializer must be for the real one to accept it: the empty mapping, or its
# serialized form (pickle of {} at protocol 4, msgpack's empty map) for the function that decodes it.
SERIALIZED = {
    "json.loads": '"{}"', "json.dumps": "{}",
    "pickle.loads": 'b"\\x80\\x04}\\x94."', "pickle.dumps": "{}",
    "msgpack.loads": 'b"\\x80"', "msgpack.unpackb": 'b"\\x80"', "msgpack.dumps": "{}", "msgpack.packb": "{}",
}


def scalar_value(tree: UsageTree) -> str | None:
    """A constant for a leaf the code compares or parses; None when a double fits."""
    if tree.attrs:
        return None
    literal = choose(tree.comparisons)
    if literal is None:
        literal = next((SERIALIZED[name] for p in sorted(tree.passed_to) for name in SERIALIZED
                        if p == name or p.endswith("." + name)), None)
    if literal is None and any(p.startswith("kw:") for p in tree.passed_to):
        literal = "1"
    return literal


def is_scalar(tree: UsageTree) -> bool:
    return scalar_value(tree) is not None


def needs_config(tree: UsageTree) -> bool:
    return bool(tree.attrs or tree.awaited_call or tree.awaited or tree.aenter or tree.aiter_item
                or tree.iter_item or tree.item or tree.enter or tree.comparisons or tree.none_checks
                or (tree.call is not None and tree.call.used))


def walk(roots: list[tuple[str, UsageTree]]):
    """(label, tree) for every value reachable from the roots, breadth first."""
    queue = list(roots)
    while queue:
        label, tree = queue.pop(0)
        yield label, tree
        for attr, child in tree.attrs.items():
            queue.append((attr, child))
        for edge, suffix in (("call", "result"), ("awaited_call", "result"), ("aenter", "entered"),
                             ("aiter_item", "item"), ("iter_item", "item"), ("item", "item"), ("enter", "entered")):
            child = getattr(tree, edge)
            if child is not None:
                queue.append((f"{label}_{suffix}", child))
