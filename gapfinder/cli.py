"""The command line: parse options, call `api`, hand the result to a reporter, print.

Errors are caught in one place (`_run`): a GapfinderError becomes one line on stderr and exit
code 2; anything else is a bug and says so in one line (GAPFINDER_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, List, Optional, TypeVar

import typer

from gapfinder import __version__, api, console
from gapfinder.core.files import atomic_write
from gapfinder.errors import GapfinderError
from gapfinder.reports import formats, render

app = typer.Typer(
    name="gapfinder",
    help="Find where a Python test suite is weakest, and draft the missing tests.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text names [tool.gapfinder]; markup would swallow it
)

T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Call one pipeline; turn its errors into one line and an exit code."""
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
        console.error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in gapfinder; run again with GAPFINDER_DEBUG=1 for the traceback)"
        )
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
) -> None:
    """Rank modules (or functions) by how much a missing test there is likely to cost."""
    fmt_name = fmt.value

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
                detail=fmt_name in ("html", "sarif"),
                diff_base=diff,
                include_omitted=include_omitted,
            )
        if not quiet:
            for warning in result.summary.warnings:
                console.warn(warning)
        report = render("rank", fmt_name, result)
        if output is None:
            sys.stdout.write(report)
        else:
            try:
                atomic_write(output, report.encode("utf-8"))
            except OSError as exc:
                raise GapfinderError(f"cannot write {output}: {exc.strerror or exc}.") from None
            if not quiet:
                console.info(f"wrote {output} ({len(report.encode()) // 1024 + 1} KB)")
        return result.gate_failures

    failures = _run(action)
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
        "--python", metavar="PATH", help="The project's Python (default: its active or nearby virtualenv).")] = None,
) -> None:
    """Draft runnable tests for a module: mocks shaped by how the code uses them, auth fixtures, TODOs."""
    from gapfinder.reports.scaffold import summary_lines

    kinds = ("unit", "integration", "e2e") if kind is ScaffoldKind.all else (kind.value,)
    results = _run(lambda: api.scaffold(module, kinds=kinds, tests_dir=tests_dir, dry_run=dry_run,
                                        templates=templates, top=top, configure_pytest=configure_pytest,
                                        run=not no_run, python=python))
    sys.stdout.write(render("scaffold", fmt.value, results))
    if fmt.value == "json" or quiet:
        return
    for line in summary_lines(results):
        console.info(line)
    for warning in (w for result in results for w in result.warnings):
        console.warn(warning)


@app.command()
def progress(
    path: Annotated[Path, typer.Argument(help="The project whose tests to count.", metavar="PATH")] = Path("."),
    target: Annotated[Optional[str], typer.Option(
        "--target", "-t", metavar="N", help="Finished tests to aim for in total (overrides target in [tool.gapfinder]).")] = None,
    record: Annotated[bool, typer.Option("--record", help="Append this run to the history in .gapfinder/.")] = False,
    collect: Annotated[bool, typer.Option(
        "--collect", help="Also ask pytest (--collect-only) and show differences.")] = False,
    fmt: Annotated[ProgressFormat, typer.Option("--format", "-f", help="Output format.")] = ProgressFormat.table,  # type: ignore[valid-type,attr-defined]
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.")] = False,
) -> None:
    """Count tests by kind (unit, integration, e2e) toward a target, and keep the history."""

    def action() -> str:
        with console.progress(quiet) as on_progress:
            result = api.progress(path, target=target, record=record, collect=collect, on_progress=on_progress)
        if not quiet:
            for warning in result.warnings:
                console.warn(warning)
        return render("progress", fmt.value, result)

    sys.stdout.write(_run(action))


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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr.")] = False,
) -> None:
    """Find mock-shape defects in tests, and triage JUnit failures into test and product defects."""
    result = _run(lambda: api.doctor(paths or (), select=select, ignore=ignore, junit=junit or (), fix=fix,
                                     write=write))
    for fixed in result.fixes if not quiet else ():
        if fixed.error is None and fixed.diff:
            console.info(f"{'fixed' if write else 'would fix'} {len(fixed.fixed)} finding(s) in {fixed.path}")
    # With --fix the report is the diff of the rewrites, whatever the format.
    sys.stdout.write(render("doctor", "text" if result.fix else fmt.value, result))
    notes = list(result.lint.skipped) if result.lint else []
    notes += [f"{f.path}: not fixed: {f.error}" for f in result.fixes if f.error]
    for note in notes if not quiet else ():
        console.warn(note)
    if result.failed:
        raise typer.Exit(1)


def main() -> None:
    app(prog_name="gapfinder")
