"""Read coverage data in every format we meet and map it onto the analysed project.

Formats: coverage.py's data file (through coverage's own API, parallel `.coverage.*` files
combined), Cobertura XML (coverage.py's and other tools'), coverage.json and lcov. The format is
told by the file's first bytes, not its name. For `.coverage` data only executed lines and arcs
are read: coverage's own per-file analysis re-parses every source file and is far too slow on big
trees, so FileCoverage.statements stays None there and the analysis supplies the statements.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from coverage import CoverageData
from coverage.exceptions import CoverageException

from gapfinder.errors import CoverageDataError
from gapfinder.model import CoverageSet, FileCoverage, Project
from gapfinder.pathmap import PathIndex, match_paths, parse_path_maps, suggest_map

# Files find_coverage looks for, and the folders it looks in (the project root first).
DATA_NAMES = (".coverage", "coverage.xml", "coverage.json", "lcov.info", "coverage.lcov")
REPORT_DIRS = ("", "reports", ".reports", "build", "coverage", "test-results")
SQLITE_MAGIC = b"SQLite format 3\x00"
UNMATCHED_SAMPLE = 5
_RERUN = "Re-run the tests under coverage (e.g. `coverage run -m pytest`), or pass --coverage another file."
_FORMATS = "Give a .coverage data file, Cobertura XML (coverage.xml), coverage.json or lcov.info."


@dataclass
class _Parsed:
    """A text report read into memory, still keyed by recorded path."""

    files: dict[str, FileCoverage]
    bases: tuple[str, ...] = ()  # roots that relative names are relative to (Cobertura <source>)
    has_branches: bool = False
    has_contexts: bool = False


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


def load_coverage(path: Path, project: Project, path_maps: Sequence[str] = ()) -> CoverageSet:
    """Read path in whatever format it is, map its files onto project.files, or raise CoverageDataError."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise CoverageDataError(f"Coverage data {path} {what}.", _RERUN)
    maps = parse_path_maps(path_maps, project.root)
    index = PathIndex(project)
    fmt = _sniff(path)
    if fmt == "coverage.py":
        return _load_data_file(path, project, index, maps, path_maps)
    reader = {"cobertura": _read_cobertura, "json": _read_json, "lcov": _read_lcov}[fmt]
    try:
        parsed = reader(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CoverageDataError(f"Coverage data {path} could not be read: {exc}.", _RERUN) from None
    matched = match_paths(((p, parsed.bases) for p in parsed.files), index, maps)
    files: dict[str, FileCoverage] = {}
    for recorded, rel in matched.items():
        if not index.is_test(rel):
            files[rel] = _merge(files.get(rel), replace(parsed.files[recorded], path=rel))
    return _result(path, fmt, project, list(parsed.files), matched, files, parsed, path_maps)


def _result(
    path: Path,
    fmt: str,
    project: Project,
    recorded: list[str],
    matched: dict[str, str],
    files: dict[str, FileCoverage],
    parsed: _Parsed,
    path_maps: Sequence[str],
) -> CoverageSet:
    unmatched = sorted(p for p in recorded if p not in matched)
    if not recorded:
        raise CoverageDataError(
            f"Coverage data {path} records no files: the tests ran without measuring any code.",
            "Check coverage's [run] source setting, then " + _RERUN[0].lower() + _RERUN[1:],
        )
    if not files:
        raise CoverageDataError(
            f"None of the {len(recorded)} files recorded in {path} matches a source file under "
            f"{project.root} (for example {unmatched[0] if unmatched else recorded[0]}).",
            "If the data was recorded on another machine or folder, map its root onto this "
            f"project: {suggest_map(unmatched or recorded, project.root)}",
        )
    return CoverageSet(
        source=str(path),
        format=fmt,
        files=dict(sorted(files.items())),
        recorded=len(recorded),
        unmatched=tuple(unmatched[:UNMATCHED_SAMPLE]),
        has_branches=parsed.has_branches,
        has_contexts=parsed.has_contexts,
        mappings=tuple(path_maps),
    )


def _merge(old: FileCoverage | None, new: FileCoverage) -> FileCoverage:
    """Two records of one file (two roots, or repeated records): the union of what ran."""
    if old is None:
        return new

    def union(a: frozenset | None, b: frozenset | None) -> frozenset | None:
        return b if a is None else a if b is None else a | b

    def most(a: int | None, b: int | None) -> int | None:
        return b if a is None else a if b is None else max(a, b)

    return FileCoverage(
        path=new.path,
        executed=old.executed | new.executed,
        statements=union(old.statements, new.statements),
        arcs=union(old.arcs, new.arcs),
        branches_total=most(old.branches_total, new.branches_total),
        branches_covered=most(old.branches_covered, new.branches_covered),
        contexts=old.contexts | new.contexts,
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
    raise CoverageDataError(f"{path} is not in a coverage format gapfinder reads.", _FORMATS)


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


def _load_data_file(
    path: Path, project: Project, index: PathIndex, maps: tuple[tuple[str, str], ...], path_maps: Sequence[str]
) -> CoverageSet:
    """Read (and combine) copies of the data files, so the user's own files are never touched."""
    group = _data_group(path)
    with tempfile.TemporaryDirectory(prefix="gapfinder-", ignore_cleanup_errors=True) as tmp:
        try:
            data = _open_data(group, Path(tmp))
            measured = sorted(data.measured_files())
            matched = match_paths(((p, ()) for p in measured), index, maps)
            has_arcs = data.has_arcs()
            has_contexts = any(data.measured_contexts())
            files: dict[str, FileCoverage] = {}
            for recorded, rel in matched.items():
                if not index.is_test(rel):
                    files[rel] = _merge(files.get(rel), _file_from_data(data, recorded, rel, has_arcs, has_contexts))
        except (CoverageException, sqlite3.Error) as exc:
            names = path if len(group) == 1 else f"{len(group)} data files beside {path}"
            raise CoverageDataError(f"Coverage data {names} could not be read: {exc}.", _RERUN) from None
    parsed = _Parsed({}, has_branches=has_arcs, has_contexts=has_contexts)
    source = path if len(group) == 1 else path.parent / f".coverage (+{len(group) - 1} parallel)"
    return _result(source, "coverage.py", project, measured, matched, files, parsed, path_maps)


def _open_data(group: list[Path], tmp: Path) -> CoverageData:
    copies = []
    for number, source in enumerate(group):
        copy = tmp / f"data{number}"
        shutil.copyfile(source, copy)
        copies.append(copy)
    if len(copies) == 1:
        data = CoverageData(basename=str(copies[0]))
        data.read()
        return data
    data = CoverageData(no_disk=True)
    for copy in copies:
        part = CoverageData(basename=str(copy))
        part.read()
        data.update(part)
    return data


def _file_from_data(data: CoverageData, recorded: str, rel: str, has_arcs: bool, has_contexts: bool) -> FileCoverage:
    arcs = None
    if has_arcs:
        arcs = frozenset(data.arcs(recorded) or ())
        executed = frozenset(line for arc in arcs for line in arc if line > 0)
    else:
        executed = frozenset(data.lines(recorded) or ())
    contexts: frozenset[str] = frozenset()
    if has_contexts:
        contexts = frozenset(c for names in data.contexts_by_lineno(recorded).values() for c in names if c)
    return FileCoverage(path=rel, executed=executed, arcs=arcs, contexts=contexts)


# --- text reports ----------------------------------------------------------------------------

def _read_cobertura(path: Path) -> _Parsed:
    """Cobertura XML; a file split over several <class> elements is merged line by line."""
    sources: list[str] = []
    lines: dict[str, dict[int, int]] = {}
    branches: dict[str, dict[int, tuple[int, int]]] = {}
    declared_branches = False
    try:
        events = ET.iterparse(path, events=("start", "end"))
        _, root = next(events)
        if root.tag != "coverage":
            raise CoverageDataError(
                f"{path} is XML but not a Cobertura coverage report: its root element is <{root.tag}>, not <coverage>.",
                _FORMATS,
            )
        declared_branches = _number(root.get("branches-valid")) > 0
        for event, elem in events:
            if event != "end":
                continue
            if elem.tag == "source" and (elem.text or "").strip():
                sources.append(elem.text.strip())
            elif elem.tag == "class":
                name = elem.get("filename")
                if name:
                    _class_lines(elem, lines.setdefault(name, {}), branches.setdefault(name, {}))
                elem.clear()
    except ET.ParseError as exc:
        raise CoverageDataError(f"{path} is not well-formed XML ({exc}).", _FORMATS) from None
    except ValueError as exc:
        raise CoverageDataError(f"{path} has a <line> that is not understood: {exc}.", _FORMATS) from None
    has_branches = declared_branches or any(branches.values())
    files = {}
    for name, hits in lines.items():
        per_line = branches[name].values()
        files[name] = FileCoverage(
            path=name,
            executed=frozenset(n for n, h in hits.items() if h > 0),
            statements=frozenset(hits),
            branches_total=sum(t for _, t in per_line) if has_branches else None,
            branches_covered=sum(c for c, _ in per_line) if has_branches else None,
        )
    return _Parsed(files, bases=tuple(sources), has_branches=has_branches)


def _class_lines(elem: ET.Element, hits: dict[int, int], branches: dict[int, tuple[int, int]]) -> None:
    """The class's own <lines> (not its methods', which repeat them in some writers)."""
    for line in elem.findall("lines/line"):
        number = int(line.get("number", ""))
        hits[number] = max(hits.get(number, 0), int(_number(line.get("hits"))))
        if line.get("branch") == "true":
            found = re.search(r"\((\d+)/(\d+)\)", line.get("condition-coverage", ""))
            if found:
                covered, total = int(found[1]), int(found[2])
                branches[number] = max(branches.get(number, (0, 0)), (covered, total))


def _number(text: str | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def _read_json(path: Path) -> _Parsed:
    """coverage.py's `coverage json` report (format 2 or 3, contexts when --show-contexts)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise CoverageDataError(f"{path} is not valid JSON ({exc}).", _FORMATS) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise CoverageDataError(f"{path} is JSON but not a coverage.py report: it has no \"files\" table.", _FORMATS)
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    has_branches = bool(meta.get("branch_coverage"))
    files = {}
    try:
        for name, entry in data["files"].items():
            executed = frozenset(entry["executed_lines"])
            summary = entry.get("summary", {})
            contexts = frozenset(c for names in entry.get("contexts", {}).values() for c in names if c)
            files[name] = FileCoverage(
                path=name,
                executed=executed,
                statements=executed | frozenset(entry.get("missing_lines", ())),
                # The report lists branch arcs only; other arcs are not in it.
                arcs=frozenset(map(tuple, entry.get("executed_branches", ()))) if has_branches else None,
                branches_total=summary.get("num_branches") if has_branches else None,
                branches_covered=summary.get("covered_branches") if has_branches else None,
                contexts=contexts,
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise CoverageDataError(f"{path} is JSON but its \"files\" entries are not coverage.py's ({exc!r}).", _FORMATS) from None
    has_contexts = any(f.contexts for f in files.values())
    return _Parsed(files, has_branches=has_branches, has_contexts=has_contexts)


def _read_lcov(path: Path) -> _Parsed:
    """lcov tracefiles: SF/DA/BRDA records, repeated records of one file merged."""
    files: dict[str, FileCoverage] = {}
    with path.open(encoding="utf-8-sig") as handle:
        for record in _lcov_records(path, handle):
            files[record.path] = _merge(files.get(record.path), record)
    has_branches = any(f.branches_total for f in files.values())
    if not has_branches:
        files = {name: replace(f, branches_total=None, branches_covered=None) for name, f in files.items()}
    return _Parsed(files, has_branches=has_branches)


def _lcov_records(path: Path, lines: Iterable[str]) -> Iterable[FileCoverage]:
    name: str | None = None
    hits: dict[int, int] = {}
    total = covered = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        try:
            if line.startswith("SF:"):
                name, hits, total, covered = line[3:], {}, 0, 0
            elif line.startswith("DA:") and name is not None:
                fields = line[3:].split(",")
                hits[int(fields[0])] = max(hits.get(int(fields[0]), 0), int(fields[1]))
            elif line.startswith("BRDA:") and name is not None:
                taken = line[5:].split(",")[3]
                total += 1
                covered += taken not in ("-", "0")
            elif line == "end_of_record" and name is not None:
                executed = frozenset(n for n, h in hits.items() if h > 0)
                yield FileCoverage(name, executed, frozenset(hits), None, total, covered)
                name = None
        except (ValueError, IndexError):
            raise CoverageDataError(f"{path} line {number} is not valid lcov: {line[:80]!r}.", _FORMATS) from None
