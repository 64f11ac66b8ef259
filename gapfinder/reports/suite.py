"""`doctor --run`'s reports: text for people, JSON for tools, Markdown for pull requests, SARIF for CI."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from gapfinder import __version__
from gapfinder.doctor.suite.model import OrderDependent, SuiteHealth
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.reports.sarif import artifact, root_uri, sarif_log

FORMAT_VERSION = 1


def suite_json(health: SuiteHealth) -> str:
    data: dict[str, Any] = {
        "format_version": FORMAT_VERSION, "tool": f"gapfinder {__version__}",
        "interpreter": health.interpreter, "interpreter_source": health.interpreter_source,
        "tests": health.tests,
        "runs": [asdict(run) for run in health.runs],
        "order_dependent": [_victim_json(v) for v in health.order_dependent],
        "flaky": [{"test": f.test, "flip_rate": f.flip_rate, "runs": f.runs, "message": f.message,
                   "location": _where(f.location)} for f in health.flaky],
        "failing": list(health.failing),
        "notes": list(health.notes),
        "summary": {"order_dependent": len(health.order_dependent), "flaky": len(health.flaky),
                    "failing": len(health.failing), "plain_run_seconds": round(health.plain_run_seconds, 3),
                    "total_seconds": round(health.total_seconds, 3), "runs": health.pytest_runs},
    }
    return json.dumps(data, indent=2) + "\n"


def _where(location: tuple[str, int]) -> str:
    return f"{location[0]}:{location[1]}"


def _victim_json(victim: OrderDependent) -> dict[str, Any]:
    return {
        "victim": victim.victim, "polluters": list(victim.polluters), "kind": victim.kind,
        "candidates": victim.candidates, "bisect_runs": victim.bisect_runs, "message": victim.message,
        "shared_state": [asdict(s) for s in victim.shared_state], "explanation": victim.explanation,
        "fix": victim.fix, "reproduce": victim.reproduce, "location": _where(victim.location),
    }


def _headline(health: SuiteHealth) -> str:
    seconds = f"{health.total_seconds:.0f} s ({health.pytest_runs} pytest runs; one plain run: " \
              f"{health.plain_run_seconds:.0f} s)"
    return (f"{health.tests} test(s), {len(health.runs)} full run(s): {len(health.order_dependent)} order-dependent, "
            f"{len(health.flaky)} flaky, {len(health.failing)} failing in every run; {seconds}")


def suite_text(health: SuiteHealth) -> str:
    lines = [f"interpreter: {health.interpreter} ({health.interpreter_source})"]
    for run in health.runs:
        lines.append(f"run {run.index} ({run.order}{f', seed {run.seed}' if run.seed is not None else ''}): "
                     f"{run.passed} passed, {run.failed} failed, {run.seconds:.1f} s"
                     + (" (stopped at the time limit)" if run.timed_out else ""))
    for victim in health.order_dependent:
        lines += ["", f"{_where(victim.location)}: order-dependent ({victim.kind}): {victim.victim}"]
        if victim.message:
            lines.append(f"  fails with: {victim.message}")
        lines.append(f"  polluter: {', '.join(victim.polluters) or 'not narrowed to one test'} "
                     f"(found among {victim.candidates} in {victim.bisect_runs} runs)")
        for state in victim.shared_state[:5]:
            at = "; ".join(x for x in (state.polluter_at and f"set at {state.polluter_at}",
                                       state.victim_at and f"used at {state.victim_at}") if x)
            lines.append(f"  shared: {state.kind} {state.name} ({state.how}){': ' + at if at else ''}")
        lines.append(f"  why: {victim.explanation}")
        lines.append(f"  fix: {victim.fix}")
        lines.append(f"  reproduce: {victim.reproduce}")
    for flaky in health.flaky:
        lines += ["", f"{_where(flaky.location)}: flaky: {flaky.test} failed in {flaky.flip_rate:.0%} of "
                      f"{flaky.runs} runs, whatever the order" + (f": {flaky.message}" if flaky.message else "")]
    if health.failing:
        lines += ["", f"failing in every run, also without the tests before them ({len(health.failing)}): "
                      "not an order problem"]
        lines += [f"  {test}" for test in health.failing[:20]]
        if len(health.failing) > 20:
            lines.append(f"  ... and {len(health.failing) - 20} more (--format json lists them all)")
    lines += [f"note: {note}" for note in health.notes]
    lines += ["", _headline(health)]
    return "\n".join(lines) + "\n"


def suite_markdown(health: SuiteHealth) -> str:
    lines = ["# gapfinder doctor --run", "", _headline(health) + ".", ""]
    if health.order_dependent:
        lines += ["## Order-dependent tests", "", "| test | polluter | shared state | fix | reproduce |",
                  "|---|---|---|---|---|"]
        for v in health.order_dependent:
            shared = "<br>".join(md_cell(f"{s.kind} {s.name}") for s in v.shared_state[:3]) or "outside Python"
            lines.append(f"| {md_cell(md_code(v.victim))} | {md_cell(md_code(', '.join(v.polluters) or '?'))} | "
                         f"{shared} | {md_cell(v.fix)} | {md_cell(md_code(v.reproduce))} |")
        lines.append("")
    if health.flaky:
        lines += ["## Flaky tests", "", "| test | failed in | message |", "|---|---|---|"]
        for f in health.flaky:
            lines.append(f"| {md_cell(md_code(f.test))} | {f.flip_rate:.0%} of {f.runs} runs | "
                         f"{md_cell(f.message or '')} |")
        lines.append("")
    return "\n".join(lines)


RULES = (
    ("GF501", "OrderDependentTest", "A test that passes alone and fails after another test",
     "The test depends on state another test leaves behind (or sets up for it)."),
    ("GF502", "FlakyTest", "A test that fails at random",
     "The test failed and passed with the same tests before it."),
)


def suite_sarif(health: SuiteHealth) -> str:
    results = []
    for v in health.order_dependent:
        results.append(_sarif_result("GF501", 0, f"{v.explanation} Fix: {v.fix} Reproduce: {v.reproduce}",
                                     v.location, health.repo_prefix, v.victim))
    for f in health.flaky:
        results.append(_sarif_result("GF502", 1, f"{f.test} failed in {f.flip_rate:.0%} of {f.runs} runs.",
                                     f.location, health.repo_prefix, f.test))
    rules = [{"id": rid, "name": name, "shortDescription": {"text": short}, "fullDescription": {"text": full},
              "defaultConfiguration": {"level": "warning"}} for rid, name, short, full in RULES]
    driver = {"name": "gapfinder-doctor", "version": __version__,
              "informationUri": "https://github.com/gapfinder/gapfinder#gapfinder-doctor", "rules": rules}
    return sarif_log(driver, results, base_uri=root_uri(health.root, health.repo_prefix)) + "\n"


def _sarif_result(rule: str, index: int, text: str, location: tuple[str, int], prefix: str, test: str) -> dict:
    return {
        "ruleId": rule, "ruleIndex": index, "level": "warning", "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": artifact(location[0], prefix),
                                            "region": {"startLine": max(1, location[1])}}}],
        "partialFingerprints": {"gapfinderTest/v1": hashlib.sha256(test.encode()).hexdigest()[:32]},
    }
