"""JSON for machines. The shape is versioned (format_version) and documented in the README;
fields are only ever added within a version."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Mapping

import orjson

from gapfinder.model import ModuleDetail, Ranked, RankResult
from gapfinder.reports.change import change_summary, details_by_path, row_change

FORMAT_VERSION = 1
_PRETTY_ROWS = 1000


def _row(row: Ranked, by: str, details: Mapping[str, ModuleDetail] | None) -> dict[str, Any]:
    module, _, function = row.name.partition(":")
    data: dict[str, Any] = {"module": module}
    if by == "function":
        data["function"] = function
    data.update(
        path=row.path,
        line=row.line,
        score=row.score,
        coverage=row.coverage,
        branch_coverage=row.branch_coverage,
        statements=row.statements,
        missed=row.missed,
        complexity=row.complexity,
        is_async=row.is_async,
        effort=row.effort,
        test_type=row.test_type,
        test_type_reason=row.test_type_reason,
        reasons=list(row.reasons),
        tests=list(row.tests),
        unmeasured=row.unmeasured or None,
        parts={p.name: {"value": p.value, "weight": p.weight, "factor": p.factor, "reason": p.reason}
               for p in row.parts},
        change=None,
    )
    if details is not None:  # pull-request mode: the row's part of the change
        change = row_change(row, details)
        data["change"] = {"lines": list(change.lines), "statements": list(change.statements),
                          "missed": list(change.missed), "coverage": change.coverage}
    return data


def rank_json(result: RankResult) -> str:
    key = "functions" if result.by == "function" else "modules"
    change = change_summary(result)
    details = details_by_path(result) if change is not None else None
    payload = {
        "format_version": FORMAT_VERSION,
        "by": result.by,
        "summary": {**asdict(result.summary), "warnings": list(result.summary.warnings)},
        key: [_row(r, result.by, details) for r in result.rows],
        "hidden": result.hidden,
        "change": asdict(change) if change is not None else None,
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
    }
    # Indented output goes through json's pure-Python encoder (5 s of a 15 s run at 10,000 rows);
    # large reports are written compact, by orjson (a third of json's C encoder's time), with the
    # text as it is rather than \u escapes.
    if len(result.rows) <= _PRETTY_ROWS:
        return json.dumps(payload, indent=2, check_circular=False)
    return orjson.dumps(payload).decode()
