"""Compact bytes for analysis results, between worker processes and in the cache.

marshal over plain tuples is smaller and faster to load than pickled dataclasses, and loading is
where memory is decided: 50,000 modules must fit in well under 1 GB, so statement and branch
lines come from one shared table of int objects and repeated strings (call targets, import
targets, qualnames, marker kinds) are interned, instead of every module holding its own copies.
Functions and imports are named tuples made straight from their stored tuples: speed first for
the two most numerous records (their own line numbers are not shared, ~8 MB at 10,000 modules).
"""

from __future__ import annotations

import marshal
import sys
from array import array
from dataclasses import fields
from functools import partial

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
        _records(_import, imports, 5),
        _records(_function, functions, 8),
        tuple(_class(n, table[a], table[b], bases) for n, a, b, bases in classes),
        tuple(_marker(c, k, table[n], e, count) for c, k, n, e, count in markers),
    )


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple:
    """The slot setters of a value class, in `names` order. Decoding sets an object's slots
    directly: the frozen dataclass __init__ (one object.__setattr__ call per field) was half the
    cost of loading 10,000 cached analyses. That is only right while the class's fields are these
    and its __init__ does nothing else, so a model that changed stops here instead of loading wrong."""
    if tuple(f.name for f in fields(cls)) != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"codec.py does not know the fields of {cls.__name__}; update it")
    return tuple(getattr(cls, name).__set__ for name in names)


def _builders():  # type: ignore[no-untyped-def]
    """One constructor per dataclass of an analysis, setting its slots in field order."""
    new = object.__new__
    c1, c2, c3, c4 = slot_setters(ClassInfo, ("name", "line", "end_line", "bases"))
    m1, m2, m3, m4, m5 = slot_setters(RiskMarker, ("category", "kind", "line", "evidence", "count"))

    def class_info(name: str, line: int, end_line: int, bases: tuple) -> ClassInfo:
        info = new(ClassInfo)
        c1(info, name)
        c2(info, line)
        c3(info, end_line)
        c4(info, bases)
        return info

    def marker(category: str, kind: str, line: int, evidence: str, count: int) -> RiskMarker:
        found = new(RiskMarker)
        m1(found, category)
        m2(found, kind)
        m3(found, line)
        m4(found, evidence)
        m5(found, count)
        return found

    return class_info, marker


_class, _marker = _builders()
_import, _function = partial(tuple.__new__, ImportRef), partial(tuple.__new__, FunctionInfo)


def _records(make: partial, rows: tuple, width: int) -> tuple:
    """Named tuples made from their stored tuples (fields in order) in C calls, once every row is
    seen to have the record's width."""
    if rows and set(map(len, rows)) != {width}:
        raise ValueError("a record of another shape")
    return tuple(map(make, rows))


def _interned(strings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(map(_intern, strings)) if strings else ()


def _table(lines: int) -> list[int]:
    if lines >= len(_LINES):
        _LINES.extend(range(len(_LINES), lines + 1024))
    return _LINES
