"""The priority score: a weighted mean of named parts, each normalised across the project, explained.

The parts, their weights, how they are normalised and how a module's size damps the score were
chosen by leave-one-project-out cross-validation on real projects' later bug fixes
(benchmarks/rank_corpus: fit.py, README.md), not by hand. Two models came out of it:

* with git history: churn and past fixes (recency-weighted, see history.py) and complexity, each as
  log1p(value) / log1p(the project's largest value), the mean divided by statements ** 0.25: a test
  budget is spent per line, and on the corpus this mild damping finds more of the later fixes in
  the first 20% of the lines than none, or than the sqrt damping used before;
* without history (no git, or no commit in the window): missed statements, complexity and risk
  markers as percentiles, undamped.

Parts the cross-validation dropped (the coverage gap, centrality, and size or risk with history)
keep weight 0 by default: they are still computed and shown, and [tool.gapfinder.weights] can
bring them back. Reasons name the parts that contribute most to a module's score.
"""

from __future__ import annotations

import math
from itertools import repeat
from operator import itemgetter
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from gapfinder.config import DEFAULT_WEIGHTS, NO_HISTORY_WEIGHTS
from gapfinder.rank.facts import Facts
from gapfinder.model import Ranked, RiskMarker, ScorePart


@dataclass(frozen=True)
class Model:
    """How parts are normalised and how size damps the mean."""
    normalise: str  # "log": log1p(v) / log1p(max v); "pct": mid-rank percentile
    alpha: float  # the mean is multiplied by min(1, (EFFORT_REF / statements) ** alpha)


WITH_HISTORY = Model("log", 0.25)
WITHOUT_HISTORY = Model("pct", 0.0)
EFFORT_REF = 10  # statements below which size does not damp

# How much each kind of risk marker says about the cost of a missing test.
RISK_WEIGHTS: Mapping[str, float] = {
    "database": 1.0, "http": 0.8, "redis": 0.8, "websocket": 0.9, "file": 0.5, "subprocess": 0.8,
    "token": 1.0, "password": 1.0, "permission": 0.9, "crypto": 0.8,
    "async": 0.4, "task": 0.8, "thread": 0.8, "lock": 0.8,
    "except": 0.3, "route": 0.6,
}
_LOCAL_IO = ("database", "file", "subprocess")


def percentiles(values: Sequence[float]) -> list[float]:
    """Mid-rank percentile of each value among all (0 stays 0: absence is not a rank).

    A feature that is the same everywhere (every file added in one commit) ranks nothing: all 0.
    Plain Python (a sort and two tables), as numpy's searchsorted would say: a ranking without
    history never imports numpy (0.08 s of a 2 s re-rank)."""
    v = [float(x) for x in values]
    if not v or min(v) == max(v):
        return [0.0] * len(v)
    first: dict[float, int] = {}  # value -> its first index in sorted order ("left")
    after: dict[float, int] = {}  # value -> the index after its last ("right")
    for i, x in enumerate(sorted(v)):
        first.setdefault(x, i)
        after[x] = i + 1
    size = 2.0 * len(v)
    return [(first[x] + after[x]) / size if x > 0 else 0.0 for x in v]


def _top(p: float) -> str:
    return f"top {max(1, math.ceil(100 * (1 - p)))}%"


def risk_value(markers: Sequence[RiskMarker]) -> float:
    return sum(RISK_WEIGHTS.get(m.kind, 0.3) for m in markers)


def log_scaled(values: Sequence[float]) -> list[float]:
    """log1p(value) / log1p(the largest value): 1 for the project's top module, 0 for none; a
    module changed twice as often as another is not twice as likely to hold the next bug."""
    import numpy as np  # numpy's log1p (not math's, which differs in the last bit): the fitted model's

    v = np.log1p(np.maximum(np.asarray(values, dtype=float), 0.0))
    top = v.max() if v.size else 0.0
    return (v / top).tolist() if top > 0 else [0.0] * v.size


def damping(statements: Sequence[int], alpha: float) -> list[float]:
    """min(1, (EFFORT_REF / statements) ** alpha) per unit: a test budget is spent per line."""
    if alpha == 0:  # x ** 0 is 1 for every x, in numpy as in Python
        return [1.0] * len(statements)
    import numpy as np  # numpy's power, as the model was fitted with (math's differs in the last bit)

    return np.minimum(1.0, (EFFORT_REF / np.maximum(np.asarray(statements, dtype=float), 1.0)) ** alpha).tolist()


def _round1(x: float) -> float:
    """numpy's round(x, 1): x * 10 rounded half to even, divided by 10 (-0.0 stays -0.0)."""
    y = x * 10.0
    if not math.isfinite(y):
        return y / 10.0
    return math.copysign(round(y) / 10.0, y)


def model_for(units: Sequence[Facts], weights: Mapping[str, float]) -> tuple[Model, Mapping[str, float]]:
    """The model and weights to score with: the no-history ones when no unit has any history and
    the weights are the defaults (a project's own weights are used as they are)."""
    if any(u.history.commits for u in units) or dict(weights) != dict(DEFAULT_WEIGHTS):
        return WITH_HISTORY, weights
    return WITHOUT_HISTORY, NO_HISTORY_WEIGHTS


def combine(values: Mapping[str, float], weights: Mapping[str, float], effort: float) -> float:
    """A module's score from its normalised parts: the weighted mean, damped by effort, 0-100."""
    total = sum(weights.values()) or 1.0
    return 100.0 * effort * sum(w * values.get(name, 0.0) for name, w in weights.items()) / total


def score(units: Sequence[Facts], weights: Mapping[str, float], since: str, top: int = 0) -> list[Ranked]:
    """Rank units (modules or functions) by priority, highest first; `top` > 0 keeps that many.

    The numbers are computed for every unit at once; only the kept rows are explained, since
    writing the reasons of 10,000 modules cost more than scoring them."""
    if not units:
        return []
    model, weights = model_for(units, weights)
    norm = log_scaled if model.normalise == "log" else percentiles
    pct = {name: percentiles([getter(u) for u in units]) for name, getter in _FEATURES.items()}
    gap = [(u.missed / u.statements if u.statements > 0 else 0.0) if u.measured else 1.0 for u in units]
    raw = {name: [getter(u) for u in units] for name, getter in _PARTS.items()}
    values = {"coverage_gap": gap, **{name: norm(v) for name, v in raw.items()}}
    contribution = {name: [weights.get(name, 0.0) * x for x in value] for name, value in values.items()}
    effort = damping([u.statements for u in units], model.alpha)
    total_weight = sum(weights.values()) or 1.0
    totals = [_round1(100.0 * e * sum(shares) / total_weight) for e, shares in zip(effort, zip(*contribution.values()))]
    order = sorted(range(len(units)), key=lambda i: (-totals[i], units[i].path, units[i].line))
    kept = order[:top] if top else order
    # Column by column over the kept rows: a loop over the parts of each row cost more than the
    # rows' own work at 10,000 modules.
    columns = []  # each part's ScorePart for every kept unit
    shares = []  # each part's contribution, where it can be a top reason (else 0)
    for name, value in values.items():
        reason_of = _REASONS[name]
        reasons = [reason_of(units[i], pct, i, since) for i in kept]
        columns.append(list(map(ScorePart, repeat(name), [round(value[i], 4) for i in kept],
                                repeat(weights.get(name, 0.0)), reasons)))
        share = contribution[name]
        shares.append([0.0] * len(kept) if name == "coverage_gap" else
                      [share[i] if reason else 0.0 for i, reason in zip(kept, reasons)])
    return [_ranked(units[i], parts, row_shares, totals[i], effort[i])
            for i, parts, row_shares in zip(kept, zip(*columns), zip(*shares))]


def _ranked(unit: Facts, parts: tuple[ScorePart, ...], shares: tuple[float, ...], total: float,
            effort: float) -> Ranked:
    """The row a report shows: numbers, parts with reasons, the top reasons, the test to write."""
    # Stable: parts with equal contributions keep their order.
    top_parts = sorted([pair for pair in zip(parts, shares) if pair[1] > 0], key=_SHARE, reverse=True)[:3]
    test_type, why = suggest_test_type(unit)
    return Ranked(
        name=unit.name, path=unit.path, line=unit.line, score=total,
        coverage=None if unit.coverage is None else round(unit.coverage, 1),
        branch_coverage=None if unit.branch_coverage is None else round(unit.branch_coverage, 1),
        statements=unit.statements, missed=unit.missed, complexity=unit.complexity_max,
        test_type=test_type, test_type_reason=why,
        reasons=(parts[0].reason, *(part.reason for part, _ in top_parts)),
        parts=parts, tests=unit.tests, is_async=unit.is_async, effort=round(effort, 3),
        unmeasured="" if unit.measured else unit.unmeasured,
    )


_SHARE = itemgetter(1)


# The raw figure under each part but the coverage gap (normalised by the model).
_PARTS: Mapping[str, Callable[[Facts], float]] = {
    "size": lambda u: float(u.missed),
    "centrality": lambda u: float(u.fan_in + u.call_fan_in),
    "complexity": lambda u: float(u.complexity_sum),
    "risk": lambda u: risk_value(u.markers),
    "churn": lambda u: u.history.recent_commits,
    "fixes": lambda u: u.history.recent_fixes,
}

# Percentiles the reasons quote ("top 5% by size").
_FEATURES: Mapping[str, Callable[[Facts], float]] = {
    "missed": lambda u: float(u.missed),
    "pagerank": lambda u: u.pagerank,
}


def _gap_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    if not u.measured:
        return f"{u.unmeasured} (unmeasured; {u.statements} statements)"
    if not u.statements:
        return "no executable statements"
    text = f"{u.coverage:.0f}% line coverage ({u.missed} of {u.statements} statements missed)"
    if u.branch_coverage is not None:
        text += f", {u.branch_coverage:.0f}% of branches"
    return text


def _size_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    return f"{u.missed} statements without a test ({_top(pct['missed'][i])} by size)" if u.missed else ""


def _centrality_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    bits = []
    if u.fan_in:
        bits.append(f"imported by {u.fan_in} module{'s' * (u.fan_in != 1)}")
    if u.call_fan_in:
        bits.append(f"called from {u.call_fan_in} place{'s' * (u.call_fan_in != 1)} elsewhere")
    return ", ".join(bits) + f" (PageRank {_top(pct['pagerank'][i])})" if bits else ""


def _complexity_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    if u.complexity_max <= 1:
        return ""
    if u.name.endswith(f":{u.worst_function}"):  # a function row: its own complexity
        return f"cyclomatic complexity {u.complexity_max}"
    return f"cyclomatic complexity {u.complexity_max} in {u.worst_function} ({u.complexity_sum} in all)"


def _churn_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    h = u.history
    if not h.commits:
        return ""
    return (f"changed in {h.commits} commit{'s' * (h.commits != 1)} by {h.authors} "
            f"author{'s' * (h.authors != 1)} in the last {since}"
            + (f" ({h.lines_changed} lines)" if h.lines_changed is not None else ""))


def _fixes_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    h = u.history
    return f"{h.fixes} bug-fix commit{'s' * (h.fixes != 1)} in the last {since}" if h.fixes else ""


# Each part's reason for one unit (i: its index in the percentile lists).
_REASONS: Mapping[str, Callable[[Facts, Mapping[str, list[float]], int, str], str]] = {
    "coverage_gap": _gap_reason,
    "size": _size_reason,
    "centrality": _centrality_reason,
    "complexity": _complexity_reason,
    "risk": lambda u, pct, i, since: _risk_reason(u.markers),
    "churn": _churn_reason,
    "fixes": _fixes_reason,
}


def _risk_reason(markers: Sequence[RiskMarker]) -> str:
    if not markers:
        return ""
    by_category: dict[str, list[str]] = {}
    for marker in sorted(markers, key=lambda m: -RISK_WEIGHTS.get(m.kind, 0.3)):
        by_category.setdefault(marker.category, []).append(marker.kind)
    labels = {"io": "I/O", "auth": "auth", "concurrency": "concurrency", "errors": "error handling", "web": "web"}
    return "; ".join(f"{labels.get(c, c)}: {', '.join(kinds)}" for c, kinds in by_category.items())


def suggest_test_type(unit: Facts) -> tuple[str, str]:
    """The first test to write: e2e for routes, integration for local I/O, unit otherwise."""
    kinds = {m.kind for m in unit.markers}
    routes = next((m for m in unit.markers if m.kind == "route"), None)
    if routes is not None:
        return "e2e", (f"defines {routes.count} web route{'s' * (routes.count != 1)}: call them through "
                       "the app with a valid, a missing and an expired token")
    local = [k for k in _LOCAL_IO if k in kinds]
    if local:
        what = {"database": "a real SQLite session", "file": "a temporary folder",
                "subprocess": "a real child process"}
        return "integration", (f"does {', '.join(local)} I/O: run it against "
                               f"{' and '.join(what[k] for k in local)}, which mocks cannot stand in for")
    remote = sorted(kinds & {"http", "redis", "websocket"})
    if remote:
        return "unit", f"its {', '.join(remote)} clients are mocked cheaply; test the logic around them first"
    concurrent = sorted(kinds & {"task", "thread", "lock"})
    if concurrent or unit.is_async:
        what = ", ".join(concurrent) if concurrent else "async"
        return "unit", (f"{what} code: unit tests with only the awaited leaves mocked pin down its "
                        "control flow, timeouts and error paths")
    return "unit", "plain logic: fast unit tests pin it down"
