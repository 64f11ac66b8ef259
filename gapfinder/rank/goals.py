"""Coverage goals per area (`goals = {"app/auth/**" = 95, "*" = 80}` in [tool.gapfinder]).

Each module (with statements) belongs to the most specific glob matching its path: the one with
the longest literal part before its first wildcard, then the longest. Globs match with fnmatch on
paths relative to the project, so `*` also crosses folders and `"*"` is everything else. An area's
coverage is its statements run over its statements, as coverage.py counts lines.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Mapping, Sequence

from gapfinder.model import AreaCoverage
from gapfinder.rank.facts import Facts

_WILDCARD = re.compile(r"[*?\[]")


def _specificity(pattern: str) -> tuple[int, int]:
    return len(_WILDCARD.split(pattern, 1)[0]), len(pattern)


def area_of(path: str, patterns: Sequence[str]) -> str | None:
    """The most specific pattern matching path, or None."""
    matching = [p for p in patterns if fnmatch.fnmatchcase(path, p)]
    return max(matching, key=_specificity) if matching else None


def area_coverage(units: Sequence[Facts], goals: Mapping[str, float], measured: bool) -> tuple[AreaCoverage, ...]:
    """Each goal's area and its coverage (None when there is no coverage data: measured False)."""
    if not goals:
        return ()
    totals = {pattern: [0, 0, 0] for pattern in goals}
    for unit in units:
        pattern = area_of(unit.path, list(goals)) if unit.statements else None
        if pattern is not None:
            total = totals[pattern]
            total[0] += 1
            total[1] += unit.statements
            total[2] += unit.covered
    return tuple(
        AreaCoverage(pattern, float(goals[pattern]), modules, statements, covered,
                     100.0 * covered / statements if measured and statements else None)
        for pattern, (modules, statements, covered) in totals.items()
    )
