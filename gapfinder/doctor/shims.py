"""Suite modules that re-export unittest.mock (`tests/async_mock.py`: `from unittest.mock import *`, behind a
Python-version check that once chose asynctest), so `from tests.async_mock import MagicMock, patch` builds the
same doubles as importing them from unittest.mock."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from gapfinder.core.files import inside
from gapfinder.core.scopes import own_nodes
from gapfinder.core.source import parse, read_source

REEXPORTED = ("unittest.mock", "mock")


def mock_origins(imports: dict[str, str], base: Path | None) -> dict[str, str]:
    """The imports with each name taken from a re-exporting suite module under `base` (the folder the
    test's top package sits in) pointed at unittest.mock itself; the others as they are."""
    if base is None:
        return imports
    out = dict(imports)
    for name, origin in imports.items():
        module, _, attr = origin.rpartition(".")
        if module and attr and not module.startswith(REEXPORTED) and _reexports_mock(base, module):
            out[name] = f"unittest.mock.{attr}"
    return out


@functools.lru_cache(maxsize=256)
def _reexports_mock(base: Path, module: str) -> bool:
    """The dotted module under base (.py, or a package's __init__.py; never through a symlink out of base)
    star-imports unittest.mock or mock (a star import is only legal at module level; an `if`/`try` around
    it, the version switch these shims use, counts)."""
    stem = base / Path(*module.split("."))
    for path in (stem.with_suffix(".py"), stem / "__init__.py"):
        if path.is_file() and inside(base, path):
            try:
                tree = parse(read_source(path))
            except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
                return False
            return any(isinstance(node, ast.ImportFrom) and not node.level and node.module in REEXPORTED
                       and any(alias.name == "*" for alias in node.names) for node in own_nodes(tree.body))
    return False


def package_base(path: Path) -> Path:
    """The folder a file's top package sits in (its own folder outside a package): where its dotted
    imports start."""
    folder = path.resolve().parent
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        folder = folder.parent
    return folder
