"""Compact bytes for analysis results, between worker processes and in the cache.

marshal over plain tuples is smaller and faster to load than pickled dataclasses, and loading is
where memory is decided: 50,000 modules must fit in well under 1 GB, so line numbers come from
one shared table of int objects and repeated strings (call targets, import targets, qualnames,
marker kinds) are interned, instead of every module holding its own copies.
"""

from __future__ import annotations

import marshal
import sys
from array import array

from gapfinder.model import ClassInfo, FunctionInfo, ImportRef, ModuleInfo, RiskMarker, SkippedFile

_intern = sys.intern
_LINES: list[int] = list(range(4096))  # shared int objects for line numbers; grown on demand
VERSION = 1


def dumps(result: ModuleInfo | SkippedFile) -> bytes:
    if type(result) is SkippedFile:
        return marshal.dumps((VERSION, "skipped", result.path, result.reason))
    m = result
    # marshal keeps strings interned on load when they were interned when dumped: intern here.
    return marshal.dumps((
        VERSION, m.module, m.path, m.lines,
        array("I", m.statements).tobytes(), array("I", m.branch_lines).tobytes(),
        tuple((_intern(i.target), i.line, _interned(i.names), i.type_checking, i.local) for i in m.imports),
        tuple((_intern(f.qualname), f.line, f.end_line, f.is_async, f.is_method, _interned(f.decorators),
               f.complexity, _interned(f.calls)) for f in m.functions),
        tuple((_intern(c.name), c.line, c.end_line, _interned(c.bases)) for c in m.classes),
        tuple((_intern(k.category), _intern(k.kind), k.line, _intern(k.evidence), k.count) for k in m.markers),
    ))


def loads(data: bytes) -> ModuleInfo | SkippedFile:
    """Rebuild a result; raises ValueError (or EOFError, TypeError) on data it did not write."""
    record = marshal.loads(data)
    if record[0] != VERSION:
        raise ValueError("written by another version")
    if record[1] == "skipped":
        return SkippedFile(record[2], record[3])
    _, module, path, lines, statements, branches, imports, functions, classes, markers = record
    table = _table(lines)
    return ModuleInfo(
        module, path, lines,
        tuple(map(table.__getitem__, array("I", statements))),
        tuple(map(table.__getitem__, array("I", branches))),
        tuple(ImportRef(t, table[n], names, tc, local) for t, n, names, tc, local in imports),
        tuple(FunctionInfo(q, table[a], table[b], is_async, is_method, d, cx, calls)
              for q, a, b, is_async, is_method, d, cx, calls in functions),
        tuple(ClassInfo(n, table[a], table[b], bases) for n, a, b, bases in classes),
        tuple(RiskMarker(c, k, table[n], e, count) for c, k, n, e, count in markers),
    )


def _interned(strings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(map(_intern, strings)) if strings else ()


def _table(lines: int) -> list[int]:
    if lines >= len(_LINES):
        _LINES.extend(range(len(_LINES), lines + 1024))
    return _LINES
