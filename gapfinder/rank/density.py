"""The score's model: a module's predicted later bug fixes per line, and how much each part adds.

A test budget is spent per line read, so the order that finds the most later fixes in the first
lines read is by predicted fixes per line. The model is log-linear (benchmarks/rank_corpus/density.py
fitted it on 35 real projects' later fixes; config.DEFAULT_WEIGHTS holds its coefficients b):

    log E[later fixes] = a project's constant + sum_k b_k * x_k + b_lines * log(lines)

with x_k = log1p(part k) for every part but the coverage gap (a share, taken as it is). A module
is ranked by the log of its predicted fixes per line (a module shorter than `floor` lines is read as
that long, so two-line modules with one past fix do not fill the top of the list):

    key = sum_k b_k * x_k + b_lines * log(lines) - log(max(lines, floor))

Each term is a factor of the predicted density: exp(term - the project's mean term) is how many
times the typical module's fix density a part makes this one's (the size term: b_lines * log(lines)
- log(max(lines, floor)), all of size's say). The factors multiply to the module's ratio to the
project's typical (geometric mean) module, and the score is 100 * ratio / (1 + ratio): 50 for a
module as fix-dense as the typical one, 80 for four times it, 90 for nine. Plain Python: a few
thousand modules need no numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence


LINES = "lines"  # the coefficient of log(lines), and the name of size's part
SHARE = "coverage_gap"  # the one part taken as it is, not as log1p


@dataclass(frozen=True)
class Prediction:
    keys: list[float]  # log predicted fixes per line, up to the project's constant
    inputs: dict[str, list[float]]  # x of each part; lines: log(lines)
    log_factors: dict[str, list[float]]  # each part's term minus its mean over the project
    mean_key: float


def inputs(raw: Mapping[str, Sequence[float]], lines: Sequence[int]) -> dict[str, list[float]]:
    """Each part's model input from its raw figure; `lines` last."""
    out = {name: [float(v) for v in values] if name == SHARE else [math.log1p(max(v, 0.0)) for v in values]
           for name, values in raw.items()}
    out[LINES] = [math.log(max(n, 1)) for n in lines]
    return out


def terms(x: Mapping[str, Sequence[float]], lines: Sequence[int], weights: Mapping[str, float],
          floor: float) -> dict[str, list[float]]:
    """Each part's additive term of the key (size's includes the division by lines)."""
    out = {name: [weights.get(name, 0.0) * v for v in values] for name, values in x.items()}
    out[LINES] = [t - math.log(max(n, floor, 1)) for t, n in zip(out[LINES], lines)]
    return out


def keys_of(t: Mapping[str, Sequence[float]]) -> list[float]:
    return [math.fsum(column) for column in zip(*t.values())]


def predict(raw: Mapping[str, Sequence[float]], lines: Sequence[int], weights: Mapping[str, float],
            floor: float) -> Prediction:
    x = inputs(raw, lines)
    t = terms(x, lines, weights, floor)
    keys = keys_of(t)
    n = max(len(keys), 1)
    means = {name: math.fsum(values) / n for name, values in t.items()}
    centred = {name: [v - means[name] for v in values] for name, values in t.items()}
    return Prediction(keys, x, centred, math.fsum(keys) / n)


def score_of(key: float, mean_key: float) -> float:
    """0-100 from the ratio to the typical module's density: ratio / (1 + ratio)."""
    gap = max(min(mean_key - key, 700.0), -700.0)
    return 100.0 / (1.0 + math.exp(gap))
