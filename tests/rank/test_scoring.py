"""The score: a weighted mean of parts normalised across the project, damped by size, with reasons;
the fitted defaults with history, the no-history model without."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gapfinder.config import DEFAULT_WEIGHTS, NO_HISTORY_WEIGHTS
from gapfinder.rank.facts import Facts
from gapfinder.model import FileHistory, RiskMarker
from gapfinder.rank.scoring import EFFORT_REF, combine, log_scaled, percentiles, score, suggest_test_type

EVERY_PART = {k: 1.0 for k in DEFAULT_WEIGHTS}


def facts(name, statements=100, covered=0, measured=True, markers=(), history=(0, 0, 0, 0), **kw):
    if len(history) == 4:  # commits made today: their recency weights equal the counts
        history = (*history, float(history[0]), float(history[1]))
    base = Facts(
        name=name, path=name.replace(".", "/") + ".py", line=1, statements=statements, covered=covered,
        measured=measured, branches=0, branches_covered=0, complexity_max=1, complexity_sum=1,
        worst_function="f", fan_in=0, call_fan_in=0, pagerank=0.0, betweenness=0.0,
        markers=tuple(markers), history=FileHistory(*history), tests=(), is_async=False,
    )
    return replace(base, **kw)


def marker(kind, category="io", count=1):
    return RiskMarker(category, kind, 3, f"uses {kind}", count)


def test_percentiles_use_mid_ranks_and_keep_zero_at_zero():
    assert percentiles([0, 0, 5, 10]) == [0.0, 0.0, 0.625, 0.875]
    assert percentiles([]) == []
    assert percentiles([3, 3, 3]) == [0.0, 0.0, 0.0]  # no spread, no information
    assert percentiles([2, 7, 2, 0, 9, 7, 7]) == [4 / 14, 9 / 14, 4 / 14, 0.0, 13 / 14, 9 / 14, 9 / 14]  # ties share a rank


def test_log_scaling_puts_the_top_module_at_one_and_absence_at_zero():
    assert log_scaled([0, 1, 3]) == pytest.approx([0.0, 0.5, 1.0])
    assert log_scaled([0, 0]) == [0.0, 0.0]


def test_fully_covered_modules_sink_when_the_coverage_gap_is_weighted():
    risky = dict(markers=[marker("database")], history=(9, 3, 2, 300), fan_in=5, pagerank=0.3)
    units = [facts("covered", covered=100, **risky), facts("bare", covered=0, **risky)]
    rows = score(units, dict(DEFAULT_WEIGHTS, coverage_gap=1.0), "12 months")
    assert [r.name for r in rows] == ["bare", "covered"]
    # the fitted defaults leave coverage out (it did not improve the cross-validated figure)
    assert DEFAULT_WEIGHTS["coverage_gap"] == 0.0
    rows = score(units, DEFAULT_WEIGHTS, "12 months")
    assert rows[0].score == rows[1].score


def test_the_defaults_score_history_and_complexity_and_the_score_is_their_damped_mean():
    hot = facts("hot", statements=160, history=(8, 2, 2, 90), complexity_sum=20)
    cold = facts("cold", statements=160, history=(1, 0, 1, 3), complexity_sum=2)
    rows = {r.name: r for r in score([hot, cold], DEFAULT_WEIGHTS, "24 months")}
    assert rows["hot"].score > rows["cold"].score
    effort = (EFFORT_REF / 160) ** 0.25
    assert rows["hot"].effort == pytest.approx(effort, abs=1e-3)
    assert rows["hot"].score == pytest.approx(100 * effort, abs=0.1)  # the top module in every part
    values = {p.name: p.value for p in rows["cold"].parts}
    assert rows["cold"].score == pytest.approx(combine(values, DEFAULT_WEIGHTS, rows["cold"].effort), abs=0.1)


def test_without_history_the_no_history_model_scores_size_complexity_and_risk():
    big = facts("big", statements=300, complexity_sum=30, markers=[marker("database")])
    small = facts("small", statements=20, complexity_sum=2)
    rows = score([small, big], DEFAULT_WEIGHTS, "1 year")
    assert rows[0].name == "big" and rows[0].effort == 1.0  # undamped
    assert {p.name: p.weight for p in rows[0].parts} == dict(NO_HISTORY_WEIGHTS)


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
        reason = next(p.reason for p in rows[0].parts if p.name == part)
        assert reason and reason in rows[0].reasons, part
    rows = score([plain, facts("hot", **cases["churn"])], EVERY_PART, "12 months")
    assert "changed in 12 commits by 3 authors in the last 12 months (800 lines)" in rows[0].reasons


def test_weights_come_from_config_and_zero_weight_removes_a_part():
    a = facts("a", history=(20, 10, 2, 900))
    b = facts("b", complexity_max=30, complexity_sum=90)
    only_fixes = {k: 0.0 for k in DEFAULT_WEIGHTS} | {"fixes": 1.0}
    only_complexity = {k: 0.0 for k in DEFAULT_WEIGHTS} | {"complexity": 1.0}
    assert score([a, b], only_fixes, "1 year")[0].name == "a"
    assert score([a, b], only_complexity, "1 year")[0].name == "b"


def test_unmeasured_is_said_and_counts_as_untested():
    rows = score([facts("never", measured=False, statements=40, complexity_sum=9), facts("other", statements=5)],
                 DEFAULT_WEIGHTS, "1 year")
    assert rows[0].name == "never" and rows[0].coverage is None
    assert rows[0].reasons[0] == "never imported while the tests ran (unmeasured; 40 statements)"
    assert 0 < rows[0].score <= 100


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


def test_large_modules_are_damped_by_the_effort_a_test_takes():
    history = (3, 1, 1, 10)
    small, large = facts("small", statements=100, history=history), facts("large", statements=400, history=history)
    rows = {r.name: r for r in score([small, large], DEFAULT_WEIGHTS, "1 year")}
    assert rows["large"].effort == pytest.approx(rows["small"].effort * 4 ** -0.25, abs=1e-3)
    assert rows["large"].score == pytest.approx(rows["small"].score * 4 ** -0.25, abs=0.1)
