"""Read and parse Python source with one policy, for every pipeline.

Decoding follows Python's own rules (a UTF-8 BOM or a PEP 263 coding line, else UTF-8) and newlines
are normalised, so a BOM or CRLF file reads the same everywhere. `ast` parses (libcst is ten times
slower); libcst is only the fallback for grammar the running Python's `ast` rejects (PEP 701
f-strings and PEP 695 type parameters on 3.11).
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from pathlib import Path

# A PEP 263 declaration (first two lines only); checked before the slower tokenize helper.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


# Python's tokenizer refuses deeper bracket nesting (MAXLEVEL); so does our libcst fallback.
_MAX_BRACKETS = 200
_BRACKETS = re.compile(r"[()\[\]{}]")


class UndecodableSource(ValueError):
    """The bytes are not text in the encoding Python would read them with; the message says why."""


def declared_encoding(source: bytes) -> str:
    """The encoding Python reads a file in: its PEP 263 coding line, else UTF-8 (a BOM is UTF-8 too)."""
    head = source[:2048]
    if not (head.startswith(codecs.BOM_UTF8) or _CODING.search(b"\n".join(head.split(b"\n", 2)[:2]))):
        return "utf-8"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:
        raise UndecodableSource(f"bad encoding declaration: {exc.msg}") from None
    return "utf-8" if encoding == "utf-8-sig" else encoding


def decode(source: bytes) -> str:
    """Text as Python reads it, without a BOM and with "\\n" newlines; UndecodableSource if it is not text."""
    encoding = declared_encoding(source)
    if source.startswith(codecs.BOM_UTF8):
        source = source[len(codecs.BOM_UTF8):]
    try:
        text = source.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        if encoding == "utf-8":
            raise UndecodableSource("not valid UTF-8 text and declares no other encoding") from None
        raise UndecodableSource(f"not valid text in its declared encoding ({encoding})") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_source(path: Path) -> str:
    """A Python file's text by `decode`'s rules; OSError or UndecodableSource when it cannot be had."""
    return decode(Path(path).read_bytes())


def parse(text: str) -> ast.Module:
    """`ast.parse`, retried through libcst for newer grammar; SyntaxError when neither accepts it.

    Absurd nesting is a SyntaxError too, never a crash: `ast` gives up past its own limits, and
    libcst is not tried past Python's bracket limit (its parser takes the process down at about
    2,000 nested brackets, where no exception can catch it).
    """
    try:
        return ast.parse(text)
    except (RecursionError, MemoryError):
        raise SyntaxError("nested too deeply to parse") from None
    except SyntaxError:
        if _bracket_depth(text) > _MAX_BRACKETS:
            raise
        tree = _parse_newer_grammar(text)
        if tree is None:
            raise
        return tree


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting, counting brackets in strings and comments too (an upper bound)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(text):
        depth = depth + 1 if bracket in "([{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _parse_newer_grammar(text: str) -> ast.Module | None:
    """Parse with libcst, rewrite Python 3.12 grammar line for line, and hand the result to `ast`.

    Each f-string becomes a plain triple-quoted string spanning the same lines, `type X[T] = v`
    becomes `X = v`, and type parameter lists (`class Box[T]`, `def f[T]()`) are dropped, so every
    line number `ast` reports is still right (unless a parameter list itself spans lines); calls
    inside f-strings are lost, which is acceptable for the handful of files this path sees.
    """
    import libcst as cst

    class _Older(cst.CSTTransformer):
        def leave_FormattedString(self, original, updated):
            lines = cst.Module([]).code_for_node(original).count("\n")
            return cst.SimpleString('"""' + "\n" * lines + '"""')

        def leave_TypeAlias(self, original, updated):
            return cst.Assign([cst.AssignTarget(updated.name)], updated.value)

        def leave_ClassDef(self, original, updated):
            return updated.with_changes(type_parameters=None)

        def leave_FunctionDef(self, original, updated):
            return updated.with_changes(type_parameters=None)

    try:
        module = cst.parse_module(text)
        return ast.parse(module.visit(_Older()).code)
    except Exception:  # libcst's ParserSyntaxError and anything its parser trips on
        return None
