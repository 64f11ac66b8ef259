"""`doctor --run`: find the tests that pass alone and fail together, their polluters, and why.

1. run the suite in file order, then N times shuffled (files, then tests within a file, as
   pytest-randomly does; seeded, so a run can be repeated), every second shuffle the reverse of the
   one before it;
2. the tests that failed in every run run once more, together and without the others: one that
   passes there joins the tests that failed in one run and passed in another. Each of those runs
   alone: passing alone makes it a victim of order (failing alone but passing after others makes it
   "brittle": it needs another test's state);
3. bisect the tests that ran before it to the one that makes the difference, in at most
   ceil(log2 n) + 2 runs (halving, one confirming run that records the state left behind, and one
   rerun of the original order when the halves did not reproduce it: then the test is flaky);
4. explain with explain.py.
"""

from __future__ import annotations

import os
import random
import shlex
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from gapfinder.core.files import inside
from gapfinder.core.interpreter import project_python
from gapfinder.doctor.suite import explain
from gapfinder.doctor.suite.model import Flaky, OrderDependent, RunSummary, SuiteHealth
from gapfinder.doctor.suite.runner import RunOutcome, Session
from gapfinder.errors import ProjectError

PASSED = frozenset({"passed", "xfailed"})

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Found:
    polluters: tuple[str, ...]
    runs: int
    confirm: RunOutcome | None  # the run that reproduced it with the polluters (state recorded)


def shuffled(tests: Sequence[str], seed: int) -> list[str]:
    """Files in a random order, then the tests of each file in a random order."""
    rng = random.Random(seed)
    by_file: dict[str, list[str]] = defaultdict(list)
    for test in tests:
        by_file[test.partition("::")[0]].append(test)
    files = list(by_file)
    rng.shuffle(files)
    order: list[str] = []
    for name in files:
        group = by_file[name][:]
        rng.shuffle(group)
        order += group
    return order


def check_suite(root: Path, paths: Sequence[Path] = (), *, python: Path | None = None, runs: int = 2,
                seed: int | None = None, test_timeout: float = 60.0, timeout: float = 3600.0,
                junit_dir: Path | None = None, progress: Progress | None = None) -> SuiteHealth:
    report = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    interpreter = project_python(root, python)
    session = Session(interpreter, root, _test_paths(root, paths), test_timeout, started + timeout, junit_dir)
    try:
        return _check(session, runs, seed if seed is not None else random.randrange(2**31), report, started)
    finally:
        session.close()


def _test_paths(root: Path, paths: Sequence[Path]) -> tuple[str, ...]:
    """The given test paths relative to the project root (pytest runs there); each must be inside it."""
    out = []
    for path in paths:
        absolute = Path(path).absolute()
        if not absolute.exists():
            raise ProjectError(f"{path}: no such file or folder.")
        if not inside(root, absolute):
            raise ProjectError(f"{path} is outside the project at {root}.")
        out.append(os.path.relpath(absolute, root))
    return tuple(out)


def _check(session: Session, runs: int, seed: int, report: Progress, started: float) -> SuiteHealth:
    tests = session.collect()
    if not tests:
        raise ProjectError(f"pytest collected no tests in {', '.join(session.paths) or session.root}.")
    notes: list[str] = []
    outcomes: list[RunOutcome] = []
    summaries: list[RunSummary] = []
    for index in range(runs + 1):
        if session.left <= 0:
            notes.append(f"stopped after {index} of {runs + 1} runs: the time limit was reached")
            break
        report("running the suite", index, runs + 1)
        kind, run_seed, order = plan(tests, seed, index)
        outcome = session.run(order, label=f"run-{index}")
        outcomes.append(outcome)
        summaries.append(_summary(index, kind, run_seed, outcome))
        if outcome.timed_out:
            notes.append(f"run {index} stopped at the time limit while {outcome.hung or 'pytest'} was running")
    report("running the suite", len(outcomes), runs + 1)
    history: dict[str, list[str]] = defaultdict(list)
    for outcome in outcomes:
        for test, result in outcome.results.items():
            history[test].append(result.outcome)
        if outcome.hung:
            history[outcome.hung].append("timeout")
    mixed = sorted(t for t, seen in history.items() if _failed(seen) and any(o in PASSED for o in seen))
    always = sorted(t for t, seen in history.items() if seen and all(_is_failure(o) for o in seen))
    if always and session.left > 0:
        # One run of just the tests that failed every time, without the tests that ran before them:
        # one that passes there failed because of company, and is examined like the others.
        together = session.run(always, label="failing-together")
        for test, result in together.results.items():
            history[test].append(result.outcome)
        mixed = sorted({*mixed, *(t for t in always if t in together.results and not together.results[t].failed)})
    failing = [t for t in always if t not in mixed]
    victims: list[OrderDependent] = []
    polluters: list[str] = []
    flaky: list[Flaky] = []
    examined = mixed
    for number, test in enumerate(examined):
        if session.left <= 0:
            notes.append(f"{len(examined) - number} test(s) not examined: the time limit was reached")
            break
        report("examining tests that failed", number, len(examined))
        alone = session.run([test], label=f"alone-{number}")
        alone_result = alone.results.get(test)
        history[test].append(alone_result.outcome if alone_result else "timeout")
        alone_passed = alone_result is not None and alone_result.outcome in PASSED
        # A victim: find the run it failed in. Brittle: the run it passed in.
        want_fail = alone_passed
        source = next((o for o in outcomes if test in o.results and o.results[test].failed == want_fail), None)
        if source is None:  # failed everywhere but alone... and together: nothing to bisect in a full run
            failing.append(test)
            continue
        prefix = list(source.order[:source.order.index(test)])
        guess = next((p for p in reversed(polluters) if p in prefix), None)
        found = _bisect(session, prefix, test, want_fail, number, history, guess)
        if found is None:
            flaky.append(_flaky(test, history[test], outcomes, alone))
            continue
        victims.append(_order_dependent(session, test, source, found, "victim" if want_fail else "brittle"))
        polluters += [p for p in found.polluters if p not in polluters]
    report("examining tests that failed", len(examined), len(examined))
    return SuiteHealth(
        root=str(session.root), interpreter=str(session.interpreter.path),
        interpreter_source=session.interpreter.found_by, tests=len(tests), runs=tuple(summaries),
        order_dependent=tuple(victims), flaky=tuple(flaky), failing=tuple(sorted(failing)),
        plain_run_seconds=outcomes[0].seconds if outcomes else 0.0,
        total_seconds=time.monotonic() - started, pytest_runs=session.runs, notes=tuple(notes),
    )


def _is_failure(outcome: str) -> bool:
    return outcome in ("failed", "error", "timeout")


def _failed(seen: list[str]) -> bool:
    return any(_is_failure(o) for o in seen)


def plan(tests: Sequence[str], seed: int, index: int) -> tuple[str, int | None, list[str] | None]:
    """Run 0 keeps the file order; odd runs shuffle; each even run reverses the shuffle before it, so
    every two tests meet in both orders within one pair of runs (a polluter cannot stay behind its victim)."""
    if index == 0:
        return "file", None, None
    pair_seed = seed + (index + 1) // 2
    order = shuffled(tests, pair_seed)
    return ("shuffled", pair_seed, order) if index % 2 else ("reversed", pair_seed, order[::-1])


def _summary(index: int, kind: str, seed: int | None, outcome: RunOutcome) -> RunSummary:
    results = outcome.results.values()
    return RunSummary(index, kind, seed,
                      sum(r.outcome in PASSED for r in results), sum(r.failed for r in results),
                      round(outcome.seconds, 3), outcome.timed_out)


def _bisect(session: Session, prefix: list[str], victim: str, want_fail: bool, number: int,
            history: dict[str, list[str]], guess: str | None = None) -> _Found | None:
    """The smallest set of tests before `victim` that reproduces its outcome in company, or None (flaky).

    `guess`: a polluter already found for another victim, tried first when it ran before this one."""
    def reproduces(before: list[str], label: str, record: bool = False) -> RunOutcome | None:
        outcome = session.run([*before, victim], label=label, record_state=record)
        result = outcome.results.get(victim)
        history[victim].append(result.outcome if result else "timeout")
        return outcome if result is not None and result.failed == want_fail else None

    runs = 0
    if guess is not None:  # one leaked state often breaks many tests: try the polluter found last first
        runs += 1
        hit = reproduces([guess], f"guess-{number}", record=True)
        if hit is not None:
            return _Found((guess,), runs, hit)
    candidates = prefix
    while len(candidates) > 1 and session.left > 0:
        half = candidates[:len(candidates) // 2]
        runs += 1
        candidates = half if reproduces(half, f"bisect-{number}-{runs}") else candidates[len(half):]
    runs += 1
    confirm = reproduces(candidates, f"confirm-{number}", record=True)
    if confirm is not None:
        return _Found(tuple(candidates), runs, confirm)
    runs += 1
    again = reproduces(prefix, f"again-{number}", record=True)
    return _Found((), runs, again) if again is not None else None


def _flaky(test: str, seen: list[str], outcomes: list[RunOutcome], alone: RunOutcome) -> Flaky:
    result = next((o.results[test] for o in [*outcomes, alone] if test in o.results and o.results[test].failed), None)
    known = [o for o in seen if o != "skipped"]
    where = next((o.results[test].location for o in [*outcomes, alone] if test in o.results), ("", 0))
    return Flaky(test, round(sum(_is_failure(o) for o in known) / max(1, len(known)), 3), len(known),
                 result.message if result else None, where)


def _order_dependent(session: Session, victim: str, source: RunOutcome, found: _Found, kind: str) -> OrderDependent:
    confirm = found.confirm
    victim_result = (confirm.results.get(victim) if confirm else None) or source.results[victim]
    failure = victim_result if victim_result.failed else source.results[victim]
    polluter_results = [confirm.results[p] for p in found.polluters if confirm and p in confirm.results]
    left = [change for result in polluter_results for change in result.left]
    victim_code = explain.CaseCode(session.root, session.project_path(victim_result.location[0]),
                                   victim_result.location[1])
    polluter_code = [explain.CaseCode(session.root, session.project_path(r.location[0]), r.location[1])
                     for r in polluter_results]
    states = explain.shared_state(left, polluter_code, victim_code)
    candidates = source.order.index(victim)
    reproduce = shlex.join(session.command([*found.polluters, victim])) if found.polluters else \
        shlex.join(session.command([*source.order[:candidates], victim]))
    return OrderDependent(
        victim=victim, polluters=found.polluters, kind=kind, candidates=candidates, bisect_runs=found.runs,
        message=failure.message if failure.failed else None, shared_state=tuple(states),
        explanation=_explanation(victim, found.polluters, kind, states),
        fix="; ".join(dict.fromkeys(explain.fix_for(s) for s in states[:3])) or explain.FIXES["outside"],
        reproduce=reproduce, location=(session.project_path(victim_result.location[0]), victim_result.location[1]),
    )


def _explanation(victim: str, polluters: tuple[str, ...], kind: str, states: list) -> str:
    who = ", ".join(polluters) if polluters else "the tests before it (no single one narrowed)"
    linked = [s for s in states if s.victim_at] or states
    if not linked:
        what = "no Python state it could see changed (environment, module globals, class attributes, patches, " \
               "event loop); the shared state is likely outside the process: a file, a database, a server"
    else:
        what = "; ".join(
            explain.describe(s) + (f", set at {s.polluter_at}" if s.polluter_at else "")
            + (f", used by the victim at {s.victim_at}" if s.victim_at else "") for s in linked[:3])
    if kind == "victim":
        return f"{victim} passes alone and fails after {who}, which leaves behind: {what}."
    return f"{victim} fails alone and passes after {who}, which sets up what it needs: {what}."
