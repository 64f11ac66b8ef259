"""Line numbers as spans, the way reports show them ("3-5, 9")."""

from __future__ import annotations

from typing import Sequence


def line_spans(lines: Sequence[int]) -> list[tuple[int, int]]:
    """(3, 4, 5, 9) -> [(3, 5), (9, 9)] for sorted line numbers."""
    spans: list[list[int]] = []
    for line in lines:
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return [(a, b) for a, b in spans]


def span_text(a: int, b: int) -> str:
    return f"{a}" if a == b else f"{a}-{b}"


def line_ranges(lines: Sequence[int], limit: int = 12) -> str:
    """(3, 4, 5, 9) -> "3-5, 9"; long lists end with "…"."""
    spans = line_spans(lines)
    text = ", ".join(span_text(a, b) for a, b in spans[:limit])
    return text + (", …" if len(spans) > limit else "")
