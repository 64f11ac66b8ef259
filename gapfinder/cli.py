"""The command line: parse options, call `api`, hand the result to a reporter, print.

Errors are caught in one place (`_run`): a GapfinderError becomes one line on stderr and exit
code 2; anything else is a bug and says so in one line (-v adds the traceback; GAPFINDER_DEBUG=1 raises it).
"""

from __future__ import annotations

import os
import re
import sys
import time
import traceback
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, List, Optional, TypeVar

import typer
from typer.core import TyperGroup

from gapfinder import __version__, api, console
from gapfinder.core.files import atomic_write
from gapfinder.errors import GapfinderError
from gapfinder.reports import formats, render


class _PlainErrors(TyperGroup):
    """Typer converts values through pydantic, whose messages read "Value error, ..." or "Input
    should be a valid integer, ..."; they are said the way the rest of gapfinder says them."""

    def invoke(self, ctx: typer.Context):  # type: ignore[no-untyped-def,override]
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            exc.message = plain_parameter_error(exc)
            raise


def plain_parameter_error(exc: typer.BadParameter) -> str:
    """One plain sentence for a value the command line could not convert."""
    errors = getattr(exc.__cause__, "errors", None)
    first = errors()[0] if callable(errors) and errors() else None
    if first is not None:
        kind, value = first.get("type", ""), first.get("input")
        if kind.startswith("int"):
            return f"{value!r} is not a whole number."
        if kind.startswith("float"):
            return f"{value!r} is not a number."
        limits = first.get("ctx") or {}
        if kind == "greater_than_equal":
            return f"{value!r} is less than {limits.get('ge')}, the least it can be."
        if kind == "less_than_equal":
            return f"{value!r} is more than {limits.get('le')}, the most it can be."
    return re.sub(r"^(Value|Assertion) error, ", "", exc.message)


app = typer.Typer(
    name="gapfinder",
    cls=_PlainErrors,
    help="Find where a Python test suite is weakest, and draft the missing tests.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text names [tool.gapfinder]; markup would swallow it
)

T = TypeVar("T")
VERBOSE_HELP = "Say more on stderr: what was read, the run's figures and time; a bug's traceback."


def _voice(quiet: bool, verbose: bool) -> float:
    """Check -q against -v before anything runs; the start time, for -v's closing line."""
    if quiet and verbose:
        console.error("-q and -v ask for opposite things; pass one of them.")
        raise typer.Exit(2)
    return time.perf_counter()


def _speak(lines: list[str], started: float) -> None:
    """-v: the command's extra lines and its time on stderr."""
    for line in lines:
        console.info(line)
    console.info(f"done in {time.perf_counter() - started:.1f} s")


def _run(action: Callable[[], T], verbose: bool = False) -> T:
    """Call one pipeline; turn its errors into one line and an exit code (-v: a bug's traceback too)."""
    try:
        return action()
    except GapfinderError as exc:
        console.error(exc.message)
        if exc.hint:
            console.info(f"hint: {exc.hint}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except OSError as exc:  # the machine or the tree, not gapfinder: unreadable, full disk, permissions
        where = f" {exc.filename}" if exc.filename else ""
        console.error(f"cannot read or write{where}: {exc.strerror or exc}.")
        raise typer.Exit(2) from None
    except RecursionError:  # input nested past what Python can walk, somewhere a guard did not catch
        console.error("the input is nested too deeply to analyse (a generated file?); exclude it and run again.")
        raise typer.Exit(2) from None
    except Exception as exc:  # a bug: one line unless asked for the traceback
        if os.environ.get("GAPFINDER_DEBUG"):
            raise
        if verbose:
            console.info(traceback.format_exc().rstrip())
        where = "the traceback is above" if verbose else "run again with -v for the traceback"
        console.error(f"internal error: {type(exc).__name__}: {exc} (this is a bug in gapfinder; {where})")
        raise typer.Exit(3) from None


def _choices(command: str) -> type[Enum]:
    """The --format choices of a command, from the reporter registry (the one list of them)."""
    return Enum(f"{command.title()}Format", {name: name for name in formats(command)}, type=str)  # type: ignore[return-value]


RankFormat = _choices("rank")
ProgressFormat = _choices("progress")
ScaffoldFormat = _choices("scaffold")
DoctorFormat = _choices("doctor")


class RankBy(str, Enum):
    module = "module"
    function = "function"


class ScaffoldKind(str, Enum):
    unit = "unit"
    integration = "integration"
    e2e = "e2e"
    all = "all"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gapfinder {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Find where a Python test suite is weakest, and draft the missing tests."""


def _backtest(path: Path, fmt_name: str, flags: tuple[bool, bool, bool], window: str, since: str | None,
              quiet: bool, output: Path | None) -> None:
    backtest, calibrate, write = flags
    if not backtest:
        raise GapfinderError("--calibrate and --write go with --backtest (they fit weights on its replay).")
    if write and not calibrate:
        raise GapfinderError("--write goes with --calibrate (it writes the calibrated weights).")
    if fmt_name not in formats("backtest"):
        raise GapfinderError(f"--backtest writes {' or '.join(formats('backtest'))}, not {fmt_name}.")
    if not quiet:
        console.info(f"replaying the tree of {window} ago from git objects ...")
    result = api.backtest(path, window=window, calibrate=calibrate, write=write, overrides={"since": since})
    _emit(render("backtest", fmt_name, result), output, quiet)


def _emit(report: str, output: Path | None, quiet: bool) -> None:
    if output is None:
        sys.stdout.write(report)
        return
    try:
        atomic_write(output, report.encode("utf-8"))
    except OSError as exc:
        raise GapfinderError(f"cannot write {output}: {exc.strerror or exc}.") from None
    if not quiet:
        console.info(f"wrote {output} ({len(report.encode()) // 1024 + 1} KB)")


@app.command()
def rank(
    path: Annotated[Path, typer.Argument(help="The project to analyse.", metavar="PATH")] = Path("."),
    coverage: Annotated[Optional[Path], typer.Option(
        "--coverage", "-c", metavar="FILE", help="Coverage data: .coverage, coverage.xml, coverage.json or lcov.info. "
        "Found in the project when not given.")] = None,
    top: Annotated[Optional[int], typer.Option("--top", "-n", min=0, metavar="N",
                                               help="Rows to show; 0 shows all. [default: 20]")] = None,
    fmt: Annotated[RankFormat, typer.Option("--format", "-f", help="Output format.")] = RankFormat.table,  # type: ignore[valid-type,attr-defined]
    by: Annotated[RankBy, typer.Option("--by", help="Rank modules or functions.")] = RankBy.module,
    since: Annotated[Optional[str], typer.Option(
        "--since", metavar="WINDOW", help="Git window before the last commit, e.g. '6 months' or 2024-01-31. [default: 12 months]")] = None,
    no_git: Annotated[bool, typer.Option("--no-git", help="Do not read git history.")] = False,
    path_map: Annotated[Optional[List[str]], typer.Option(
        "--path-map", metavar="OLD=NEW", help="Rewrite recorded paths: OLD=NEW (repeatable).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore and do not write .gapfinder/cache.")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=0, metavar="N",
                                                help="Parsing processes; 0 = one per core.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")] = False,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout (replaced in one step).")] = None,
    diff: Annotated[Optional[str], typer.Option(
        "--diff", metavar="BASE", help="Pull-request mode: only changed lines since this git revision that no test runs.")] = None,
    fail_under: Annotated[Optional[float], typer.Option(
        "--fail-under", metavar="PERCENT",
        help="Exit 1 when coverage (coverage.py's total where known; with --diff: of the change) is below this.")] = None,
    max_score: Annotated[Optional[float], typer.Option(
        "--max-score", metavar="SCORE", help="Exit 1 when a ranked module (with --diff: a changed one) scores above this.")] = None,
    include_omitted: Annotated[bool, typer.Option(
        "--include-omitted", help="Also rank files the project's coverage configuration leaves out.")] = False,
    fail_under_goals: Annotated[bool, typer.Option(
        "--fail-under-goals", help="Exit 1 when an area's coverage is below its goal (goals in [tool.gapfinder]).")] = False,
    ratchet: Annotated[bool, typer.Option(
        "--ratchet", help="Exit 1 when an area's coverage (with no goals: the project's) dropped below the value "
        "recorded in .gapfinder/ratchet.json; a passing run records rises.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False,
    backtest: Annotated[bool, typer.Option(
        "--backtest", help="Rank the tree as it was --window ago (from git objects, no coverage) and score it "
        "against the bug fixes since, beside recent churn and random order.")] = False,
    window: Annotated[str, typer.Option(
        "--window", metavar="WINDOW", help="How far back --backtest replays, e.g. '6 months'.")] = "6 months",
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="With --backtest: fit this repository's weights on the replay (the defaults as the "
        "prior) and show the change to [tool.gapfinder.weights].")] = False,
    write: Annotated[bool, typer.Option("--write", help="With --calibrate: write the weights to pyproject.toml.")] = False,
) -> None:
    """Rank modules (or functions) by how much a missing test there is likely to cost."""
    fmt_name = fmt.value
    started = _voice(quiet, verbose)
    if backtest or calibrate or write:
        _run(lambda: _backtest(path, fmt_name, (backtest, calibrate, write), window, since, quiet, output), verbose)
        return

    def action() -> tuple[str, ...]:
        with console.progress(quiet) as on_progress:
            result = api.rank(
                path,
                coverage=coverage,
                by=by.value,
                use_cache=not no_cache,
                on_progress=on_progress,
                overrides={
                    "top": top,
                    "since": since,
                    "git": False if no_git else None,
                    "path_map": path_map or None,
                    "jobs": jobs,
                    "fail_under": fail_under,
                    "max_score": max_score,
                },
                detail=fmt_name in ("html", "sarif", "github"),
                diff_base=diff,
                include_omitted=include_omitted,
            )
        if not quiet:
            for warning in result.summary.warnings:
                console.warn(warning)
        report = render("rank", fmt_name, result)
        if verbose:  # the table states the run's figures itself; other formats leave them out
            from gapfinder.reports.table import rank_lines

            _speak(rank_lines(result) if fmt_name != "table" else [], started)
        _emit(report, output, quiet)
        return (*result.gate_failures, *api.goal_gates(result, fail_under_goals=fail_under_goals, ratchet=ratchet))

    failures = _run(action, verbose)
    for failure in failures:
        console.error(f"gate failed: {failure}")
    if failures:
        raise typer.Exit(1)


@app.command()
def scaffold(
    module: Annotated[str, typer.Argument(
        help="A module: path to its file or dotted name. With --top: the project.", metavar="MODULE")] = ".",
    kind: Annotated[ScaffoldKind, typer.Option("--kind", "-k", help="Which tests to draft.")] = ScaffoldKind.unit,
    tests_dir: Annotated[str, typer.Option("--tests-dir", metavar="DIR",
                                           help="The tests folder, relative to the project.")] = "tests",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the unified diff; write nothing.")] = False,
    templates: Annotated[Optional[Path], typer.Option(
        "--templates", metavar="DIR", help="A folder of templates that override ours.")] = None,
    fmt: Annotated[ScaffoldFormat, typer.Option("--format", "-f", help="Summary format.")] = ScaffoldFormat.text,  # type: ignore[valid-type,attr-defined]
    top: Annotated[Optional[int], typer.Option(
        "--top", "-n", min=1, metavar="N", help="Scaffold the N highest priorities of `rank`.")] = None,
    configure_pytest: Annotated[bool, typer.Option(
        "--configure-pytest", help="Add the warnings filters to the project's pytest configuration "
        "instead of the generated conftest.py.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary or warnings on stderr.")] = False,
    no_run: Annotated[bool, typer.Option(
        "--no-run", help="Static drafts: do not run them in the project's interpreter to adapt them.")] = False,
    python: Annotated[Optional[Path], typer.Option(
        "--python", metavar="PATH", help="The project's Python (default: a virtualenv of the project that has "
                                         "pytest).")] = None,
    keep_xfail: Annotated[bool, typer.Option(
        "--keep-xfail", help="Write the drafts that still fail after adapting as xfail(strict=False) with their "
                             "reason (default: leave them out and list them in the summary).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False,
) -> None:
    """Draft runnable tests for a module: mocks shaped by how the code uses them, auth fixtures, TODOs."""
    from gapfinder.reports.scaffold import summary_lines

    started = _voice(quiet, verbose)
    kinds = ("unit", "integration", "e2e") if kind is ScaffoldKind.all else (kind.value,)
    results = _run(lambda: api.scaffold(module, kinds=kinds, tests_dir=tests_dir, dry_run=dry_run,
                                        templates=templates, top=top, configure_pytest=configure_pytest,
                                        run=not no_run, python=python, keep_xfail=keep_xfail), verbose)
    sys.stdout.write(render("scaffold", fmt.value, results))
    if fmt.value != "json" and not quiet:
        for line in summary_lines(results):
            console.info(line)
        for warning in (w for result in results for w in result.warnings):
            console.warn(warning)
    if verbose:  # each test and fixture added, by name
        _speak([f"  {f.path}: {name}" for result in results for f in result.files for name in f.tests_added],
               started)


@app.command()
def progress(
    path: Annotated[Path, typer.Argument(help="The project whose tests to count.", metavar="PATH")] = Path("."),
    target: Annotated[Optional[str], typer.Option(
        "--target", "-t", metavar="N", help="Finished tests to aim for in total (overrides target in [tool.gapfinder]).")] = None,
    record: Annotated[bool, typer.Option("--record", help="Append this run to the history in .gapfinder/.")] = False,
    collect: Annotated[bool, typer.Option(
        "--collect", help="Also ask pytest (--collect-only, in the project's interpreter) and show differences.")] = False,
    python: Annotated[Optional[Path], typer.Option(
        "--python", metavar="PATH", help="With --collect: the project's python (or its virtual environment). "
        "[default: .venv, venv or env in the project, else $VIRTUAL_ENV]")] = None,
    fmt: Annotated[ProgressFormat, typer.Option("--format", "-f", help="Output format.")] = ProgressFormat.table,  # type: ignore[valid-type,attr-defined]
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.")] = False,
    baseline: Annotated[Optional[str], typer.Option(
        "--baseline", metavar="REF", help="Count new tests since REF: a git revision, or a recorded snapshot "
        "(last, or a date YYYY-MM-DD); the target then counts new finished tests.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False,
) -> None:
    """Count tests by kind (unit, integration, e2e) toward a target, and keep the history."""

    started = _voice(quiet, verbose)

    def action() -> str:
        with console.progress(quiet) as on_progress:
            result = api.progress(path, target=target, record=record, collect=collect, on_progress=on_progress,
                                  baseline=baseline, python=python)
        if not quiet:
            for warning in result.warnings:
                console.warn(warning)
        if verbose:
            _speak([f"pytest settings: {result.pytest_config or 'none found (pytest defaults)'}; testpaths: "
                    f"{', '.join(result.testpaths) or '(none: the whole project)'}",
                    f"{result.files} test files read, {len(result.unparsable)} not parsed, "
                    f"{len(result.dynamic)} with generated cases (pytest_generate_tests)"], started)
        return render("progress", fmt.value, result)

    sys.stdout.write(_run(action, verbose))


@app.command()
def doctor(
    paths: Annotated[Optional[List[Path]], typer.Argument(
        help="Test files or folders to lint. [default: tests]", metavar="PATHS")] = None,
    fmt: Annotated[DoctorFormat, typer.Option("--format", "-f", help="Output format.")] = DoctorFormat.text,  # type: ignore[valid-type,attr-defined]
    fix: Annotated[bool, typer.Option(
        "--fix", help="Print the diff of the safe rewrites (with --write: apply them).")] = False,
    write: Annotated[bool, typer.Option("--write", help="With --fix: write the rewritten files.")] = False,
    select: Annotated[Optional[List[str]], typer.Option(
        "--select", metavar="CODES", help="Rule codes or prefixes to report (GF1,GF301).")] = None,
    ignore: Annotated[Optional[List[str]], typer.Option("--ignore", metavar="CODES",
                                                        help="Rule codes or prefixes to leave out.")] = None,
    junit: Annotated[Optional[List[Path]], typer.Option(
        "--junit", metavar="FILE", help="pytest JUnit XML to triage (repeatable).")] = None,
    run: Annotated[bool, typer.Option(
        "--run", help="Run the tests (PATHS, default: pytest's own) in file order and shuffled, to find tests "
                      "that pass alone and fail together, their polluters and the state they share.")] = False,
    python: Annotated[Optional[Path], typer.Option(
        "--python", metavar="PYTHON", help="With --run: the project's interpreter [default: its venv].")] = None,
    runs: Annotated[int, typer.Option("--runs", min=0, max=100, metavar="N",
                                      help="With --run: shuffled runs after the run in file order.")] = 2,
    seed: Annotated[Optional[int], typer.Option("--seed", metavar="S",
                                                help="With --run: seed of the shuffles [default: random].")] = None,
    test_timeout: Annotated[float, typer.Option("--test-timeout", min=1, metavar="SECONDS",
                                                help="With --run: stop a test after this long.")] = 60.0,
    timeout: Annotated[float, typer.Option("--timeout", min=1, metavar="SECONDS",
                                           help="With --run: stop the whole job after this long.")] = 3600.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
    min_confidence: Annotated[str, typer.Option(
        "--min-confidence", metavar="LEVEL", help="Report findings at least this sure: certain (the double is linked "
        "to the code on its straight path) or likely (also weaker links: more findings, fewer of them real).")] = "certain",
    diff: Annotated[Optional[str], typer.Option(
        "--diff", metavar="BASE", help="With --junit: failures through product lines changed since BASE "
                                       "lean to product defects.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=VERBOSE_HELP)] = False,
) -> None:
    """Find mock-shape defects in tests, triage JUnit failures, and (--run) find order-dependent tests."""
    started = _voice(quiet, verbose)
    if run:
        if fix or write or junit or select or ignore:
            console.error("--run finds order-dependent tests; it does not combine with --fix, --write, --junit, "
                          "--select or --ignore (run doctor twice).")
            raise typer.Exit(2)
        with console.progress(quiet) as on_progress:
            health = _run(lambda: api.doctor_run(paths or (), python=python, runs=runs, seed=seed,
                                                 test_timeout=test_timeout, timeout=timeout, on_progress=on_progress),
                          verbose)
        sys.stdout.write(render("suite", fmt.value, health))
        for note in health.notes if not quiet else ():
            console.warn(note)
        if verbose:
            _speak([f"interpreter: {health.interpreter} ({health.interpreter_source}); {health.pytest_runs} pytest "
                    f"runs; one plain run {health.plain_run_seconds:.1f} s"], started)
        if health.found:
            raise typer.Exit(1)
        return
    result = _run(lambda: api.doctor(paths or (), select=select, ignore=ignore, junit=junit or (), fix=fix,
                                     write=write, min_confidence=min_confidence, diff=diff), verbose)
    for fixed in result.fixes if not quiet else ():
        if fixed.error is None and fixed.diff:
            console.info(f"{'fixed' if write else 'would fix'} {len(fixed.fixed)} finding(s) in {fixed.path}")
    # With --fix the report is the diff of the rewrites, whatever the format.
    sys.stdout.write(render("doctor", "text" if result.fix else fmt.value, result))
    notes = list(result.lint.skipped) if result.lint else []
    if result.lint and result.lint.unresolved:
        notes.append(f"{len(result.lint.unresolved)} test file(s) import code under test that was not found from the "
                     "project's import roots; rules that need that code stayed silent there"
                     + (": " + ", ".join(result.lint.unresolved) if verbose else " (--verbose lists them)"))
    if result.lint and result.lint.below_confidence:
        notes.append(f"{result.lint.below_confidence} likely finding(s) not shown; --min-confidence likely shows them")
    notes += [f"{f.path}: not fixed: {f.error}" for f in result.fixes if f.error]
    for note in notes if not quiet else ():
        console.warn(note)
    if verbose:
        files = result.lint.files if result.lint else ()
        _speak([f"{len(files)} test file{'s' * (len(files) != 1)} linted" + (": " + ", ".join(files[:20]) if files else "")
                + (", ..." if len(files) > 20 else "")], started)
    if result.failed:
        raise typer.Exit(1)


def main() -> None:
    """The `gapfinder` script. When the command is done the process ends without freeing its objects
    one by one (mypy's hard_exit does the same): a ranking of 10,000 modules is millions of them, and
    freeing them took 0.1-0.2 s of a 2 s run. Every cleanup gapfinder needs ran inside the command."""
    try:
        app(prog_name="gapfinder")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what Python does with SystemExit("message")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream
            pass
    os._exit(code or 0)
