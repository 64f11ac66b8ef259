"""Which test files exercise each module: the modules they import, and the coverage contexts
(test names) that ran it.

Rank needs only the import lines of test files, so they are found with one regular expression
over the text instead of a full parse: on Django's 1,960 test files a full analysis took most
of a cold run, the scan takes a fraction of a second.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from gapfinder.core.symbols import imported_names
from gapfinder.model import FileCoverage, ModuleInfo

def scan_test_imports(root: Path, test_files: Sequence[str]) -> dict[str, set[str]]:
    """Test file -> names it imports; unreadable files import nothing."""
    found = {}
    for path in test_files:
        try:
            found[path] = imported_names((root / path).read_bytes())
        except OSError:
            found[path] = set()
    return found


def link_tests(
    modules: Sequence[ModuleInfo], test_imports: Mapping[str, set[str]], coverage: Mapping[str, FileCoverage]
) -> dict[str, tuple[str, ...]]:
    """Module name -> the test files that import it or whose coverage contexts ran it.

    An imported name links to the deepest module it resolves to: `from app.db import get_session`
    links to app.db, `import app.utils` (a namespace) to app."""
    names = {m.module for m in modules}
    found: dict[str, set[str]] = defaultdict(set)
    for test_path, imported in test_imports.items():
        for name in imported:
            # `from app import db` may name a module (app.db) or a function in app.
            while name and name not in names:
                name = name.rpartition(".")[0]
            if name:
                found[name].add(test_path)
    resolve = _ContextResolver(test_imports)
    for info in modules:
        cov = coverage.get(info.path)
        if cov is None:
            continue
        for context in cov.contexts:
            test_file = resolve(context)
            if test_file:
                found[info.module].add(test_file)
    return {name: tuple(sorted(paths)) for name, paths in found.items()}


class _ContextResolver:
    """Map a coverage context to its test file, e.g. 'tests/test_x.py::test_y|run' (pytest-cov)
    or 'tests.test_x.test_y' and 'test_x.test_y' (dynamic_context = test_function)."""

    def __init__(self, test_paths: Iterable[str]) -> None:
        self._paths = set(test_paths)
        self._by_dotted_suffix: dict[str, str] = {}
        for path in sorted(self._paths, reverse=True):
            parts = path[:-3].split("/")
            for cut in range(len(parts)):
                self._by_dotted_suffix.setdefault(".".join(parts[cut:]), path)
        self._memo: dict[str, str | None] = {}

    def __call__(self, context: str) -> str | None:
        head = context.split("::", 1)[0].split("|", 1)[0]
        if head not in self._memo:
            self._memo[head] = self._resolve(head)
        return self._memo[head]

    def _resolve(self, head: str) -> str | None:
        if head in self._paths:
            return head
        parts = head.split(".")
        for cut in range(len(parts), 0, -1):
            found = self._by_dotted_suffix.get(".".join(parts[:cut]))
            if found:
                return found
        return None
