"""Plain values for the parts of a call a test must supply: scalars by annotation, names, imports.

Kept apart from the mock plan so the rules for "what literal stands in for an `int`" live in one
small table.
"""

from __future__ import annotations

import ast
import base64
import builtins
import json
import keyword
import re
import sys

if sys.version_info >= (3, 11):
    from re import _parser as _sre_parse
else:  # pragma: no cover - exercised on 3.10 only
    import sre_parse as _sre_parse

from gapfinder.core.usage.tree import Comparison, UsageTree

# Annotation name -> (literal, imports it needs).
SCALARS: dict[str, tuple[str, tuple[tuple[str, str | None], ...]]] = {
    "int": ("10", ()),
    "float": ("1.0", ()),
    "bool": ("True", ()),
    "bytes": ('b"data"', ()),
    "dict": ("{}", ()),
    "Mapping": ("{}", ()),
    "Dict": ("{}", ()),
    "MutableMapping": ("{}", ()),
    "list": ("[]", ()),
    "List": ("[]", ()),
    "Sequence": ("[]", ()),
    "tuple": ("()", ()),
    "Tuple": ("()", ()),
    "set": ("set()", ()),
    "Set": ("set()", ()),
    "datetime": ("datetime(2024, 1, 1, tzinfo=timezone.utc)", (("datetime", "datetime"), ("datetime", "timezone"))),
    "date": ("date(2024, 1, 1)", (("datetime", "date"),)),
    "timedelta": ("timedelta(minutes=5)", (("datetime", "timedelta"),)),
    "UUID": ("UUID(int=1)", (("uuid", "UUID"),)),
    "Decimal": ('Decimal("1.00")', (("decimal", "Decimal"),)),
    "EmailStr": ('"user@example.com"', ()),  # pydantic's validated types take these strings
    "HttpUrl": ('"http://test.invalid/resource"', ()),
    "AnyHttpUrl": ('"http://test.invalid/resource"', ()),
}
# A str parameter's name says more than its type about a value the code will accept.
STRING_BY_NAME = (
    (re.compile(r"url|uri|endpoint|link"), '"http://test.invalid/resource"'),
    (re.compile(r"email|mail"), '"user@example.com"'),
    (re.compile(r"currency"), '"EUR"'),
    (re.compile(r"password|secret"), '"correct-horse-battery-staple"'),
)

SECRET_FIELD = re.compile(r"secret|(^|_)key$", re.IGNORECASE)
NOT_THE_SECRET = re.compile(r"public|private|previous|old|api", re.IGNORECASE)  # other keys: left unset
# Key material for a `secret...` str or a `...key`/`secret...` bytes parameter. Crypto libraries check
# its form, not only its presence: NaCl's SecretBox and AES-256 take exactly 32 bytes, Fernet the
# url-safe base64 text of 32 bytes, PyJWT warns for HMAC keys under 32 bytes. The text is all three.
TEST_KEY = b"gapfinder-test-key-0123456789abc"  # 32 bytes
TEST_KEY_TEXT = base64.urlsafe_b64encode(TEST_KEY).decode("ascii")


def secret_field(name: str) -> bool:
    """The setting a project signs or hashes with (`SECRET_KEY`, `JWT_SECRET_KEY`, `key`)."""
    return bool(SECRET_FIELD.search(name)) and not NOT_THE_SECRET.search(name)


def key_material(first: str, name: str) -> str | None:
    """A literal key for a parameter that holds one (`secret_key: bytes`, `secret: str`), else None.
    A str named only `key` is left alone: that is a cache or dict key far more often than a secret."""
    if not secret_field(name) or (first == "str" and "secret" not in name.lower()):
        return None
    return f'"{TEST_KEY_TEXT}"' if first == "str" else f'b"{TEST_KEY.decode()}"' if first == "bytes" else None


def scalar_literal(
    annotation: ast.expr | None, name: str, usage: UsageTree | None = None,
) -> tuple[str, tuple[tuple[str, str | None], ...]] | None:
    """A literal for a parameter annotated with a plain data type, or None for anything else.

    usage refines it: the constants the code compares the value with (also after str methods
    such as `.strip().lower()`) choose a value that keeps raising guards false.
    """
    if annotation is None:
        return None
    names = [n for n in _annotation_names(annotation) if n != "None"]
    if not names:
        return None
    first = names[0]
    if usage is not None and first in ("str", "int", "float"):
        chosen = choose(_comparisons_through_str_methods(usage))
        if chosen is not None and isinstance(ast.literal_eval(chosen), str) == (first == "str"):
            return chosen, ()
    if first == "Path":
        return f'tmp_path / "{name}"', ()  # pytest's tmp_path: the code may create it, never in the project
    if first == "str" and usage is not None and (
        usage.iter_item is not None or any(a in usage.attrs for a in ("splitlines", "split", "partition"))
    ):
        return '""', ()  # text the code parses: empty input keeps every per-line rule quiet
    key = key_material(first, name)
    if key is not None:
        return key, ()
    if first == "str":
        for pattern, literal in STRING_BY_NAME:
            if pattern.search(name.lower()):
                return literal, ()
        return f'"{name}"', ()
    return SCALARS.get(first)


STR_METHODS = frozenset({"strip", "lower", "upper", "casefold", "lstrip", "rstrip", "title"})


def _comparisons_through_str_methods(tree: UsageTree) -> list[Comparison]:
    found = list(tree.comparisons)
    for name, child in tree.attrs.items():
        if name in STR_METHODS and child.call is not None:
            found += _comparisons_through_str_methods(child.call)
    return found


def _annotation_names(annotation: ast.expr) -> list[str]:
    """`int | None` -> ["int", "None"]; `Optional[str]` -> ["str"]; strings are parsed."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return []
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _annotation_names(annotation.left) + _annotation_names(annotation.right)
    if isinstance(annotation, ast.Subscript):
        outer = _annotation_names(annotation.value)
        if outer and outer[0] in ("Optional", "Union"):
            inner = annotation.slice
            items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return [n for item in items for n in _annotation_names(item)]
        return outer
    if isinstance(annotation, ast.Attribute):
        return [annotation.attr]
    if isinstance(annotation, ast.Name):
        return [annotation.id]
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return ["None"]
    return []


def annotation_class(annotation: ast.expr | None) -> str | None:
    """The dotted class an annotation names when it is one class (Optional allowed), else None."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        parts = [p for p in (annotation.left, annotation.right)
                 if not (isinstance(p, ast.Constant) and p.value is None)]
        return annotation_class(parts[0]) if len(parts) == 1 else None
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        return ast.unparse(annotation)
    return None


def choose(comparisons: list[Comparison]) -> str | None:
    """A constant that keeps every raising guard false, e.g. a status code below 402 and 500."""
    numbers = [c.value for c in comparisons if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    strings = [c.value for c in comparisons if isinstance(c.value, str)]
    if numbers:
        candidates: list[object] = [1, 0] + [n + d for n in numbers for d in (1, -1, 0)]
    elif strings:
        candidates = [c.value for c in comparisons if isinstance(c.value, str) and not c.raises] + strings + ["value"]
    else:
        return None
    best = min(candidates, key=lambda v: sum(1 for c in comparisons if c.raises and _holds(v, c)))
    return json.dumps(best) if isinstance(best, str) else repr(best)


def regex_example(pattern: str) -> str | None:
    """A string the pattern matches, for the simple patterns input validation uses; else None."""
    try:
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError):
        return None
    return _example(list(parsed))


def _example(items: list) -> str | None:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append("a")
        elif name == "AT":
            continue
        elif name == "IN":
            char = _class_member(arg)
            if char is None:
                return None
            out.append(char)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, body = arg
            part = _example(list(body))
            if part is None:
                return None
            out.append(part * max(low, 1 if low == 0 and part.isdigit() else low))
        elif name == "SUBPATTERN":
            part = _example(list(arg[-1]))
            if part is None:
                return None
            out.append(part)
        elif name == "BRANCH":
            part = _example(list(arg[1][0]))
            if part is None:
                return None
            out.append(part)
        else:
            return None
    return "".join(out)


def _class_member(items: list) -> str | None:
    if items and str(items[0][0]) == "NEGATE":
        return None
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return {"CATEGORY_DIGIT": "1", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}.get(str(arg))
    return None


def _holds(value: object, comparison: Comparison) -> bool:
    try:
        return {
            "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        }[comparison.op](value, comparison.value)
    except (KeyError, TypeError):
        return False


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().strip("_") or "value"


class Namer:
    """Unique, valid local names for a generated test."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def __call__(self, hint: str) -> str:
        base = snake(re.sub(r"\W", "_", hint)) or "value"
        if keyword.iskeyword(base) or hasattr(builtins, base) or base[0].isdigit():
            base = f"{base}_"
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name


def is_stdlib(module: str) -> bool:
    return module.split(".", 1)[0] in sys.stdlib_module_names
