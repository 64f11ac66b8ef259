"""Read-only source analysis: bytes -> ModuleInfo (or a SkippedFile saying why not).

`ast` does the parsing (libcst is ten times slower); libcst is only the fallback for grammar the
running Python's `ast` rejects (PEP 701 f-strings on 3.11). A file that is too large, not text in
its declared encoding, or not Python becomes a SkippedFile, never an exception. `analyse` runs a
whole project through the per-file cache and, when enough files are uncached, worker processes.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from pathlib import Path

from gapfinder.astscan import Facts
from gapfinder.model import Analysis, ModuleInfo, ProgressFn, Project, SkippedFile

# A PEP 263 declaration (first two lines only); checked before the slower tokenize helper.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


def decode(source: bytes) -> str | SkippedFile:
    """Text as Python reads it: a UTF-8 BOM or PEP 263 coding line, else UTF-8.

    Returns a SkippedFile (with an empty path, filled in by the caller) when that fails.
    """
    head = source[:2048]
    if head.startswith(codecs.BOM_UTF8) or _CODING.search(b"\n".join(head.split(b"\n", 2)[:2])):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        except SyntaxError as exc:
            return SkippedFile("", f"bad encoding declaration: {exc.msg}")
    else:
        encoding = "utf-8"
    try:
        text = source.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        if encoding == "utf-8":
            return SkippedFile("", "not valid UTF-8 text and declares no other encoding")
        return SkippedFile("", f"not valid text in its declared encoding ({encoding})")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def analyse_source(source: bytes, path: str, module: str) -> ModuleInfo | SkippedFile:
    """Analyse one file's bytes; never raises for bad input."""
    text = decode(source)
    if isinstance(text, SkippedFile):
        return SkippedFile(path, text.reason)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        tree = _parse_newer_grammar(text)
        if tree is None:
            return SkippedFile(path, f"syntax error at line {exc.lineno}: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return SkippedFile(path, f"cannot be parsed: {type(exc).__name__}")
    try:
        return Facts(module, path, path.endswith("__init__.py")).build(tree, text)
    except RecursionError:
        return SkippedFile(path, "nested too deeply to analyse")


def _parse_newer_grammar(text: str) -> ast.Module | None:
    """Parse with libcst, blank out f-strings line for line, and hand the result to `ast`.

    libcst accepts grammar that this Python's `ast` may not (PEP 701 f-strings before 3.12).
    Each f-string becomes a plain triple-quoted string spanning the same lines, so every line
    number `ast` reports is still right; calls inside f-strings are lost, which is acceptable for
    the handful of files this path sees.
    """
    try:
        import libcst as cst
    except ImportError:  # pragma: no cover - libcst is a dependency
        return None

    class _Blank(cst.CSTTransformer):
        def leave_FormattedString(self, original, updated):
            lines = cst.Module([]).code_for_node(original).count("\n")
            return cst.SimpleString('"""' + "\n" * lines + '"""')

    try:
        module = cst.parse_module(text)
        return ast.parse(module.visit(_Blank()).code)
    except Exception:  # libcst's ParserSyntaxError and anything its parser trips on
        return None


def analyse(
    project: Project,
    *,
    max_file_bytes: int,
    jobs: int = 0,
    cache_dir: Path | None = None,
    on_progress: ProgressFn | None = None,
) -> Analysis:
    """Analyse every source file of the project, from the cache where nothing changed."""
    from gapfinder.runner import run  # runner imports this module for its workers

    return run(project, max_file_bytes=max_file_bytes, jobs=jobs, cache_dir=cache_dir, on_progress=on_progress)
