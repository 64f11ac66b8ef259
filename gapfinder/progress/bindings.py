"""The names static test counting resolves, as value objects: what a name in a project file is bound
to (a def, a class, a value, an imported module or name), and what resolving it gives."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Protocol, Union

# A module reference: (base folder for a relative import, or None for an absolute one; dotted name).
ModuleRef = tuple[Union[str, None], str]


@dataclass(frozen=True, slots=True)
class DefBinding:
    """`def name(...)` (or `async def`)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class ClassBinding:
    node: ast.ClassDef


@dataclass(frozen=True, slots=True)
class ValueBinding:
    """`name = expr` (or an annotated assignment with a value)."""

    node: ast.expr


@dataclass(frozen=True, slots=True)
class ModuleBinding:
    """`import pkg.mod` or `import pkg.mod as name`."""

    ref: ModuleRef


@dataclass(frozen=True, slots=True)
class FromBinding:
    """`from ref import attr [as name]`."""

    ref: ModuleRef
    attr: str


Binding = Union[DefBinding, ClassBinding, ValueBinding, ModuleBinding, FromBinding]


@dataclass
class SourceModule:
    path: str  # relative, posix
    tree: ast.Module
    lines: list[str]
    names: dict[str, Binding]


@dataclass(frozen=True)
class Local:
    """A name bound in a project file: a def, a class or an assigned value."""

    module: SourceModule
    binding: Binding


@dataclass(frozen=True)
class External:
    dotted: str  # e.g. "pytest.mark.skip", "unittest.TestCase", "range"


@dataclass(frozen=True)
class ModuleObj:
    module: SourceModule


@dataclass(frozen=True)
class Mark:
    name: str
    call: ast.Call | None
    module: SourceModule  # where the call is written, to resolve its arguments


Resolved = Union[Local, External, ModuleObj, None]  # None: cannot be known statically


class NameResolver(Protocol):
    """What evaluating an expression needs from the index: the object a name or attribute chain
    stands for (source_index.SourceIndex is the one implementation)."""

    def resolve(self, module: SourceModule, expr: ast.expr, depth: int = 0) -> Resolved: ...
