"""One pass over a module's `ast` tree that collects everything the rank pipeline needs.

Speed matters more than elegance here: cold runs must take about the time one process needs just
to parse the files, so statements are dispatched by type (no NodeVisitor) and expressions are
scanned by astexpr.py. Function bodies are visited after the module's top level, so calls
resolve through every module-level import and definition wherever it sits in the file.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from gapfinder.rank import markers as mk
from gapfinder.core.symbols import dotted, import_base, import_bindings, package_of
from gapfinder.rank.astexpr import ExpressionScanner, Scope
from gapfinder.rank.exclusions import excluded_spans, inside
from gapfinder.model import ClassInfo, FunctionInfo, ImportRef, ModuleInfo, RiskMarker

_intern = sys.intern
_Name, _Attribute, _Constant, _Expr, _Call = ast.Name, ast.Attribute, ast.Constant, ast.Expr, ast.Call


class ModuleScanner(ExpressionScanner):
    """Collects a ModuleInfo's parts from one tree; `build` returns the ModuleInfo."""

    def __init__(self, module: str, path: str, is_package: bool) -> None:
        self.module = module
        self.path = path
        self.package = package_of(module, is_package)
        self.names: dict[str, str] = {}
        self.statements: list[int] = []
        self.branches: list[int] = []
        self.imports: list[ImportRef] = []
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo] = []
        self.marks: dict[tuple[str, str], list] = {}
        self.strings: list[ast.Constant] = []  # string literals and docstrings: blanked before words are read
        self.pending: list[Scope] = []
        self.scope: Scope | None = None  # the function being visited, None at module level
        self.cls: str | None = None  # the class whose body is being visited
        self.prefix = ""  # qualname prefix of the current definition
        self.type_checking = False

    # --- statements ---------------------------------------------------------------------------

    def body(self, stmts: list) -> None:
        statements = self.statements
        simple = []
        for node in stmts:
            t = type(node)
            statements.append(node.lineno)
            handler = _HANDLERS.get(t)
            if handler is None:
                simple.append(node)  # simple statements (and newer grammar): scanned together
            else:
                handler(self, node)
        if simple:
            self.scan_all(simple)

    def docstring_body(self, stmts: list) -> None:
        first = stmts[0]
        if type(first) is _Expr and type(first.value) is _Constant and isinstance(first.value.value, str):
            self.strings.append(first.value)
            stmts = stmts[1:]
        self.body(stmts)

    def visit_if(self, node: ast.If) -> None:
        self.branches.append(node.lineno)
        test = node.test
        if (type(test) is _Name and test.id == "TYPE_CHECKING") or (
            type(test) is _Attribute and test.attr == "TYPE_CHECKING"
        ):
            saved, self.type_checking = self.type_checking, True
            self.body(node.body)
            self.type_checking = saved
        else:
            self.decision()
            self.scan(test)
            self.body(node.body)
        self.body(node.orelse)

    def visit_loop(self, node: Any) -> None:
        self.branches.append(node.lineno)
        self.decision()
        if type(node) is ast.While:
            self.scan(node.test)
        else:
            if type(node) is ast.AsyncFor:
                self.mark(mk.ASYNC, node.lineno, "async for ...")
            self.scan(node.target)
            self.scan(node.iter)
        self.body(node.body)
        self.body(node.orelse)

    def visit_with(self, node: Any) -> None:
        if type(node) is ast.AsyncWith:
            self.mark(mk.ASYNC, node.lineno, "async with ...")
        for item in node.items:
            self.scan(item)
        self.body(node.body)

    def visit_try(self, node: Any) -> None:
        handlers = node.handlers
        if handlers:
            self.branches.append(node.lineno)
            first = handlers[0]
            self.mark(mk.EXCEPT, first.lineno,
                      lambda: f"except {ast.unparse(first.type)}:" if first.type is not None else "except:")
        self.body(node.body)
        for handler in handlers:
            self.statements.append(handler.lineno)
            self.decision()
            if handler.type is None:
                self.mark(mk.BARE_EXCEPT, handler.lineno, "except:")
            else:
                self.scan(handler.type)
            self.body(handler.body)
        self.body(node.orelse)
        self.body(node.finalbody)

    def visit_match(self, node: Any) -> None:
        self.branches.append(node.lineno)
        self.scan(node.subject)
        for case in node.cases:
            self.statements.append(case.pattern.lineno)
            self.decision()
            if case.guard is not None:
                self.scan(case.guard)
            self.body(case.body)

    def visit_raise(self, node: ast.Raise) -> None:
        exc = node.exc
        self.mark(mk.RAISE, node.lineno, lambda: mk.shorten(
            "raise" if exc is None else "raise " + (dotted(exc.func if type(exc) is _Call else exc) or "...")))
        self.scan(node)

    def visit_annassign(self, node: ast.AnnAssign) -> None:
        if node.value is None and node.simple and self.scope is not None and self.cls is None:
            self.statements.pop()  # `x: int` in a function compiles to nothing
        self.scan(node)

    def visit_assert(self, node: ast.Assert) -> None:
        self.decision()
        self.scan(node)

    def visit_import(self, node: Any) -> None:
        line = node.lineno
        if type(node) is ast.Import:
            for alias in node.names:
                self.add_import(alias.name, line, ())
        else:
            base = import_base(node, self.package)
            if base == "__future__" or not base:
                return
            self.add_import(base, line, tuple(_intern(a.name) for a in node.names))
        for name, module, attr in import_bindings(node, self.package):
            self.bind(name, f"{module}.{attr}" if attr else module)

    def add_import(self, target: str, line: int, names: tuple[str, ...]) -> None:
        target = _intern(target)
        self.imports.append(ImportRef(target, line, names, self.type_checking, self.scope is not None))
        kind = mk.module_kind(target)
        if kind is not None:
            self.mark(kind, line, lambda: mk.shorten(
                f"from {target} import {', '.join(names)}" if names else f"import {target}"))

    def bind(self, name: str, target: str) -> None:
        if self.scope is None:
            self.names[name] = _intern(target)
        else:
            self.scope.bind(name, _intern(target))

    def visit_def(self, node: Any) -> None:
        self.decorators(node)
        qualname = self.prefix + node.name
        self.bind_definition(node.name, qualname)
        scope = Scope(qualname, node, self.scope.names if self.scope else self.names, self.cls)
        if type(node) is ast.AsyncFunctionDef:
            self.mark(mk.ASYNC, node.lineno, lambda: mk.shorten(f"async def {node.name}(...)"))
        self.pending.append(scope)
        # Defaults and annotations (FastAPI's Depends(...)) count as the function's own calls.
        saved, self.scope = self.scope, scope
        self.scan(node.args)
        if node.returns is not None:
            self.scan(node.returns)
        self.scope = saved

    def visit_class(self, node: ast.ClassDef) -> None:
        self.decorators(node)
        bases = []
        for base in node.bases:
            name = dotted(base)
            if name is not None:
                bases.append(_intern(name))
                if mk.base_kind(name) is not None:
                    self.mark(mk.ROUTE, node.lineno, lambda: mk.shorten(f"class {node.name}({name})"))
            self.scan(base)
        for keyword in node.keywords:
            self.scan(keyword)
        qualname = self.prefix + node.name
        self.bind_definition(node.name, qualname)
        self.classes.append(ClassInfo(_intern(qualname), node.lineno, node.end_lineno, tuple(bases)))
        saved = self.cls, self.prefix
        self.cls, self.prefix = qualname, qualname + "."
        if node.body:
            self.docstring_body(node.body)
        self.cls, self.prefix = saved

    def bind_definition(self, name: str, qualname: str) -> None:
        """A def or class binds its name in the module or function namespace (not in a class body)."""
        if self.cls is None:
            self.bind(name, f"{self.module}.{qualname}")

    def decorators(self, node: Any) -> None:
        for decorator in node.decorator_list:
            self.statements.append(decorator.lineno)
            target = decorator.func if type(decorator) is _Call else decorator
            name = dotted(target)
            if name is not None:
                kind = mk.decorator_kind(name)
                if kind is not None:
                    self.mark(kind, decorator.lineno, lambda: mk.shorten(
                        f"@{name}(...)" if type(decorator) is _Call else f"@{name}"))
            self.scan(decorator)

    def function(self, scope: Scope) -> None:
        """Visit a queued function body and record its FunctionInfo."""
        node = scope.node
        saved = self.scope, self.cls, self.prefix
        self.scope, self.cls, self.prefix = scope, None, scope.qualname + "."
        self.docstring_body(node.body)
        self.scope, self.cls, self.prefix = saved
        self.functions.append(FunctionInfo(
            _intern(scope.qualname), node.lineno, node.end_lineno, type(node) is ast.AsyncFunctionDef,
            scope.cls is not None and scope.qualname == f"{scope.cls}.{node.name}",
            tuple(_intern(d) for d in (_decorator_name(x) for x in node.decorator_list) if d),
            scope.complexity, tuple(sorted(scope.calls, key=scope.calls.__getitem__)),
        ))

    # --- result -------------------------------------------------------------------------------

    def build(self, tree: ast.Module, text: str) -> ModuleInfo:
        if tree.body:
            self.docstring_body(tree.body)
        pending = self.pending
        while pending:
            self.function(pending.pop())
        for kind, line, evidence, count in mk.word_markers(_code_only(text, self.strings)):
            entry = self.marks.get(kind)
            if entry is None:
                self.marks[kind] = [line, evidence, count]
            else:
                entry[2] = max(entry[2], count)
                if line < entry[0]:
                    entry[0], entry[1] = line, evidence
        statements = sorted(set(self.statements))
        branches = sorted(set(self.branches))
        if ("cover" in text or "..." in text or "TYPE_CHECKING" in text) and statements:
            excluded = excluded_spans(tree, text)
            if excluded:
                statements = [s for s in statements if not inside(s, excluded)]
                branches = [s for s in branches if not inside(s, excluded)]
        lines = text.count("\n") + (0 if not text or text.endswith("\n") else 1)
        self.functions.sort(key=lambda f: f.line)
        markers = sorted(
            (RiskMarker(c, k, line, evidence, count) for (c, k), (line, evidence, count) in self.marks.items()),
            key=lambda m: (m.line, m.category, m.kind),
        )
        return ModuleInfo(self.module, self.path, lines, tuple(statements), tuple(branches),
                          tuple(self.imports), tuple(self.functions), tuple(self.classes), tuple(markers))


def _code_only(text: str, strings: list[ast.Constant]) -> str:
    """The text with string literals, docstrings and comments blanked (lines and columns kept), so a
    word in prose never reads as code: a docstring that says "websocket" is no websocket client."""
    if not strings and "#" not in text:
        return text
    lines = text.split("\n")
    for node in strings:
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        if last >= len(lines):
            continue
        for number in range(first, last + 1):
            line = lines[number]
            start = _column(line, node.col_offset) if number == first else 0
            end = _column(line, node.end_col_offset or 0) if number == last else len(line)
            lines[number] = line[:start] + " " * (end - start) + line[end:]
    return "\n".join(line.partition("#")[0] for line in lines)


def _column(line: str, offset: int) -> int:
    """ast's columns count UTF-8 bytes; the text counts characters."""
    return offset if line.isascii() else len(line.encode("utf-8")[:offset].decode("utf-8", "ignore"))


def _decorator_name(node: Any) -> str | None:
    return dotted(node.func if type(node) is _Call else node)


_HANDLERS = {
    ast.If: ModuleScanner.visit_if, ast.For: ModuleScanner.visit_loop, ast.AsyncFor: ModuleScanner.visit_loop,
    ast.While: ModuleScanner.visit_loop, ast.With: ModuleScanner.visit_with, ast.AsyncWith: ModuleScanner.visit_with,
    ast.Try: ModuleScanner.visit_try, ast.Match: ModuleScanner.visit_match, ast.Raise: ModuleScanner.visit_raise,
    ast.Assert: ModuleScanner.visit_assert, ast.Import: ModuleScanner.visit_import, ast.ImportFrom: ModuleScanner.visit_import,
    ast.FunctionDef: ModuleScanner.visit_def, ast.AsyncFunctionDef: ModuleScanner.visit_def, ast.ClassDef: ModuleScanner.visit_class,
    ast.AnnAssign: ModuleScanner.visit_annassign,
    ast.Global: lambda self, node: self.statements.pop(), ast.Nonlocal: lambda self, node: self.statements.pop(),
}
if sys.version_info >= (3, 11):
    _HANDLERS[ast.TryStar] = ModuleScanner.visit_try
