"""Effort-aware recall: read an ordering of files from the top until a share of all lines is spent,
and count the later fix commits that touched a file read. `--backtest` and benchmarks/evaluate.py
both measure with this, so the figures a user sees are computed as the corpus's are.

A file counts as read only when it fits entirely into the budget: the ordering is consumed while
the running total of lines stays within it (the first file that does not fit ends the reading).
Ties in an ordering are broken at random and averaged over shuffles, so no ordering gains from an
accident of file names; `keys=None` is random order.
"""

from __future__ import annotations

import random
from typing import Mapping, Sequence

from gapfinder.rank.fixes import FixCommit


def files_read(order: Sequence[str], lines: Mapping[str, int], budget: float) -> set[str]:
    """The prefix of ``order`` whose running total of lines stays within ``budget`` lines."""
    read: set[str] = set()
    spent = 0
    for path in order:
        spent += lines.get(path, 0)
        if spent > budget:
            break
        read.add(path)
    return read


def recall(order: Sequence[str], lines: Mapping[str, int], fixes: Sequence[FixCommit],
           share: float = 0.2) -> tuple[float, float]:
    """(commit-level, file-level) recall when reading ``order`` until ``share`` of all lines."""
    total = sum(lines.values())
    read = files_read(order, lines, share * total)
    commits = [f for f in fixes if f.files]
    pairs = [(f.sha, p) for f in commits for p in f.files]
    if not commits:
        return 0.0, 0.0
    commit_level = sum(1 for f in commits if any(p in read for p in f.files)) / len(commits)
    file_level = sum(1 for _, p in pairs if p in read) / len(pairs)
    return commit_level, file_level


def order_by(keys: Mapping[str, float], rng: random.Random | None = None, descending: bool = True) -> list[str]:
    """Paths sorted by key; ties broken at random when ``rng`` is given, else by path."""
    paths = sorted(keys)
    if rng is not None:
        rng.shuffle(paths)  # sort is stable: the shuffle decides ties only
    return sorted(paths, key=lambda p: -keys[p] if descending else keys[p])


def mean_recall(keys: Mapping[str, float] | None, lines: Mapping[str, int], fixes: Sequence[FixCommit],
                share: float, shuffles: int, seed: int = 0, descending: bool = True) -> tuple[float, float]:
    """Recall of an ordering by ``keys`` averaged over random tie-breaks; ``None`` keys = random."""
    rng = random.Random(seed)
    base = {p: 0.0 for p in lines} if keys is None else keys
    results = [recall(order_by(base, rng, descending), lines, fixes, share) for _ in range(shuffles)]
    return (sum(r[0] for r in results) / len(results), sum(r[1] for r in results) / len(results))
