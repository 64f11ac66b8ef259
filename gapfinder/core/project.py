"""Find a project's source files, their module names, and its test files.

Handles flat and src/ layouts, several top-level packages and namespace packages (folders of
modules without __init__.py). Leaves out what is never worth ranking: tests, migrations, virtual
environments, build output, hidden and cache folders.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

from gapfinder.config import Config
from gapfinder.core.files import inside
from gapfinder.core.symbols import imported_names
from gapfinder.errors import ProjectError
from gapfinder.model import Project, SourceFile

# Folder names never descended into.
PRUNED_DIRS = frozenset(
    {
        "__pycache__", "node_modules", "site-packages", "build", "dist", "docs", "doc",
        "migrations", "htmlcov", "wheels",
    }
)
# Generated or tooling code left out whatever the configuration says (virtual environments are
# recognised by their pyvenv.cfg, wherever they sit).
BUILTIN_EXCLUDES = ("*alembic/versions/*",)
# Top-level helper scripts that are not part of the product.
TOP_LEVEL_SCRIPTS = frozenset({"setup.py", "noxfile.py", "fabfile.py", "manage.py", "conftest.py"})


def is_test_file(name: str) -> bool:
    """pytest's default file patterns, plus conftest.py."""
    return (
        (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


# What marks a project's top folder, for every command that starts from a file inside it. A pytest
# or tox file does not: services inside a repository often carry their own.
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above start that holds a project marker, or None."""
    start = Path(start).resolve()
    for folder in [start, *start.parents]:
        package = (folder / "__init__.py").is_file()  # its setup.py is a module (an app's setup), not packaging
        if any((folder / name).exists() for name in PROJECT_MARKERS if not (package and name == "setup.py")):
            return folder
    return None


def project_root(path: Path) -> Path:
    """The absolute project folder, or a ProjectError that says what is wrong with the path."""
    root = Path(path).resolve()
    if not root.exists():
        raise ProjectError(f"{path} does not exist.")
    if not root.is_dir():
        raise ProjectError(f"{path} is not a folder; give the project's folder.")
    return root


def discover(root: Path, config: Config) -> Project:
    """Walk root once; split .py files into source files (with module names) and test files."""
    root = project_root(root)
    source_roots = _source_roots(root, config.source)
    test_dirs = frozenset(config.tests)
    excluded = _exclusion(BUILTIN_EXCLUDES + tuple(config.exclude))
    files: list[SourceFile] = []
    tests: list[str] = []
    outside: list[str] = []
    for rel_dir, names, in_tests in _walk(root, test_dirs, outside):
        for name in names:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if excluded(os.path.normcase(rel)):
                continue
            if in_tests or is_test_file(name):
                tests.append(rel)
                continue
            if not rel_dir and name in TOP_LEVEL_SCRIPTS:
                continue
            module = _module_name(rel, source_roots)
            if module is not None:
                files.append(SourceFile(rel, module, name == "__init__.py"))
    prefix = _import_prefix(root, files)
    if prefix:
        files = [SourceFile(f.path, f"{prefix}.{f.module}" if f.module else prefix, f.is_package) for f in files]
    files.sort(key=lambda f: f.path)
    tests.sort()
    return Project(root, source_roots, tuple(files), tuple(tests), tuple(sorted(outside)))


def _import_prefix(root: Path, files: list[SourceFile]) -> str:
    """The dotted name of the analysed folder itself, when the code imports it by one.

    Module names come from import roots, not from the folder the user named: `rank backend/`
    must name `backend.app.x` what the code imports as `backend.app.x`. A folder that is a
    package (an `__init__.py` chain) is named by the chain; a plain folder inside a larger project
    by its path from that project's top, but only when the code's own imports use that name more
    often than the bare one (a service whose folder is on sys.path imports `app.x`).
    """
    chain: list[str] = []
    folder = root
    while (folder / "__init__.py").is_file() and folder.name.isidentifier():
        chain.insert(0, folder.name)
        folder = folder.parent
    if folder != root:
        return ".".join(chain)
    top = find_root(root.parent)
    if top is None:
        return ""
    parts = root.relative_to(top).parts
    if parts and parts[0] == "src":
        parts = parts[1:]
    if not parts or not all(p.isidentifier() for p in parts):
        return ""
    prefixed = ".".join(parts)
    bare = {f.module.partition(".")[0] for f in files if f.module}
    votes = {"prefixed": 0, "bare": 0}
    for file in files[:2000]:  # enough evidence, bounded time
        try:
            names = imported_names((root / file.path).read_bytes())
        except OSError:
            continue
        for name in names:
            if name == prefixed or name.startswith(prefixed + "."):
                votes["prefixed"] += 1
            elif name.partition(".")[0] in bare:
                votes["bare"] += 1
    return prefixed if votes["prefixed"] > votes["bare"] else ""


def _source_roots(root: Path, configured: list[str]) -> tuple[str, ...]:
    if configured:
        roots = []
        for entry in configured:
            rel = Path(entry.rstrip("/") or ".")
            if not (root / rel).is_dir():
                raise ProjectError(f"source folder '{entry}' in the configuration does not exist under {root}.")
            roots.append(rel.as_posix())
        # Longest first, so a nested root wins over its parent when naming modules.
        return tuple(sorted(roots, key=len, reverse=True))
    if (root / "src").is_dir() and any((root / "src").glob("**/*.py")):
        if (root / "src" / "__init__.py").is_file():  # src is a package: `import src.app.x`
            return (".",)
        return ("src", ".")
    return (".",)


def _module_name(rel: str, source_roots: Iterable[str]) -> str | None:
    for source_root in source_roots:
        if source_root == ".":
            inner = rel
        elif rel.startswith(source_root + "/"):
            inner = rel[len(source_root) + 1 :]
        else:
            continue
        parts = inner[:-3].split("/")
        if parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        return ".".join(parts)
    return None


def _exclusion(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """A matcher of the (normcased) paths a pattern or a folder pattern leaves out, as
    fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p/*) would say: one regex, not 2 calls a pattern."""
    globs = [glob for p in patterns for glob in (p, p.rstrip("/") + "/*")]
    return re.compile("|".join(fnmatch.translate(os.path.normcase(glob)) for glob in globs) or "(?!)").match


def _walk(root: Path, test_dirs: frozenset[str], outside: list[str]) -> Iterator[tuple[str, list[str], bool]]:
    """Yield (relative folder, .py file names, inside a test folder) for every kept folder.

    Folder symlinks are not followed (no loops, nothing outside); a file symlink that leads out of
    the project is left out and added to `outside`.
    """
    stack: list[tuple[str, bool]] = [("", False)]
    while stack:
        rel_dir, in_tests = stack.pop()
        path = os.path.join(root, rel_dir) if rel_dir else str(root)
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        if rel_dir and any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtual environment
        names: list[str] = []
        for entry in entries:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                if name.startswith(".") or name in PRUNED_DIRS or name.endswith(".egg-info"):
                    continue
                child = f"{rel_dir}/{name}" if rel_dir else name
                stack.append((child, in_tests or name in test_dirs))
            elif name.endswith(".py") and entry.is_file():
                if entry.is_symlink() and not inside(root, Path(entry.path)):
                    outside.append(f"{rel_dir}/{name}" if rel_dir else name)
                    continue
                names.append(name)
        if names:
            yield rel_dir, sorted(names), in_tests


def import_roots(root: Path, start: Path, configured: Iterable[str] = (), pythonpath: Iterable[str] = ()) -> list[Path]:
    """The folders a module of `start`'s project is imported from, most specific first.

    The repository's layout decides, not the nearest pytest file: the folder above `start`'s
    `__init__.py` chain, the configured source folders and pytest's `pythonpath`, `src/`, the
    project's top; then every folder between `start` and the top (a service folder on sys.path).
    """
    start = Path(start).resolve()
    folder = start if start.is_dir() else start.parent
    chain = folder
    while (chain / "__init__.py").is_file() and chain != root:
        chain = chain.parent
    found = [chain]
    for entry in [*configured, *pythonpath]:
        candidate = (root / entry).resolve()
        if candidate.is_dir() and inside(root, candidate):
            found.append(candidate)
    found += [root / "src", root]
    found += [p for p in [folder, *folder.parents] if p == root or root in p.parents]
    found += workspace_roots(root)
    return [p for i, p in enumerate(found) if p.is_dir() and p not in found[:i]]


def workspace_roots(root: Path, depth: int = 3) -> list[Path]:
    """Import roots of a workspace's member packages: `packages/x/src`, `libs/y` (a folder with its own
    pyproject.toml or setup.py), at most `depth` folders down; hidden, virtual-env and pruned folders skipped."""
    found: list[Path] = []
    level = [root]
    for _ in range(depth):
        below: list[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False) or entry.name.startswith(".") \
                        or entry.name in PRUNED_DIRS or entry.name in ("tests", "test", "venv", "node_modules"):
                    continue
                path = Path(entry.path)
                if entry.name == "src":
                    found.append(path)
                elif any((path / m).is_file() for m in ("pyproject.toml", "setup.py")):
                    found.append(path)
                below.append(path)
        level = below[:500]
    return found
