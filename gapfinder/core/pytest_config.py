"""Read a project's pytest configuration the way pytest does, and list the files it would collect.

One reader for every pipeline: progress counts what pytest collects, doctor reads the asyncio mode.

pytest takes the first file that holds its configuration, in this order per folder: pytest.toml,
.pytest.toml, pytest.ini, .pytest.ini, pyproject.toml ([tool.pytest] or [tool.pytest.ini_options]),
tox.ini ([pytest]), setup.cfg ([tool:pytest]). We read the project root only: that is the folder
`pytest` is run from. Nothing here imports the project's code.
"""

from __future__ import annotations

import configparser
import fnmatch
import glob
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from gapfinder.config import TOMLDecodeError, parse_toml
from gapfinder.core.files import inside
from gapfinder.errors import ConfigError

DEFAULT_NORECURSE = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")


@dataclass(frozen=True)
class PytestSettings:
    """The options that decide which tests pytest collects."""

    config_file: str | None  # relative to the root, None when the project has none
    testpaths: tuple[str, ...]  # relative, posix; ("",) means the root itself
    python_files: tuple[str, ...] = ("test_*.py", "*_test.py")
    python_classes: tuple[str, ...] = ("Test",)
    python_functions: tuple[str, ...] = ("test",)
    norecursedirs: tuple[str, ...] = DEFAULT_NORECURSE
    ignore: tuple[str, ...] = ()  # --ignore paths from addopts, relative
    ignore_glob: tuple[str, ...] = ()  # --ignore-glob patterns from addopts
    doctest_modules: bool = False  # addopts has --doctest-modules (doctest items are not counted)
    addopts: tuple[str, ...] = ()  # the options pytest adds to every run


def read_settings(root: Path) -> PytestSettings:
    """The pytest settings of the project at root (pytest's defaults when it has none)."""
    found = _find_config(root)
    if found is None:
        return PytestSettings(None, _expand_testpaths(root, []))
    name, table = found
    addopts = _args(table.get("addopts", ""))
    ignore, ignore_glob = _ignores(addopts)
    return PytestSettings(
        config_file=name,
        testpaths=_expand_testpaths(root, _args(table.get("testpaths", ""))),
        python_files=tuple(_args(table["python_files"])) if "python_files" in table else PytestSettings.python_files,
        python_classes=tuple(_args(table["python_classes"])) if "python_classes" in table else ("Test",),
        python_functions=tuple(_args(table["python_functions"])) if "python_functions" in table else ("test",),
        norecursedirs=tuple(_args(table["norecursedirs"])) if "norecursedirs" in table else DEFAULT_NORECURSE,
        ignore=tuple(ignore),
        ignore_glob=tuple(ignore_glob),
        doctest_modules="--doctest-modules" in addopts,
        addopts=tuple(addopts),
    )


# The files pytest reads its settings from, in its order of precedence.
CONFIG_FILES = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def _find_config(root: Path) -> tuple[str, dict[str, Any]] | None:
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        table = _load(path)
        if table is not None:
            return name, table
    return None


def _load(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            data = parse_toml(text)
            if path.name != "pyproject.toml":
                return dict(data.get("pytest", {}))
            tool = data.get("tool", {}).get("pytest")
            if not isinstance(tool, dict):
                return None
            native = {k: v for k, v in tool.items() if k != "ini_options"}
            return native or tool.get("ini_options")
        parser = configparser.RawConfigParser()
        parser.read_string(text, str(path))
    except (OSError, UnicodeDecodeError, TOMLDecodeError, configparser.Error) as exc:
        raise ConfigError(f"{path} cannot be read as pytest configuration: {exc}") from None
    section = {"setup.cfg": "tool:pytest"}.get(path.name, "pytest")
    if parser.has_section(section):
        return dict(parser.items(section))
    return {} if path.name in ("pytest.ini", ".pytest.ini") else None


def _args(value: Any) -> list[str]:
    """An "args" ini value: a TOML list, or a string split like a shell does."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return shlex.split(str(value))


def _ignores(addopts: list[str]) -> tuple[list[str], list[str]]:
    found: dict[str, list[str]] = {"--ignore": [], "--ignore-glob": []}
    for i, arg in enumerate(addopts):
        key, _, value = arg.partition("=")
        if key in found:
            if not value and i + 1 < len(addopts):
                value = addopts[i + 1]
            found[key].append(value.rstrip("/"))
    return found["--ignore"], found["--ignore-glob"]


def _expand_testpaths(root: Path, testpaths: list[str]) -> tuple[str, ...]:
    paths: list[str] = []
    for pattern in testpaths:
        for match in sorted(glob.glob(str(root / pattern), recursive=True)):
            rel = Path(match).relative_to(root).as_posix()
            paths.append("" if rel == "." else rel)
    return tuple(dict.fromkeys(paths)) or ("",)


def matches_file(settings: PytestSettings, rel: str) -> bool:
    """pytest's python_files test: a pattern without a slash matches the file name."""
    name = rel.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatch(rel, p if p.startswith("*") else "*/" + p) or fnmatch.fnmatch(rel, p)
        if "/" in p else fnmatch.fnmatch(name, p)
        for p in settings.python_files
    )


def matches_name(patterns: tuple[str, ...], name: str) -> bool:
    """python_classes / python_functions: a prefix, or a glob when it has a wildcard."""
    return any(
        fnmatch.fnmatch(name, p) if any(c in p for c in "*?[") else name.startswith(p) for p in patterns
    )


@dataclass
class Ignored:
    """Paths and globs (relative) left out of collection; conftest.py files add to it while walking."""

    paths: set[str]
    globs: list[str]
    outside: list[str] = field(default_factory=list)  # symlinks that lead out of the project, not followed

    def __contains__(self, rel: str) -> bool:
        return rel in self.paths or any(fnmatch.fnmatch(rel, g) for g in self.globs)


def walk_test_files(
    root: Path, settings: PytestSettings, enter_dir: Callable[[str], None], ignored: Ignored
) -> Iterator[str]:
    """Yield the relative path of every file pytest would collect (a file named in testpaths always).

    enter_dir(rel_dir) runs before a folder is listed (and for the folders above each testpath),
    so the caller can read its conftest.py and extend `ignored`.
    """
    ignored.paths.update(settings.ignore)
    ignored.globs.extend(settings.ignore_glob)
    seen: set[str] = set()
    for start in settings.testpaths:
        parts = start.split("/")[:-1] if start else []
        for depth in range(len(parts) + 1):
            enter_dir("/".join(parts[:depth]))
        if start and (root / start).is_file():
            if start not in seen:
                seen.add(start)
                yield start
            continue
        for rel in _walk_dir(root, start, settings, enter_dir, ignored):
            if rel not in seen:
                seen.add(rel)
                yield rel


def _walk_dir(
    root: Path, start: str, settings: PytestSettings, enter_dir: Callable[[str], None], ignored: Ignored
) -> Iterator[str]:
    stack = [start]
    seen: set[Path] = set()  # real folders walked: a symlink loop is entered once
    while stack:
        rel_dir = stack.pop()
        try:
            real = (root / rel_dir).resolve()
        except (OSError, RuntimeError):
            continue
        if real in seen:
            continue
        seen.add(real)
        enter_dir(rel_dir)
        try:
            entries = sorted(os.scandir(root / rel_dir if rel_dir else root), key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[str] = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if rel in ignored:
                continue
            if entry.is_symlink() and not inside(root, Path(entry.path)):
                ignored.outside.append(rel)
                continue
            if entry.is_dir():
                if entry.name == "__pycache__" or (Path(entry.path) / "pyvenv.cfg").is_file():
                    continue
                if any(fnmatch.fnmatch(entry.name, p) for p in settings.norecursedirs):
                    continue
                subdirs.append(rel)
            elif entry.name.endswith(".py") and matches_file(settings, rel):
                yield rel
        stack.extend(reversed(subdirs))


def ini_options(root: Path) -> dict[str, str]:
    """pytest's ini options as strings (lists joined by spaces), from the file pytest would read.

    For rules that only look at a few options (doctor's asyncio mode): an unreadable file reads as none.
    """
    try:
        found = _find_config(root)
    except ConfigError:
        return {}
    if found is None:
        return {}
    return {str(k): " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in found[1].items()}
