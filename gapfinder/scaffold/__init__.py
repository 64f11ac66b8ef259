"""`gapfinder scaffold`: draft the tests a module is missing, with mocks shaped by how it uses them.

One public entry point, `scaffold(...) -> ScaffoldResult`: analyse one module, infer usage, plan
mocks, render through templates, merge into test files. It writes only when every file rendered
and merged cleanly (or not at all with dry_run) and never prints.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

from gapfinder.config import load_config
from gapfinder.errors import GapfinderError, ProjectError
from gapfinder.model import Project, SkippedFile, SourceFile

KINDS = ("unit", "integration", "e2e")


class ScaffoldError(GapfinderError):
    """The module cannot be scaffolded, or its tests cannot be written."""


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative to the project root, posix
    action: str  # "create" | "extend"
    tests_added: tuple[str, ...]
    todos: int  # TODO(gapfinder) lines in what was added
    diff: str  # unified diff of the change ("" when unchanged)


@dataclass(frozen=True)
class ScaffoldResult:
    module: str
    source: str
    root: str
    files: tuple[ScaffoldFile, ...]
    tests: int  # tests generated for the module (added or already present)
    dry_run: bool
    message: str | None = None  # e.g. "nothing public to test"
    warnings: tuple[str, ...] = ()  # things the user must finish by hand

    @property
    def todos(self) -> int:
        return sum(f.todos for f in self.files)


def find_root(start: Path) -> Path:
    """The nearest folder at or above start that looks like a project root."""
    for folder in [start, *start.parents]:
        if any((folder / name).exists() for name in ("pyproject.toml", "setup.cfg", "setup.py", ".git")):
            return folder
    raise ProjectError(f"{start} is not inside a Python project (no pyproject.toml, setup.cfg, setup.py or "
                       ".git above it).")


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
) -> ScaffoldResult:
    """Draft the tests for one module; write them unless dry_run (the diff is in the result)."""
    from gapfinder.analysis import analyse_source
    from gapfinder.project import discover
    from gapfinder.scaffold import writer

    if project_root is None:
        looks_like_path = module.endswith(".py") or "/" in module or "\\" in module
        if looks_like_path and not Path(module).exists():
            raise ProjectError(f"{module} does not exist.")
        start = Path(module).resolve().parent if Path(module).exists() else Path.cwd()
        project_root = find_root(start)
    root = project_root.resolve()
    config = load_config(root)
    project = discover(root, config)
    if templates is None and config.templates:
        templates = root / config.templates
    source = resolve_module(module, project)
    raw = (root / source.path).read_bytes()
    info = analyse_source(raw, source.path, source.module)
    if isinstance(info, SkippedFile):
        raise ScaffoldError(f"{source.path} cannot be scaffolded: {info.reason}.")
    try:
        tree = ast.parse(raw)
    except SyntaxError as exc:
        raise ScaffoldError(f"{source.path} uses syntax this Python cannot parse (line {exc.lineno}).") from None
    planned = writer.plan_files(project, source, tree, kinds, tests_dir, templates, configure_pytest)
    if planned.tests == 0:
        message = (f"{source.module} has nothing public to test." if not planned.targets
                   else f"no {' or '.join(kinds)} tests apply to {source.module}.")
        return ScaffoldResult(source.module, source.path, str(root), (), 0, dry_run, message=message)
    files = writer.apply(root, planned.files, dry_run)
    return ScaffoldResult(source.module, source.path, str(root), files, planned.tests, dry_run,
                          warnings=planned.warnings)
