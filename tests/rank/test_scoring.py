"""The score: predicted later fixes per line from the fitted log-linear model, each part's factor
in the reasons; the fitted coefficients with history, the no-history ones without."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from gapfinder.config import DEFAULT_WEIGHTS, MIN_LINES, NO_HISTORY_WEIGHTS
from gapfinder.rank.facts import Facts
from gapfinder.model import FileHistory, RiskMarker
from gapfinder.rank.scoring import percentiles, risk_value, score, suggest_test_type

EVERY_PART = {k: 1.0 for k in DEFAULT_WEIGHTS}


def facts(name, statements=100, covered=0, measured=True, markers=(), history=(0, 0, 0, 0), **kw):
    if len(history) == 4:  # commits made today: their recency weights equal the counts
        history = (*history, float(history[0]), float(history[1]))
    base = Facts(
        name=name, path=name.replace(".", "/") + ".py", line=1, statements=statements, covered=covered,
        measured=measured, branches=0, branches_covered=0, complexity_max=1, complexity_sum=1,
        worst_function="f", fan_in=0, call_fan_in=0, pagerank=0.0, betweenness=0.0,
        markers=tuple(markers), history=FileHistory(*history), tests=(), is_async=False, lines=2 * statements,
    )
    return replace(base, **kw)


def marker(kind, category="io", count=1):
    return RiskMarker(category, kind, 3, f"uses {kind}", count)


def test_percentiles_use_mid_ranks_and_keep_zero_at_zero():
    assert percentiles([0, 0, 5, 10]) == [0.0, 0.0, 0.625, 0.875]
    assert percentiles([]) == []
    assert percentiles([3, 3, 3]) == [0.0, 0.0, 0.0]  # no spread, no information


def key(u: Facts, weights=DEFAULT_WEIGHTS, floor=MIN_LINES) -> float:
    """The model by hand: sum_k b_k log1p(part_k) + b_lines log(lines) - log(max(lines, floor))."""
    raw = {"size": u.missed, "centrality": u.fan_in + u.call_fan_in, "complexity": u.complexity_sum,
           "complexity_max": u.complexity_max, "risk": risk_value(u.markers),
           "churn": u.history.recent_commits, "fixes": u.history.recent_fixes}
    gap = (u.missed / u.statements if u.statements else 0.0) if u.measured else 1.0
    return (weights["coverage_gap"] * gap + sum(weights[k] * math.log1p(v) for k, v in raw.items())
            + weights["lines"] * math.log(max(u.lines, 1)) - math.log(max(u.lines, floor)))


def test_modules_are_ranked_by_predicted_fixes_per_line_and_the_score_is_the_ratio_to_the_typical():
    units = [facts("hot", statements=160, history=(8, 2, 2, 90), complexity_sum=20),
             facts("cold", statements=160, history=(1, 0, 1, 3), complexity_sum=2),
             facts("risky", statements=40, markers=[marker("database")], history=(2, 1, 1, 9), covered=30)]
    rows = score(units, DEFAULT_WEIGHTS, "24 months")
    keys = {u.name: key(u) for u in units}
    assert [r.name for r in rows] == sorted(keys, key=lambda n: -keys[n])
    mean = sum(keys.values()) / len(keys)
    for row in rows:
        ratio = math.exp(keys[row.name] - mean)
        assert row.score == pytest.approx(100 * ratio / (1 + ratio), abs=0.05)
        # every part's factor multiplies to that ratio: the reasons can name what put it there
        assert math.prod(p.factor for p in row.parts) == pytest.approx(ratio, rel=0.01)


def test_density_favours_the_smaller_of_two_alike_modules_down_to_the_floor():
    history = (3, 1, 1, 10)
    tiny, floor, large = (facts(n, history=history, lines=k, statements=50)
                          for n, k in (("tiny", 2), ("floor", MIN_LINES), ("large", 4 * MIN_LINES)))
    rows = {r.name: r for r in score([tiny, floor, large], DEFAULT_WEIGHTS, "1 year")}
    assert rows["floor"].score > rows["large"].score  # per line: 4x the lines, 4^0.36 the fixes
    assert rows["floor"].score > rows["tiny"].score  # below the floor a module counts as MIN_LINES long
    assert rows["large"].effort == pytest.approx(0.25) and rows["floor"].effort == rows["tiny"].effort == 1.0


def test_without_history_the_no_history_coefficients_and_the_same_floor():
    big = facts("big", statements=300, complexity_sum=30, complexity_max=12, markers=[marker("database")])
    small = facts("small", statements=20, complexity_sum=2)
    rows = score([small, big], DEFAULT_WEIGHTS, "1 year")
    assert {p.name: p.weight for p in rows[0].parts} == dict(NO_HISTORY_WEIGHTS)
    keys = {u.name: key(u, NO_HISTORY_WEIGHTS) for u in (big, small)}
    assert rows[0].name == max(keys, key=keys.get)
    assert {r.name: r.effort for r in rows} == {"big": pytest.approx(MIN_LINES / 600, abs=1e-3),
                                               "small": 1.0}  # 40 lines, below the floor


def test_fully_covered_modules_sink_when_the_coverage_gap_has_a_positive_coefficient():
    risky = dict(markers=[marker("database")], history=(9, 3, 2, 300), fan_in=5, pagerank=0.3)
    units = [facts("covered", covered=100, **risky), facts("bare", covered=0, **risky)]
    rows = score(units, dict(DEFAULT_WEIGHTS, coverage_gap=1.0), "12 months")
    assert [r.name for r in rows] == ["bare", "covered"]
    # with history the fit gives the gap no say (it added nothing under cross-validation); without
    # history its coefficient is negative: later fixes land in covered, central code too
    gap = {r.name: next(p.factor for p in r.parts if p.name == "coverage_gap")
           for r in score(units, dict(NO_HISTORY_WEIGHTS), "12 months")}
    assert NO_HISTORY_WEIGHTS["coverage_gap"] < 0 and gap["bare"] < 1 < gap["covered"]


def test_each_part_moves_the_score_and_is_explained():
    plain = facts("plain")
    cases = {
        "centrality": dict(fan_in=7, pagerank=0.5),
        "complexity": dict(complexity_max=15, complexity_sum=40, worst_function="Handler.run"),
        "risk": dict(markers=[marker("token", "auth"), marker("redis")]),
        "churn": dict(history=(12, 0, 3, 800)),
        "fixes": dict(history=(4, 4, 1, 40)),
    }
    for part, extra in cases.items():
        rows = score([plain, facts("hot", **extra)], EVERY_PART, "12 months")
        assert rows[0].name == "hot", part
        hot = next(p for p in rows[0].parts if p.name == part)
        assert hot.factor > 1 and f"{hot.reason} (×{hot.factor:.1f})" in rows[0].reasons, part
    rows = score([plain, facts("hot", **cases["churn"])], EVERY_PART, "12 months")
    assert "changed in 12 commits by 3 authors in the last 12 months, 800 lines changed (×3.6)" in rows[0].reasons
    assert math.exp((math.log1p(12) - math.log1p(0)) / 2) == pytest.approx(3.6, abs=0.05)  # the factor by hand


def test_reasons_list_the_largest_factors_first():
    hot = facts("hot", history=(30, 1, 3, 800), complexity_sum=5, complexity_max=3, worst_function="g")
    rows = score([facts("plain"), hot], DEFAULT_WEIGHTS, "1 year")
    factors = [float(r.rsplit("×", 1)[1].rstrip(")")) for r in rows[0].reasons[1:]]
    assert rows[0].reasons[1].startswith("changed in 30 commits") and factors == sorted(factors, reverse=True)


def test_weights_come_from_config_and_zero_weight_removes_a_part():
    a = facts("a", history=(20, 10, 2, 900))
    b = facts("b", complexity_max=30, complexity_sum=90)
    only_fixes = {k: 0.0 for k in DEFAULT_WEIGHTS} | {"fixes": 1.0, "lines": 1.0}
    only_complexity = {k: 0.0 for k in DEFAULT_WEIGHTS} | {"complexity": 1.0, "lines": 1.0}
    assert score([a, b], only_fixes, "1 year")[0].name == "a"
    assert score([a, b], only_complexity, "1 year")[0].name == "b"


def test_unmeasured_is_said_and_counts_as_untested():
    rows = score([facts("never", measured=False, statements=40, complexity_sum=9), facts("other", statements=5)],
                 DEFAULT_WEIGHTS, "1 year")
    never = next(r for r in rows if r.name == "never")
    assert never.coverage is None
    assert never.reasons[0] == "never imported while the tests ran (unmeasured; 40 statements)"
    assert all(0 < r.score < 100 for r in rows)


@pytest.mark.parametrize(
    "markers, expected",
    [
        ([marker("route", "web", 3), marker("database")], "e2e"),
        ([marker("database")], "integration"),
        ([marker("http"), marker("redis")], "unit"),
        ([], "unit"),
    ],
)
def test_suggested_test_type(markers, expected):
    kind, why = suggest_test_type(facts("m", markers=markers))
    assert kind == expected and why
