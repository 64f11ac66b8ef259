"""Why a victim fails after its polluter: the state the polluter left behind, where each test names it,
and the fix that fits.

Two sources of evidence: what the plugin saw change while the polluter ran (environment, project
module globals and class attributes, started patches, the event loop, sys.path, cwd), and what the
polluter's code writes, read statically (os.environ writes, dependency_overrides, patch .start(),
set_event_loop / close, `global`, assignments to attributes of imported modules).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterable, Iterator

from gapfinder.core.files import inside
from gapfinder.core.source import parse, read_source
from gapfinder.core.symbols import dotted
from gapfinder.doctor.suite.model import SharedState

FIXES = {
    "env": "set the variable with monkeypatch.setenv / monkeypatch.delenv, which undoes it after the test, "
           "instead of writing os.environ",
    "global": "change it with monkeypatch.setattr, or in a fixture that puts the old value back after `yield`",
    "singleton": "reset the cached instance in a fixture's teardown (set the attribute back, or cache_clear()), "
                 "or replace it with monkeypatch.setattr",
    "overrides": "clear the overrides in the fixture that sets them: `yield`, then app.dependency_overrides.clear()",
    "patch": "use the patch as a context manager or decorator (or pytest-mock's mocker), or stop it: "
             "self.addCleanup(patcher.stop) or patch.stopall() in teardown",
    "event_loop": "do not close or unset the shared event loop in a test: use a function-scoped loop "
                  "(pytest-asyncio's default) or asyncio.run(), and put the old loop back in teardown",
    "module": "change sys.path with monkeypatch.syspath_prepend, which undoes it",
    "cwd": "change the working directory with monkeypatch.chdir, which undoes it",
    "outside": "the state is outside Python (a file, a database row, a server): create it in a fixture with "
               "teardown, in a tmp_path or a transaction rolled back after the test",
}
_KIND_WORDS = {
    "env": "environment variable", "global": "module global", "singleton": "class attribute or cache",
    "overrides": "dependency override", "patch": "patch", "event_loop": "event loop", "module": "import path",
    "other": "process state",
}


def tokens(state: SharedState) -> tuple[str, ...]:
    """What to look for in code to find where a test touches this state."""
    if state.kind == "env":
        return (state.name,)
    if state.kind == "overrides":
        return ("dependency_overrides",)
    if state.kind == "event_loop":
        return ("set_event_loop", ".close()", "new_event_loop", "get_event_loop")
    if state.kind == "module":
        return ("sys.path",)
    if state.name == "working directory":
        return ("chdir",)
    parts = state.name.split(".")
    return (parts[-1],) if state.kind != "patch" else (parts[-1], ".start()")


def fix_for(state: SharedState) -> str:
    return FIXES["cwd"] if state.name == "working directory" else FIXES.get(state.kind, FIXES["outside"])


def describe(state: SharedState) -> str:
    if state.kind == "event_loop":
        return f"the event loop ({state.how})"
    return f"{_KIND_WORDS.get(state.kind, 'state')} {state.name} ({state.how})"


# -- where a test's code names something -----------------------------------------------------------

def _function(tree: ast.Module, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            starts = {node.lineno, *(d.lineno for d in node.decorator_list)}
            if line in starts:
                return node
    return None


class CaseCode:
    """The source of one test and the files around it (its module, conftest.py files up to the root)."""

    def __init__(self, root: Path, path: str, line: int) -> None:
        self.root, self.path, self.line = root, path, line
        self.lines: list[str] = []
        self.function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        self.imports: list[str] = []  # absolute modules the test's file imports
        try:
            text = read_source(root / path)
            self.lines = text.splitlines()
            tree = parse(text)
        except (OSError, SyntaxError, ValueError, RecursionError):
            return
        self.function = _function(tree, line)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.imports += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                self.imports += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]

    def find(self, needles: Iterable[str], *, around: bool = True) -> str | None:
        """file:line of the first line naming a needle: in the test function, then its file, its conftest.py
        files, then the project's modules it imports (where the code under test reads the state)."""
        needles = tuple(needles)
        if self.function is not None:
            hit = _first(self.lines, needles, self.function.lineno, self.function.end_lineno or self.function.lineno)
            if hit is not None:
                return f"{self.path}:{hit}"
        if not around:
            return None
        hit = _first(self.lines, needles, 1, len(self.lines))
        if hit is not None:
            return f"{self.path}:{hit}"
        for other in [*self._conftests(), *self._imported_files()]:
            try:
                lines = read_source(self.root / other).splitlines()
            except (OSError, ValueError):
                continue
            hit = _first(lines, needles, 1, len(lines))
            if hit is not None:
                return f"{other}:{hit}"
        return None

    def _imported_files(self) -> Iterator[str]:
        seen = set()
        for module in self.imports:
            stem = module.replace(".", "/")
            for base in ("", "src/"):
                for candidate in (f"{base}{stem}.py", f"{base}{stem}/__init__.py"):
                    path = self.root / candidate
                    if candidate not in seen and path.is_file() and inside(self.root, path):
                        seen.add(candidate)
                        yield candidate

    def _conftests(self) -> Iterator[str]:
        folder = Path(self.path).parent
        while True:
            candidate = folder / "conftest.py"
            if (self.root / candidate).is_file() and inside(self.root, self.root / candidate):
                yield candidate.as_posix()
            if folder == Path("."):
                return
            folder = folder.parent

    def written_state(self) -> list[SharedState]:
        """State the test function's own code writes without undoing it (the static evidence)."""
        if self.function is None:
            return []
        found: dict[tuple[str, str], SharedState] = {}
        for node in ast.walk(self.function):
            for kind, name in _writes(node):
                found.setdefault((kind, name), SharedState(kind, name, "written in code", f"{self.path}:{node.lineno}",
                                                           None))
        return list(found.values())


def _first(lines: list[str], needles: tuple[str, ...], start: int, end: int) -> int | None:
    for number in range(max(1, start), min(len(lines), end) + 1):
        text = lines[number - 1]
        if any(needle in text for needle in needles):
            return number
    return None


def _dotted(node: ast.AST | None) -> str:
    return dotted(node) or ""


def _writes(node: ast.AST) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.Global):
        for name in node.names:
            yield "global", name
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        if isinstance(target, ast.Subscript):
            owner = _dotted(target.value)
            key = target.slice.value if isinstance(target.slice, ast.Constant) else None
            if owner in ("os.environ", "environ") and isinstance(key, str):
                yield "env", key
            elif owner.endswith("dependency_overrides"):
                yield "overrides", owner
        elif isinstance(target, ast.Attribute) and isinstance(target.value, (ast.Name, ast.Attribute)):
            owner = _dotted(target.value)
            if owner and owner != "self" and not owner.startswith("self."):
                yield ("singleton" if owner[:1].isupper() or "._" in f".{target.attr}" else "global"), \
                    f"{owner}.{target.attr}"
    if isinstance(node, ast.Call):
        callee = _dotted(node.func)
        if callee in ("os.putenv", "os.environ.update", "os.environ.setdefault") and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield "env", node.args[0].value
        elif callee.endswith(".start") and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call) \
                and _dotted(node.func.value.func).split(".")[-1] in ("patch", "object", "dict", "multiple"):
            patched = node.func.value.args[0] if node.func.value.args else None
            name = patched.value if isinstance(patched, ast.Constant) and isinstance(patched.value, str) else \
                _dotted(patched) if patched is not None else "?"
            yield "patch", str(name)
        elif callee.endswith("set_event_loop") or (callee.endswith(".close") and "loop" in callee.lower()):
            yield "event_loop", "event loop"


def shared_state(left: Iterable[dict], polluters: list[CaseCode], victim: CaseCode) -> list[SharedState]:
    """The polluters' left-behind state (seen at run time, else read from their code), each located in
    the polluter and the victim; state the victim's code names comes first."""
    seen: dict[tuple[str, str], SharedState] = {}
    for change in left:
        state = SharedState(str(change.get("kind", "other")), str(change.get("name", "?")),
                            str(change.get("how", "changed")), None, None)
        seen.setdefault((state.kind, state.name), state)
    if not seen:
        for polluter in polluters:
            for state in polluter.written_state():
                seen.setdefault((state.kind, state.name), state)
    located = []
    for state in seen.values():
        needles = tokens(state)
        at = state.polluter_at or next(filter(None, (p.find(needles) for p in polluters)), None)
        located.append(SharedState(state.kind, state.name, state.how, at, victim.find(needles)))
    return sorted(located, key=lambda s: (s.victim_at is None, s.polluter_at is None, s.kind, s.name))
