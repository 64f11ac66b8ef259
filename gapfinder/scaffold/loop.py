"""Run and adapt: write the drafts, run them in the project's interpreter, change them by what the
runs showed, and keep a test as passing only when it passed every run, in shuffled orders.

Run 1 observes; its results become assertions (values returned and awaited, exceptions raised by
the code's own `raise`), or an xfail with the reason. Run 2 (shuffled) checks the adapted drafts and
runs each passing test against mutants of the function it targets. Run 3 (another order) confirms.
A test that fails on any run ends as an xfail whose reason says what a person must settle. Between
runs the project's files are put back as they were; the caller writes the final drafts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

from gapfinder.scaffold import writer
from gapfinder.scaffold.result import RunSummary
from gapfinder.scaffold.adapt import Adjustment, first_run, observed_asserts, reason
from gapfinder.scaffold.runner import Observed, run_drafts

FAILED = ("failed", "error")


def run_and_adapt(
    root: Path, python: Path, target_file: Path, target_module: str,
    replan: Callable[[dict[str, Adjustment]], writer.Planned],
) -> tuple[writer.Planned, RunSummary | None]:
    planned = replan({})
    added = {name for f in planned.files for name in f.added}
    cases = {c.name: c for c in planned.cases if c.name in added}
    if not cases:
        return planned, None
    tests = [f.path for f in planned.files if Path(f.path).name.startswith("test_")]

    def run(adjust: dict[str, Adjustment], seed: int | None, mutate: dict[str, str] | None = None):
        current = replan(adjust)
        writer.apply(root, current.files, dry_run=False)
        try:
            return run_drafts(python, root, tests, target_file, target_module, seed=seed, mutate=mutate)
        finally:
            writer.restore(root, current.files)

    first = run({}, None)
    if not first.tests:
        note = "the drafts did not run: " + (first.output.strip().splitlines() or ["no output"])[-1]
        return planned, RunSummary(str(python), 1, len(cases), 0, (), (), 0, note)
    adjust = {name: a for name, case in cases.items() if (a := first_run(case, first.tests.get(name)))}
    second = run(adjust, 1, {name: case.target for name, case in cases.items() if case.target})
    for name, case in cases.items():
        settled = adjust.get(name, Adjustment())
        if settled.xfail:
            continue
        seen = second.tests.get(name)
        if seen is None or seen.get("outcome") in FAILED:
            adjust[name] = Adjustment(xfail=reason(seen or {}) if seen else "needs a person: it did not run again")
        elif settled.no_raise or (settled.raises is None and not settled.asserts):
            more = observed_asserts(settled.apply(case), seen)
            if more:
                adjust[name] = replace(settled, asserts=settled.asserts + more)
    third = run(adjust, 2)
    for name in cases:
        if name in adjust and adjust[name].xfail:
            continue
        seen = third.tests.get(name)
        if seen is None or seen.get("outcome") in FAILED:
            why = reason(seen) if seen else "needs a person: it did not run again"
            adjust[name] = Adjustment(xfail=why.replace("needs a person:", "needs a person: flaky,", 1))
    return replan(adjust), _summary(python, cases, adjust, second)


def _summary(python: Path, cases: dict, adjust: dict[str, Adjustment], second: Observed) -> RunSummary:
    needs = tuple((n, a.xfail) for n, a in sorted(adjust.items()) if a.xfail)
    passing = [n for n in cases if not (n in adjust and adjust[n].xfail)]
    checked = [n for n in passing if second.mutants.get(n, {}).get("total")]
    cannot = tuple(n for n in checked if not second.mutants[n].get("killed"))
    return RunSummary(str(python), 3, len(cases), len(passing), needs, cannot, len(checked))
