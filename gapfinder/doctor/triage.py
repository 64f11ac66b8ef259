"""Sort the failures in pytest JUnit XML files into test defects, likely product defects and unknown.

Evidence comes from the failure text pytest writes (exception line and traceback locations), in
this order: collection problems, fixtures, event-loop configuration, mock shapes, timeouts, marker
selection; an exception raised by the test's own double (the traceback ends in unittest.mock calling
a side_effect) or by a fixture during setup. With a diff base: a failure raised at test lines changed
since that base is a test defect, one whose traceback runs through changed product lines leans to a
product defect, and otherwise what the failing test runs (read statically, reach.py) decides: changed
test code only, changed product code only, or both (unknown). Then the deepest traceback frame decides
between product code raising (likely product defect) and everything else (unknown). With several JUnit
files, a test that failed in one run and passed in another is flaky. Each verdict states its evidence;
failures with one root cause are grouped.
"""

from __future__ import annotations

import ast
import functools
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable

from gapfinder.core.source import parse, read_source
from gapfinder.doctor.model import Failure, Finding, Group, TriageResult
from gapfinder.doctor.reach import Reach, Reached, Span
from gapfinder.errors import GapfinderError

TEST = "test defect"
PRODUCT = "likely product defect"
UNKNOWN = "unknown"
FLAKY = "flaky"

# (category, pattern over message + text, evidence)
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("import error in a test module", r"ImportError while importing test module|ERROR collecting|collection failure",
     "pytest could not import the test module, so none of its tests ran"),
    ("missing or misdeclared fixture", r"fixture '[^']+' not found|ScopeMismatch|recursive dependency involving fixture",
     "pytest could not provide a fixture the test requests"),
    ("event-loop or asyncio configuration",
     r"async def functions are not natively supported|requested an async fixture|Event loop is closed|"
     r"attached to a different loop|There is no current event loop|asyncio_default_fixture_loop_scope|"
     r"got Future .* attached to a different loop|'async_generator' object has no attribute|"
     r"'coroutine' object has no attribute '\w+'.*\n.*fixture",
     "pytest-asyncio did not run the async test or fixture as configured"),
    ("mock shape",
     r"object (Magic|Async|NonCallableMagic)?Mock can't be used in 'await' expression|'coroutine' object (has no attribute|"
     r"is not (subscriptable|iterable|callable))|does not support the asynchronous context manager protocol|"
     r"'async for' requires an object with __aiter__ method, got coroutine|coroutine '[^']*' was never awaited|"
     r"coroutine 'AsyncMockMixin\._execute_mock_call' was never awaited|'Mock' object does not support",
     "the error is what a test double of the wrong shape produces"),
    ("test-infrastructure timeout", r"Failed: Timeout|Timeout \(>|pytest-timeout|TimeoutError",
     "the run hit a timeout"),
    ("pattern or marker selection", r"PytestUnknownMarkWarning|not found in `markers` configuration option|"
     r"no tests ran|file or directory not found",
     "the selected tests or markers do not match the configuration"),
)
# pytest's long traceback names each frame "path:line: in func" or, for the raising frame, "path:line: Exc";
# a frame whose call went on into a library it hides ends bare ("tests/test_a.py:22: ")
FRAME = re.compile(r"^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+):(?: (?P<exc>[A-Za-z_][\w.]*)| *$)", re.MULTILINE)
SETUP = re.compile(r"^failed on setup\b")
MOCK_FRAME = re.compile(r"unittest/mock\.py|/mock/mock\.py")
LIBRARY = re.compile(r"(site-packages|dist-packages|/lib/python3|unittest/mock\.py|^<)")


def is_test_path(path: str) -> bool:
    name = Path(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or \
        "tests" in Path(path).parts or "test" in Path(path).parts


def read_junit(path: Path) -> list[tuple[str, str, str, str]]:
    """(test id, "failure"|"error", message, text) for every failed or errored case."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise GapfinderError(f"{path} is not JUnit XML: {exc}.") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise GapfinderError(f"{path} is not JUnit XML: its root element is <{root.tag}>, not <testsuites>.")
    cases = []
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            for problem in case.findall(kind):
                classname, name = case.get("classname", ""), case.get("name", "")
                test = f"{classname}::{name}" if classname else name
                cases.append((test, kind, problem.get("message", "") or "", problem.text or ""))
    return cases


def read_outcomes(path: Path) -> dict[str, str]:
    """test id -> "passed" | "failed" | "skipped" for every case of one JUnit file."""
    root = ET.parse(path).getroot()
    outcomes = {}
    for case in root.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        test = f"{classname}::{name}" if classname else name
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[test] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    return outcomes


def raised_by_double(text: str) -> str | None:
    """The frame of the test's side_effect when the traceback ends in unittest.mock raising it."""
    frames = list(FRAME.finditer(text))
    if not frames:
        return None
    last = frames[-1]
    if MOCK_FRAME.search(last.group("path")):
        return f"{last.group('path')}:{last.group('line')}"
    if len(frames) > 1 and MOCK_FRAME.search(frames[-2].group("path")) and is_test_path(last.group("path")):
        return f"{last.group('path')}:{last.group('line')}"
    return None


def classify(test: str, kind: str, message: str, text: str, source: str = "",
             changed: dict[str, set[int]] | None = None, reach: Callable[[str], Reached | None] | None = None) -> Failure:
    """Evidence in order: known patterns, the test's own double or fixture raising, the failing test line
    or product lines changed since the diff base (in the traceback, then in what the test runs), product
    code raising, an assertion in the test."""
    blob = f"{message}\n{text}"
    frames = [m for m in FRAME.finditer(text) if not LIBRARY.search(m.group("path"))]
    deepest = frames[-1] if frames else None
    location = f"{deepest.group('path')}:{deepest.group('line')}" if deepest else ""
    headline = _headline(message, text)
    for category, pattern, evidence in PATTERNS:
        if not re.search(pattern, blob):
            continue
        if category == "test-infrastructure timeout" and deepest is not None and not is_test_path(deepest.group("path")):
            break  # product code raised TimeoutError: decided below
        return Failure(test, kind, TEST, category, headline, evidence, location, source=source)
    double = raised_by_double(text)
    if double is not None:
        return Failure(test, kind, TEST, "raised by the test's own double", headline,
                       f"the traceback ends in unittest.mock raising a side_effect the test configured ({double}): "
                       "the exception comes from the double, not from the product", location or double, source=source)
    if kind == "error" and SETUP.search(message) and deepest is not None and is_test_path(deepest.group("path")) \
            and deepest.group("exc") != "AssertionError":  # a fixture's own assert may check product state
        return Failure(test, kind, TEST, "fixture raised", headline,
                       f"a fixture of the test raised during setup, in test code at {location}, before the test ran", location, source=source)
    changes = changed or {}
    # the deepest changed frame decides: the exception starts from the changed code nearest to it
    hits = [(f"{m.group('path')}:{m.group('line')}", is_test_path(m.group("path"))) for m in frames
             if int(m.group("line")) in _changed_in(changes, m.group("path"))]
    if hits and hits[-1][1]:
        mine = [at for at, in_test in hits if in_test]
        return Failure(test, kind, TEST, "changed test code failed", headline,
                       f"the failure is raised at test lines changed since the diff base: {', '.join(mine[-3:])}",
                       mine[-1], source=source)
    if hits:
        touched = [at for at, in_test in hits if not in_test]
        return Failure(test, kind, PRODUCT, "changed product code in the traceback", headline,
                       f"the traceback runs through product lines changed since the diff base: {', '.join(touched[:3])}",
                       touched[-1], source=source)
    reached = reach(test) if reach is not None and changes else None
    if reached is not None:
        ran = [hit for hit in (_changed_span(changes, s) for s in reached.test_side) if hit]
        product = [hit for hit in (_changed_span(changes, s) for s in reached.product) if hit]
        if ran and not product:
            return Failure(test, kind, TEST, "changed test code ran", headline,
                           f"the test runs test code changed since the diff base ({', '.join(ran[:3])}) and no "
                           "changed product code", ran[0].split(" ", 1)[0], source=source)
        if product and not ran:
            return Failure(test, kind, PRODUCT, "changed product code ran", headline,
                           f"the test calls product code changed since the diff base: {', '.join(product[:3])}; "
                           f"it failed at {location or 'an unknown line'}", product[0].split(" ", 1)[0], source=source)
        if product and ran:
            return Failure(test, kind, UNKNOWN, "changed test and product code ran", headline,
                           f"the test runs changed test code ({', '.join(ran[:2])}) and changed product code "
                           f"({', '.join(product[:2])})", location, source=source)
    if deepest is not None and not is_test_path(deepest.group("path")) and not re.search(r"Mock|coroutine", headline):
        return Failure(test, kind, PRODUCT, "product code raised", headline,
                       f"the deepest frame, {location}, is product code raising {deepest.group('exc') or 'an exception'} "
                       "on the test's inputs", location, source=source)
    if deepest is not None and deepest.group("exc") == "AssertionError":
        return Failure(test, kind, UNKNOWN, "assertion in the test", headline,
                       f"an assertion in the test failed at {location}: the product's value or the test's "
                       "expectation is wrong", location, source=source)
    return Failure(test, kind, UNKNOWN, "unexplained", headline, "no known pattern matched", location, source=source)


def _changed_span(changed: dict[str, set[int]], span: Span) -> str:
    """`path:line (name)` of the first changed line inside a function, "" when none changed."""
    lines = sorted(n for n in _changed_in(changed, span.path.as_posix()) if span.start <= n <= span.end)
    if not lines:
        return ""
    try:
        shown = span.path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = span.path.as_posix()
    return f"{shown}:{lines[0]} ({span.name})"


def _headline(message: str, text: str) -> str:
    errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    named = [e for e in errors if re.match(r"[\w.]*(Error|Exception|Exit)\b", e)]
    line = named[-1] if named else next((e for e in errors if e and not e.startswith(("+", "-", "?", "where"))), "")
    return (line or message.splitlines()[0] if (line or message) else "").strip()[:300]


def _cause(failure: Failure) -> str:
    text = re.sub(r"0x[0-9a-f]+|\b\d+\b", "N", failure.message)
    text = re.sub(r"'test_[^']*'", "'test_…'", text)
    return f"{failure.category}: {text}" + (f" at {failure.location}" if failure.verdict == PRODUCT else "")


def explain(failure: Failure, findings: list[Finding]) -> Failure:
    """Attach the lint finding in the failing test's function, when there is one."""
    from dataclasses import replace

    name = failure.test.rsplit("::", 1)[-1].split("[", 1)[0]
    module = failure.test.split("::", 1)[0]
    for finding in findings:
        stem = Path(finding.path).with_suffix("").as_posix().replace("/", ".")
        if not (stem.endswith(module) or module.endswith(stem) or module.endswith(Path(finding.path).stem)):
            continue
        span = _function_span(Path(finding.path), name)
        if span and span[0] <= finding.line <= span[1]:
            return replace(failure, finding=f"{finding.code} {finding.path}:{finding.line}")
    return failure


def _function_span(path: Path, name: str) -> tuple[int, int] | None:
    try:
        tree = parse(read_source(path))
    except (SyntaxError, OSError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node.lineno, node.end_lineno or node.lineno
    return None


def _changed_in(changed: dict[str, set[int]], path: str) -> set[int]:
    """The changed lines of a traceback's file (paths differ in prefix: the repository top vs pytest's rootdir)."""
    shown = Path(path).as_posix()
    for name, lines in changed.items():
        if shown == name or shown.endswith("/" + name) or name.endswith("/" + shown.lstrip("./")):
            return lines
    return set()


def changed_lines(root: Path, base: str) -> dict[str, set[int]]:
    """Lines of the working tree changed since `base` (git diff -U0), by repository-relative path."""
    from gapfinder.core.git import run_git

    done = run_git(root, "diff", "-U0", "--no-color", "--no-ext-diff", base, "--")
    if done.returncode:
        raise GapfinderError(f"cannot diff against {base!r}: {done.stderr.strip() or 'git diff failed'}.")
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in done.stdout.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = changed.setdefault(name[2:], set()) if name.startswith("b/") else None
        elif line.startswith("@@") and current is not None:
            match = re.search(r"\+(\d+)(?:,(\d+))?", line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or 1)
                current.update(range(start, start + max(count, 1)))
    return changed


def flaky(failures: list[Failure], outcomes: dict[str, dict[str, str]]) -> list[Failure]:
    """A failure whose test passed in another JUnit file is flaky; the evidence names both runs."""
    from dataclasses import replace

    out = []
    for failure in failures:
        passed = [source for source, tests in outcomes.items() if tests.get(failure.test) == "passed"]
        if passed:
            failure = replace(failure, verdict=FLAKY, category="flaky: fails in some runs only",
                              evidence=f"failed in {failure.source}, passed in {', '.join(passed)}; "
                                       f"the failure itself: {failure.evidence}")
        out.append(failure)
    return out


def triage(paths: list[Path], findings: list[Finding] | tuple[Finding, ...] = (),
           changed: dict[str, set[int]] | None = None) -> TriageResult:
    """changed: product lines changed since a diff base, by repository-relative path."""
    # what each failing test runs, read from its code once per test (it fails in several JUnit files)
    reach = functools.lru_cache(maxsize=None)(Reach(Path.cwd()).reach) if changed else None
    failures = [explain(classify(*case, source=str(path), changed=changed, reach=reach), list(findings))
                for path in paths for case in read_junit(path)]
    if len(paths) > 1:
        failures = flaky(failures, {str(path): read_outcomes(path) for path in paths})
    groups: dict[tuple[str, str, str], list[Failure]] = {}
    for failure in failures:
        groups.setdefault((failure.verdict, failure.category, _cause(failure)), []).append(failure)
    order = {TEST: 0, FLAKY: 1, PRODUCT: 2, UNKNOWN: 3}
    built = tuple(Group(v, c, cause, tuple(items)) for (v, c, cause), items in
                  sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2])))
    counts: dict[str, int] = {}
    categories: dict[str, int] = {}
    for failure in failures:
        counts[failure.verdict] = counts.get(failure.verdict, 0) + 1
        categories[failure.category] = categories.get(failure.category, 0) + 1
    return TriageResult(built, len(failures), counts, categories)
