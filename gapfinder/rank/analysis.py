"""Read-only source analysis: bytes -> ModuleInfo (or a SkippedFile saying why not).

A file that is too large, not text in its declared encoding, or not Python becomes a SkippedFile,
never an exception. `runner.analyse` runs a whole project through the per-file cache and workers.
"""

from __future__ import annotations

from gapfinder.core.source import UndecodableSource, decode, parse
from gapfinder.model import ModuleInfo, SkippedFile
from gapfinder.rank.astscan import ModuleScanner


def analyse_source(source: bytes, path: str, module: str) -> ModuleInfo | SkippedFile:
    """Analyse one file's bytes; never raises for bad input."""
    try:
        text = decode(source)
    except UndecodableSource as exc:
        return SkippedFile(path, str(exc))
    try:
        tree = parse(text)
    except SyntaxError as exc:
        return SkippedFile(path, f"syntax error at line {exc.lineno}: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return SkippedFile(path, f"cannot be parsed: {type(exc).__name__}")
    try:
        return ModuleScanner(module, path, path.endswith("__init__.py")).build(tree, text)
    except RecursionError:
        return SkippedFile(path, "nested too deeply to analyse")
