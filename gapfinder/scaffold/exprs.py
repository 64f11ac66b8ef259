"""Names the module under test uses, turned into expressions a test file can import and evaluate.

Exceptions a branch raises, exceptions a test makes a double raise, and classes worth autospeccing.
Third-party classes are imported here to check them (never the user's own package); the user's own
classes are checked from their source.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Callable

from gapfinder.core.usage.module import ModuleModel
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import UsageTree
from gapfinder.scaffold.introspect import Introspector
from gapfinder.scaffold.values import annotation_class, scalar_literal, secret_field

Import = tuple[str, "str | None"]
# Modules whose functions compute without touching files, processes or the network.
PURE_STDLIB = frozenset({"re", "math", "string", "collections", "itertools", "functools", "unicodedata", "json",
                         "textwrap", "operator", "statistics", "decimal", "fractions", "enum", "typing",
                         "dataclasses", "hashlib", "hmac", "base64", "datetime", "bisect", "heapq", "keyword"})
UNSAFE_BUILTINS = frozenset({"open", "print", "input", "exec", "eval", "compile", "__import__", "exit", "quit"})
MODEL_BASES = frozenset({"BaseModel", "SQLModel"})
TEST_SECRET = "gapfinder-test-secret-key-0123456789abcdef"  # >= 32 bytes: PyJWT warns for shorter HMAC keys
DATA_MARKERS = frozenset({"dataclass", "dataclasses.dataclass", "BaseModel", "pydantic.BaseModel", "NamedTuple",
                          "typing.NamedTuple", "TypedDict"})


class ModuleModelView:
    """The few facts about another project module that `is_pure` needs."""

    def __init__(self, tree: ast.Module) -> None:
        self.imports: dict[str, str] = {}
        self.constants: set[str] = set()
        self.definitions: set[str] = set()  # functions and classes
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    self.imports[alias.asname or alias.name.split(".", 1)[0]] = alias.name
            elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                for alias in stmt.names:
                    self.imports[alias.asname or alias.name] = stmt.module
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                self.constants |= {t.id for t in targets if isinstance(t, ast.Name)}
            elif isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
                self.definitions.add(stmt.name)


ModuleReader = Callable[[str], "ast.Module | None"]


class Resolver:
    def __init__(self, model: ModuleModel, read_module: ModuleReader, introspector: Introspector | None = None) -> None:
        self.model = model
        self.read_module = read_module
        self.introspector = introspector  # the project's interpreter, for third-party classes
        self.imports: dict[str, set[Import]] = {}  # expression -> what it needs imported

    def expression(self, name: str) -> str | None:
        """`httpx.HTTPError` / `InvalidOrder` as the test spells it, with its import recorded."""
        root, _, rest = name.partition(".")
        if hasattr(builtins, root) and root not in self.model.imports:
            return name
        origin = self.model.import_for(root)
        if origin is None:
            return None
        module, attr = origin
        if attr is None:
            expr, needed = (f"{module}.{rest}" if rest else module), (module, None)
        else:
            expr, needed = (f"{attr}.{rest}" if rest else attr), (module, attr)
        self.imports.setdefault(expr, set()).add(needed)
        return expr

    def exception(self, name: str | None) -> str | None:
        """The class a `raise` names; a same-module factory (`raise _unauthorized()`) is followed once."""
        if not name:
            return None
        func = self.model.functions.get(name)
        if func is not None:
            made = [dotted(n.value.func) for n in ast.walk(func)
                    if isinstance(n, ast.Return) and isinstance(n.value, ast.Call)]
            return self.expression(made[0]) if made and made[0] else None
        return self.expression(name)

    def constructible(self, name: str) -> str | None:
        """`Exc("boom")` when the exception can be built from one message, else None."""
        expr = self.expression(name)
        if expr is None:
            return None
        root = name.split(".", 1)[0]
        builtin = getattr(builtins, root, None) if root not in self.model.imports else None
        if isinstance(builtin, type) and issubclass(builtin, BaseException):
            return f'{expr}("boom")'
        cls = self._project_class(name)
        if cls is not None:
            has_init = any(isinstance(s, ast.FunctionDef) and s.name == "__init__" for s in cls.body)
            return None if has_init else f'{expr}("boom")'
        origin = self._third_party(name)
        if origin is not None and self.introspector is not None and self.introspector.takes_message(*origin):
            return f'{expr}("boom")'
        return None

    def autospec(self, annotation: ast.expr | None, tree: UsageTree) -> str | None:
        """The annotated class, when every attribute the code uses exists on it (safe to autospec)."""
        name = annotation_class(annotation)
        if name is None or not tree.attrs:
            return None
        used = set(tree.attrs)
        cls = self._project_class(name)
        if cls is not None:
            source = self._class_source(name)
            attrs = self._class_attrs(cls, source) if source is not None else None
            if attrs is None or not used <= attrs:
                return None
            return self.expression(name)
        origin = self._third_party(name)
        if origin is None or self.introspector is None or not self.introspector.has_attrs(*origin, sorted(used)):
            return None
        return self.expression(name)

    def data_instance(self, annotation: ast.expr | None) -> tuple[str, set[Import]] | None:
        """`Point(x=10, y=10)` for a project dataclass or pydantic/SQLModel model whose required
        fields take plain values.

        Real data beats a MagicMock for data: code that walks it (recursion, loops until None)
        terminates, its own methods run, and a `str` field that reaches a hasher or a validator is
        a `str`.
        """
        name = annotation_class(annotation)
        cls = self._project_class(name) if name else None
        source = self._class_source(name) if cls is not None else None
        if cls is None or source is None:
            return None
        if any(dotted(d.func if isinstance(d, ast.Call) else d) in ("dataclass", "dataclasses.dataclass")
               for d in cls.decorator_list):
            declared = {s.target.id: (s.annotation, s.value is None) for s in cls.body
                        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
        else:
            declared = self._model_fields(cls, source, 0)
            if declared is None:
                return None
        fields, imports = [], set()
        for field, (annotation_of, required) in declared.items():
            if not required or "ClassVar" in ast.unparse(annotation_of):
                continue
            literal = scalar_literal(annotation_of, field)
            if literal is None:
                return None
            fields.append(f"{field}={literal[0]}")
            imports |= set(literal[1])
        expr = self.expression(name)
        if expr is None:
            return None
        return f"{expr}({', '.join(fields)})", imports | self.imports.get(expr, set())

    def settings_instance(self, name: str | None) -> tuple[str, set[Import]] | None:
        """`Settings(SECRET_KEY="...")` for a project settings class (pydantic-settings `BaseSettings`)
        with secret or key fields that have no value: what its own validation needs to sign tokens.

        None for any other class, or when a required field takes no plain value.
        """
        cls = self.project_class(name) if name else None
        if cls is None or not any((dotted(b) or "").endswith("BaseSettings") for b in cls.bases):
            return None
        fields, imports = [], set()
        for stmt in cls.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            field = stmt.target.id
            unset = stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
            if unset and "str" in ast.unparse(stmt.annotation) and secret_field(field):
                fields.append(f"{field}={TEST_SECRET!r}")
            elif stmt.value is None:  # required: a plain value or nothing
                literal = scalar_literal(stmt.annotation, field)
                if literal is None:
                    return None
                fields.append(f"{field}={literal[0]}")
                imports |= set(literal[1])
        expr = self.expression(name) if fields else None
        if expr is None:
            return None
        return f"{expr}({', '.join(fields)})", imports | self.imports.get(expr, set())

    def is_pure(self, name: str) -> bool:
        """A project function or data class that is cheap and safe to run for real in a unit test.

        Functions qualify when their body only reads their own values, builtins, the module's
        constants, pure standard-library modules and other such functions or data classes; classes
        when they are data (dataclasses, pydantic models, mapped tables).
        """
        origin = self._origin(name)
        return origin is not None and "." not in origin[1] and self._pure(origin[0], origin[1], 0)

    def _pure(self, module: str, name: str, depth: int) -> bool:
        source = self.read_module(module)
        if source is None or depth > 3:
            return False
        node = next((s for s in source.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and s.name == name), None)
        if isinstance(node, ast.ClassDef):
            markers = {dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
            markers |= {dotted(b) for b in node.bases}
            return bool(markers & DATA_MARKERS) or any(
                isinstance(s, ast.Assign) and "__tablename__" in ast.unparse(s) for s in node.body)
        if not isinstance(node, ast.FunctionDef):
            return False
        view = ModuleModelView(source)
        local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for found in ast.walk(node):
            if not isinstance(found, ast.Name) or not isinstance(found.ctx, ast.Load) or found.id in local:
                continue
            if found.id in UNSAFE_BUILTINS:
                return False
            if hasattr(builtins, found.id) or found.id in view.constants:
                continue
            imported = view.imports.get(found.id)
            if imported is not None and imported.split(".", 1)[0] in PURE_STDLIB:
                continue
            if found.id in view.definitions and found.id != name and self._pure(module, found.id, depth + 1):
                continue
            return False
        return True

    def is_built_object(self, name: str) -> bool:
        """A project module's top-level `name = Something(...)`: an object made at import whose
        methods reach its state (a scoped session, a client), never a function, class or literal."""
        origin = self._origin(name)
        source = self.read_module(origin[0]) if origin and "." not in origin[1] else None
        if source is None:
            return False
        for stmt in source.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
                stmt, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == origin[1] for t in targets):
                return isinstance(stmt.value, ast.Call)
        return False

    def is_module(self, name: str) -> bool:
        """True when a dotted name is one of the project's modules."""
        return self.read_module(name) is not None

    def imports_of(self, *code: str | None) -> set[Import]:
        """The imports for the expressions this resolver produced that appear in the code."""
        found: set[Import] = set()
        for line in code:
            for key, needed in self.imports.items():
                if line and re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", line):
                    found |= needed
        return found

    # --- helpers ---------------------------------------------------------------------------------

    def _origin(self, name: str) -> tuple[str, str] | None:
        """(module, dotted attribute path) where a name used in the module is defined."""
        root, _, rest = name.partition(".")
        origin = self.model.import_for(root)
        if origin is None:
            return None
        module, attr = origin
        if attr is None:
            return (module, rest) if rest else None
        return (module, f"{attr}.{rest}" if rest else attr)

    def _class_source(self, name: str) -> ast.Module | None:
        origin = self._origin(name)
        return self.read_module(origin[0]) if origin else None

    def project_class(self, name: str) -> ast.ClassDef | None:
        """The project's class a name in the module refers to (another module's too)."""
        local = next((s for s in self.model.tree.body if isinstance(s, ast.ClassDef) and s.name == name), None)
        return local or self._project_class(name)

    def _project_class(self, name: str) -> ast.ClassDef | None:
        origin = self._origin(name)
        if origin is None or not (origin[0] == self.model.package or origin[0].startswith(self.model.package + ".")):
            return None
        tree = self.read_module(origin[0])
        if tree is None:
            return None
        return next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == origin[1]), None)

    def _model_fields(self, cls: ast.ClassDef, source: ast.Module, depth: int) -> dict[str, tuple[ast.expr, bool]] | None:
        """{field: (annotation, required)} of a pydantic BaseModel/SQLModel class, its bases' first
        (in the same file or imported from another project module); None when it is not such a model
        or a base cannot be seen."""
        if depth > 5:
            return None
        fields: dict[str, tuple[ast.expr, bool]] = {}
        model = False
        imports = ModuleModelView(source).imports
        for base in cls.bases:
            name = dotted(base) or ""
            if name.rsplit(".", 1)[-1] in MODEL_BASES:
                model = True
                continue
            home = source if name not in imports else self.read_module(imports[name])
            parent = next((s for s in home.body if isinstance(s, ast.ClassDef) and s.name == name), None) if home else None
            inherited = self._model_fields(parent, home, depth + 1) if parent is not None and home else None
            if inherited is None:
                return None
            model = True
            fields.update(inherited)
        if not model:
            return None
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                value = stmt.value
                required = value is None or (
                    isinstance(value, ast.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] == "Field"
                    and not any(k.arg in ("default", "default_factory") for k in value.keywords)
                    and (not value.args or (isinstance(value.args[0], ast.Constant) and value.args[0].value is ...)))
                fields[stmt.target.id] = (stmt.annotation, required)
        return fields

    def _class_attrs(self, cls: ast.ClassDef, source: ast.Module) -> set[str] | None:
        """Attributes a class defines with a value, following bases in the same file."""
        names: set[str] = set()
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                names |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
                names.add(stmt.target.id)
        for base in cls.bases:
            base_name = dotted(base)
            if base_name == "object":
                continue
            parent = next((s for s in source.body if isinstance(s, ast.ClassDef) and s.name == base_name), None)
            inherited = self._class_attrs(parent, source) if parent is not None else None
            if inherited is None:
                return None  # a base we cannot see may add or hide attributes
            names |= inherited
        return names

    def _third_party(self, name: str) -> tuple[str, str] | None:
        """(module, attribute path) of a name imported from outside the project; None for the
        project's own code (asking about it would run it) and for names we cannot place."""
        origin = self._origin(name)
        if origin is None or origin[0].split(".", 1)[0] == self.model.package:
            return None
        if self.read_module(origin[0]) is not None or self.read_module(origin[0].split(".", 1)[0]) is not None:
            return None
        return origin[0], origin[1]
