"""doctor's reports: text (for people), json (format_version, for tools), markdown (issues), sarif."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gapfinder import __version__
from gapfinder.doctor.model import FORMAT_VERSION, DoctorResult, LintResult, TriageResult
from gapfinder.doctor.rules import RULES
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.reports.sarif import artifact, root_uri, sarif_log

def doctor_json(result: DoctorResult) -> str:
    return json.dumps(_json(result.lint, result.triage), indent=2) + "\n"


def doctor_text(result: DoctorResult) -> str:
    """Findings and triage for people; with --fix, the diff of the rewrites instead."""
    if result.fix:
        return "".join(f.diff for f in result.fixes if f.error is None)
    return _text(result.lint, result.triage)


def doctor_markdown(result: DoctorResult) -> str:
    return _markdown(result.lint, result.triage)


def _json(lint: LintResult | None, triage: TriageResult | None) -> dict[str, Any]:
    out: dict[str, Any] = {"format_version": FORMAT_VERSION, "tool": f"gapfinder {__version__}"}
    if lint is not None:
        out["files"] = len(lint.files)
        out["findings"] = [{"code": f.code, "name": f.name, "path": f.path, "line": f.line, "column": f.col + 1,
                            "message": f.message, "fixable": f.edit is not None, "confidence": f.confidence,
                            "related_lines": list(f.related)}
                           for f in lint.findings]
        out["skipped"] = list(lint.skipped)
        out["unresolved"] = list(lint.unresolved)
        out["below_confidence"] = lint.below_confidence
    if triage is not None:
        out["triage"] = {"total": triage.total, "verdicts": triage.counts, "categories": triage.categories,
                         "groups": [{"verdict": g.verdict, "category": g.category, "cause": g.cause,
                                     "failures": [asdict(f) for f in g.failures]} for g in triage.groups]}
    return out


def _text(lint: LintResult | None, triage: TriageResult | None) -> str:
    lines: list[str] = []
    if triage is not None:
        lines += _triage_summary(triage, "")
        for group in triage.groups:
            lines.append("")
            lines.append(f"[{group.verdict}] {group.category} ({len(group.failures)}): {group.cause}")
            for failure in group.failures:
                extra = f"  (explained by {failure.finding})" if failure.finding else ""
                lines.append(f"  {failure.test}{extra}")
                lines.append(f"    {failure.message}")
                lines.append(f"    evidence: {failure.evidence}")
        lines.append("")
    if lint is not None:
        for f in lint.findings:
            lines.append(f"{f.path}:{f.line}:{f.col + 1}: {f.code} {f.name}"
                         f"{' (likely)' if f.confidence == 'likely' else ''}: {f.message}")
        fixable = sum(1 for f in lint.findings if f.edit is not None)
        lines.append(f"{len(lint.findings)} finding(s) in {len(lint.files)} test file(s)"
                     + (f"; {fixable} fixable with --fix" if fixable else ""))
    return "\n".join(lines) + "\n"


def _triage_summary(triage: TriageResult, bullet: str) -> list[str]:
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(triage.counts.items(), key=lambda kv: -kv[1]))
    lines = [f"{triage.total} failing test(s): {verdicts or 'none'}; {len(triage.groups)} root cause(s)"]
    for category, count in sorted(triage.categories.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{bullet}  {category}: {count}")
    return lines


def _markdown(lint: LintResult | None, triage: TriageResult | None) -> str:
    lines = ["# gapfinder doctor", ""]
    if triage is not None:
        lines += ["## Failure triage", ""] + [line.strip() and f"- {line.strip()}" for line in _triage_summary(triage, "")]
        lines += ["", "| verdict | category | tests | cause | evidence |", "|---|---|---|---|---|"]
        for group in triage.groups:
            tests = "<br>".join(md_code(f.test) + (f" ({f.finding})" if f.finding else "") for f in group.failures)
            cause = md_cell(group.cause)
            lines.append(f"| {group.verdict} | {group.category} | {tests} | {cause} | {group.failures[0].evidence} |")
        lines.append("")
    if lint is not None:
        lines += ["## Mock-shape findings", "", f"{len(lint.findings)} finding(s) in {len(lint.files)} test file(s).", ""]
        if lint.findings:
            lines += ["| location | rule | message |", "|---|---|---|"]
            for f in lint.findings:
                message = md_cell(f.message)
                lines.append(f"| {md_cell(md_code(f'{f.path}:{f.line}'))} | {f.code} {f.name} | {message} |")
        lines.append("")
    return "\n".join(lines)


def doctor_sarif(result: DoctorResult) -> str:
    """SARIF 2.1.0, with URIs relative to the repository's top like rank's."""
    lint = result.lint
    prefix = lint.repo_prefix if lint is not None else ""
    index = {rule.code: i for i, rule in enumerate(RULES)}
    results = []
    for f in lint.findings if lint is not None else ():
        results.append({
            "ruleId": f.code, "ruleIndex": index[f.code], "level": "warning", "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact(f.path, prefix),
                                                "region": {"startLine": f.line, "startColumn": f.col + 1}}}],
            **({"relatedLocations": [{"id": i, "physicalLocation": {"artifactLocation": artifact(f.path, prefix),
                                                                    "region": {"startLine": n}}}
                                     for i, n in enumerate(f.related)]} if f.related else {}),
        })
    rules = [{"id": r.code, "name": r.name, "shortDescription": {"text": r.summary},
              "fullDescription": {"text": r.why}, "help": {"text": f"Example: {r.example}\nFix: {r.fix}"},
              "defaultConfiguration": {"level": "warning"}} for r in RULES]
    driver = {"name": "gapfinder-doctor", "version": __version__,
              "informationUri": "https://github.com/gapfinder/gapfinder#gapfinder-doctor", "rules": rules}
    return sarif_log(driver, results, base_uri=root_uri(str(Path.cwd()), prefix)) + "\n"
