"""The project's own coverage.py configuration, read by coverage.py itself: what it measures, what it
leaves out, and which lines it excludes, so gapfinder's figures are the ones `coverage report` gives.

* `source` / `source_pkgs`, `include` and `omit` (run and report) decide which files coverage.py
  reports at all; a file it leaves out is not ranked as "untested".
* `exclude_lines` / `exclude_also`: where the project's regexes differ from coverage.py's defaults,
  the statements of every file they touch are taken from coverage.py's own parser.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from coverage.config import DEFAULT_EXCLUDE, read_coverage_config
from coverage.exceptions import CoverageException
from coverage.files import GlobMatcher, TreeMatcher, prep_patterns
from coverage.misc import join_regex
from coverage.parser import PythonParser

from gapfinder.core.files import inside
from gapfinder.core.source import UndecodableSource, read_source
from gapfinder.errors import CoverageDataError
from gapfinder.model import FileCoverage, ModuleInfo, SourceFile


@dataclass(frozen=True)
class CoverageScope:
    config_file: str | None  # the file coverage.py read its settings from (None: defaults only)
    omitted: tuple[str, ...]  # project files the configuration leaves out of coverage.py's report
    exclude: str | None  # the project's exclusion regex, when it is not coverage.py's default
    source_dirs: tuple[str, ...] = ()  # the configured source folders, relative to the project
    changed_exclusions: str | None = None  # the regexes that differ from coverage.py's defaults (either way)
    notes: tuple[str, ...] = ()  # what coverage.py said of the configuration (an unknown option, say)


@contextmanager
def in_folder(folder: Path) -> Iterator[None]:
    """coverage.py reads its configuration, and makes relative patterns absolute, from the working folder."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def read_scope(root: Path, files: Sequence[SourceFile]) -> CoverageScope:
    """How the project's coverage configuration (found as coverage.py finds it) applies to its files."""
    notes: list[str] = []
    with in_folder(root):
        try:
            config = read_coverage_config(config_file=True, warn=notes.append)
        except CoverageException as exc:
            raise CoverageDataError(f"the coverage configuration cannot be read: {exc}.") from None
        omit = GlobMatcher(prep_patterns([*config.run_omit, *(config.report_omit or [])]), "omit")
        include = [*config.run_include, *(config.report_include or [])]
        include_matcher = GlobMatcher(prep_patterns(include), "include") if include else None
        sources = [*(config.source or []), *config.source_pkgs]
        source_dirs = [os.path.abspath(s) for s in sources if os.path.isdir(s)]
        source_pkgs = [s for s in sources if not os.path.isdir(s)]
        tree = TreeMatcher(source_dirs, "source") if source_dirs else None
    omitted = []
    base = os.path.join(root, "")  # plain strings: 10,000 Path joins cost more than the matching
    for file in files:
        path = base + file.path
        if sources:
            measured = bool(tree and tree.match(path)) or any(
                file.module == p or file.module.startswith(p + ".") for p in source_pkgs)
        else:
            measured = include_matcher is None or include_matcher.match(path)
        if not measured or omit.match(path):
            omitted.append(file.path)
    exclude = None if list(config.exclude_list) == list(DEFAULT_EXCLUDE) else join_regex(config.exclude_list)
    # Only the regexes the project added, or dropped from coverage.py's defaults, change anything
    # our own parse (which applies the defaults) does not already get right.
    changed = sorted(set(config.exclude_list) ^ set(DEFAULT_EXCLUDE))
    relative = tuple(sorted(Path(d).resolve().relative_to(root.resolve()).as_posix()
                            for d in source_dirs if inside(root, Path(d))))
    return CoverageScope(getattr(config, "config_file", None) or None, tuple(omitted), exclude, relative,
                         join_regex(changed) if changed else None, tuple(notes))


def _excluded_lines(regex: re.Pattern[str], text: str) -> set[int]:
    return {text.count("\n", 0, match.start()) for match in regex.finditer(text)}


def measured_roots(covered: Mapping[str, FileCoverage], scope: CoverageScope) -> tuple[str, ...]:
    """The folders the coverage data measured: the deepest one holding every recorded source file
    ("." for the whole tree) and the configured source folders. A module outside them was not
    "never imported": the data never looked at it (one service of a monorepo, say)."""
    if not covered:
        return scope.source_dirs
    common = posixpath.commonpath([posixpath.dirname(path) for path in covered]) or "."
    return tuple(sorted({common, *scope.source_dirs}))


def inside_roots(path: str, roots: Sequence[str]) -> bool:
    return path.startswith(_prefixes(tuple(roots)))


@functools.lru_cache(maxsize=16)
def _prefixes(roots: tuple[str, ...]) -> tuple[str, ...]:
    """What a path inside one of the roots starts with ("" for the whole tree): one C call a path."""
    return tuple("" if root in (".", "") else root + "/" for root in roots)


def restate(modules: Sequence[ModuleInfo], root: Path, scope: CoverageScope,
            covered: Mapping[str, FileCoverage]) -> tuple[tuple[ModuleInfo, ...], Mapping[str, FileCoverage]]:
    """Modules whose statements the project's exclusions change, restated by coverage.py's parser.

    Raw .coverage data of such a module is mapped the way coverage.py maps it: lines that ran inside
    excluded code are dropped, and a line inside a multi-line statement counts for its first line.
    """
    if scope.exclude is None:
        return tuple(modules), covered
    touched = re.compile(scope.changed_exclusions or scope.exclude, re.MULTILINE)
    ours, defaults = re.compile(scope.exclude, re.MULTILINE), re.compile(join_regex(DEFAULT_EXCLUDE), re.MULTILINE)
    out = []
    mapped = dict(covered)
    for info in modules:
        try:
            text = read_source(root / info.path)
        except (OSError, UndecodableSource):
            out.append(info)
            continue
        if not touched.search(text) or _excluded_lines(ours, text) == _excluded_lines(defaults, text):
            out.append(info)  # the project's regexes exclude exactly the lines the defaults do here
            continue
        parser = PythonParser(text=text, filename=str(root / info.path), exclude=scope.exclude)
        try:
            parser.parse_source()
        except Exception:  # coverage.py's own NotPython and tokenizer errors: keep our figures
            out.append(info)
            continue
        statements = tuple(sorted(parser.statements))
        kept = set(statements)
        out.append(replace(info, statements=statements,
                           branch_lines=tuple(b for b in info.branch_lines if b in kept)))
        cov = covered.get(info.path)
        if cov is not None and cov.statements is None:
            ran = parser.first_lines(cov.executed - parser.excluded) & kept
            mapped[info.path] = replace(cov, executed=frozenset(ran))
    return tuple(out), mapped
