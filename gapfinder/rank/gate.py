"""The CI gate: thresholds a rank result must meet, or the command exits with code 1.

- fail_under: coverage (percent) below this fails: coverage.py's own total where the data gives it
  (so the gate agrees with `coverage report --fail-under`), else line coverage. In pull-request
  mode (--diff) it is the coverage of the changed statements; a change without statements passes.
- max_score: any ranked row (in pull-request mode: any changed module) scoring above this fails.
"""

from __future__ import annotations

from gapfinder.rank.diff import changed_coverage
from gapfinder.errors import ConfigError
from gapfinder.model import RankResult


def gate_failures(result: RankResult, fail_under: float | None, max_score: float | None) -> list[str]:
    """One sentence per threshold crossed; [] when the result passes."""
    failures = []
    if fail_under is not None:
        if result.diff_base is not None:
            statements, missed = changed_coverage(result.details)
            coverage = 100.0 * (statements - missed) / statements if statements else 100.0
            what = f"coverage of the {statements} changed statements since {result.diff_base}"
        elif result.summary.coverage_total is not None:  # the figure coverage.py's own --fail-under reads
            coverage = result.summary.coverage_total
            what = "coverage (coverage.py's total)"
        else:
            coverage = result.summary.line_coverage
            what = "line coverage"
            if coverage is None:
                raise ConfigError("--fail-under needs coverage data, and none was found.",
                                  hint="Run `coverage run -m pytest` first or pass --coverage FILE.")
        if coverage < fail_under:
            failures.append(f"{what} is {coverage:.1f}%, under the --fail-under threshold of {fail_under:g}%")
    if max_score is not None:
        over = [r for r in result.rows if r.score > max_score]
        if over:
            worst = max(over, key=lambda r: r.score)
            failures.append(
                f"{len(over)} {'row' if len(over) == 1 else 'rows'} score above --max-score {max_score:g} "
                f"(highest: {worst.name} at {worst.score:.1f})"
            )
    return failures
