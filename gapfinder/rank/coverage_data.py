"""Read coverage data in every format we meet and map it onto the analysed project.

Formats: coverage.py's data file (through coverage's own API, parallel `.coverage.*` files
combined), Cobertura XML (coverage.py's and other tools'), coverage.json and lcov. The format is
told by the file's first bytes, not its name. For `.coverage` data only executed lines and arcs
are read: coverage's own per-file analysis re-parses every source file and is far too slow on big
trees, so FileCoverage.statements stays None there and the analysis supplies the statements.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sqlite3
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from coverage import Coverage, CoverageData
from coverage.exceptions import CoverageException

from gapfinder.rank.coverage_config import in_folder
from gapfinder.rank.coverage_reports import FORMATS_HINT, Parsed, merge, read_cobertura, read_json, read_lcov
from gapfinder.rank.coverage_sqlite import read_executed
from gapfinder.errors import CoverageDataError
from gapfinder.model import CoverageSet, FileCoverage, Project
from gapfinder.rank.pathmap import PathIndex, match_paths, parse_path_maps, suggest_map

# Files find_coverage looks for, and the folders it looks in (the project root first).
DATA_NAMES = (".coverage", "coverage.xml", "coverage.json", "lcov.info", "coverage.lcov")
REPORT_DIRS = ("", "reports", ".reports", "build", "coverage", "test-results")
SQLITE_MAGIC = b"SQLite format 3\x00"
UNMATCHED_SAMPLE = 5
_RERUN = "Re-run the tests under coverage (e.g. `coverage run -m pytest`), or pass --coverage another file."


def find_coverage(root: Path) -> Path | None:
    """The newest coverage data in the project root or a usual report folder, or None."""
    found: list[tuple[float, str, Path]] = []
    for folder in REPORT_DIRS:
        try:
            entries = list(os.scandir(root / folder))
        except OSError:
            continue
        for entry in entries:
            if (entry.name in DATA_NAMES or _is_parallel_name(entry.name)) and entry.is_file():
                found.append((entry.stat().st_mtime, entry.path, Path(entry.path)))
    return max(found)[2] if found else None


def load_coverage(path: Path, project: Project, path_maps: Sequence[str] = (), raw_total: bool = False) -> CoverageSet:
    """Read path in whatever format it is, map its files onto project.files, or raise CoverageDataError.

    raw_total: for a .coverage file, also have coverage.py compute its total (it re-parses every
    recorded file: 4 s for pylint's 180 modules, 3x a cold rank), which reports state for free.
    """
    path = Path(path)
    if path.name == ".coverage" and not path.exists() and _data_group(path):
        path = _data_group(path)[0]  # only parallel files: `coverage combine` was not run
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise CoverageDataError(f"Coverage data {path} {what}.", _RERUN)
    maps = parse_path_maps(path_maps, project.root)
    index = PathIndex(project)
    fmt = _sniff(path)
    if fmt == "coverage.py":
        return _load_data_file(path, project, index, maps, path_maps, raw_total)
    reader = {"cobertura": read_cobertura, "json": read_json, "lcov": read_lcov}[fmt]
    try:
        parsed = reader(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CoverageDataError(f"Coverage data {path} could not be read: {exc}.", _RERUN) from None
    matched = match_paths(((p, parsed.bases) for p in parsed.files), index, maps)
    files: dict[str, FileCoverage] = {}
    for recorded, rel in matched.items():
        if not index.is_test(rel):
            files[rel] = merge(files.get(rel), replace(parsed.files[recorded], path=rel))
    return _result(str(path), fmt, project, list(parsed.files), matched, files, parsed, path_maps, index)


def _result(
    source: str,
    fmt: str,
    project: Project,
    recorded: list[str],
    matched: dict[str, str],
    files: dict[str, FileCoverage],
    parsed: Parsed,
    path_maps: Sequence[str],
    index: PathIndex,
) -> CoverageSet:
    unmatched = sorted(p for p in recorded if p not in matched)
    if not recorded:
        raise CoverageDataError(
            f"Coverage data {source} records no files: the tests ran without measuring any code.",
            "Check coverage's [run] source setting and re-run the tests under coverage.",
        )
    if not files:
        raise CoverageDataError(
            f"None of the {len(recorded)} files recorded in {source} matches a source file under "
            f"{project.root} (for example {unmatched[0] if unmatched else recorded[0]}).",
            "If the data was recorded on another machine or folder, map its root onto this "
            f"project: {suggest_map(unmatched or recorded, project.root)}",
        )
    return CoverageSet(
        source=source,
        format=fmt,
        files=dict(sorted(files.items())),
        recorded=len(recorded),
        unmatched=tuple(unmatched[:UNMATCHED_SAMPLE]),
        has_branches=parsed.has_branches,
        has_contexts=parsed.has_contexts,
        mappings=tuple(path_maps),
        recorded_tests=sum(1 for rel in matched.values() if index.is_test(rel)),
        total=parsed.total,
    )


# --- format detection ------------------------------------------------------------------------

def _sniff(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise CoverageDataError(f"Coverage data {path} could not be read: {exc.strerror}.", _RERUN) from None
    if head.startswith(SQLITE_MAGIC):
        return "coverage.py"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "cobertura"
    if text.startswith(b"{"):
        return "json"
    if re.match(rb"(TN|SF):", text):
        return "lcov"
    if path.name.startswith(".coverage") or path.name.endswith(".coverage"):
        raise CoverageDataError(f"{path} is not a coverage.py data file: it is not an SQLite database.", _RERUN)
    raise CoverageDataError(f"{path} is not in a coverage format gapfinder reads.", FORMATS_HINT)


def _is_parallel_name(name: str) -> bool:
    return name.startswith(".coverage.") and not name.endswith(("-journal", "-wal", "-shm"))


# --- coverage.py data files ------------------------------------------------------------------

def _data_group(path: Path) -> list[Path]:
    """path, or for `.coverage` and `.coverage.*`: the base file and every parallel file beside it."""
    if path.name != ".coverage" and not _is_parallel_name(path.name):
        return [path]
    base = path.parent / ".coverage"
    parallel = sorted(p for p in path.parent.glob(".coverage.*") if _is_parallel_name(p.name) and _is_sqlite(p))
    return ([base] if base.is_file() and _is_sqlite(base) else []) + parallel


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except OSError:
        return False


# coverage.py re-parses every file to total raw data (about 10 ms a file): past this, no total.
_TOTAL_MAX_FILES = 3000


def _reported_total(path: Path, measured: int, root: Path) -> float | None:
    """The total `coverage report` prints for raw data under the project's configuration, from
    coverage.py itself; None when its files are not on this machine or there are too many.
    `path` is gapfinder's own copy of the data: coverage.py may write to a file it opens."""
    if measured > _TOTAL_MAX_FILES:
        return None
    try:
        with in_folder(root), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # coverage.py's own warnings are not the user's business here
            cov = Coverage(data_file=str(path))
            cov.load()
            try:
                # A recorded file missing here (data from another machine) makes the total unknown, not smaller.
                return float(cov.report(file=io.StringIO(), ignore_errors=False))
            finally:
                _close(cov.get_data())
    except (CoverageException, sqlite3.Error, OSError):
        return None


def _load_data_file(
    path: Path, project: Project, index: PathIndex, maps: tuple[tuple[str, str], ...], path_maps: Sequence[str],
    raw_total: bool,
) -> CoverageSet:
    """Read (and combine) copies of the data files, so the user's own files are never touched."""
    group = _data_group(path)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="gapfinder-", ignore_cleanup_errors=True))
        try:
            data = _open_data(group, Path(tmp))
            stack.callback(_close, data)
            # One connection for all the queries below (recent coverage reconnects per query otherwise).
            stack.enter_context(getattr(data, "keep_db_open", contextlib.nullcontext)())
            measured = sorted(data.measured_files())
            matched = match_paths(((p, ()) for p in measured), index, maps)
            has_arcs = data.has_arcs()
            has_contexts = any(data.measured_contexts())
            bulk = read_executed(Path(tmp) / "data0", has_arcs) if len(group) == 1 else None
            files: dict[str, FileCoverage] = {}
            for recorded, rel in matched.items():
                if not index.is_test(rel):
                    found = bulk.get(recorded) if bulk is not None else None
                    files[rel] = merge(files.get(rel), _file_from_data(data, recorded, rel, has_arcs, has_contexts,
                                                                       found))
            total = (_reported_total(Path(tmp) / "data0", len(measured), project.root)
                     if raw_total and len(group) == 1 else None)
        except (CoverageException, sqlite3.Error, OSError) as exc:
            names = path if len(group) == 1 else f"{len(group)} data files beside {path}"
            raise CoverageDataError(f"Coverage data {names} could not be read: {exc}.", _RERUN) from None
    parsed = Parsed({}, has_branches=has_arcs, has_contexts=has_contexts, total=total)
    source = str(path) if len(group) == 1 else f"{path.parent / '.coverage'}* ({len(group)} files combined)"
    return _result(source, "coverage.py", project, measured, matched, files, parsed, path_maps, index)


def _open_data(group: list[Path], tmp: Path) -> CoverageData:
    copies = []
    for number, source in enumerate(group):
        copy = tmp / f"data{number}"
        shutil.copyfile(source, copy)
        copies.append(copy)
    if len(copies) == 1:
        data = CoverageData(basename=str(copies[0]))
        with _closed_on_error(data):
            data.read()
        return data
    data = CoverageData(no_disk=True)
    with _closed_on_error(data):
        for copy in copies:
            part = CoverageData(basename=str(copy))
            try:
                part.read()
                data.update(part)  # raises when lines and branches are mixed
            finally:
                _close(part)
    return data


@contextlib.contextmanager
def _closed_on_error(data: CoverageData) -> Iterator[None]:
    """Close `data` when filling it fails, instead of leaving its connection to the garbage collector."""
    try:
        yield
    except BaseException:
        _close(data)
        raise


def _close(data: CoverageData) -> None:
    """Close the data's SQLite connections now, not whenever the garbage collector gets to them
    (Python 3.13 warns about each one left open). In-memory data (combined parallel files) closes
    only when forced; older coverage.py has no `force`, or no close() at all."""
    close = getattr(data, "close", None)
    if close is None:
        return
    try:
        close(force=True)
    except TypeError:
        close()


def _file_from_data(data: CoverageData, recorded: str, rel: str, has_arcs: bool, has_contexts: bool,
                    found: tuple[frozenset[int], frozenset[tuple[int, int]] | None] | None = None) -> FileCoverage:
    """One file's coverage; `found`: its executed lines and arcs already read in bulk (coverage_sqlite)."""
    arcs = None
    if found is not None:
        executed, arcs = found
    elif has_arcs:
        arcs = frozenset(data.arcs(recorded) or ())
        executed = frozenset(line for arc in arcs for line in arc if line > 0)
    else:
        executed = frozenset(data.lines(recorded) or ())
    contexts: frozenset[str] = frozenset()
    if has_contexts:
        contexts = frozenset(c for names in data.contexts_by_lineno(recorded).values() for c in names if c)
    return FileCoverage(path=rel, executed=executed, arcs=arcs, contexts=contexts)


def stated_totals(coverage_set: CoverageSet) -> tuple[float | None, float | None]:
    """Line and branch coverage (percent) over the files the data records, from the statements the
    report itself states; (None, None) for raw data, which states no statements."""
    files = list(coverage_set.files.values())
    if not files or any(f.statements is None for f in files):
        return None, None
    statements = sum(len(f.statements) for f in files)
    executed = sum(len(f.executed & f.statements) for f in files)
    line = 100.0 * executed / statements if statements else None
    with_branches = [f for f in files if f.branches_total]
    branch = None
    if with_branches:
        branch = 100.0 * sum(f.branches_covered or 0 for f in with_branches) / sum(f.branches_total for f in with_branches)
    return line, branch
