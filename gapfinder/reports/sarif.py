"""SARIF 2.1.0 for code-scanning upload (GitHub, Azure DevOps, any SARIF viewer).

One result per ranked row (the top gaps), one rule per kind of gap, located at the first lines no
test ran in the module or function (its first line when everything ran), with the reasons as the
message. In pull-request mode (--diff) the rows are the changed code, located at the changed lines
no test ran. tests/test_sarif.py validates the output against the official 2.1.0 schema.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from gapfinder import __version__
from gapfinder.model import Ranked, RankResult
from gapfinder.reports.change import change_summary, details_by_path, finding_lines
from gapfinder.reports.escape import uri_path
from gapfinder.reports.ranges import line_ranges, line_spans

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
HELP_URI = "https://github.com/gapfinder/gapfinder#gapfinder-rank"

# (id, name, short description, full description)
RULES: tuple[tuple[str, str, str, str], ...] = (
    ("GF001", "UnmeasuredCode", "Code never imported while the tests ran",
     "No test imported this module while coverage was recorded, so none of its statements ran."),
    ("GF002", "UntestedCode", "Code no test runs",
     "Coverage was recorded for this code, but no test ran any of its statements."),
    ("GF003", "PartlyTestedCode", "Code tests run only in part",
     "Some statements ran under the tests; the rest (and the reasons here) make it a priority."),
)
_RULE_INDEX = {rule[0]: i for i, rule in enumerate(RULES)}


def _rule(row: Ranked) -> str:
    if row.coverage is None:
        return "GF001"
    if row.statements and row.missed >= row.statements:
        return "GF002"
    return "GF003"


def _level(score: float) -> str:
    return "error" if score >= 60 else "warning" if score >= 30 else "note"


def _result(row: Ranked, lines: tuple[int, ...], prefix: str, diff: bool) -> dict[str, Any]:
    """One result, located at the first span of `lines` (the finding's lines; with --diff the
    changed statements no test ran), else at the row's first line."""
    rule = _rule(row)
    start, end = next(iter(line_spans(lines)), (max(1, row.line), max(1, row.line)))
    cover = "unmeasured" if row.coverage is None else f"{row.coverage:.0f}% covered"
    what = row.name.replace(":", ".") if ":" in row.name else row.name
    text = (f"Test gap in {what} (score {row.score:.1f}, {cover}, {row.missed} of {row.statements} "
            f"statements missed); test first: {row.test_type}. Why: " + "; ".join(row.reasons) + ".")
    if diff:
        text = f"Changed lines no test ran: {line_ranges(lines)}. " + text
    return {
        "ruleId": rule,
        "ruleIndex": _RULE_INDEX[rule],
        "level": _level(row.score),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(row.path, prefix),
                "region": {"startLine": start, "endLine": end},
            },
            "logicalLocations": [{"fullyQualifiedName": what,
                                  "kind": "function" if ":" in row.name else "module"}],
        }],
        "partialFingerprints": {"gapfinderUnit/v1": hashlib.sha256(row.name.encode()).hexdigest()[:32]},
        "properties": {
            "score": row.score,
            "coverage": row.coverage,
            "missed": row.missed,
            "statements": row.statements,
            "testType": row.test_type,
            "reasons": list(row.reasons),
        },
    }


def rank_sarif(result: RankResult) -> str:
    """SARIF 2.1.0. URIs are relative to the git repository's top, as code scanning expects,
    also when the analysed project is a subfolder of the repository."""
    prefix = result.summary.repo_prefix
    details, diff = details_by_path(result), result.diff_base is not None
    driver = {
        "name": "gapfinder",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": HELP_URI,
        "rules": [
            {"id": rid, "name": name, "shortDescription": {"text": short},
             "fullDescription": {"text": full}, "helpUri": HELP_URI,
             "defaultConfiguration": {"level": "warning"}}
            for rid, name, short, full in RULES
        ],
    }
    return sarif_log(
        driver, [_result(row, finding_lines(row, details, diff), prefix, diff) for row in result.rows],
        base_uri=root_uri(result.summary.root, prefix), column_kind="unicodeCodePoints",
        properties={"by": result.by, "lineCoverage": result.summary.line_coverage, "hidden": result.hidden,
                    **_change(result)},
    )


def _change(result: RankResult) -> dict[str, Any]:
    """Pull-request mode's figures for the run's properties: the base and the change's coverage."""
    change = change_summary(result)
    if change is None:
        return {}
    return {"diffBase": change.base, "change": {"files": change.files, "modules": change.modules,
                                                "statements": change.statements, "missed": change.missed,
                                                "coverage": change.coverage}}


def sarif_log(driver: dict[str, Any], results: list[dict[str, Any]], *, base_uri: str,
              column_kind: str | None = None, properties: dict[str, Any] | None = None) -> str:
    """One SARIF 2.1.0 log with one run, for every command that reports in SARIF."""
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base_uri}},
        "results": results,
    }
    if column_kind is not None:
        run["columnKind"] = column_kind
    if properties is not None:
        run["properties"] = properties
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)


def artifact(path: str, prefix: str) -> dict[str, str]:
    """An artifactLocation relative to the repository's top (%SRCROOT%)."""
    return {"uri": uri_path(prefix + path), "uriBaseId": "%SRCROOT%"}


def root_uri(root: str, prefix: str) -> str:
    """The repository's top as a file URI, from a folder inside it and that folder's prefix."""
    top = Path(root).resolve()
    for _ in Path(prefix).parts:
        top = top.parent
    uri = top.as_uri()
    return uri if uri.endswith("/") else uri + "/"
