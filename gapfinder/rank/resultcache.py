"""The last ranking, kept whole under .gapfinder/ for the run in which nothing changed.

Its key covers everything the ranking depends on: gapfinder's version and the code that ranks
(rank/, core/, config.py, model.py: a development edit without a version bump), the resolved options,
the stat (mtime, size) of every source and test file, the coverage data (and its parallel
siblings), and git's HEAD. If any of them differs the ranking is computed again (from the
per-file analysis cache), so a stale answer is never served. PR mode (--diff) looks at the
working tree's edits and is never cached.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import operator
import os
import types
import typing
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from gapfinder import __version__
from gapfinder.core import files as cachefile
from gapfinder.rank import cache as analysiscache
from gapfinder.model import (
    AreaCoverage, FunctionDetail, ModuleDetail, Ranked, RankResult, RankSummary, ScorePart, SkippedFile,
)

_FILE = "rank-result.json"
# The stored shape, part of the key: a value object is a list, its class name then its fields in
# order (field names repeated 80,000 times made the file 1.5x larger and slower to write and read).
_SHAPE = 2


def result_key(root: Path, files: Iterable[str], coverage: Path | None, head: str,
               settings: Mapping[str, Any], seen: dict[str, tuple[int, int]] | None = None) -> str:
    """A digest of everything a ranking depends on; `seen` gets the (mtime_ns, size) of each file,
    for the analysis to reuse instead of taking 10,000 stats again."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{__version__}\0{_code()}\0{_SHAPE}\0{sorted(settings.items())!r}\0{head}\0".encode())
    base = os.path.join(root, "")  # plain strings: 10,000 Path joins cost more than the stats
    h.update("".join([_stat(base + rel, rel, seen) for rel in files]).encode())
    if coverage is not None:
        folder = coverage.parent
        try:
            siblings = sorted(p for p in os.listdir(folder) if p.startswith(coverage.name))
        except OSError:
            siblings = []
        for name in siblings:
            h.update(_stat(folder / name, str(folder / name)).encode())
    return h.hexdigest()


@functools.cache
def _code() -> str:
    return analysiscache.code_digest(analysiscache.package_modules("rank", "core", "config.py", "model.py"))


def _stat(path: Path | str, label: str, seen: dict[str, tuple[int, int]] | None = None) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{label}\0-\n"
    if seen is not None:
        seen[label] = (st.st_mtime_ns, st.st_size)
    return f"{label}\0{st.st_mtime_ns}\0{st.st_size}\n"


def load(cache_dir: Path, key: str, on_bad: Callable[[str], None] | None = None) -> RankResult | None:
    return cachefile.load(cache_dir / _FILE, key, _from_data, on_bad)


def store(cache_dir: Path, key: str, result: RankResult) -> None:
    cachefile.store(cache_dir / _FILE, key, result, _to_data)


# The value objects a ranking is made of: the only classes a cache file can name.
_CLASSES = {cls.__name__: cls for cls in (RankResult, RankSummary, Ranked, ScorePart, SkippedFile, ModuleDetail,
                                          FunctionDetail, AreaCoverage)}


# Each class's fields, read in one C call: a ranking of 10,000 modules is ~80,000 value objects.
_GETTERS = {cls: operator.attrgetter(*(f.name for f in dataclasses.fields(cls))) for cls in _CLASSES.values()}


def _to_data(value: Any) -> list[Any]:
    """A value object as plain JSON data: [class name, *fields]. json's C encoder calls this for
    each value object and does the rest (tuples become lists)."""
    get = _GETTERS.get(type(value))
    if get is None:
        raise TypeError(f"{type(value).__name__} is not a value object of a ranking")
    return [type(value).__name__, *get(value)]


def _from_data(data: Any) -> RankResult:
    result = _decoder(RankResult)(data)
    if not isinstance(result, RankResult):
        raise ValueError("not a ranking")
    return result


# Types whose values JSON gives back as they were stored (a float stored whole, 2.0, loads as a float).
_PLAIN = (str, int, bool, float)


@functools.lru_cache(maxsize=None)
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function that rebuilds a value of type `hint` from data, checking every field's type on the
    way; built once per type: a warm run rebuilds tens of
    thousands of value objects, and resolving their type hints each time cost seconds."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = tuple(_decoder(option) for option in typing.get_args(hint))
        # A value of one of these types only one option can take, and takes as it is (an int may
        # become a float: it goes the long way).
        exact = frozenset(t for t in typing.get_args(hint) if t in (str, float, bool, type(None)))

        def union(data: Any) -> Any:
            if type(data) in exact:
                return data
            for option in options:
                try:
                    return option(data)
                except (ValueError, TypeError):
                    continue
            raise ValueError(f"{data!r:.40} is none of {hint}")
        return union
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            plain = {args[0]} if args[0] in _PLAIN else set()

            def sequence(data: Any) -> Any:
                if not isinstance(data, list):
                    raise ValueError("expected a list")
                if plain and set(map(type, data)) <= plain:  # strings, checked in one C call
                    return tuple(data)
                return tuple(map(item, data))
            return sequence
        items = tuple(_decoder(a) for a in args)

        def fixed(data: Any) -> Any:
            if not isinstance(data, list):
                raise ValueError("expected a list")
            if len(items) != len(data):
                raise ValueError("wrong length")
            return tuple(decode(v) for v, decode in zip(data, items))
        return fixed
    if hint is type(None):
        def null(data: Any) -> None:
            if data is not None:
                raise ValueError("expected null")
        return null
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        # A field of a plain type is checked in line (one call fewer per field of ~50,000 objects).
        fields = tuple((hints[f.name] if hints[f.name] in _PLAIN else None, _decoder(hints[f.name]))
                       for f in dataclasses.fields(hint))
        name, size = hint.__name__, len(fields) + 1

        def value_object(data: Any) -> Any:
            if type(data) is not list or len(data) != size or data[0] != name:
                raise ValueError(f"expected a {name}")
            return hint(*[value if type(value) is plain else decode(value)
                          for value, (plain, decode) in zip(data[1:], fields)])
        if any(plain is None for plain, _ in fields):
            return value_object
        # Every field plain (a ScorePart, 90,000 of them at 10,000 rows): all types checked in one
        # C call; anything else (an int for a float, bad data) goes the long way.
        signature = (str, *(plain for plain, _ in fields))

        def plain_object(data: Any) -> Any:
            if type(data) is list and tuple(map(type, data)) == signature and data[0] == name:
                return hint(*data[1:])
            return value_object(data)
        return plain_object
    if hint is float:
        def number(data: Any) -> float:
            if type(data) in (int, float):
                return float(data)
            raise ValueError(f"{data!r:.40} is not a {hint}")
        return number
    if hint in (str, int, bool):
        def plain(data: Any) -> Any:
            if type(data) is hint:
                return data
            raise ValueError(f"{data!r:.40} is not a {hint}")
        return plain

    def unknown(data: Any) -> Any:
        raise ValueError(f"{data!r:.40} is not a {hint}")
    return unknown
