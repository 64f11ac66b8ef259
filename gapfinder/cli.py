"""The command line: parse options, call the pipelines in api.py, print reports.

Errors are caught in one place (`_run`): a GapfinderError becomes one line on stderr and exit
code 2; anything else is a bug and says so in one line (GAPFINDER_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

import typer

from gapfinder import __version__, console
from gapfinder.errors import GapfinderError

app = typer.Typer(
    name="gapfinder",
    help="Find where a Python test suite is weakest, and draft the missing tests.",
    no_args_is_help=True,
    add_completion=False,
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
    except Exception as exc:  # a bug: one line unless asked for the traceback
        if os.environ.get("GAPFINDER_DEBUG"):
            raise
        console.error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in gapfinder; run again with GAPFINDER_DEBUG=1 for the traceback)"
        )
        raise typer.Exit(3) from None


class RankFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class RankReportFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    sarif = "sarif"


class RankBy(str, Enum):
    module = "module"
    function = "function"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gapfinder {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Find where a Python test suite is weakest, and draft the missing tests."""


@app.command()
def rank(
    path: Path = typer.Argument(Path("."), help="The project to analyse."),
    coverage: Optional[Path] = typer.Option(
        None, "--coverage", "-c", help="Coverage data: .coverage, coverage.xml, coverage.json or lcov.info. "
        "Found in the project when not given."),
    top: Optional[int] = typer.Option(None, "--top", "-n", min=0, help="Rows to show; 0 shows all. [default: 20]"),
    fmt: RankReportFormat = typer.Option(RankReportFormat.table, "--format", "-f", help="Output format."),
    by: RankBy = typer.Option(RankBy.module, "--by", help="Rank modules or functions."),
    since: Optional[str] = typer.Option(
        None, "--since", help="Git window before the last commit, e.g. '6 months' or 2024-01-31. [default: 12 months]"),
    no_git: bool = typer.Option(False, "--no-git", help="Do not read git history."),
    path_map: Optional[List[str]] = typer.Option(
        None, "--path-map", help="Rewrite recorded paths: OLD=NEW (repeatable)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore and do not write .gapfinder/cache."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=0, help="Parsing processes; 0 = one per core."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary on stderr."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE instead of stdout."),
    diff: Optional[str] = typer.Option(
        None, "--diff", help="Pull-request mode: only changed lines since this git revision that no test runs."),
    fail_under: Optional[float] = typer.Option(
        None, "--fail-under", help="Exit 1 when line coverage (with --diff: of the change) is below this percent."),
    max_score: Optional[float] = typer.Option(
        None, "--max-score", help="Exit 1 when a ranked module (with --diff: a changed one) scores above this."),
) -> None:
    """Rank modules (or functions) by how much a missing test there is likely to cost."""
    from gapfinder import api
    from gapfinder.config import load_config
    from gapfinder.gate import gate_failures
    from gapfinder.reports import render_rank

    def action() -> list[str]:
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
                detail=fmt.value in ("html", "sarif"),
                diff_base=diff,
            )
        if not quiet:
            for warning in result.summary.warnings:
                console.warn(warning)
        config = load_config(Path(result.summary.root), {"fail_under": fail_under, "max_score": max_score})
        failures = gate_failures(result, config.fail_under, config.max_score)
        report = render_rank(result, fmt.value)
        report = report if report.endswith("\n") else report + "\n"
        if output is None:
            sys.stdout.write(report)
        else:
            from gapfinder.errors import GapfinderError

            try:
                output.write_text(report, encoding="utf-8")
            except OSError as exc:
                raise GapfinderError(f"cannot write {output}: {exc.strerror or exc}.") from None
            if not quiet:
                console.info(f"wrote {output} ({len(report.encode()) // 1024 + 1} KB)")
        return failures

    failures = _run(action)
    for failure in failures:
        console.error(f"gate failed: {failure}")
    if failures:
        raise typer.Exit(1)


class ScaffoldKind(str, Enum):
    unit = "unit"
    integration = "integration"
    e2e = "e2e"
    all = "all"


class ScaffoldFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def scaffold(
    module: str = typer.Argument(".", help="A module: path to its file or dotted name. With --top: the project."),
    kind: ScaffoldKind = typer.Option(ScaffoldKind.unit, "--kind", "-k", help="Which tests to draft."),
    tests_dir: str = typer.Option("tests", "--tests-dir", help="The tests folder, relative to the project."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the unified diff; write nothing."),
    templates: Optional[Path] = typer.Option(None, "--templates", help="A folder of templates that override ours."),
    fmt: ScaffoldFormat = typer.Option(ScaffoldFormat.text, "--format", "-f", help="Summary format."),
    top: Optional[int] = typer.Option(None, "--top", "-n", min=1, help="Scaffold the N highest priorities of `rank`."),
    configure_pytest: bool = typer.Option(
        False, "--configure-pytest", help="Add the warnings filters to the project's pytest configuration "
        "instead of the generated conftest.py."),
) -> None:
    """Draft runnable tests for a module: mocks shaped by how the code uses them, auth fixtures, TODOs."""
    from gapfinder.scaffold.cli_support import run_scaffold, summary_json, summary_lines

    kinds = ("unit", "integration", "e2e") if kind is ScaffoldKind.all else (kind.value,)
    results = _run(lambda: run_scaffold(module, kinds=kinds, tests_dir=tests_dir, dry_run=dry_run,
                                        templates=templates, top=top, configure_pytest=configure_pytest))
    if fmt is ScaffoldFormat.json:
        sys.stdout.write(summary_json(results) + "\n")
        return
    if dry_run:
        for result in results:
            for changed in result.files:
                sys.stdout.write(changed.diff)
    for line in summary_lines(results):
        console.info(line)
    for warning in (w for result in results for w in result.warnings):
        console.warn(warning)


@app.command()
def progress(
    path: Path = typer.Argument(Path("."), help="The project whose tests to count."),
    target: Optional[str] = typer.Option(
        None, "--target", "-t", help="Finished tests to aim for in total (overrides target in [tool.gapfinder])."),
    record: bool = typer.Option(False, "--record", help="Append this run to the history in .gapfinder/."),
    collect: bool = typer.Option(False, "--collect", help="Also ask pytest (--collect-only) and show differences."),
    fmt: RankFormat = typer.Option(RankFormat.table, "--format", "-f", help="Output format."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or warnings on stderr."),
) -> None:
    """Count tests by kind (unit, integration, e2e) toward a target, and keep the history."""
    from gapfinder.progress import measure, parse_target
    from gapfinder.reports.progress import render_progress

    def action() -> str:
        with console.progress(quiet) as on_progress:
            result = measure(path, target=parse_target(target), record=record, collect=collect,
                             on_progress=on_progress)
        if not quiet:
            for warning in result.warnings:
                console.warn(warning)
        return render_progress(result, fmt.value)

    report = _run(action)
    sys.stdout.write(report)


class DoctorFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


@app.command()
def doctor(
    paths: Optional[List[Path]] = typer.Argument(None, help="Test files or folders to lint. [default: tests]"),
    fmt: DoctorFormat = typer.Option(DoctorFormat.text, "--format", "-f", help="Output format."),
    fix: bool = typer.Option(False, "--fix", help="Print the diff of the safe rewrites (with --write: apply them)."),
    write: bool = typer.Option(False, "--write", help="With --fix: write the rewritten files."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Rule codes or prefixes to report (GF1,GF301)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rule codes or prefixes to leave out."),
    junit: Optional[List[Path]] = typer.Option(None, "--junit", help="pytest JUnit XML to triage (repeatable)."),
) -> None:
    """Find mock-shape defects in tests, and triage JUnit failures into test and product defects."""
    from gapfinder.doctor import lint, select_rules
    from gapfinder.doctor.report import render

    def action() -> tuple[str, bool, list[str]]:
        codes = select_rules(select, ignore)
        targets = list(paths or [])
        if not targets and not junit:
            targets = [Path("tests")]
        result = lint(targets, codes) if targets else None
        triaged = None
        if junit:
            from gapfinder.doctor.triage import triage

            triaged = triage(list(junit), result.findings if result else ())
        notes: list[str] = list(result.skipped) if result else []
        if fix and result is not None:
            from gapfinder.doctor.fix import fix_files

            applied = 0
            diffs = []
            for fixed in fix_files(result.findings, write=write):
                if fixed.error:
                    notes.append(f"{fixed.path}: not fixed: {fixed.error}")
                elif fixed.diff:
                    diffs.append(fixed.diff)
                    applied += len(fixed.fixed)
                    console.info(f"{'fixed' if write else 'would fix'} {len(fixed.fixed)} finding(s) in {fixed.path}")
            left = len(result.findings) - (applied if write else 0)
            return "".join(diffs), left > 0, notes
        failed = bool(result and result.findings) or bool(triaged and triaged.total)
        return render(result, triaged, fmt.value), failed, notes

    report, failed, notes = _run(action)
    sys.stdout.write(report)
    for note in notes:
        console.warn(note)
    if failed:
        raise typer.Exit(1)


def main() -> None:
    app(prog_name="gapfinder")
