"""What `doctor --run` found: the runs, the order-dependent tests with their polluters, the flaky ones."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunSummary:
    index: int
    order: str  # "file" | "shuffled" | "reversed" (the shuffle before it, backwards)
    seed: int | None
    passed: int
    failed: int
    seconds: float
    timed_out: bool


@dataclass(frozen=True)
class SharedState:
    """One piece of state the polluter left behind that the victim can see."""

    kind: str  # env, global, singleton, overrides, patch, event_loop, module, other
    name: str
    how: str  # "set", "changed", "still active", ...
    polluter_at: str | None  # "file:line" where the polluter sets it, when found in its code
    victim_at: str | None  # "file:line" where the victim's code names it, when found


@dataclass(frozen=True)
class OrderDependent:
    victim: str
    polluters: tuple[str, ...]  # the smallest set found that makes the victim fail (empty: not narrowed)
    kind: str  # "victim" (fails after others) | "brittle" (fails alone, passes after others)
    candidates: int  # tests that ran before the victim in the run where it failed
    bisect_runs: int
    message: str | None  # the victim's failure
    shared_state: tuple[SharedState, ...]
    explanation: str
    fix: str
    reproduce: str
    location: tuple[str, int]


@dataclass(frozen=True)
class Flaky:
    test: str
    flip_rate: float  # failed runs / runs of the test
    runs: int
    message: str | None
    location: tuple[str, int]


@dataclass(frozen=True)
class SuiteHealth:
    root: str
    interpreter: str
    interpreter_source: str
    tests: int
    runs: tuple[RunSummary, ...]
    order_dependent: tuple[OrderDependent, ...]
    flaky: tuple[Flaky, ...]
    failing: tuple[str, ...]  # failed in every run (and alone): not an order problem
    plain_run_seconds: float
    total_seconds: float
    pytest_runs: int
    notes: tuple[str, ...] = field(default=())
    repo_prefix: str = ""

    @property
    def found(self) -> bool:
        return bool(self.order_dependent or self.flaky)
