"""Names in Python source: dotted attribute chains, relative imports, and what an import binds.

Every pipeline reads imports (rank for its graph, scaffold to import what a test needs, doctor to
follow a patch target, progress to follow marks across files); they all go through these helpers,
so `from ..a import b as c` means the same thing everywhere.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Iterator, Sequence

_Name, _Attribute = ast.Name, ast.Attribute


def dotted(node: Any) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None (hot in rank's scan: no isinstance)."""
    parts = []
    while type(node) is _Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not _Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def strip_relative(parts: Sequence[str], level: int) -> list[str]:
    """The package a relative import of `level` dots names, from the importing file's package parts."""
    return list(parts[: max(len(parts) - level + 1, 0)])


def package_of(module: str, is_package: bool) -> str:
    """The package a module's relative imports start from: itself for an `__init__`, else its parent."""
    return module if is_package else module.rpartition(".")[0]


def import_base(stmt: ast.ImportFrom, package: str) -> str:
    """The absolute module a `from ... import` reads from ("" when a relative import climbs too far)."""
    if not stmt.level:
        return stmt.module or ""
    parts = strip_relative(package.split(".") if package else [], stmt.level)
    return ".".join(parts + ([stmt.module] if stmt.module else []))


def import_bindings(stmt: ast.Import | ast.ImportFrom, package: str) -> Iterator[tuple[str, str, str | None]]:
    """(name bound, module, attribute or None) for each name an import statement binds.

    `import a.b` binds `a` to module `a`; `import a.b as c` binds `c` to `a.b`; `from .m import x as y`
    binds `y` to attribute `x` of the resolved module. Star imports bind nothing here.
    """
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, alias.name, None
            else:
                head = alias.name.partition(".")[0]
                yield head, head, None
        return
    base = import_base(stmt, package)
    for alias in stmt.names:
        if alias.name != "*":
            yield alias.asname or alias.name, base, alias.name


_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)|import[ \t]+([^\n#;]+))",
    re.MULTILINE,
)


def imported_names(source: bytes) -> set[str]:
    """Absolute dotted names a file imports: `from a.b import c` gives a.b and a.b.c."""
    names: set[str] = set()
    for from_module, from_names, plain in _IMPORT.findall(source):
        if from_module:
            module = from_module.decode("ascii", "replace")
            if module.startswith("."):
                continue  # relative imports in tests name test helpers, not the code under test
            names.add(module)
            listed = re.sub(rb"#[^\n]*", b"", from_names).strip(b"()\\ \t\r\n")
            for item in listed.split(b","):
                name = item.split()[0].decode("ascii", "replace") if item.split() else ""
                if name and name != "*":
                    names.add(f"{module}.{name}")
        else:
            for item in plain.split(b","):
                words = item.split()
                if words:
                    names.add(words[0].decode("ascii", "replace"))
    return names
