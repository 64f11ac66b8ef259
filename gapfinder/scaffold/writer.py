"""Which files a scaffold run touches, their merged text, and writing them all or none."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from gapfinder.core.files import NEW_FILE, TextFile, edit_text, inside, read_text_file, write_text_file
from gapfinder.core.source import UndecodableSource, parse, read_source
from gapfinder.model import Project, SourceFile
from gapfinder.scaffold.adapt import Adjustment, mark_rendered
from gapfinder.scaffold.result import ScaffoldError, ScaffoldFile
from gapfinder.scaffold import e2e, pytest_config, render, support
from gapfinder.scaffold.exprs import Resolver
from gapfinder.core.diff import unified_diff
from gapfinder.scaffold.introspect import Introspector
from gapfinder.scaffold.merge import merge
from gapfinder.scaffold.integration import plan_integration
from gapfinder.scaffold.plans import TestCase, plan_target
from gapfinder.core.usage.module import build_model
from gapfinder.scaffold.target import public_targets

TODO = "TODO(gapfinder)"
# A drafted test that needs a person is left out and named on such a line; later runs leave it out too
# (delete the line to have scaffold draft and try it again).
LEFT_OUT = "# gapfinder scaffold left out, needs a person:"
# Makes each kind's folder a package, so a generated test file may share its name with another.
PACKAGE_MARKER = "# Created by gapfinder scaffold: test files here may share names with other test folders.\n"


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative, posix
    old: str | None  # the file's text as it is (its own newlines), None for a new file
    new: str
    added: tuple[str, ...]
    like: TextFile | None = None  # how the existing file is encoded, to write it back the same way


@dataclass(frozen=True)
class Planned:
    files: tuple[PlannedFile, ...]
    tests: int
    targets: int  # public functions and methods found
    warnings: tuple[str, ...] = ()
    cases: tuple[TestCase, ...] = ()  # the unit and integration tests drafted (added or not)
    dropped: tuple[str, ...] = ()  # drafted tests left out because they need a person


def file_name_for(module: str) -> str:
    """`app.services.orders` -> `test_services_orders.py` (unique per module, top package dropped)."""
    parts = module.split(".")
    rest = parts[1:] or parts
    return f"test_{'_'.join(rest)}.py"


def plan_files(
    project: Project, source: SourceFile, tree: ast.Module, kinds: tuple[str, ...], tests_dir: str,
    templates: Path | None, configure_pytest: bool, adjust: Mapping[str, Adjustment] | None = None,
    memo: dict | None = None, introspector: Introspector | None = None, drop_xfail: bool = False,
) -> Planned:
    """The files a run writes; adjust holds what running the drafts taught, per test name. Calls that
    share a memo (one scaffold run planning again) parse and detect the project once."""
    memo = {} if memo is None else memo
    env = memo.get("env") or memo.setdefault("env", render.environment(templates))
    modules = {f.module: f.path for f in project.files}
    root = project.root
    trees: dict[str, ast.Module | None] = memo.setdefault("trees", {})

    def read_module(name: str) -> ast.Module | None:
        if name in trees:
            return trees[name]
        path = modules.get(name)
        tree = None
        if path is not None:
            try:
                tree = parse(read_source(root / path))
            except (OSError, SyntaxError, ValueError):
                tree = None
        trees[name] = tree
        return tree

    model = build_model(tree, source.module, source.is_package)
    targets = public_targets(model)
    if not targets:
        return Planned((), 0, 0)
    facts = memo.get("facts") or memo.setdefault("facts", support.detect(project, read_module))
    web = None
    if "e2e" in kinds and facts.fastapi_app is not None:
        web = memo.get("web") or memo.setdefault("web", e2e.analyse(project, read_module, facts.fastapi_app,
                                                                     facts.base, facts.models, facts.user_model))
    files: list[PlannedFile] = []
    warnings: list[str] = []
    written_kinds: list[str] = []
    all_cases: list[TestCase] = []
    dropped: list[str] = []
    tests = 0
    for kind in kinds:
        if kind in ("unit", "integration"):
            resolver = Resolver(model, read_module, introspector)
            if kind == "unit":
                cases = [case for target in targets for case in plan_target(model, target, resolver)]
                cases = support.in_request_context(cases, targets, facts)
            else:
                cases = plan_integration(model, targets, resolver, read_module, _database(project, read_module, facts,
                                                                                          memo))
            rel = f"{tests_dir}/{kind}/{file_name_for(source.module)}"
            marked = _left_out(root, rel)  # left out by an earlier run: not drafted again
            cases = [c for c in cases if c.name not in marked]
            if not cases:
                continue
            # The drafts' imports stay those of the unadjusted drafts too: a second run renders them
            # unadjusted, and an import only they have would be merged in (the run would not be idempotent).
            extra = set()
            for case in cases:
                extra |= resolver.imports_of(case.raises, *case.arrange) | case.imports
            notes = ()
            if drop_xfail and adjust:  # a test that needs a person is listed in the summary, not written
                left = [c.name for c in cases if c.name in adjust and adjust[c.name].xfail]
                dropped += left
                notes = tuple(f"{LEFT_OUT} {name} ({' '.join(adjust[name].xfail.split())[:150]})" for name in left)
                cases = [c for c in cases if c.name not in left]
                if not cases:
                    continue
            cases = [adjust[c.name].apply(c) if adjust and c.name in adjust else c for c in cases]
            all_cases += cases
            for case in cases:
                extra |= resolver.imports_of(case.raises, *case.arrange)
            head = render.header(env, source.path, source.module, kind)
            code = render.render_tests(env, f"{kind}_test.py.j2", cases, extra, model.package, head)
        else:
            code, count = support.render_kind(env, kind, model, targets, facts, source, web)
            if not count:
                continue
            code = mark_rendered(code, adjust or {})
        tests += code.count("@pytest.mark.scaffold\n")
        folder = f"{tests_dir}/{kind}"
        files.append(_planned(root, f"{folder}/{file_name_for(source.module)}", code,
                              notes if kind in ("unit", "integration") else ()))
        files.append(_planned(root, f"{folder}/__init__.py", PACKAGE_MARKER))
        written_kinds.append(kind)
    if tests:
        filters_in_config = False
        if configure_pytest:
            edited = pytest_config.configured_file(root, _existing)
            if edited is not None:
                rel, existing, new = edited
                files.append(PlannedFile(rel, existing.text if existing else None, new, (), existing))
                filters_in_config = True
        shared = support.render_conftest(env, facts, model.package)
        if shared:
            files.append(_planned(root, f"{tests_dir}/conftest.py", shared))
        stand_ins = support.service_fixtures(_conftests_above(root, tests_dir))
        for kind in written_kinds:
            tables = tuple(e2e.sqlmodel_tables({m: read_module(m) for m in modules})) \
                if kind == "integration" and _database(project, read_module, facts, memo) == "sync" else ()
            conftest = support.render_tier_conftest(env, kind, facts, model.package, filters_in_config, stand_ins, web,
                                                    tables)
            planned = _planned(root, f"{tests_dir}/{kind}/conftest.py", conftest)
            files.append(planned)
            if planned.old is not None and "pytest_configure" in planned.old and "scaffold:" not in planned.old:
                warnings.append(f"{planned.path} already has a pytest_configure: register the `scaffold` marker "
                                "and the filters error::RuntimeWarning and "
                                "error::pytest.PytestUnraisableExceptionWarning there, or run with --configure-pytest")
    return Planned(tuple(f for f in files if f.old != f.new), tests, len(targets), tuple(warnings), tuple(all_cases),
                   tuple(dropped))


def _database(project: Project, read_module, facts: support.ProjectOffers, memo: dict) -> str | None:
    """The test database integration tests get: "async" (declarative models, aiosqlite), "sync"
    (SQLModel tables, sqlite), None."""
    if "database" not in memo:
        tables = e2e.sqlmodel_tables({f.module: read_module(f.module) for f in project.files})
        memo["database"] = "async" if facts.base and facts.models else "sync" if tables else None
    return memo["database"]


def _conftests_above(root: Path, tests_dir: str) -> list[ast.Module]:
    """The project's conftest files whose fixtures reach tests_dir's tier folders."""
    trees = []
    for rel in ("conftest.py", f"{tests_dir}/conftest.py"):
        existing = _existing(root, rel)
        if existing is not None:
            try:
                trees.append(ast.parse(existing.text))
            except (SyntaxError, ValueError):
                continue
    return trees


def _existing(root: Path, rel: str) -> TextFile | None:
    """The file at rel as it is, None when there is none; refuses a path that leads out of the project."""
    path = root / rel
    if not inside(root, path):
        raise ScaffoldError(f"{rel} leads outside the project at {root} (a symlink or `..`); nothing was written.")
    if not path.is_file():
        return None
    try:
        return read_text_file(path)
    except (OSError, UndecodableSource) as exc:
        raise ScaffoldError(f"cannot read {rel}: {exc}; nothing was written.") from None


def _left_out(root: Path, rel: str) -> set[str]:
    """The tests an earlier run left out of the file at rel (its LEFT_OUT comment lines)."""
    existing = _existing(root, rel)
    return set(re.findall(rf"^{re.escape(LEFT_OUT)} (test_\w+)", existing.text, re.M)) if existing else set()


def _planned(root: Path, rel: str, generated: str, notes: tuple[str, ...] = ()) -> PlannedFile:
    """notes: comment lines the file must end with (appended when missing, old bytes kept)."""
    existing = _existing(root, rel)
    old = existing.text if existing else None
    if rel.endswith("__init__.py") and existing is not None:
        return PlannedFile(rel, old, old, (), existing)
    added: list[tuple[str, ...]] = []

    def fold(text: str | None) -> str:
        merged = merge(text, generated, rel)
        added.append(merged.added)
        missing = [note for note in notes if note not in merged.text]
        if not missing:
            return merged.text
        return merged.text.rstrip("\n") + "\n\n\n" + "".join(f"{note}\n" for note in missing)

    return PlannedFile(rel, old, edit_text(existing, fold) or "", added[0], existing)


def apply(root: Path, files: tuple[PlannedFile, ...], dry_run: bool):
    """Write every planned file, or none when a folder is not writable; return what changed."""
    if not dry_run:
        for planned in files:
            folder = (root / planned.path).parent
            while not folder.exists():
                folder = folder.parent
            if not os.access(folder, os.W_OK) or not folder.is_dir():
                raise ScaffoldError(f"cannot write tests under {folder}: not a writable folder; nothing was written.")
    results = []
    for planned in files:
        if not dry_run:
            path = root / planned.path
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_file(path, planned.new, planned.like or NEW_FILE)
        added = planned.new.count(TODO) - (planned.old or "").count(TODO)
        results.append(ScaffoldFile(
            planned.path, "create" if planned.old is None else "extend", planned.added, max(added, 0),
            unified_diff(planned.old, planned.new, planned.path),
        ))
    return tuple(results)


def restore(root: Path, files: tuple[PlannedFile, ...]) -> None:
    """Put back what apply changed: the old text of extended files, no trace of created ones."""
    for planned in files:
        path = root / planned.path
        if planned.old is None:
            path.unlink(missing_ok=True)
        else:
            write_text_file(path, planned.old, planned.like or NEW_FILE)
