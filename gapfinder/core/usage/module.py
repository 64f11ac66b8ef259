"""A module as the usage inference sees it: its imports, top-level functions, classes and values.

Built from the module's `ast` alone; nothing of the user's project is imported. scaffold reads it to
find what to test and how to import it; doctor reads it to find the code a double stands in for.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from gapfinder.core.symbols import dotted, import_bindings, package_of
from gapfinder.core.usage.tree import FunctionNode


@dataclass
class ModuleModel:
    module: str  # dotted name of the module under test
    tree: ast.Module
    package: str  # the project's top-level package ("app")
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> (module, attr)
    assigned: set[str] = field(default_factory=set)  # module-level variables
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)

    def is_project(self, name: str) -> bool:
        """True when a module-level name comes from the user's own package."""
        origin = self.imports.get(name)
        return origin is not None and (origin[0] == self.package or origin[0].startswith(self.package + "."))

    def import_for(self, name: str) -> tuple[str, str | None] | None:
        """How a test imports a name the module under test uses: (module, attr or None)."""
        if name in self.imports:
            return self.imports[name]
        if name in self.functions or name in self.classes or name in self.assigned:
            return self.module, name
        return None

    def constants(self) -> dict[str, tuple[object, ...]]:
        """Module-level literal collections (`ALLOWED = frozenset({"a", "b"})`), sorted."""
        found: dict[str, tuple[object, ...]] = {}
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = stmt.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(value.args) == 1 \
                        and value.func.id in ("frozenset", "set", "tuple", "list"):
                    value = value.args[0]
                try:
                    literal = ast.literal_eval(value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    continue
                if isinstance(literal, (tuple, list, set, frozenset)):
                    found[stmt.targets[0].id] = tuple(sorted(literal, key=repr))
        return found

    def regexes(self) -> dict[str, str]:
        """Module-level `NAME = re.compile("pattern")`: {name: pattern}."""
        found = {}
        for stmt in self.tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Call) and dotted(stmt.value.func) in ("re.compile", "compile")
                    and stmt.value.args and isinstance(stmt.value.args[0], ast.Constant)
                    and isinstance(stmt.value.args[0].value, str)):
                found[stmt.targets[0].id] = stmt.value.args[0].value
        return found

    def methods(self, cls: ast.ClassDef) -> dict[str, FunctionNode]:
        return {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def class_attributes(self, cls: ast.ClassDef) -> set[str]:
        """Names defined in the class body with a value (annotation-only fields are not attributes)."""
        names = set(self.methods(cls))
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                names |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
                names.add(stmt.target.id)
        return names


def build_model(tree: ast.Module, module: str, is_package: bool = False) -> ModuleModel:
    package = module.split(".", 1)[0]
    model = ModuleModel(module, tree, package)
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for name, origin, attr in import_bindings(stmt, package_of(module, is_package)):
                model.imports[name] = (origin, attr)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            model.functions[stmt.name] = stmt
        elif isinstance(stmt, ast.ClassDef):
            model.classes[stmt.name] = stmt
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            model.assigned |= {t.id for t in targets if isinstance(t, ast.Name)}
    return model
