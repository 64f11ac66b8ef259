"""`gapfinder scaffold`: draft the tests a module is missing, with mocks shaped by how it uses them.

One entry point, `scaffold(...) -> ScaffoldResult`: analyse one module, infer usage, plan mocks,
render through templates, merge into test files. It writes only when every file rendered and merged
cleanly (or not at all with dry_run) and never prints.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from gapfinder.config import load_config
from gapfinder.core.files import inside
from gapfinder.core.interpreter import has_module, project_python
from gapfinder.core.project import discover, find_root
from gapfinder.core.source import UndecodableSource, parse, read_source
from gapfinder.errors import ProjectError
from gapfinder.model import Project, SourceFile
from gapfinder.scaffold import writer
from gapfinder.scaffold.adapt import Adjustment
from gapfinder.scaffold.introspect import Introspector
from gapfinder.scaffold.loop import run_and_adapt
from gapfinder.scaffold.result import ScaffoldError, ScaffoldResult


def project_for(start: Path) -> Path:
    """The project a module or folder belongs to: the nearest marker above it, else the working
    folder when start lies in it (rootdir as pytest and coverage.py take it)."""
    root = find_root(start)
    if root is not None:
        return root
    cwd = Path.cwd().resolve()
    if Path(start).resolve() == cwd or cwd in Path(start).resolve().parents:
        return cwd
    raise ProjectError(f"{start} is not inside a Python project (no pyproject.toml, setup.cfg, setup.py or "
                       ".git above it) nor inside the working folder.")


def resolve_module(module: str, project: Project) -> SourceFile:
    """A path (inside the project) or a dotted module name -> the project's source file."""
    root = project.root
    candidate = Path(module)
    if module.endswith(".py") or os.sep in module or "/" in module:
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate if (Path.cwd() / candidate).exists() else root / candidate
        path = candidate.resolve()
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            raise ProjectError(f"{module} is outside the project at {root}.") from None
        if not path.is_file():
            raise ProjectError(f"{module} does not exist.")
        for source in project.files:
            if source.path == rel:
                return source
        raise ProjectError(f"{module} is not one of the project's source modules (a test, or excluded?).")
    for source in project.files:
        if source.module == module:
            return source
    raise ProjectError(f"no module named {module} in the project at {root}.",
                       hint="Give a path to the file, or a dotted name such as pkg.module.")


def scaffold(
    module: str,
    *,
    project_root: Path | None = None,
    kinds: tuple[str, ...] = ("unit",),
    tests_dir: str = "tests",
    dry_run: bool = False,
    templates: Path | None = None,
    configure_pytest: bool = False,
    run: bool = False,
    python: Path | None = None,
    keep_xfail: bool = False,
) -> ScaffoldResult:
    """Draft the tests for one module; write them unless dry_run (the diff is in the result)."""
    if project_root is None:
        looks_like_path = module.endswith(".py") or "/" in module or "\\" in module
        if looks_like_path and not Path(module).exists():
            raise ProjectError(f"{module} does not exist.")
        start = Path(module).resolve().parent if Path(module).exists() else Path.cwd()
        project_root = project_for(start)
    root = project_root.resolve()
    config = load_config(root)
    project = discover(root, config)
    if templates is None and config.templates:
        templates = root / config.templates
        if not inside(root, templates):
            raise ProjectError(f"templates = '{config.templates}' in [tool.gapfinder] leads outside the project; "
                               "a project's settings may only name its own folders.")
    source = resolve_module(module, project)
    try:
        tree = parse(read_source(root / source.path))
    except (OSError, UndecodableSource) as exc:
        raise ScaffoldError(f"{source.path} cannot be scaffolded: {exc}.") from None
    except SyntaxError as exc:
        raise ScaffoldError(f"{source.path} cannot be scaffolded: syntax error at line {exc.lineno}: "
                            f"{exc.msg}.") from None
    memo: dict = {}
    interpreter = _project_python(root, python)
    introspector = Introspector(interpreter, root)

    def replan(adjust: dict[str, Adjustment], final: bool = False) -> writer.Planned:
        """final: the drafts to write; the tests that need a person are left out unless keep_xfail."""
        return writer.plan_files(project, source, tree, kinds, tests_dir, templates, configure_pytest, adjust, memo,
                                 introspector, drop_xfail=final and not keep_xfail)

    try:
        planned = replan({})
        if planned.tests == 0:
            message = (f"{source.module} has nothing public to test." if not planned.targets
                       else f"no {' or '.join(kinds)} tests apply to {source.module}.")
            return ScaffoldResult(source.module, source.path, str(root), (), 0, dry_run, message=message)
        summary = None
        warnings = planned.warnings
        if run and not dry_run:
            if interpreter is None:
                warnings += ("the drafts were not run: no Python with pytest found for the project (an active "
                             "virtual environment, or .venv/venv in or above it); pass --python PATH",)
            else:
                planned, summary = run_and_adapt(root, interpreter, root / source.path, source.module, replan)
                if summary is not None and not keep_xfail:
                    summary = replace(summary, dropped=tuple(n for n, _ in summary.needs_person
                                                            if n in planned.dropped))
    finally:
        introspector.close()
    files = writer.apply(root, planned.files, dry_run)
    return ScaffoldResult(source.module, source.path, str(root), files, planned.tests, dry_run,
                          warnings=warnings, run=summary)


def _project_python(root: Path, python: Path | None) -> Path | None:
    """The project's interpreter to run drafts with: --python, or a virtual environment that has
    pytest; never gapfinder's own (None: the drafts stay static)."""
    found = project_python(root, python)
    if found.found_by == "--python":
        return Path(found.path)
    if found.found_by == "gapfinder's own" or not has_module(found, "pytest", root):
        return None
    return Path(found.path)
