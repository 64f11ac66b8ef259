"""The `gapfinder progress` report: a table, JSON, or markdown for a pull-request comment.

JSON shape (format_version 1; counts are whole numbers, percentages floats, absent values null):

    {
      "format_version": 1,
      "root": "/path/to/project",
      "pytest_config": "pyproject.toml",      # where pytest's settings came from, or null
      "testpaths": ["tests"],
      "files": 12,                            # test files pytest would collect
      "tests": 140,                           # test functions and methods pytest would collect; a
                                              # parametrized test once; inherited methods once per class
      "cases": 420,                           # items pytest would run (parametrizations expanded)
      "finished": 130, "scaffolded": 10,      # tests; scaffolded = @pytest.mark.scaffold or TODO(gapfinder)
      "skipped": 3, "skipif": 5, "xfail": 2,  # cases marked skip / skipif / xfail
      "classified_by_default": 7,             # tests no rule matched, counted as "unit"
      "target": {"total": 200, "done": 130, "percent": 65.0, "new": false} | null,
                                              # done = finished tests; with --baseline ("new": true)
                                              # finished tests added since the baseline (net)
      "baseline": {"ref": "v1.2", "source": "git" | "snapshot", "git_commit": "ab12..." | null,
                   "taken_at": "2025-01-31T10:00:00+00:00" | null,   # snapshots only
                   "tests": 120, "finished": 110,                    # at the baseline
                   "new": {"tests": 26, "finished": 26},             # now minus then (added - removed)
                   "kinds": {"unit": {"tests": 90, "finished": 85, "new_tests": 13, "new_finished": 13},
                             ...}} | null,    # only with --baseline; kinds by today's rules
      "kinds": {
        "unit": {"tests": 100, "cases": 300, "finished": 95, "scaffolded": 5, "skipped": 1,
                 "skipif": 2, "xfail": 0, "classified_by_default": 7, "target": 120 | null},
        "integration": {...}, "e2e": {...}    # plus any kind configured in [tool.gapfinder] kinds
      },
      "scaffolded_tests": ["tests/unit/test_x.py::test_y", ...],
      "cannot_fail_tests": ["tests/unit/test_x.py::test_z", ...],   # drafts that no mutant of their
                                              # target made fail when scaffold ran them (a
                                              # `# TODO(gapfinder): cannot fail` line in the test)
      "unparsable": [{"path": "tests/test_bad.py", "reason": "syntax error at line 3: ..."}],
      "not_static": 4,                        # tests whose cases could not all be known statically
      "dynamic": ["tests/conftest.py"],       # files with pytest_generate_tests
      "coverage": {"source": ".coverage", "line": 81.5, "branch": 70.2, "priorities": 20,
                   "priorities_tested": 14, "untested": ["app.billing", ...],
                   "goals": [{"pattern": "app/auth/**", "goal": 95.0, "coverage": 91.2 | null,
                              "modules": 12, "met": false}, ...]} | null,   # [tool.gapfinder] goals
      "history": {
        "recorded": true,                     # this run was appended to .gapfinder/progress.sqlite
        "previous": {"taken_at": "2025-01-31T10:00:00+00:00", "git_commit": "ab12..." | null,
                     "tests": 120, "cases": 380, "finished": 110, "scaffolded": 10,
                     "line_coverage": 79.0 | null, "branch_coverage": null} | null,
        "delta": {"tests": 20, "cases": 40, "finished": 20, "scaffolded": 0,
                  "kinds": {"unit": 15, "integration": 5, "e2e": 0}} | null,
        "trend": {"total": [100, 120, 140], "unit": [...], ...}   # tests per snapshot, oldest first,
                                                                  # the last one is this run
      },
      "pytest": {"tests": 140, "cases": 421, "differences": [{"file": "tests/test_a.py",
                 "static": 10, "pytest": 11}], "error": null,
                 "python": "/project/.venv/bin/python",  # the interpreter pytest ran in
                 "found_by": "the project's .venv",      # or "--python", "$VIRTUAL_ENV", "gapfinder's own"
                 "collection_errors": ["tests/test_x.py"]   # files pytest could not import (not compared)
                 } | null,                                  # only with --collect
      "suite_health": {"tests": 826, "order_dependent": 2, "flaky": 1, "failing": 10} | null,
                                              # the last `gapfinder doctor --run`, when one ran
      "warnings": ["..."]
    }
"""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from gapfinder.progress.ledger import Snapshot
from gapfinder.reports.escape import md_cell, md_code
from gapfinder.progress.measure import ProgressResult

FORMAT_VERSION = 1
BAR_WIDTH = 24
SPARKS = "▁▂▃▄▅▆▇█"


def progress_json(result: ProgressResult) -> str:
    return json.dumps(progress_data(result), indent=2) + "\n"


def progress_data(result: ProgressResult) -> dict[str, Any]:
    previous = result.previous
    return {
        "format_version": FORMAT_VERSION,
        "root": result.root,
        "pytest_config": result.pytest_config,
        "testpaths": [p or "." for p in result.testpaths],
        "files": result.files,
        **{f: result.total(f) for f in ("tests", "cases", "finished", "scaffolded", "skipped", "skipif", "xfail")},
        "classified_by_default": result.total("by_default"),
        "target": None if result.target is None else {
            "total": result.target, "done": result.done(),
            "percent": round(100.0 * result.done() / result.target, 1), "new": result.baseline is not None,
        },
        "baseline": _baseline(result),
        "kinds": {
            k.kind: {"tests": k.tests, "cases": k.cases, "finished": k.finished, "scaffolded": k.scaffolded,
                     "skipped": k.skipped, "skipif": k.skipif, "xfail": k.xfail,
                     "classified_by_default": k.by_default, "target": k.target}
            for k in result.kinds
        },
        "scaffolded_tests": list(result.scaffolded_tests),
        "cannot_fail_tests": list(result.cannot_fail_tests),
        "unparsable": [{"path": s.path, "reason": s.reason} for s in result.unparsable],
        "not_static": result.not_static,
        "dynamic": list(result.dynamic),
        "coverage": None if result.coverage is None else {
            "source": result.coverage.source, "line": _round(result.coverage.line_coverage),
            "branch": _round(result.coverage.branch_coverage), "priorities": result.coverage.priorities,
            "priorities_tested": result.coverage.priorities_tested, "untested": list(result.coverage.untested),
            "goals": [{"pattern": a.pattern, "goal": a.goal, "coverage": _round(a.coverage), "modules": a.modules,
                       "met": a.met} for a in result.coverage.goals],
        },
        "history": {
            "recorded": result.recorded,
            "previous": None if previous is None else {
                "taken_at": previous.taken_at, "git_commit": previous.git_commit, "tests": previous.tests,
                "cases": previous.cases, "finished": previous.finished, "scaffolded": previous.scaffolded,
                "line_coverage": _round(previous.line_coverage), "branch_coverage": _round(previous.branch_coverage),
            },
            "delta": None if previous is None else {
                **{f: result.total(f) - getattr(previous, f) for f in ("tests", "cases", "finished", "scaffolded")},
                "kinds": {k.kind: k.tests - (previous.kinds[k.kind].tests if k.kind in previous.kinds else 0)
                          for k in result.kinds},
            },
            "trend": _trends(result),
        },
        "pytest": None if result.pytest is None else {
            "tests": result.pytest.tests, "cases": result.pytest.cases, "error": result.pytest.error,
            "differences": [{"file": f, "static": s, "pytest": p} for f, s, p in result.pytest.differences],
            "python": result.pytest.python, "found_by": result.pytest.found_by,
            "collection_errors": list(result.pytest.collection_errors),
        },
        "suite_health": result.suite_health,
        "warnings": list(result.warnings),
    }


def _baseline(result: ProgressResult) -> dict[str, Any] | None:
    base = result.baseline
    if base is None:
        return None
    kinds = {k.kind: (k.tests, k.finished) for k in result.kinds}
    kinds.update({name: kinds.get(name, (0, 0)) for name in base.kinds})
    return {
        "ref": base.ref, "source": base.source, "git_commit": base.git_commit, "taken_at": base.taken_at,
        "tests": base.tests, "finished": base.finished,
        "new": {"tests": result.total("tests") - base.tests, "finished": result.done()},
        "kinds": {name: {"tests": base.kind(name).tests, "finished": base.kind(name).finished,
                         "new_tests": tests - base.kind(name).tests, "new_finished": finished - base.kind(name).finished}
                  for name, (tests, finished) in kinds.items()},
    }


def new_tests_line(result: ProgressResult) -> str:
    """ "26/100+ new tests since v1.2 (ab12cd34ef): 13 unit, 7 integration, 6 e2e" (finished tests, net)."""
    base = result.baseline
    assert base is not None
    done = result.done()
    head = f"{done}/{result.target}+" if result.target else str(done)
    named = base.git_commit and base.source == "git" and not base.git_commit.startswith(base.ref)
    where = base.ref + (f" ({base.git_commit[:10]})" if named else
                        f" (snapshot of {base.taken_at})" if base.source == "snapshot" else "")
    per_kind = ", ".join(f"{result.done(k)} {k.kind}" for k in result.kinds)
    share = f" ({100 * done / result.target:.0f}%)" if result.target else ""
    return f"{head} new tests since {where}{share}: {per_kind}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _trends(result: ProgressResult) -> dict[str, list[int]]:
    def series(snap: Snapshot, kind: str) -> int:
        return snap.kinds[kind].tests if kind in snap.kinds else 0

    trends = {"total": [s.tests for s in result.trend]}
    trends.update({k.kind: [series(s, k.kind) for s in result.trend] for k in result.kinds})
    return trends


def bar(done: int, goal: int | None, width: int = BAR_WIDTH) -> str:
    """A text progress bar, e.g. "██████░░░░ 60%"; empty when there is no goal."""
    if not goal:
        return ""
    share = min(done / goal, 1.0)
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled) + f" {100 * done / goal:.0f}%"


def sparkline(values: list[int]) -> str:
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = high - low or 1
    return "".join(SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def _delta(now: int, before: int | None) -> str:
    if before is None:
        return ""
    change = now - before
    return f"{change:+d}" if change else "±0"


def _rows(result: ProgressResult) -> list[tuple[str, ...]]:
    """kind, tests, finished, scaffolded, cases, skip/xfail, change, trend, progress."""
    trends = _trends(result)
    previous, base = result.previous, result.baseline
    rows = []
    for k in result.kinds:
        if base is not None:  # the change column: since the baseline when there is one
            before: int | None = base.kind(k.kind).tests
        else:
            before = None if previous is None else (previous.kinds[k.kind].tests if k.kind in previous.kinds else 0)
        goal = k.target or result.target
        rows.append((k.kind, str(k.tests), str(k.finished), str(k.scaffolded), str(k.cases),
                     f"{k.skipped + k.skipif}/{k.xfail}", _delta(k.tests, before), sparkline(trends[k.kind]),
                     bar(result.done(k), goal)))
    total_before = base.tests if base is not None else previous.tests if previous else None
    rows.append(("total", str(result.total("tests")), str(result.total("finished")), str(result.total("scaffolded")),
                 str(result.total("cases")), f"{result.total('skipped') + result.total('skipif')}/{result.total('xfail')}",
                 _delta(result.total("tests"), total_before), sparkline(trends["total"]),
                 bar(result.done(), result.target)))
    return rows


HEADERS = ("kind", "tests", "finished", "scaffolded", "cases", "skip/xfail", "change", "trend", "toward target")


def headers(result: ProgressResult) -> tuple[str, ...]:
    if result.baseline is None:
        return HEADERS
    return (*HEADERS[:6], "since baseline", HEADERS[7], "new toward target")


def notes(result: ProgressResult) -> list[str]:
    """The sentences under the table, shared by the table and markdown formats."""
    lines = []
    if result.baseline is not None:
        lines.append(new_tests_line(result))
    elif result.target:
        done = result.total("finished")
        lines.append(f"{done}/{result.target}+ finished tests toward the target ({100 * done / result.target:.0f}%); "
                     "scaffolded drafts count once finished")
    else:
        lines.append("no target set: pass --target N or set target in [tool.gapfinder]")
    defaulted = result.total("by_default")
    if defaulted:
        lines.append(f"{defaulted} tests matched no unit/integration/e2e rule and were counted as unit")
    if result.coverage:
        c = result.coverage
        line = "—" if c.line_coverage is None else f"{c.line_coverage:.1f}%"
        branch = "—" if c.branch_coverage is None else f"{c.branch_coverage:.1f}%"
        lines.append(f"coverage ({c.source}): line {line}, branch {branch}; "
                     f"{c.priorities_tested} of the top {c.priorities} rank priorities have tests")
        for area in c.goals:
            have = "no statements" if area.coverage is None else f"{area.coverage:.1f}%"
            verdict = "met" if area.met else f"{area.goal - area.coverage:.1f} points short"  # type: ignore[operator]
            lines.append(f"goal {area.pattern}: {have} of {area.goal:g}% ({area.modules} "
                         f"{'module' if area.modules == 1 else 'modules'}): {verdict}")
    if result.previous:
        commit = f" at {result.previous.git_commit[:10]}" if result.previous.git_commit else ""
        lines.append(f"change since the snapshot of {result.previous.taken_at}{commit}")
    if result.recorded:
        lines.append("this run was recorded in .gapfinder/progress.sqlite")
    if result.suite_health:
        h = result.suite_health
        lines.append(f"last doctor --run: {h['order_dependent']} order-dependent, {h['flaky']} flaky, "
                     f"{h['failing']} failing in every run, of {h['tests']} tests")
    if result.cannot_fail_tests:
        one = len(result.cannot_fail_tests) == 1
        lines.append(f"{len(result.cannot_fail_tests)} scaffolded test{'' if one else 's'} cannot fail (no mutant of "
                     f"the code under test made {'it' if one else 'them'} fail): " + ", ".join(result.cannot_fail_tests[:5])
                     + (", ..." if len(result.cannot_fail_tests) > 5 else ""))
    for skipped in result.unparsable:
        lines.append(f"unparsable: {skipped.path} ({skipped.reason}); its tests are not counted")
    if result.not_static:
        lines.append(f"{result.not_static} tests have parametrize lists or fixture params not known statically "
                     "(counted as one case each; --collect asks pytest)")
    if result.dynamic:
        lines.append(f"pytest_generate_tests in {', '.join(result.dynamic)}: cases there may be more than counted")
    if result.pytest:
        p = result.pytest
        lines.append(f"pytest --collect-only ({p.python}, {p.found_by}): {p.tests} tests, {p.cases} cases"
                     + (f" ({p.error})" if p.error else "; same as the static count" if not (p.differences or p.collection_errors) else ""))
        if p.found_by == "gapfinder's own":
            lines.append("  no virtual environment found in the project: pass --python with the project's interpreter")
        lines += [f"  {f}: static {s} cases, pytest {n}" for f, s, n in p.differences]
        if p.collection_errors:
            lines.append(f"  pytest could not import {len(p.collection_errors)} test file(s), not compared: "
                         + ", ".join(p.collection_errors[:5]))
    return lines


def progress_table(result: ProgressResult) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=False, highlight=False, no_color=True)
    table = Table(pad_edge=False)
    for n, header in enumerate(headers(result)):
        table.add_column(header, justify="right" if 0 < n < 7 else "left")
    for row in _rows(result):
        table.add_row(*row, end_section=row[0] == result.kinds[-1].kind)
    console.print(table)
    for line in notes(result):
        console.print(line, markup=False, soft_wrap=True)  # whole lines: never split a path or a word
    return buffer.getvalue()


def progress_markdown(result: ProgressResult) -> str:
    lines = ["### Test progress", "", "| " + " | ".join(headers(result)) + " |",
             "|" + "|".join(":--" if n in (0, 8) else "--:" for n in range(len(HEADERS))) + "|"]
    for row in _rows(result):
        cells = [md_cell(md_code(c)) if n == 8 and c else md_cell(c) for n, c in enumerate(row)]
        if row[0] == "total":
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- {line.strip()}" for line in notes(result)]
    if result.scaffolded_tests:
        lines += ["", f"<details><summary>{len(result.scaffolded_tests)} scaffolded tests to finish</summary>", ""]
        lines += [f"- {md_code(t)}" for t in result.scaffolded_tests] + ["", "</details>"]
    if result.cannot_fail_tests:
        lines += ["", f"<details><summary>{len(result.cannot_fail_tests)} scaffolded tests cannot fail</summary>", ""]
        lines += [f"- {md_code(t)}" for t in result.cannot_fail_tests] + ["", "</details>"]
    return "\n".join(lines) + "\n"
