"""Fold generated code into a test file: only missing imports and definitions, every old byte kept.

New definitions go to the end of the file and missing imports after its last top-level import,
as whole inserted lines, so a hand-written file is a byte-for-byte subsequence of the result.
Running it again with the same generated code changes nothing. The result is parse-checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import libcst

from gapfinder.errors import GapfinderError


class MergeError(GapfinderError):
    """An existing test file cannot be read or extended safely."""


@dataclass(frozen=True)
class Merged:
    text: str
    added: tuple[str, ...]  # names of the definitions added
    changed: bool


def merge(existing: str | None, generated: str, path: str) -> Merged:
    """The file's new text: generated as is for a new file, else existing plus what it lacks."""
    new_tree = _parse(generated, path, "generated code")
    definitions = [s for s in new_tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    if existing is None:
        return Merged(generated, tuple(d.name for d in definitions), True)
    old_tree = _parse(existing, path, "the existing file")
    bound = _bound_names(old_tree)
    lines = generated.splitlines(keepends=True)
    missing_defs = [d for d in definitions if d.name not in bound]
    missing_imports = []
    for stmt in new_tree.body:
        if isinstance(stmt, ast.Import):
            names = [a for a in stmt.names if (a.asname or a.name) not in bound and a.name not in bound]
            if names:
                missing_imports.append("import " + ", ".join(_alias(a) for a in names) + "\n")
        elif isinstance(stmt, ast.ImportFrom) and stmt.module != "__future__":
            names = [a for a in stmt.names if (a.asname or a.name) not in bound]
            if names:
                module = "." * stmt.level + (stmt.module or "")
                missing_imports.append(f"from {module} import " + ", ".join(_alias(a) for a in names) + "\n")
    if not missing_defs and not missing_imports:
        return Merged(existing, (), False)
    text = existing if existing.endswith("\n") or not existing else existing + "\n"
    if missing_imports:
        text = _insert_imports(text, old_tree, missing_imports)
    for definition in missing_defs:
        start = min([definition.lineno] + [d.lineno for d in definition.decorator_list]) - 1
        block = "".join(lines[start : definition.end_lineno]).rstrip("\n")
        text = text.rstrip("\n") + "\n\n\n" + block + "\n" if text.strip() else block + "\n"
    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as exc:  # pragma: no cover - both inputs parsed; a safety net
        raise MergeError(f"merging into {path} would not parse: {exc.message}.") from None
    return Merged(text, tuple(d.name for d in missing_defs), True)


def _parse(text: str, path: str, what: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise MergeError(f"{what} for {path} does not parse (line {exc.lineno}); nothing was written.") from None


def _alias(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name


def _bound_names(tree: ast.Module) -> set[str]:
    """Top-level names a module binds (imports bind both the alias and the full dotted name)."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                names.add(alias.asname or alias.name.split(".", 1)[0])
                names.add(alias.name)
        elif isinstance(stmt, ast.ImportFrom):
            names |= {a.asname or a.name for a in stmt.names}
        elif isinstance(stmt, ast.Assign):
            names |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return names


def _insert_imports(text: str, tree: ast.Module, imports: list[str]) -> str:
    """After the last top-level import; else after the docstring; else after the opening comments."""
    anchor = 0
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            anchor = stmt.end_lineno or stmt.lineno
    if anchor == 0 and tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
        getattr(tree.body[0], "value", None), ast.Constant
    ):
        anchor = tree.body[0].end_lineno or 0
    lines = text.splitlines(keepends=True)
    if anchor == 0:  # after the opening comments: a shebang or coding line must stay on line 1 or 2
        while anchor < len(lines) and lines[anchor].lstrip().startswith("#"):
            anchor += 1
    return "".join(lines[:anchor] + imports + lines[anchor:])
