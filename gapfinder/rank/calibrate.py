"""`rank --backtest --calibrate`: this repository's coefficients, fitted on its own replay.

The same model as the score (density.py), fitted the way benchmarks/rank_corpus/density.py fits it
(a conditional Poisson of each module's later fix commits: only the share of the replay's fixes
each module takes is modelled), with the coefficients in force (the corpus defaults unless the
project set its own) as the prior: a ridge pulls every coefficient toward its current value with
the strength of PRIOR_PAIRS fix (commit, file) pairs, so a short history moves little and a
long one moves what its own fixes show. A part that is the same in every module (the coverage gap:
the replay has no coverage) cannot be fitted and keeps its value. The floor of lines stays.

The recall before and after is measured on the same replay (in-sample: the fit has seen these
fixes), so it says how far the repository departs from the corpus, not what the next months bring.

`--write` puts the result in pyproject.toml's [tool.gapfinder.weights], replacing that table (or
adding it at the end) and keeping every other byte of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from gapfinder.config import parse_toml
from gapfinder.core.diff import unified_diff
from gapfinder.core.files import NEW_FILE, edit_text, read_text_file, write_text_file
from gapfinder.errors import ConfigError
from gapfinder.rank import density
from gapfinder.rank.fixes import FixCommit
from gapfinder.rank.recall import mean_recall

PRIOR_PAIRS = 50.0  # the prior's strength, in fix (commit, file) pairs of evidence per unit of input variance
STEPS = 50
SHUFFLES = 20
DIGITS = 3  # coefficients are written rounded to this many decimals


@dataclass(frozen=True)
class Calibration:
    current: Mapping[str, float]
    weights: Mapping[str, float]
    before: float  # commit-level recall of the replay with the current coefficients
    after: float
    steps: tuple[str, ...]  # one line per coefficient that moved
    diff: str  # unified diff of pyproject.toml, "" when nothing changes
    written: str = ""


def fit(inputs: Mapping[str, Mapping[str, float]], lines: Mapping[str, int], fixes: list[FixCommit],
        current: Mapping[str, float], floor: int) -> tuple[dict[str, float], float, float, list[str]]:
    """(coefficients, recall before, recall after, steps) from each module's model inputs (density.inputs)."""
    import numpy as np  # only here: a rank never loads it for this

    paths = sorted(inputs)
    names = list(current)
    x = np.array([[inputs[p].get(n, 0.0) for n in names] for p in paths])
    index = {p: i for i, p in enumerate(paths)}
    y = np.zeros(len(paths))
    for f in fixes:
        for p in f.files:
            if p in index:
                y[index[p]] += 1
    prior = np.array([float(current[n]) for n in names])
    b = prior.copy()
    if y.sum() > 0 and len(paths) > 1:
        for _ in range(STEPS):
            eta = x @ b
            share = np.exp(eta - eta.max())
            share /= share.sum()
            mean = x.T @ share
            grad = x.T @ y - y.sum() * mean - PRIOR_PAIRS * (b - prior)
            hess = -y.sum() * ((x * share[:, None]).T @ x - np.outer(mean, mean)) - PRIOR_PAIRS * np.eye(len(names))
            step = np.linalg.solve(hess, grad)
            b -= step
            if np.abs(step).max() < 1e-9:
                break
    weights = {n: round(float(v), DIGITS) if round(float(v), DIGITS) != round(float(c), DIGITS) else float(c)
               for n, v, c in zip(names, b, prior)}

    def er(w: Mapping[str, float]) -> float:
        x_of = {n: [inputs[p].get(n, 0.0) for p in paths] for n in names}
        keys = density.keys_of(density.terms(x_of, [lines[p] for p in paths], w, floor))
        return mean_recall(dict(zip(paths, keys)), lines, fixes, 0.2, SHUFFLES)[0]

    steps = [f"{n} {current[n]:+g} -> {weights[n]:+g}" for n in names if weights[n] != current[n]]
    return weights, er(current), er(weights), steps


_TABLE = re.compile(r"^\[tool\.gapfinder\.weights\][^\n]*\n(?:(?!\s*\[)[^\n]*\n?)*", re.MULTILINE)


def _edit(text: str | None, weights: Mapping[str, float]) -> str | None:
    body = "[tool.gapfinder.weights]\n" + "".join(f"{k} = {v:g}\n" for k, v in weights.items())
    text = text or ""
    if _TABLE.search(text):
        new = _TABLE.sub(lambda _m: body, text, count=1)
    else:
        new = text + ("" if not text or text.endswith("\n") else "\n") + ("\n" if text else "") + body
    try:
        table = parse_toml(new).get("tool", {}).get("gapfinder", {}).get("weights", {})
    except ConfigError:
        return None
    return new if {k: float(v) for k, v in table.items()} == dict(weights) else None


def plan(root: Path, current: Mapping[str, float], weights: Mapping[str, float]) -> tuple[str, str | None]:
    """(unified diff of pyproject.toml, its new text) for the calibrated weights; ("", None) when
    nothing changes; ConfigError when the table cannot be edited safely."""
    if dict(weights) == dict(current):
        return "", None
    path = root / "pyproject.toml"
    file = read_text_file(path) if path.exists() else None
    new = edit_text(file, lambda text: _edit(text, weights))
    if new is None:
        raise ConfigError(f"cannot edit [tool.gapfinder.weights] in {path} safely (an inline or dotted table?); "
                          "set the weights by hand.")
    old = file.text if file else ""
    diff = unified_diff(old, new, "pyproject.toml")
    return diff, new


def write(root: Path, new: str) -> str:
    path = root / "pyproject.toml"
    write_text_file(path, new, read_text_file(path) if path.exists() else NEW_FILE)
    return str(path)
