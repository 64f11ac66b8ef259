"""scaffold's reports: the diffs of a dry run, the summary in words (stderr), and JSON."""

from __future__ import annotations

import json
from gapfinder.scaffold.result import ScaffoldResult

JSON_FORMAT_VERSION = 1


def scaffold_diffs(results: tuple[ScaffoldResult, ...]) -> str:
    """The text report: with --dry-run, the unified diff of every file (the summary goes to stderr)."""
    return "".join(f.diff for r in results if r.dry_run for f in r.files)


def summary_lines(results: tuple[ScaffoldResult, ...]) -> list[str]:
    lines = []
    for result in results:
        if result.message:
            lines.append(result.message)
            continue
        verb = "would change" if result.dry_run else "wrote"
        changed = result.files
        if not changed:
            lines.append(f"{result.module}: {result.tests} tests already scaffolded; nothing to add.")
            lines += run_lines(result)  # the drafts it ran and left out, when every new one needs a person
            continue
        lines.append(f"{result.module}: {result.tests} tests; {verb} {len(changed)} files, "
                     f"{result.todos} TODO(gapfinder) lines to finish.")
        for f in changed:
            added = f", {len(f.tests_added)} added" if f.tests_added else ""
            lines.append(f"  {f.action:<7} {f.path}{added}")
        lines += run_lines(result)
    return lines


def run_lines(result: ScaffoldResult) -> list[str]:
    """What running the drafts settled: passing tests, those that need a person, those that cannot fail."""
    run = result.run
    if run is None:
        return []
    if run.note:
        return [f"  {run.note}"]
    kept = len(run.needs_person) - len(run.dropped)
    written = ", ".join(part for part in (f"{len(run.dropped)} left out of the files" if run.dropped else "",
                                          f"{kept} written as xfail" if kept else "") if part)
    lines = [f"  ran {run.runs} times with {run.python}: {run.passed} of {run.tests} new tests pass every run; "
             f"{len(run.needs_person)} need a person" + (f" ({written})" if written else "") + "; "
             f"{len(run.cannot_fail)} cannot fail (no mutant of their target made them fail, of "
             f"{run.mutant_checked} checked)"]
    lines += [f"    needs a person{' (left out)' if name in run.dropped else ' (xfail)'}: {name}: "
              f"{why.removeprefix('needs a person: ')}" for name, why in run.needs_person]
    if run.dropped:
        lines.append("    (rerun with --keep-xfail to write the tests that need a person as xfail drafts)")
    lines += [f"    cannot fail: {name}" for name in run.cannot_fail]
    return lines


def run_json(result: ScaffoldResult) -> dict | None:
    run = result.run
    if run is None:
        return None
    return {"python": run.python, "runs": run.runs, "tests": run.tests, "passed": run.passed,
            "needs_person": [{"test": name, "reason": why, "written": "dropped" if name in run.dropped else "xfail"}
                             for name, why in run.needs_person],
            "dropped": list(run.dropped),
            "cannot_fail": list(run.cannot_fail), "mutant_checked": run.mutant_checked, "note": run.note}


def scaffold_json(results: tuple[ScaffoldResult, ...]) -> str:
    return json.dumps({
        "format_version": JSON_FORMAT_VERSION,
        "results": [
            {
                "module": r.module, "source": r.source, "tests": r.tests, "todos": r.todos,
                "dry_run": r.dry_run, "message": r.message, "warnings": list(r.warnings), "run": run_json(r),
                "files": [
                    {"path": f.path, "action": f.action, "tests_added": list(f.tests_added), "todos": f.todos,
                     **({"diff": f.diff} if r.dry_run else {})}
                    for f in r.files
                ],
            }
            for r in results
        ],
    }, indent=2)
