"""The priority score: predicted later bug fixes per line (rank/density.py), explained.

The model and its coefficients were fitted on real projects' later bug fixes
(benchmarks/rank_corpus: density.py, README.md), not chosen by hand. Two sets came out of it:

* with git history: churn and past fixes (recency-weighted, see history.py), complexity, size in
  lines, and small say for risk, missed statements, the coverage gap and centrality;
* without history (no git, or no commit in the window): the static parts alone, the most complex
  function among them.

A project's own [tool.gapfinder.weights] are used as they are. Reasons name the parts whose factor
puts a module highest, largest first.
"""

from __future__ import annotations

import math
from itertools import repeat
from operator import itemgetter
from typing import Callable, Mapping, Sequence

from gapfinder.config import DEFAULT_WEIGHTS, MIN_LINES, NO_HISTORY_WEIGHTS
from gapfinder.rank import density
from gapfinder.rank.codec import slot_setters
from gapfinder.rank.facts import Facts
from gapfinder.model import Ranked, RiskMarker, ScorePart


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


def model_for(units: Sequence[Facts], weights: Mapping[str, float]) -> Mapping[str, float]:
    """The coefficients to score with: the no-history ones when no unit has any history and the weights
    are the defaults (a project's own weights are used as they are). The floor of lines is MIN_LINES."""
    if any(u.history.commits for u in units) or dict(weights) != dict(DEFAULT_WEIGHTS):
        return weights
    return NO_HISTORY_WEIGHTS


def score(units: Sequence[Facts], weights: Mapping[str, float], since: str, top: int = 0) -> list[Ranked]:
    """Rank units (modules or functions) by predicted fixes per line, highest first; `top` > 0 keeps
    that many. Only the kept rows are explained: writing the reasons of 10,000 modules cost more
    than scoring them."""
    if not units:
        return []
    weights = model_for(units, weights)
    pct = {name: percentiles([getter(u) for u in units]) for name, getter in _FEATURES.items()}
    fit = density.predict({name: [getter(u) for u in units] for name, getter in _PARTS.items()},
                          [u.lines for u in units], weights, MIN_LINES)
    keys = fit.keys
    order = sorted(range(len(units)), key=lambda i: (-keys[i], units[i].path, units[i].line))
    kept = order[:top] if top else order
    rows = [units[i] for i in kept]
    # Column by column over the kept rows: a loop over the 9 parts of each row cost more than the
    # rows' own work at 10,000 modules.
    columns = []  # each part's ScorePart for every kept row
    candidates = []  # each part's (factor, "reason (×factor)") where it can be a top reason, else None
    exp = math.exp
    for name, x in fit.inputs.items():
        reason_of = _REASONS[name]
        reasons = [reason_of(u, pct, i, since) for u, i in zip(rows, kept)]
        log_factor = fit.log_factors[name]
        factors = [round(exp(log_factor[i]), 3) for i in kept]
        columns.append(list(map(_part, repeat(name), [round(x[i], 4) for i in kept],
                                repeat(weights.get(name, 0.0)), reasons, factors)))
        if name != "coverage_gap":
            candidates.append([(f, f"{r} (×{f:.1f})") if f >= MIN_FACTOR and r else None
                               for f, r in zip(factors, reasons)])
    mean_key = fit.mean_key
    return [_ranked(u, parts, row_candidates, round(density.score_of(keys[i], mean_key), 1),
                    round(min(1.0, MIN_LINES / max(u.lines, 1)), 3))
            for u, i, parts, row_candidates in zip(rows, kept, zip(*columns), zip(*candidates))]


def _ranked(unit: Facts, parts: tuple[ScorePart, ...], candidates: tuple[tuple[float, str] | None, ...],
            total: float, effort: float) -> Ranked:
    """The row a report shows: numbers, parts with reasons, the top reasons, the test to write."""
    # Largest factor first; stable: parts with equal factors keep their order.
    top_parts = sorted([c for c in candidates if c is not None], key=_FACTOR, reverse=True)[:3]
    test_type, why = suggest_test_type(unit)
    return Ranked(
        name=unit.name, path=unit.path, line=unit.line, score=total,
        coverage=None if unit.coverage is None else round(unit.coverage, 1),
        branch_coverage=None if unit.branch_coverage is None else round(unit.branch_coverage, 1),
        statements=unit.statements, missed=unit.missed, complexity=unit.complexity_max,
        test_type=test_type, test_type_reason=why,
        reasons=(parts[0].reason, *(text for _, text in top_parts)),
        parts=parts, tests=unit.tests, is_async=unit.is_async, effort=effort,
        unmeasured="" if unit.measured else unit.unmeasured,
    )


_FACTOR = itemgetter(0)


def _part_builder() -> Callable[[str, float, float, str, float], ScorePart]:
    """ScorePart(...) by setting its slots (codec.py's way): the frozen dataclass __init__, one
    object.__setattr__ per field, was a sixth of explaining 10,000 rows of 9 parts."""
    new = object.__new__
    s1, s2, s3, s4, s5 = slot_setters(ScorePart, ("name", "value", "weight", "reason", "factor"))

    def part(name: str, value: float, weight: float, reason: str, factor: float) -> ScorePart:
        made = new(ScorePart)
        s1(made, name)
        s2(made, value)
        s3(made, weight)
        s4(made, reason)
        s5(made, factor)
        return made
    return part


_part = _part_builder()


# A part whose factor is below this does not explain why a module is where it is.
MIN_FACTOR = 1.05

def _gap(u: Facts) -> float:
    """The share of statements no test ran; 1 when never measured."""
    if not u.measured:
        return 1.0
    return u.missed / u.statements if u.statements else 0.0


# The raw figure under each part (the coverage gap first: its reason opens every row's).
_PARTS: Mapping[str, Callable[[Facts], float]] = {
    "coverage_gap": _gap,
    "size": lambda u: float(u.missed),
    "centrality": lambda u: float(u.fan_in + u.call_fan_in),
    "complexity": lambda u: float(u.complexity_sum),
    "complexity_max": lambda u: float(u.complexity_max),
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


def _complexity_max_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    return f"its most complex function, {u.worst_function}, at {u.complexity_max}" if u.complexity_max > 1 else ""


def _churn_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    h = u.history
    if not h.commits:
        return ""
    return (f"changed in {h.commits} commit{'s' * (h.commits != 1)} by {h.authors} "
            f"author{'s' * (h.authors != 1)} in the last {since}"
            + (f", {h.lines_changed} lines changed" if h.lines_changed is not None else ""))


def _fixes_reason(u: Facts, pct: Mapping[str, list[float]], i: int, since: str) -> str:
    h = u.history
    return f"{h.fixes} bug-fix commit{'s' * (h.fixes != 1)} in the last {since}" if h.fixes else ""


# Each part's reason for one unit (i: its index in the percentile lists).
_REASONS: Mapping[str, Callable[[Facts, Mapping[str, list[float]], int, str], str]] = {
    "coverage_gap": _gap_reason,
    "size": _size_reason,
    "centrality": _centrality_reason,
    "complexity": _complexity_reason,
    "complexity_max": _complexity_max_reason,
    "risk": lambda u, pct, i, since: _risk_reason(u.markers),
    "lines": lambda u, pct, i, since: f"{u.lines} lines",
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
