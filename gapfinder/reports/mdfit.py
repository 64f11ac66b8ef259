"""Markdown that fits where it is pasted: a GitHub comment holds at most 65,536 characters.

Rows are kept in rank order while they fit; what is left out (by --top or by the size limit) is
said in one line with its count and the command that lists every row.
"""

from __future__ import annotations

from typing import Sequence

LIMIT = 65_000  # under GitHub's 65,536, with room for a bot's own header
_NOTE_ROOM = 400  # the note on left-out rows is shorter than this


def fit(head: Sequence[str], rows: Sequence[str], tail: Sequence[str], *, hidden: int, noun: str,
        command: str, limit: int = LIMIT) -> str:
    """head, then as many rows as fit, a note on the rows left out, then tail; under `limit` characters."""
    used = sum(len(line) + 1 for line in (*head, *tail)) + _NOTE_ROOM
    kept = 0
    for row in rows:
        if used + len(row) + 1 > limit:
            break
        used += len(row) + 1
        kept += 1
    cut = len(rows) - kept
    left = hidden + cut
    note: list[str] = []
    if left:
        why = [f"--top {len(rows)}"] if hidden else []
        why += [f"to keep this under {limit:,} characters"] if cut else []
        note = ["", f"**{left} more {noun}{'s' * (left != 1)} not shown** ({' and '.join(why)}); "
                    f"{command} lists them all."]
    return "\n".join([*head, *rows[:kept], *note, *tail]) + "\n"
