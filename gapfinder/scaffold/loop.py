"""Run and adapt: write the drafts, run them in the project's interpreter, change them by what the
runs showed, and keep a test as passing only when it passed every run, in shuffled orders.

Run 1 observes; its results become assertions (values returned and awaited, exceptions raised by
the code's own `raise`), or an xfail with the reason. Then one pytest process runs the adapted
drafts twice, each time in another shuffled order, and each passing test against mutants of the
function it targets. A test that fails on any pass ends as an xfail whose reason says what a person
must settle; assertions first observed there are confirmed by another such run. Between runs the
project's files are put back as they were; the caller writes the final drafts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

from gapfinder.scaffold import writer
from gapfinder.scaffold.result import RunSummary
from gapfinder.scaffold.adapt import Adjustment, first_run, loosened, observed_asserts, reason, settle_own_doubles
from gapfinder.scaffold.runner import Observed, run_drafts

FAILED = ("failed", "error")
STABLE_PASSES = 2  # shuffled passes per confirming run (one pytest process)
MAX_RUNS = 5


def run_and_adapt(
    root: Path, python: Path, target_file: Path, target_module: str,
    replan: Callable[..., writer.Planned],
) -> tuple[writer.Planned, RunSummary | None]:
    planned = replan({})
    added = {name for f in planned.files if Path(f.path).name.startswith("test_") for name in f.added}
    drafted = {c.name: c for c in planned.cases}
    cases = {name: drafted.get(name) for name in sorted(added)}  # None: a test rendered from a template
    if not cases:
        return planned, None
    tests = [f.path for f in planned.files if Path(f.path).name.startswith("test_")]

    targets = {name: case.target for name, case in cases.items() if case is not None and case.target}

    def run(adjust: dict[str, Adjustment], seed: int | None, repeat: int = 1, mutate: dict[str, str] | None = None,
            select: set[str] | None = None):
        current = replan(adjust)
        writer.apply(root, current.files, dry_run=False)
        try:
            return run_drafts(python, root, tests, target_file, target_module, seed=seed, repeat=repeat,
                              mutate=mutate, targets=targets, select=sorted(select) if select else None)
        finally:
            writer.restore(root, current.files)

    first = run({}, None)
    if not first.tests:
        note = "the drafts did not run: " + (first.output.strip().splitlines() or ["no output"])[-1]
        return planned, RunSummary(str(python), 1, len(cases), 0, (), (), 0, note)
    adjust = {name: a for name, case in cases.items() if (a := first_run(case, first.tests.get(name), name))}
    second = run(adjust, 1, STABLE_PASSES, targets)
    runs = 1 + STABLE_PASSES
    unconfirmed = _settle(cases, adjust, second)
    mutants = dict(second.mutants)
    while unconfirmed and runs < MAX_RUNS:  # assertions added from the second run: confirm them
        # (only they run) and judge again those no mutant failed yet: added assertions can only make one fail
        again = run(adjust, runs, STABLE_PASSES, {n: targets[n] for n in unconfirmed
                                                  if n in targets and not mutants.get(n, {}).get("killed")},
                    select=unconfirmed)
        runs += STABLE_PASSES
        mutants.update({n: again.mutants[n] for n in unconfirmed if n in again.mutants})
        unconfirmed = _settle({n: cases[n] for n in unconfirmed}, adjust, again, observe=False)
    for name in unconfirmed:  # changed by the last run allowed: only what every run confirmed is asserted
        pending = adjust[name].fallback  # doubling its object's helpers never settled: as first observed
        adjust[name] = pending if pending is not None else replace(adjust[name], asserts=(), imports=frozenset())
    summary = _summary(python, runs, cases, adjust, mutants)
    for name in summary.cannot_fail:  # said in the test itself, where `gapfinder progress` finds it
        adjust[name] = replace(adjust.get(name, Adjustment()), cannot_fail=targets[name])
    return replan(adjust, True), summary


def _settle(cases: dict, adjust: dict[str, Adjustment], seen_run: Observed, observe: bool = True) -> set[str]:
    """Failing tests become xfails (in adjust); tests whose expected raise did not happen get the
    assertions this run observed. Returns the tests changed in a way that needs another run."""
    changed = set()
    for name, case in cases.items():
        settled = adjust.get(name, Adjustment())
        if settled.xfail:
            continue
        seen = seen_run.tests.get(name)
        if settled.fallback is not None and case is not None:  # its object's helpers were doubled: read this run
            adjust[name] = settle_own_doubles(case, settled, seen)
            changed.add(name)
            continue
        unstable = settled.asserts and seen and seen.get("exc_type") == "builtins.AssertionError" and not seen.get(
            "in_target")
        failed_line = [a for a in settled.asserts if seen and a.strip() == seen.get("test_line")]
        if unstable and failed_line and seen.get("outcome") in FAILED:  # that value differs run to run: its kind stays
            kept = (loosened(a) if a in failed_line else a for a in settled.asserts)
            adjust[name] = replace(settled, asserts=tuple(a for a in kept if a))
            changed.add(name)
        elif observe and unstable and seen.get("outcome") in FAILED:  # which value differs is not known
            adjust[name] = replace(settled, asserts=(), imports=frozenset())
            changed.add(name)
        elif seen is None or seen.get("outcome") in FAILED:
            why = reason(seen) if seen else "needs a person: it did not run again"
            if name not in adjust or not observe:
                why = why.replace("needs a person:", "needs a person: flaky,", 1)
            adjust[name] = Adjustment(xfail=why)
        elif observe and case is not None and (settled.no_raise or settled.contradicted):  # nothing observed yet
            more, imports = observed_asserts(settled.apply(case), seen)
            if more:
                adjust[name] = replace(settled, asserts=settled.asserts + more, imports=settled.imports | imports)
                changed.add(name)
    return changed


def _summary(python: Path, runs: int, cases: dict, adjust: dict[str, Adjustment], mutants: dict) -> RunSummary:
    needs = tuple((n, a.xfail) for n, a in sorted(adjust.items()) if a.xfail)
    passing = [n for n in cases if not (n in adjust and adjust[n].xfail)]
    # a target with no mutant at all (a hook whose body is `pass`) cannot make its test fail either;
    # a target the probe could not find was not checked
    checked = [n for n in passing if n in mutants and "why" not in mutants[n]]
    cannot = tuple(n for n in checked if not mutants[n].get("killed"))
    return RunSummary(str(python), runs, len(cases), len(passing), needs, cannot, len(checked))
