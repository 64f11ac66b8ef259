"""The CI gate: thresholds a rank result must meet, or the command exits with code 1.

- fail_under: coverage (percent) below this fails: coverage.py's own total where the data gives it
  (so the gate agrees with `coverage report --fail-under`), else line coverage. In pull-request
  mode (--diff) it is the coverage of the changed statements; a change without statements passes.
- max_score: any ranked row (in pull-request mode: any changed module) scoring above this fails.
- --fail-under-goals: any area of [tool.gapfinder] goals whose coverage is below its goal fails.
- --ratchet: any area (the whole project when no goals are set) whose coverage dropped below the
  value last recorded in .gapfinder/ratchet.json fails; a run that passes records the values that
  rose or are new (one atomic write), except in pull-request mode, which only checks.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gapfinder.core.files import atomic_write, cache_folder, inside
from gapfinder.rank.diff import changed_coverage
from gapfinder.errors import ConfigError
from gapfinder.model import AreaCoverage, RankResult

RATCHET = Path(".gapfinder") / "ratchet.json"
RATCHET_VERSION = 1
_SLACK = 0.005  # coverage is compared at two decimals: rounding noise is no drop


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


def _measured(result: RankResult, flag: str) -> None:
    if result.summary.coverage_source is None:
        raise ConfigError(f"{flag} needs coverage data, and none was found.",
                          hint="Run `coverage run -m pytest` first or pass --coverage FILE.")


def goal_failures(result: RankResult) -> list[str]:
    """--fail-under-goals: one sentence per area under its goal."""
    if not result.areas:
        raise ConfigError("--fail-under-goals needs coverage goals in [tool.gapfinder].",
                          hint='Add for example: goals = {"app/auth/**" = 95, "*" = 80}')
    _measured(result, "--fail-under-goals")
    return [f"coverage of {a.pattern} ({a.modules} {'module' if a.modules == 1 else 'modules'}) is "
            f"{a.coverage:.1f}%, under its goal of {a.goal:g}%" for a in result.areas if not a.met]


def ratchet_areas(result: RankResult) -> tuple[AreaCoverage, ...]:
    """The areas the ratchet holds: the goals' areas, or the whole project as "*"."""
    if result.areas:
        return result.areas
    s = result.summary
    return (AreaCoverage("*", 0.0, s.modules, 0, 0, s.line_coverage),)


def ratchet_failures(result: RankResult, record: bool = True) -> list[str]:
    """--ratchet: one sentence per area whose coverage fell below its recorded value; when none
    fell and record is true, the values that rose or are new are recorded."""
    _measured(result, "--ratchet")
    root = Path(result.summary.root)
    recorded = read_ratchet(root)
    failures, rose = [], {}
    for area in ratchet_areas(result):
        if area.coverage is None:
            continue
        last = recorded.get(area.pattern)
        if last is not None and area.coverage < last["coverage"] - _SLACK:
            where = "the project" if area.pattern == "*" and not result.areas else area.pattern
            failures.append(f"coverage of {where} dropped to {area.coverage:.2f}% from {last['coverage']:.2f}% "
                            f"recorded on {last['recorded_at'][:10]} (--ratchet)")
        elif last is None or area.coverage > last["coverage"] + _SLACK:
            rose[area.pattern] = round(area.coverage, 2)
    if record and rose and not failures and result.diff_base is None:
        _write_ratchet(root, recorded, rose)
    return failures


def read_ratchet(root: Path) -> dict[str, dict[str, Any]]:
    """{pattern: {"coverage": float, "recorded_at": str}} from .gapfinder/ratchet.json; {} when absent."""
    path = root / RATCHET
    if not path.exists():
        return {}
    if not inside(root, path):
        raise ConfigError(f"{path} leads outside the project; gapfinder does not follow it.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        areas = data["areas"]
        if data.get("format_version") != RATCHET_VERSION or not isinstance(areas, dict) or not all(
                isinstance(v, dict) and type(v.get("coverage")) in (int, float) and isinstance(v.get("recorded_at"), str)
                for v in areas.values()):
            raise ValueError("unexpected shape")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a coverage ratchet gapfinder wrote ({exc}).",
                          hint="Move it away: the next --ratchet run records the current coverage.") from None
    return areas


def _write_ratchet(root: Path, recorded: dict[str, dict[str, Any]], rose: dict[str, float]) -> None:
    folder = cache_folder(root / RATCHET.parent)
    if not inside(root, folder):
        raise ConfigError(f"{folder} leads outside the project; gapfinder does not write through it.")
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    areas = {**recorded, **{p: {"coverage": c, "recorded_at": stamp} for p, c in rose.items()}}
    text = json.dumps({"format_version": RATCHET_VERSION, "areas": dict(sorted(areas.items()))}, indent=1) + "\n"
    atomic_write(root / RATCHET, text.encode("utf-8"))
