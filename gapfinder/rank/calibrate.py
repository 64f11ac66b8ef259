"""`rank --backtest --calibrate`: this repository's weights, fitted on its own replay.

The corpus defaults are the prior: starting from the weights in force, one part's weight at a time
is zeroed, halved or doubled (a part at 0 is tried at the mean of the others), and a change is kept only when it finds at least MIN_GAIN more of the
replay's fix commits (by default two) in the first 20% of lines. A short history moves few or no
weights, and no step can be taken on noise alone. The replay has no coverage, so it says nothing
about the coverage_gap weight, which is left as it is.

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
from gapfinder.rank.fixes import FixCommit
from gapfinder.rank.recall import mean_recall
from gapfinder.rank.scoring import combine

FACTORS = (0.0, 0.5, 2.0)
MIN_GAIN = 2  # fix commits a change must add to be kept
ROUNDS = 4
SHUFFLES = 20
_FIXED = ("coverage_gap",)  # the replay has no coverage to fit it on


@dataclass(frozen=True)
class Calibration:
    current: Mapping[str, float]
    weights: Mapping[str, float]
    before: float  # commit-level recall of the replay with the current weights
    after: float
    steps: tuple[str, ...]
    diff: str  # unified diff of pyproject.toml, "" when nothing changes
    written: str = ""


def fit(rows: Mapping[str, tuple[Mapping[str, float], float]], lines: Mapping[str, int],
        fixes: list[FixCommit], current: Mapping[str, float]) -> tuple[dict[str, float], float, float, list[str]]:
    """(weights, recall before, recall after, steps) from each module's (part values, effort)."""
    def er(weights: Mapping[str, float]) -> float:
        keys = {p: combine(values, weights, effort) for p, (values, effort) in rows.items()}
        return mean_recall(keys, lines, fixes, 0.2, SHUFFLES)[0]

    weights = {k: float(v) for k, v in current.items()}
    before = best = er(weights)
    need = MIN_GAIN / max(len(fixes), 1)
    steps: list[str] = []
    for _ in range(ROUNDS):
        trials = []
        used = [w for w in weights.values() if w > 0]
        revive = round(sum(used) / len(used), 4) if used else 1.0  # a part at 0 is tried at the mean weight
        for name, w in weights.items():
            if name in _FIXED:
                continue
            for factor in FACTORS:
                new = round(w * factor, 4) if w else (revive if factor > 1 else 0.0)
                if new == w:
                    continue
                trial = {**weights, name: new}
                if sum(trial.values()) > 0:
                    trials.append((er(trial), name, new, trial))
        if not trials:
            break
        score, name, new, trial = max(trials, key=lambda t: t[0])
        if score < best + need - 1e-9:
            break
        steps.append(f"{name} {weights[name]:g} -> {new:g}: {100 * best:.0f}% -> {100 * score:.0f}%")
        weights, best = trial, score
    return weights, before, best, steps


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
