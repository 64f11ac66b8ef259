"""Effort-aware metrics of an ordering of files, vectorised over random tie-breaks (numpy).

The reading rule is evaluate.py's (a file is read only if it fits in the budget of lines; the
first file that does not fit ends the reading), and ties are broken by shuffles and averaged, so
these figures equal `evaluate.mean_recall` for the same keys (tests/test_rank_fit.py checks it).

* er_commits / er_files: recall reading `budget` of the lines (ER@20%LOC), commit / file level;
* popt: Popt (Mende and Koschke): 1 - (area(optimal) - area(ordering)) / (area(optimal) -
  area(worst)) under the curve of cumulative fix-file pairs against cumulative lines, optimal and
  worst being the orders by fixes per line, descending and ascending;
* top10 / top20: share of fix commits that touched one of the first 10 / 20 files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

METRICS = ("er_commits", "er_files", "popt", "top10", "top20")


@dataclass(frozen=True)
class Labels:
    """One snapshot's files, their lines and the later fix commits, as arrays."""
    paths: tuple[str, ...]
    lines: np.ndarray  # (n,)
    incidence: np.ndarray  # (fix commits, n) 0/1

    @classmethod
    def build(cls, paths: Sequence[str], lines: Mapping[str, int], fixes: Sequence[Sequence[str]]) -> "Labels":
        index = {p: i for i, p in enumerate(paths)}
        inc = np.zeros((len(fixes), len(paths)))
        for j, files in enumerate(fixes):
            for p in files:
                if p in index:
                    inc[j, index[p]] = 1.0
        inc = inc[inc.sum(axis=1) > 0]
        return cls(tuple(paths), np.array([lines[p] for p in paths], dtype=float), inc)

    @property
    def pairs(self) -> np.ndarray:
        return self.incidence.sum(axis=0)


def _curve_area(order: np.ndarray, lines: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Area under (cumulative lines share, cumulative pairs share) for each row of orders."""
    x = np.cumsum(lines[order], axis=-1) / lines.sum()
    y = np.cumsum(pairs[order], axis=-1) / max(pairs.sum(), 1.0)
    x0 = np.concatenate([np.zeros(x.shape[:-1] + (1,)), x[..., :-1]], axis=-1)
    y0 = np.concatenate([np.zeros(y.shape[:-1] + (1,)), y[..., :-1]], axis=-1)
    return ((x - x0) * (y + y0) / 2).sum(axis=-1)


def evaluate(keys: np.ndarray | None, labels: Labels, budget: float = 0.2, shuffles: int = 100,
             seed: int = 0, only: str = "") -> dict[str, float]:
    """Mean of each metric over `shuffles` random tie-breaks of the descending order of `keys`
    (None: random order); `only="er_commits"` computes that one alone (fit.py's grid)."""
    n = len(labels.paths)
    rng = np.random.default_rng(seed)
    k = np.zeros(n) if keys is None else np.asarray(keys, dtype=float)
    tie = rng.random((shuffles, n))
    order = np.lexsort((tie, np.broadcast_to(-k, (shuffles, n))), axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n)[None, :].repeat(shuffles, 0), axis=1)
    cum = np.cumsum(labels.lines[order], axis=1)
    fits = cum <= budget * labels.lines.sum()
    read = np.zeros((shuffles, n))
    np.put_along_axis(read, order, fits.astype(float), axis=1)
    inc = labels.incidence
    pairs = labels.pairs
    out: dict[str, float] = {}
    if inc.shape[0] == 0:
        return {m: 0.0 for m in METRICS}
    out["er_commits"] = float(((read @ inc.T) > 0).mean())
    if only == "er_commits":
        return out
    out["er_files"] = float((read @ pairs).mean() / pairs.sum())
    density = pairs / np.maximum(labels.lines, 1.0)
    best = _curve_area(np.argsort(-density, kind="stable"), labels.lines, pairs)
    worst = _curve_area(np.argsort(density, kind="stable"), labels.lines, pairs)
    area = _curve_area(order, labels.lines, pairs)
    out["popt"] = float((1 - (best - area) / max(best - worst, 1e-12)).mean())
    for top in (10, 20):
        out[f"top{top}"] = float((((rank < top).astype(float) @ inc.T) > 0).mean())
    return out


def er_commits_batch(keys: np.ndarray, labels: Labels, budget: float = 0.2, shuffles: int = 4,
                     seed: int = 0) -> np.ndarray:
    """Commit-level ER of many orderings at once: `keys` is (orderings, files); the same random
    tie-breaks for every ordering, so two orderings differ only by their keys (fit.py's grid)."""
    m, n = keys.shape
    if labels.incidence.shape[0] == 0:
        return np.zeros(m)
    rng = np.random.default_rng(seed)
    total = np.zeros(m)
    limit = budget * labels.lines.sum()
    for _ in range(shuffles):
        tie = np.broadcast_to(rng.random(n), (m, n))
        order = np.lexsort((tie, -keys), axis=-1)
        fits = np.cumsum(labels.lines[order], axis=1) <= limit
        read = np.zeros((m, n))
        np.put_along_axis(read, order, fits.astype(float), axis=1)
        total += ((read @ labels.incidence.T) > 0).mean(axis=1)
    return total / shuffles
