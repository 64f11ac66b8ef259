"""Lint test files: walk each test with its fixtures, compare doubles with usage, file-level rules.

Per-file work never raises: a file that cannot be read becomes a `skipped` entry. Bad input named
on the command line (not a test file, a test that does not parse) is a GapfinderError (exit 2).
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from dataclasses import dataclass, field, replace
from pathlib import Path

from gapfinder.doctor.accident import only_check_findings
from gapfinder.doctor.compare import check
from gapfinder.doctor.evaluate import SETUPS, Evaluator
from gapfinder.doctor.values import Fixture, Shared
from gapfinder.doctor.helpers import TestSide, shown as _shown
from gapfinder.doctor.mocks import FileNames
from gapfinder.doctor.shims import package_base
from gapfinder.doctor.plugins import plugin_names
from gapfinder.doctor.model import CONFIDENCE, Edit, Finding, LintResult
from gapfinder.core.usage.index import ModuleIndex
from gapfinder.errors import GapfinderError
from gapfinder.core.files import inside
from gapfinder.config import load_config
from gapfinder.core.project import find_root, import_roots
from gapfinder.core.source import parse, read_source
from gapfinder.core.pytest_config import ini_options
from gapfinder.core.symbols import dotted
from gapfinder.core.usage.tree import FunctionNode

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "site-packages", "__pycache__", ".tox", ".nox", "build", "dist"}
ASYNC_MARKS = ("asyncio", "anyio", "trio")


def is_test_file(path: Path) -> bool:
    name = path.name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def collect(paths: list[Path], outside: list[str] | None = None) -> list[Path]:
    """The test files under paths; files a symlink leads to from outside a named folder go to `outside`."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*.py")):
                if not inside(path, found):
                    if outside is not None:
                        outside.append(_shown(found))
                    continue
                if is_test_file(found) and not SKIP_DIRS & set(found.relative_to(path).parts[:-1]):
                    files.append(found)
        elif path.is_file():
            if not is_test_file(path) and not _in_tests_folder(path):
                raise GapfinderError(f"{path} is not a test file (test_*.py, *_test.py or conftest.py) nor a "
                                     "helper in a tests folder.")
            try:
                parse(read_source(path))
            except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
                raise GapfinderError(f"cannot parse {path}: {exc}.") from None
            files.append(path)
        else:
            raise GapfinderError(f"{path} does not exist.")
    return list(dict.fromkeys(files))


# Imports that never name the code under test: the standard library and the usual test tools.
TEST_TOOLS = frozenset({"pytest", "pytest_asyncio", "pytest_mock", "mock", "asynctest", "hypothesis", "freezegun",
                        "respx", "responses", "aioresponses", "pytest_httpx", "syrupy", "faker", "factory",
                        "anyio", "trio", "typing_extensions", "attr", "attrs", "_pytest"})


@dataclass
class LintProject:
    root: Path
    index: ModuleIndex
    options: dict[str, str]
    side: TestSide = field(init=False)
    configured: tuple[str, ...] = ()
    top: Path | None = None  # the repository's top folder: imports resolve from there too

    def __post_init__(self) -> None:
        self.side = TestSide(self.index, self.top or self.root)

    @property
    def asyncio_mode(self) -> str:
        match = re.search(r"--asyncio-mode[= ](\w+)", self.options.get("addopts", ""))
        return (match.group(1) if match else self.options.get("asyncio_mode", "strict")).strip()


class Linter:
    def __init__(self) -> None:
        self.projects: dict[Path, LintProject] = {}
        self.parsed: dict[Path, tuple[ast.Module, FileNames] | None] = {}
        self.loop_scope_reported: set[Path] = set()
        self.unresolved: list[str] = []  # test files none of whose project imports resolved

    def project(self, path: Path) -> LintProject:
        root = find_root(path.resolve().parent) or _above_packages(path)
        if root not in self.projects:
            try:
                configured = tuple(load_config(root).source)
            except GapfinderError:
                configured = ()  # rank and scaffold report a broken [tool.gapfinder] table
            options = ini_options(root)
            top = _repository_top(root)
            roots = import_roots(root, root, configured) + (import_roots(top, top) if top != root else [])
            self.projects[root] = LintProject(root, ModuleIndex(roots), options, configured, top)
        project = self.projects[root]
        pythonpath = project.options.get("pythonpath", "").split()
        extra = import_roots(root, path, project.configured, pythonpath)
        project.index.roots += [p for p in extra if p not in project.index.roots]
        return project

    def resolves(self, names: FileNames, project: LintProject) -> bool:
        """False when the file imports code that is neither stdlib nor a test tool and none of it is found."""
        candidates = {origin for origin in names.imports.values()
                      if origin.partition(".")[0] not in sys.stdlib_module_names
                      and origin.partition(".")[0] not in TEST_TOOLS}
        return not candidates or any(project.index.resolve(origin + ".x") for origin in candidates)

    def parse(self, path: Path) -> tuple[ast.Module, FileNames] | None:
        if path not in self.parsed:
            self.parsed[path] = parse_with_names(path)
        return self.parsed[path]

    def conftests(self, path: Path, root: Path) -> list[Path]:
        found = []
        for parent in path.resolve().parents:
            candidate = parent / "conftest.py"
            if candidate.is_file() and candidate != path.resolve():
                found.append(candidate)
            if parent == root:
                break
        return list(reversed(found))

    def plugins(self, paths: list[Path], project: LintProject) -> list[Path]:
        """The project modules `pytest_plugins` names in these files (and in those modules), in load order."""
        found: list[Path] = []
        pending = list(paths)
        while pending and len(found) < 50:
            parsed = self.parse(pending.pop(0))
            for name in plugin_names(parsed[0]) if parsed is not None else []:
                module = project.index.module(name)
                if module is not None and module.path not in found and inside(project.top or project.root, module.path):
                    found.append(module.path)
                    pending.append(module.path)
        return found

    def lint_file(self, path: Path, shown: str) -> list[Finding]:
        parsed = self.parse(path)
        if parsed is None:
            raise GapfinderError(f"cannot parse {shown}.")
        tree, names = parsed
        project = self.project(path)
        fixtures: dict[str, Fixture] = {}
        conftests = self.conftests(path, project.root)
        for plugin in self.plugins([*conftests, path], project):
            other = self.parse(plugin)
            if other is not None:
                fixtures.update({f.name: Fixture(f, other[1], _shown(plugin)) for f in _fixtures(other[0])})
        for conftest in conftests:
            other = self.parse(conftest)
            if other is not None:
                fixtures.update({f.name: Fixture(f, other[1], _shown(conftest)) for f in _fixtures(other[0])})
        own = _fixtures(tree)
        fixtures.update({f.name: Fixture(f, names, shown) for f in own})
        if not self.resolves(names, project):
            self.unresolved.append(shown)
        findings: list[Finding] = []
        setups = _setups(tree)
        entries = [(f, False, []) for f in own] + [(f, c, setups.get(id(f), [])) for f, c in _tests(tree)]
        if not is_test_file(path):  # a helper module named explicitly: its functions are the entries
            entries += [(f, False, []) for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and f not in own]
        for func, in_class, setup in entries:
            shared = Shared(project.index, fixtures, project.side, helper_entry=not is_test_file(path))
            evaluator = Evaluator(shared, names, shown)
            evaluator.run(func, in_class, setup)
            found = shared.findings + check(shared)
            findings += only_check_findings(func, shared, found, shown) if func not in own else found
        findings += self.asyncio_rules(tree, names, path, shown, project, conftests)
        findings += _override_rules(tree, path, conftests)
        # a finding may sit in another file (a conftest's double): its own file's `# noqa` decides
        noqa = {shown: _noqa(read_source(path))}
        kept = []
        for finding in (f if f.path else replace(f, path=shown) for f in findings):
            if finding.path not in noqa:
                try:
                    noqa[finding.path] = _noqa(read_source(Path(finding.path)))
                except (OSError, UnicodeDecodeError, ValueError):
                    noqa[finding.path] = {}
            if not _is_suppressed(finding, noqa[finding.path]):
                kept.append(finding)
        return kept

    def asyncio_rules(self, tree: ast.Module, names: FileNames, path: Path, shown: str, project: LintProject,
                      conftests: list[Path]) -> list[Finding]:
        texts = [read_source(path)] + [read_source(c) for c in conftests]
        if any("anyio" in text or "trio" in text for text in texts):
            return []
        uses_plugin = ("pytest_asyncio" in names.imports or "mark.asyncio" in texts[0]
                       or any(k.startswith("asyncio_") for k in project.options))
        if not uses_plugin:
            return []
        strict = project.asyncio_mode != "auto"
        findings: list[Finding] = []
        for func in _fixtures(tree):
            if not isinstance(func, ast.AsyncFunctionDef):
                continue
            decorator = next(d for d in func.decorator_list if _fixture_name(d))
            plain = (names.qualify(decorator.func if isinstance(decorator, ast.Call) else decorator) or "") == "pytest.fixture"
            if plain and strict:
                at = decorator.func if isinstance(decorator, ast.Call) else decorator
                findings.append(Finding(
                    "GF201", shown, at.lineno, at.col_offset,
                    f"async fixture `{func.name}` uses @pytest.fixture; in pytest-asyncio strict mode the test gets "
                    "an un-run coroutine: use @pytest_asyncio.fixture",
                    Edit("decorator", at.lineno, at.col_offset, "pytest_asyncio.fixture", "pytest.fixture",
                         (("pytest_asyncio", None),))))
            elif (project.root not in self.loop_scope_reported
                  and "asyncio_default_fixture_loop_scope" not in project.options
                  and not (isinstance(decorator, ast.Call) and any(k.arg == "loop_scope" for k in decorator.keywords))):
                self.loop_scope_reported.add(project.root)
                findings.append(Finding(
                    "GF202", shown, func.lineno, func.col_offset,
                    f"async fixture `{func.name}` runs with asyncio_default_fixture_loop_scope unset in "
                    f"{project.root.name}'s pytest configuration: set it to \"function\""))
        if strict and not _hooks_mark_tests(conftests):
            module_marked = _module_marked(tree)
            for func, in_class, class_marked in _tests_with_class(tree):
                if isinstance(func, ast.AsyncFunctionDef) and not module_marked and not class_marked \
                        and not _marked(func.decorator_list):
                    findings.append(Finding(
                        "GF203", shown, func.lineno, func.col_offset,
                        f"async test `{func.name}` has no @pytest.mark.asyncio; pytest-asyncio strict mode will not "
                        "run it"))
        return findings


_NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[A-Z]+[0-9]*(?:\s*,\s*[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def _noqa(text: str) -> dict[int, tuple[str, ...]]:
    """Line -> the rule codes (or prefixes) its `# noqa` comment names; () for a bare `# noqa` (all).

    Only comments count (a "# noqa" inside a string does not); a file tokenize rejects is read line by line.
    """
    try:
        comments = [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                    if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        comments = list(enumerate(text.splitlines(), 1))
    found = {}
    for number, comment in comments:
        match = _NOQA.search(comment)
        if match:
            codes = match.group("codes")
            found[number] = tuple(c.strip().upper() for c in codes.split(",")) if codes else ()
    return found


def _is_suppressed(finding: Finding, suppressed: dict[int, tuple[str, ...]]) -> bool:
    codes = suppressed.get(finding.line)
    return codes is not None and (not codes or any(finding.code.startswith(c) for c in codes))


def _in_tests_folder(path: Path) -> bool:
    """A helper module that builds doubles for the tests (tests/utils/factories.py), named explicitly."""
    return path.suffix == ".py" and any(part in ("tests", "test", "testing") for part in path.resolve().parts[:-1])


def _fixture_name(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (dotted(target) or "").endswith("fixture")


def _fixtures(tree: ast.Module) -> list[FunctionNode]:
    found = []
    for node in tree.body:
        bodies = [node] if not isinstance(node, ast.ClassDef) else node.body
        for item in bodies:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(map(_fixture_name, item.decorator_list)):
                found.append(item)
    return found


def _repository_top(root: Path) -> Path:
    """The git work tree holding root (a tests/pyproject.toml or a service's own marker is not the
    repository): root itself when it is not inside one."""
    for folder in [root, *root.parents]:
        if (folder / ".git").exists():
            return folder
    return root


def _above_packages(path: Path) -> Path:
    """Without a project marker: the folder above the test's `__init__.py` chain (tests/ is a package
    in many suites), at least the test folder's parent."""
    folder = path.resolve().parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder if folder != path.resolve().parent else folder.parent


def parse_with_names(path: Path) -> tuple[ast.Module, FileNames] | None:
    """A test-side file's tree and the names it binds, or None when it cannot be read or parsed."""
    try:
        tree = parse(read_source(path))
    except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
        return None
    return tree, FileNames(tree, _package(path), package_base(path))


def _package(path: Path) -> str:
    """The dotted package a file sits in, read from its `__init__.py` chain ("" outside a package)."""
    return ".".join(path.resolve().parent.relative_to(package_base(path)).parts)


def _test_classes(tree: ast.Module) -> list[ast.ClassDef]:
    """Classes pytest or unittest collect: Test*, TestCase subclasses, and subclasses of those here."""
    found: list[ast.ClassDef] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and (node.name.startswith("Test") or any(
                (dotted(b) or "").endswith("TestCase") or (dotted(b) or "") in {c.name for c in found}
                for b in node.bases)):
            found.append(node)
    return found


def _setups(tree: ast.Module) -> dict[int, list[FunctionNode]]:
    """Test method -> the setUp/asyncSetUp/setup_method that run before it (own class, or a base here)."""
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    out: dict[int, list[FunctionNode]] = {}
    for cls in _test_classes(tree):
        chain, current = [], cls
        while current is not None and len(chain) < 5:
            chain.append(current)
            current = next((classes[dotted(b) or ""] for b in current.bases if (dotted(b) or "") in classes), None)
        setups: list[FunctionNode] = []
        for name in SETUPS:
            for owner in chain:
                method = next((m for m in owner.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                               and m.name == name), None)
                if method is not None:
                    setups.append(method)
                    break
        for item in cls.body:
            out[id(item)] = setups
    return out


def _tests_with_class(tree: ast.Module) -> list[tuple[FunctionNode, bool, bool]]:
    found: list[tuple[FunctionNode, bool, bool]] = []
    classes = {id(c) for c in _test_classes(tree)}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            found.append((node, False, False))
        elif isinstance(node, ast.ClassDef) and id(node) in classes:
            marked = _marked(node.decorator_list) or any(
                isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in s.targets)
                and _mentions_mark(s.value) for s in node.body)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    found.append((item, True, marked))
    return found


def _tests(tree: ast.Module) -> list[tuple[FunctionNode, bool]]:
    return [(func, in_class) for func, in_class, _ in _tests_with_class(tree)]


def _mentions_mark(expr: ast.expr) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in ASYNC_MARKS for n in ast.walk(expr)) or any(
        isinstance(n, ast.Constant) and n.value in ASYNC_MARKS for n in ast.walk(expr))


def _marked(decorators: list[ast.expr]) -> bool:
    return any(_mentions_mark(d) for d in decorators)


def _module_marked(tree: ast.Module) -> bool:
    return any(isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in s.targets)
               and _mentions_mark(s.value) for s in tree.body)


def _hooks_mark_tests(conftests: list[Path]) -> bool:
    return any(re.search(r"def pytest_(collection_modifyitems|pyfunc_call|itemcollected)", read_source(c))
               for c in conftests)


def _override_rules(tree: ast.Module, path: Path, conftests: list[Path]) -> list[Finding]:
    first = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute) and t.value.attr == "dependency_overrides"
                for t in node.targets):
            if first is None or (node.lineno, node.col_offset) < (first.lineno, first.col_offset):
                first = node
    if first is None:
        return []
    cleared = re.compile(r"dependency_overrides(\.clear\(|\.pop\(|\s*=\s*\{|\[[^\]]*\]\s*$)|del\s+[\w.]*dependency_overrides"
                         r"|patch\.dict\([\w.]*dependency_overrides", re.MULTILINE)
    texts = [read_source(path)] + [read_source(c) for c in conftests]
    if any(cleared.search(text) for text in texts):
        return []
    return [Finding("GF302", "", first.lineno, first.col_offset,
                    "dependency_overrides is set here and never cleared in this file or its conftest: the override "
                    "leaks into later tests; call app.dependency_overrides.clear() in teardown")]


def lint(paths: list[Path], codes: frozenset[str], min_confidence: str = "certain") -> LintResult:
    outside: list[str] = []
    files = collect(paths, outside)
    linter = Linter()
    findings: list[Finding] = []
    skipped: list[str] = [f"{len(outside)} file(s) reached through symlinks leading out of the folder were not read: "
                          + ", ".join(outside[:5])] if outside else []
    for path in files:
        shown = _shown(path)
        try:
            found = linter.lint_file(path, shown)
        except GapfinderError as exc:
            skipped.append(exc.message)
            continue
        except (RecursionError, OSError, UnicodeDecodeError, ValueError) as exc:
            skipped.append(f"{shown}: {type(exc).__name__}: {exc}")
            continue
        findings += found
    floor = CONFIDENCE.index(min_confidence)
    unique = {(f.code, f.path, f.line, f.col): f for f in findings if f.code in codes}
    shown = [f for f in unique.values() if CONFIDENCE.index(f.confidence) >= floor]
    ordered = sorted(shown, key=lambda f: (f.path, f.line, f.col, f.code))
    return LintResult(tuple(ordered), tuple(_shown(p) for p in files), tuple(skipped),
                      unresolved=tuple(linter.unresolved), below_confidence=len(unique) - len(shown))
