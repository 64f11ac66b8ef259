"""The lines coverage.py leaves out of its statements by its default exclusions.

`# pragma: no cover`, `...` bodies and `if TYPE_CHECKING:` blocks. A match on a clause's header
(decorators and signature included) excludes the whole clause, as coverage.py does. Rare enough
that the tree is walked again, and only for files that contain a trigger word.
"""

from __future__ import annotations

import ast
import re

# coverage.py's default exclusions (`# pragma: no cover`, `...` bodies, `if TYPE_CHECKING:`
# blocks), each tried only on the lines that contain its trigger word.
_EXCLUDE = (
    ("cover", re.compile(r"#\s*(?:pragma|PRAGMA)[:\s]?\s*(?:no|NO)\s*(?:cover|COVER)")),
    ("...", re.compile(r"^\s*(?:(?:(?:async )?def .*?)?[\])]+(?:\s*->.*?)?:\s*)?\.\.\.\s*(?:#|$)")),
    ("TYPE_CHECKING", re.compile(r"^\s*if (?:typing\.)?TYPE_CHECKING:")),
)
# A signature line ending in ':' whose body is a bare `...` on the next line: coverage's pattern
# spans both lines, so the whole definition is excluded.
_SIGNATURE_END = re.compile(r"^\s*(?:(?:async )?def .*?)?[\])]+(?:\s*->.*?)?:\s*$")


def excluded_spans(tree: ast.Module, text: str) -> list[tuple[int, int]]:
    """Line spans coverage.py leaves out by its default exclusions (rare, so walked separately)."""
    hits = set()
    lines: list[str] | None = None
    for trigger, pattern in _EXCLUDE:
        start = text.find(trigger)
        while start >= 0:  # jump from one occurrence to the next instead of reading every line
            begin = text.rfind("\n", 0, start) + 1
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            line = text[begin:end]
            if pattern.search(line):
                number = text.count("\n", 0, begin) + 1
                hits.add(number)
                if trigger == "..." and line.strip() == "...":
                    lines = lines or text.split("\n")
                    previous = number - 1
                    while previous > 1 and not lines[previous - 1].strip():
                        previous -= 1
                    if _SIGNATURE_END.search(lines[previous - 1]):
                        hits.update(range(previous, number))
            start = text.find(trigger, end)
    spans: list[tuple[int, int]] = []
    if hits:
        _exclude_body(tree.body, hits, spans, lines or text.split("\n"))
    return spans


def _exclude_body(stmts: list, hits: set[int], spans: list[tuple[int, int]], lines: list[str]) -> None:
    """Like coverage.py: a hit on a clause's header excludes that clause's suite, not its siblings."""
    for node in stmts:
        start = min((d.lineno for d in getattr(node, "decorator_list", ())), default=node.lineno)
        body = getattr(node, "body", None) or None
        if body is None and type(node) is not ast.Match:
            if any(start <= h <= node.end_lineno for h in hits):
                spans.append((start, node.end_lineno))
            continue
        if body is not None:
            _exclude_clause(start, node.lineno, body, hits, spans, lines)
        for clause in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            first = getattr(clause, "lineno", None) or clause.pattern.lineno
            _exclude_clause(first, first, clause.body, hits, spans, lines)
        previous = (node.handlers[-1] if getattr(node, "handlers", None) else node.body[-1]).end_lineno \
            if body is not None else node.end_lineno
        for block in (getattr(node, "orelse", None), getattr(node, "finalbody", None)):
            if not block:
                continue
            if type(node) is ast.If and lines[block[0].lineno - 1].lstrip().startswith("elif"):
                _exclude_body(block, hits, spans, lines)
            elif any(previous < h < block[0].lineno for h in hits):
                spans.append((previous + 1, block[-1].end_lineno))
            else:
                _exclude_body(block, hits, spans, lines)
            previous = block[-1].end_lineno


def _exclude_clause(start: int, line: int, body: list, hits: set[int], spans: list[tuple[int, int]],
                    lines: list[str]) -> None:
    first = body[0]
    text = lines[first.lineno - 1]
    on_own_line = len(text) - len(text.lstrip()) == first.col_offset
    header_end = max(line, first.lineno - 1) if on_own_line else first.lineno
    if any(start <= h <= header_end for h in hits):
        spans.append((start, body[-1].end_lineno))
    else:
        _exclude_body(body, hits, spans, lines)


def inside(line: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= line <= end for start, end in spans)
