"""Coverage reports read into memory: Cobertura XML, coverage.py's JSON and lcov.

Each reader returns a Parsed keyed by the paths as recorded; coverage_data maps them onto the
project. Bad content raises CoverageDataError with one sentence that names the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable
from xml.parsers import expat

from gapfinder.errors import CoverageDataError
from gapfinder.model import FileCoverage

FORMATS_HINT = "Give a .coverage data file, Cobertura XML (coverage.xml), coverage.json or lcov.info."


@dataclass
class Parsed:
    """A text report read into memory, still keyed by recorded path."""

    files: dict[str, FileCoverage]
    bases: tuple[str, ...] = ()  # roots that relative names are relative to (Cobertura <source>)
    has_branches: bool = False
    has_contexts: bool = False
    total: float | None = None  # coverage.py's total percent, as the report states it


def merge(old: FileCoverage | None, new: FileCoverage) -> FileCoverage:
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
        statement_count=most(old.statement_count, new.statement_count),
    )


class _Cobertura:
    """expat handlers for Cobertura XML: a class's own <line>s (writers that repeat them under
    <methods> are not double-counted); a file split over several <class>es merged line by line.
    expat with plain callbacks, because building elements costs 3x more on 50,000-file reports."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root: str | None = None
        self.declared_branches = False
        self.total: float | None = None
        self.sources: list[str] = []
        self.text: list[str] | None = None  # inside <source>
        self.lines: dict[str, dict[int, int]] = {}
        self.branches: dict[str, dict[int, tuple[int, int]]] = {}
        self.current: tuple[dict[int, int], dict[int, tuple[int, int]]] | None = None
        self.in_methods = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "line":
            if self.current is not None and not self.in_methods:
                self.line(attrs, *self.current)
        elif tag == "class":
            name = attrs.get("filename")
            self.current = (self.lines.setdefault(name, {}), self.branches.setdefault(name, {})) if name else None
        elif tag == "methods":
            self.in_methods += 1
        elif tag == "source":
            self.text = []
        elif self.root is None:
            self.root = tag
            if tag != "coverage":
                raise CoverageDataError(
                    f"{self.path} is XML but not a Cobertura coverage report: its root element is <{tag}>, "
                    "not <coverage>.",
                    FORMATS_HINT,
                )
            self.declared_branches = _number(attrs.get("branches-valid")) > 0
            valid = _number(attrs.get("lines-valid")) + _number(attrs.get("branches-valid"))
            covered = _number(attrs.get("lines-covered")) + _number(attrs.get("branches-covered"))
            self.total = 100.0 * covered / valid if valid else None

    def end(self, tag: str) -> None:
        if tag == "class":
            self.current = None
        elif tag == "methods":
            self.in_methods -= 1
        elif tag == "source" and self.text is not None:
            if "".join(self.text).strip():
                self.sources.append("".join(self.text).strip())
            self.text = None

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    @staticmethod
    def line(attrs: dict[str, str], hits: dict[int, int], branches: dict[int, tuple[int, int]]) -> None:
        number = int(attrs["number"])
        hits[number] = max(hits.get(number, 0), int(attrs.get("hits", "0")))
        if attrs.get("branch") == "true":
            found = re.search(r"\((\d+)/(\d+)\)", attrs.get("condition-coverage", ""))
            if found:
                branches[number] = max(branches.get(number, (0, 0)), (int(found[1]), int(found[2])))


def read_cobertura(path: Path) -> Parsed:
    handler = _Cobertura(path)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.chars
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except expat.ExpatError as exc:
        raise CoverageDataError(f"{path} is not well-formed XML ({exc}).", FORMATS_HINT) from None
    except (KeyError, ValueError) as exc:
        raise CoverageDataError(f"{path} has a <line> that is not understood ({exc!r}).", FORMATS_HINT) from None
    has_branches = handler.declared_branches or any(handler.branches.values())
    files = {}
    for name, hits in handler.lines.items():
        per_line = handler.branches[name].values()
        files[name] = FileCoverage(
            path=name,
            executed=frozenset(n for n, h in hits.items() if h > 0),
            statements=frozenset(hits),
            branches_total=sum(t for _, t in per_line) if has_branches else None,
            branches_covered=sum(c for c, _ in per_line) if has_branches else None,
        )
    return Parsed(files, bases=tuple(handler.sources), has_branches=has_branches, total=handler.total)


def _number(text: str | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def read_json(path: Path) -> Parsed:
    """coverage.py's `coverage json` report (format 2 or 3, contexts when --show-contexts)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except RecursionError:
        raise CoverageDataError(f"{path} is not coverage.py JSON: nested too deeply to read.") from None
    except json.JSONDecodeError as exc:
        raise CoverageDataError(f"{path} is not valid JSON ({exc}).", FORMATS_HINT) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise CoverageDataError(f"{path} is JSON but not a coverage.py report: it has no \"files\" table.", FORMATS_HINT)
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
                # Older coverage.py lists excluded lines that ran among the executed ones.
                statements=(executed | frozenset(entry.get("missing_lines", ()))) - frozenset(
                    entry.get("excluded_lines", ())),
                # The report lists branch arcs only; other arcs are not in it.
                arcs=frozenset(map(tuple, entry.get("executed_branches", ()))) if has_branches else None,
                branches_total=summary.get("num_branches") if has_branches else None,
                branches_covered=summary.get("covered_branches") if has_branches else None,
                contexts=contexts,
                statement_count=summary.get("num_statements") if isinstance(summary.get("num_statements"), int) else None,
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise CoverageDataError(f"{path} is JSON but its \"files\" entries are not coverage.py's ({exc!r}).", FORMATS_HINT) from None
    has_contexts = any(f.contexts for f in files.values())
    totals = data.get("totals") if isinstance(data.get("totals"), dict) else {}
    total = totals.get("percent_covered")
    return Parsed(files, has_branches=has_branches, has_contexts=has_contexts,
                  total=float(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None)


def read_lcov(path: Path) -> Parsed:
    """lcov tracefiles: SF/DA/BRDA records, repeated records of one file merged."""
    files: dict[str, FileCoverage] = {}
    with path.open(encoding="utf-8-sig") as handle:
        for record in _lcov_records(path, handle):
            files[record.path] = merge(files.get(record.path), record)
    has_branches = any(f.branches_total for f in files.values())
    if not has_branches:
        files = {name: replace(f, branches_total=None, branches_covered=None) for name, f in files.items()}
    statements = sum(len(f.statements or ()) for f in files.values())
    branches = sum(f.branches_total or 0 for f in files.values())
    covered = sum(len(f.executed & (f.statements or frozenset())) + (f.branches_covered or 0)
                  for f in files.values())
    total = 100.0 * covered / (statements + branches) if statements + branches else None
    return Parsed(files, has_branches=has_branches, total=total)


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
            raise CoverageDataError(f"{path} line {number} is not valid lcov: {line[:80]!r}.", FORMATS_HINT) from None
