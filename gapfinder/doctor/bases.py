"""What a library base class probably stores: `super().__init__(hass, entry=entry)` in a project class
whose base is not the project's own (Home Assistant's DataUpdateCoordinator, a framework's Cog).

The base's code is not read, so where it stores an argument is a guess: under the parameter's own name
(`hass` -> `self.hass`) or the keyword's (`entry=` -> `self.entry`). A link made through such a guess is
never `certain`.
"""

from __future__ import annotations

import ast

from gapfinder.core.symbols import dotted
from gapfinder.core.usage.index import IndexedModule, ModuleIndex
from gapfinder.core.usage.tree import FunctionNode


def library_base_fields(index: ModuleIndex, module: IndexedModule, cls: ast.ClassDef, init: FunctionNode,
                        passed: dict[str, object]) -> dict[str, object]:
    """The fields a library base probably sets from the arguments `__init__` hands to `super().__init__`."""
    if not any(_is_library(index, module, base) for base in cls.bases):
        return {}
    guessed: dict[str, object] = {}
    for node in ast.walk(init):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__" and isinstance(node.func.value, ast.Call)
                and dotted(node.func.value.func) == "super"):
            continue
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id in passed:
                guessed[arg.id] = passed[arg.id]
        for kw in node.keywords:
            if kw.arg and isinstance(kw.value, ast.Name) and kw.value.id in passed:
                guessed[kw.arg] = passed[kw.value.id]
    return guessed


def _is_library(index: ModuleIndex, module: IndexedModule, base: ast.expr) -> bool:
    """A base named through an import of a module that is not in the project."""
    name = dotted(base.value if isinstance(base, ast.Subscript) else base) or ""
    head, _, rest = name.partition(".")
    origin = module.model.import_for(head)
    if origin is None:
        return False
    return index.resolve(".".join(p for p in (origin[0], origin[1], rest) if p)) is None and \
        index.module(origin[0]) is None
