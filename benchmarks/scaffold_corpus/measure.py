"""Measure `gapfinder scaffold` on real open-source projects (see corpus.json and README.md).

    python benchmarks/scaffold_corpus/measure.py --work /work/corpora/scaffold --gapfinder PATH \
        [--kind unit|all] [--json out.json] [--project NAME ...] [--mutants N] [--setup]

Per project: a fresh copy of WORK/<name>/tree is made under WORK/<name>/run/ (generated tests never
accumulate); `gapfinder scaffold <module> --kind K --format json` runs per module (timed), then a
second time for every module to check that nothing changes; then, one module at a time, the files
it generated run under the project's venv as
`coverage run --rcfile=OURS -m pytest FILES -p no:cacheprovider -W error::RuntimeWarning
 -W error::pytest.PytestUnraisableExceptionWarning --junitxml=...`, inside `unshare -rn` (no network)
when that works, under `nice -n 15`, one process at a time, with a timeout.

Stdlib only, Python 3.10+. `--setup` lays each project's tree and venv from corpus.json first
(needs PyPI, and the git mirrors or GitHub for the repository projects).
"""

from __future__ import annotations

import argparse
import resource
import ast
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
STRICT = ["-W", "error::RuntimeWarning", "-W", "error::pytest.PytestUnraisableExceptionWarning"]
MOCK_SHAPE = ("'coroutine' object", "can't be used in 'await' expression", "asynchronous context manager protocol",
              "__aiter__")
NEVER_AWAITED = "was never awaited"
IGNORE = shutil.ignore_patterns(".git", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache", ".venv",
                                "venv", ".tox", ".coverage*")


# --------------------------------------------------------------------------------------- helpers
def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def network_prefix() -> list[str]:
    """`unshare -rn` (a private network namespace: no network at all) when this machine allows it."""
    if shutil.which("unshare"):
        try:
            ok = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return ["unshare", "-rn"]
    return []


def nice_prefix() -> list[str]:
    return ["nice", "-n", "15"] if shutil.which("nice") else []


LAST_CPU = [0.0]  # CPU seconds (user + system, the process and every descendant) of the last run()


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str, str, float, bool]:
    """(returncode, stdout, stderr, seconds, timed_out); its CPU seconds go to LAST_CPU[0]: on a shared
    machine wall time measures the load, CPU time what the command itself cost."""
    start = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        return _run(cmd, cwd, env, timeout, start)
    finally:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        LAST_CPU[0] = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, start: float):
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start, False
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return -9, out, err, time.monotonic() - start, True


def snapshot(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def function_body_lines(source: str) -> set[int]:
    """Lines inside function bodies (import-time lines such as `def` and decorators excluded)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _is_assertion(node: ast.AST) -> bool:
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr.startswith("assert_") or func.attr in ("raises", "warns", "fail"):
                return True
        if isinstance(func, ast.Name) and func.id.startswith("assert"):
            return True
    return False


def _asserts_refusal(func: ast.AST) -> bool:
    """An `assert` of the test's own body compares with 401 or 403 (not a comment, not a helper)."""
    return any(isinstance(a, ast.Assert) and any(isinstance(n, ast.Constant) and n.value in (401, 403)
                                                 for n in ast.walk(a.test)) for a in ast.walk(func))


def _sends_credentials(func: ast.AST) -> bool:
    """The test passes headers or names an Authorization header or a token: not an unauthenticated call."""
    return any((isinstance(n, ast.keyword) and n.arg in ("headers", "auth", "cookies"))
               or (isinstance(n, ast.Constant) and isinstance(n.value, str) and "Authorization" in n.value)
               or (isinstance(n, ast.arg) and "token" in n.arg) for n in ast.walk(func))


def unauthenticated_checks(path: Path) -> set[str]:
    """Of auth_checks, the tests that send no credentials at all (the route must refuse a bare call)."""
    try:
        tree = ast.parse(path.read_text())
    except (SyntaxError, OSError, UnicodeDecodeError):
        return set()
    return {f.name for f in tree.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _asserts_refusal(f) and not _sends_credentials(f)} & auth_checks(path)


def auth_checks(path: Path) -> set[str]:
    """Tests (Class::name) that assert a 401 or 403: the unauthenticated/expired-token e2e checks."""
    try:
        tree = ast.parse(path.read_text())
    except (SyntaxError, OSError, UnicodeDecodeError):
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _asserts_refusal(item):
                    found.add(f"{node.name}::{item.name}")
    for item in tree.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _asserts_refusal(item):
            found.add(item.name)
    return found


def test_functions(path: Path) -> dict[str, bool]:
    """{test name (Class::name for methods): has an assertion} for a test file."""
    try:
        tree = ast.parse(path.read_text())
    except (SyntaxError, OSError, UnicodeDecodeError):
        return {}
    found: dict[str, bool] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                found[prefix + node.name] = any(_is_assertion(n) for n in ast.walk(node))
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, prefix + node.name + "::")

    visit(tree.body, "")
    return found


@dataclass
class Case:
    file: str
    name: str  # Class::test or test (parameters stripped)
    outcome: str  # passed | failed | error | skipped
    message: str


def parse_junit(junit: Path, root: Path) -> tuple[list[Case], list[str]]:
    """(cases, collection-error messages)."""
    cases: list[Case] = []
    collection: list[str] = []
    if not junit.exists():
        return cases, collection
    try:
        tree = ET.parse(junit)
    except ET.ParseError:
        return cases, collection
    for tc in tree.getroot().iter("testcase"):
        classname = tc.get("classname") or ""
        name = re.sub(r"\[.*\]$", "", tc.get("name") or "")
        file = tc.get("file") or ""
        kinds = {child.tag: child for child in tc}
        text = ""
        for tag in ("failure", "error"):
            if tag in kinds:
                child = kinds[tag]
                text = (child.get("message") or "") + "\n" + (child.text or "")
        xfail = "skipped" in kinds and (kinds["skipped"].get("type") == "pytest.xfail")
        outcome = ("failed" if "failure" in kinds else "error" if "error" in kinds
                   else "xfailed" if xfail else "skipped" if "skipped" in kinds else "passed")
        if not classname and "error" in kinds:  # a collection error: classname empty, name the module
            collection.append(f"{name}: {text.strip()}")
            continue
        parts = classname.split(".")
        klass = parts[-1] if parts and parts[-1][:1].isupper() and parts[-1].startswith("Test") else ""
        cases.append(Case(file=file, name=(klass + "::" if klass else "") + name, outcome=outcome, message=text))
    return cases, collection


def first_line(message: str) -> str:
    for line in message.splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return ""


def key_error_line(message: str) -> str:
    """The most telling line of a failure: the last `E   ...` line, else the first line."""
    lines = [ln.strip() for ln in message.splitlines()]
    e_lines = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    if e_lines:
        for ln in e_lines:  # prefer the exception line (Error/Exception/Warning)
            if re.match(r"^[\w.]+(Error|Exception|Warning|Exit)\b", ln) or "never awaited" in ln:
                return ln[:300]
        return e_lines[-1][:300]
    return first_line(message)


# -------------------------------------------------------------------------------------- mutation
# The judge of "a passing test kills at least one mutant of the code it tests". It is written apart
# from scaffold's own mutant code (templates/scaffold_probe.py) on purpose: it edits the file on disk
# and runs pytest as a user would, so a shortcut in scaffold's check cannot flatter the figure.
COMPARE_FLIP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
                ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
MAX_MUTANTS = 40  # per function: the schemata file holds a copy of the body per mutant


def functions(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    """(qualname, node) of every function and method (nested ones too), in source order."""
    found: list[tuple[str, ast.AST]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCS):
                found.append((prefix + child.name, child))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _own(func: ast.AST) -> list[ast.AST]:
    """The function's own nodes in source order, without nested functions, classes and lambdas."""
    nodes, stack = [], list(reversed(func.body))  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, (*FUNCS, ast.ClassDef, ast.Lambda)):
            continue
        nodes.append(node)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return nodes


def _blank(statement: ast.stmt) -> ast.stmt:
    return ast.copy_location(ast.Pass(), statement)


def _swap_statement(func: ast.AST, old: ast.stmt, new: ast.stmt) -> None:
    for node in ast.walk(func):
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                for i, stmt in enumerate(block):
                    if stmt is old:
                        block[i] = new
                        return


def _lines(node: ast.AST) -> frozenset[int]:
    return frozenset(range(node.lineno, (getattr(node, "end_lineno", None) or node.lineno) + 1))


def function_mutations(func: ast.AST) -> list[tuple[str, object, frozenset[int]]]:
    """The issue's operators on one function, as (label, edit(func_copy), lines the mutant changes):
    flip a comparison, return None, drop an awaited call, skip a raise, each wherever it applies.
    Every statement that assigns or calls also gets "drop statement", the fallback for a test whose
    lines none of the issue's operators reaches (e.g. an `__init__` that only stores its arguments).
    Edits address nodes by their index in `_own`, so they apply to a fresh copy of the tree."""
    nodes = _own(func)
    found: list[tuple[str, object, frozenset[int]]] = []
    index = {id(n): i for i, n in enumerate(nodes)}
    for node in [n for n in nodes if isinstance(n, ast.Compare) and type(n.ops[0]) in COMPARE_FLIP]:
        def flip(f, i=index[id(node)]):
            target = _own(f)[i]
            target.ops[0] = COMPARE_FLIP[type(target.ops[0])]()
        found.append((f"flip comparison (line {node.lineno})", flip, _lines(node)))
    generator = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes)
    returns = [n for n in nodes if isinstance(n, ast.Return) and n.value is not None
               and not (isinstance(n.value, ast.Constant) and n.value.value is None)]
    if returns and not generator:
        def none(f, ids=[index[id(n)] for n in returns]):
            own = _own(f)
            for i in ids:
                own[i].value = ast.Constant(value=None)
        found.append(("return None", none, frozenset().union(*(_lines(n) for n in returns))))
    dropped = [(n, "drop awaited call") for n in nodes if isinstance(n, ast.Expr) and isinstance(n.value, ast.Await)]
    dropped += [(n, "skip raise") for n in nodes if isinstance(n, ast.Raise)]
    dropped += [(n, "drop statement") for n in nodes if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call))]
    for node, kind in dropped:
        def drop(f, i=index[id(node)]):
            target = _own(f)[i]
            _swap_statement(f, target, _blank(target))
        found.append((f"{kind} (line {node.lineno})", drop, _lines(node)))
    return found[:MAX_MUTANTS]


def _kind(label: str) -> str:
    return label.split(" (")[0]


def plan_for(mutants: list[tuple[str, str, frozenset[int]]], ran: set[int] | None, limit: int) -> list[str]:
    """The mutants one test is judged by: those on lines the test ran (all, when its lines are not
    known), the issue's operators first and "drop statement" only when none of them is there, one of
    each kind before a second of any kind, at most `limit`. A mutant on a line the test never ran is
    left out: no test can tell it from the original."""
    reached = [(ident, label) for ident, label, lines in mutants if ran is None or lines & ran]
    issue = [m for m in reached if _kind(m[1]) != "drop statement"]
    chosen = issue or reached
    firsts, seconds, seen = [], [], set()
    for ident, label in chosen:
        (seconds if _kind(label) in seen else firsts).append(ident)
        seen.add(_kind(label))
    return (firsts + seconds)[:limit]


SWITCH = "__import__('builtins').__dict__.get('_judge_mutant')"


def schemata(source: str, executed: set[int]) -> tuple[str, dict[str, list[tuple[str, str, frozenset[int]]]]]:
    """One file that holds every mutant (mutant schemata): each function whose body ran gets, ahead
    of its own body, `if <switch> == "<id>": <mutated body>` per mutant; the switch is a builtins
    entry the judge's pytest plugin sets. Returns (source, {qualname: [(id, label, lines)]})."""
    tree = ast.parse(source)
    found: dict[str, list[tuple[str, str, frozenset[int]]]] = {}
    for qualname, func in reversed(functions(tree)):  # nested functions first: a parent copies them as they are
        body = set(range(func.body[0].lineno, (func.end_lineno or func.lineno) + 1))
        if not body & executed:
            continue
        head = func.body[:1] if (isinstance(func.body[0], ast.Expr) and isinstance(func.body[0].value, ast.Constant)
                                  and isinstance(func.body[0].value.value, str)) else []
        original = func.body
        chain: list[ast.stmt] = list(original[len(head):])
        made = []
        for number, (label, edit, lines) in reversed(list(enumerate(function_mutations(func)))):
            copied = copy.deepcopy(func)
            edit(copied)
            ident = f"{qualname}#{number}"
            test = ast.parse(f"{SWITCH} == {ident!r}", mode="eval").body
            mutated = list(copied.body[len(head):]) or [ast.Pass()]
            chain = [ast.If(test=test, body=mutated, orelse=chain)]
            made.insert(0, (ident, label, lines))
        func.body = head + chain
        ast.fix_missing_locations(tree)
        try:  # e.g. a `global` declared after its name is used in an earlier branch
            compile(tree, "<schemata>", "exec")
        except (SyntaxError, ValueError):
            func.body = original
            continue
        if made:
            found[qualname] = made
    return ast.unparse(tree), dict(reversed(list(found.items())))


JUDGE_PLUGIN = '''"""The benchmark's mutant judge, loaded into the project's pytest with -p (stdlib and pytest only).

After a test ran (the control), it runs again once per mutant listed for it in $JUDGE_PLAN, with the
builtins switch set to that mutant, until one run fails; $JUDGE_PLAN's "out" gets {test: mutant id
| "" (none killed) | "failed-control"}."""

import builtins
import json
import os
import re
import signal

import pytest
from _pytest.runner import runtestprotocol

PLAN = json.load(open(os.environ["JUDGE_PLAN"], encoding="utf-8"))
RESULTS = {}
FAILED = set()


def _key(item):
    name = re.sub(r"\\[.*\\]$", "", item.name)
    cls = item.cls.__name__ + "::" if getattr(item, "cls", None) is not None else ""
    return cls + name


class _Hung(Exception):
    pass


def _alarm(signum, frame):
    raise _Hung("the test ran longer than the judge allows on a mutant")


def pytest_runtest_logreport(report):
    if report.failed:
        FAILED.add(report.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    yield
    key = _key(item)
    mutants = PLAN["tests"].get(key)
    if mutants is None or RESULTS.get(key):
        return
    if item.nodeid in FAILED:
        RESULTS[key] = "failed-control"
        return
    RESULTS[key] = ""
    for ident in mutants:
        builtins._judge_mutant = ident
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, PLAN["timeout"])
        try:
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
            dead = any(r.failed for r in reports)
        except BaseException:  # a mutant that breaks the run itself fails the test
            dead = True
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            builtins._judge_mutant = None
        if dead:
            RESULTS[key] = ident
            return


def pytest_sessionfinish(session, exitstatus):
    with open(PLAN["out"], "w", encoding="utf-8") as handle:
        json.dump(RESULTS, handle)
'''


def lines_by_test(contexts: dict[str, list[str]]) -> dict[str, set[int]]:
    """{test function name: lines it ran} from coverage's per-line contexts (`test_function`
    contexts are `module.test_name` or `module.Class.test_name`; the empty context is import time)."""
    found: dict[str, set[int]] = {}
    for line, names in contexts.items():
        for name in names:
            if name:
                found.setdefault(name.rsplit(".", 1)[-1], set()).add(int(line))
    return found


def _snake(qualname: str) -> str:
    """scaffold's test name for a qualname, less `test_`: `BaseUserManager._update` -> `base_user_manager__update`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", qualname.replace(".", "_")).lower()


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def test_target(test: str, qualnames: list[str]) -> str | None:
    """The function a generated test targets, from its name: scaffold names a test
    `test_<snake of the qualname>[_when_<branch>]`; the longest qualname whose squashed form is the
    squashed name (else a prefix of it) wins. None when no function matches."""
    name = test.rsplit("::", 1)[-1]
    name = re.sub(r"^test_?", "", name).split("_when_", 1)[0]
    squashed = _squash(name)
    exact = [q for q in qualnames if _squash(q) == squashed]
    named = [q for q in exact if _snake(q) == name.lower()]  # `update`, not `_update`: the underscores tell them apart
    if named or exact:
        return max(named or exact, key=len)
    prefixes = [q for q in qualnames if squashed.startswith(_squash(q)) and _squash(q)]
    return max(prefixes, key=lambda q: len(_squash(q))) if prefixes else None


# ---------------------------------------------------------------------------------------- runner
@dataclass
class ModuleResult:
    module: str
    scaffold_rc: int = 0
    scaffold_seconds: float = 0.0
    scaffold_message: str = ""
    files: list[str] = field(default_factory=list)
    tests: dict[str, dict] = field(default_factory=dict)  # "file::name" -> {kind, outcome, asserts, message}
    collection_errors: list[str] = field(default_factory=list)
    pytest_rc: int | None = None
    pytest_seconds: float = 0.0
    timed_out: bool = False
    never_awaited_lines: int = 0
    body_statements: int = 0
    body_covered: int = 0
    mutants: list[dict] = field(default_factory=list)
    scaffold_cpu: float = 0.0  # CPU seconds of the scaffold call and its subprocesses (its pytest runs)
    run: dict | None = None  # what scaffold's own run-and-adapt loop reported (its JSON "run")
    pytest_tail: str = ""


def kind_of(path: str) -> str:
    parts = Path(path).parts
    for kind in ("unit", "integration", "e2e"):
        if kind in parts:
            return kind
    return "unit"


def venv_env(project: dict, root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COVERAGE_", "VIRTUAL_ENV"))}
    extra = [str((root / p).resolve()) for p in str(project.get("pythonpath", ".")).split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(extra)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update({k: str(v) for k, v in project.get("env", {}).items()})
    return env


def find_python(version: str) -> str:
    """python3.X on PATH, else a pyenv install of that version."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "-c", ""], capture_output=True).returncode == 0:
        return found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv.glob(f"{version}*/bin/python"), reverse=True):
        return str(candidate)
    raise SystemExit(f"no Python {version} found (PATH or pyenv)")


def setup_project(project: dict, work: Path, mirror: str) -> None:
    home = work / project["name"]
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "P": str(home), "VENV": str(home / "venv"), "MIRROR": mirror}
    if not (home / "tree").exists():
        for command in project["tree"]:
            subprocess.run(["bash", "-ec", command], cwd=home, env=env, check=True)
    if not (home / "venv" / "bin" / "python").exists():
        subprocess.run([find_python(project["python"]), "-m", "venv", str(home / "venv")], check=True)
        for command in project["install"]:
            subprocess.run([*nice_prefix(), "bash", "-ec", command], cwd=home, env=env, check=True)


def measure_project(project: dict, args: argparse.Namespace, net: list[str]) -> dict:
    home = args.work / project["name"]
    python = home / "venv" / "bin" / "python"
    rundir = home / "run"
    if rundir.exists():
        shutil.rmtree(rundir)
    out = rundir / "out"
    out.mkdir(parents=True)
    tree = rundir / "tree"
    shutil.copytree(home / "tree", tree, ignore=IGNORE, symlinks=True)
    root = tree / project.get("root", ".")
    env = venv_env(project, root)
    # scaffold sees what a user's shell has (the project's PYTHONPATH and settings) and runs its drafts
    # in the project's venv, unless --static
    gf_env = {k: v for k, v in env.items() if k != "GAPFINDER_DEBUG"}
    run_opts = ["--no-run"] if args.static else ["--python", str(python)]
    kind = args.kind
    results: list[ModuleResult] = []
    log(f"== {project['name']}: {len(project['modules'])} modules")

    # 1. scaffold, timed
    for module in project["modules"]:
        res = ModuleResult(module=module)
        cmd = [*nice_prefix(), *net, str(args.gapfinder), "scaffold", module, "--kind", kind, "--format", "json",
               *run_opts]
        rc, stdout, stderr, seconds, timed_out = run(cmd, root, gf_env, args.scaffold_timeout)
        res.scaffold_rc, res.scaffold_seconds, res.scaffold_cpu = rc, round(seconds, 2), round(LAST_CPU[0], 2)
        try:
            data = json.loads(stdout)
            for result in data.get("results", []):
                res.run = result.get("run")
                if result.get("message"):
                    res.scaffold_message = result["message"]
                for f in result.get("files", []):
                    name = Path(f["path"]).name
                    if name.startswith("test") and name.endswith(".py") and f["path"] not in res.files:
                        res.files.append(f["path"])
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError):
            res.scaffold_message = (stderr.strip().splitlines() or ["no JSON output"])[-1][:300]
        if rc != 0 and not res.scaffold_message:
            res.scaffold_message = (stderr.strip().splitlines() or [f"exit {rc}"])[-1][:300]
        if timed_out:
            res.scaffold_message = f"scaffold timed out after {args.scaffold_timeout}s"
        results.append(res)
        log(f"  scaffold {module}: rc={rc} {seconds:.1f}s ({res.scaffold_cpu:.1f}s CPU) files={res.files} {res.scaffold_message}")

    # 2. idempotence: a second run of every module must change nothing
    before = snapshot(tree)
    for module in project["modules"]:
        cmd = [*nice_prefix(), *net, str(args.gapfinder), "scaffold", module, "--kind", kind, "--format", "json",
               *run_opts]
        run(cmd, root, gf_env, args.scaffold_timeout)
    after = snapshot(tree)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        shutil.rmtree(rundir / "tree")  # restart from the first-run state is not possible; re-scaffold once
        shutil.copytree(home / "tree", tree, ignore=IGNORE, symlinks=True)
        for module in project["modules"]:
            cmd = [*nice_prefix(), *net, str(args.gapfinder), "scaffold", module, "--kind", kind, "--format", "json",
               *run_opts]
            run(cmd, root, gf_env, args.scaffold_timeout)

    # 3. run each module's generated tests, under coverage of that module only
    for res in results:
        files = [f for f in res.files if (root / f).exists()]
        if not files:
            continue
        for f in files:
            auth, bare = auth_checks(root / f), unauthenticated_checks(root / f)
            for name, asserts in test_functions(root / f).items():
                res.tests[f"{f}::{name}"] = {"kind": kind_of(f), "outcome": "not run", "asserts": asserts,
                                             "message": "", "expects_401_403": name in auth,
                                             "unauthenticated": name in bare}
        stem = re.sub(r"\W", "_", res.module)
        target = (root / res.module).resolve()
        rc_file = out / f"{stem}.coveragerc"
        data_file = out / f"{stem}.coverage"
        # each line's tests (dynamic contexts): the judge mutates only lines a test ran
        rc_file.write_text(f"[run]\ninclude = {target}\ndata_file = {data_file}\ndynamic_context = test_function\n")
        junit = out / f"{stem}.junit.xml"
        cmd = [*nice_prefix(), *net, str(python), "-m", "coverage", "run", f"--rcfile={rc_file}", "-m", "pytest",
               *files, "-p", "no:cacheprovider", *STRICT, f"--junitxml={junit}", "-o", "junit_family=xunit1",
               "-q", "-rfE", *project.get("pytest_args", []), *args.pytest_extra]
        rc, stdout, stderr, seconds, timed_out = run(cmd, root, env, args.timeout)
        res.pytest_rc, res.pytest_seconds, res.timed_out = rc, round(seconds, 2), timed_out
        (out / f"{stem}.pytest.log").write_text(stdout + "\n--- stderr ---\n" + stderr)
        res.never_awaited_lines = (stdout + stderr).count(NEVER_AWAITED)
        res.pytest_tail = "\n".join((stdout + stderr).strip().splitlines()[-15:])
        head = [ln for ln in (stdout + stderr).splitlines() if "while loading conftest" in ln or ln.startswith("E ")]
        if head and "while loading conftest" in head[0]:
            res.pytest_tail = "\n".join(head[:8]) + "\n" + res.pytest_tail
        cases, res.collection_errors = parse_junit(junit, root)
        for case in cases:
            file = case.file or next((f for f in files if Path(f).stem in case.file), "")
            key = f"{file}::{case.name}"
            if key not in res.tests:
                key = next((k for k in res.tests if k.endswith("::" + case.name)), key)
            entry = res.tests.setdefault(key, {"kind": kind_of(file), "outcome": "not run", "asserts": True,
                                               "message": ""})
            order = ["not run", "skipped", "xfailed", "passed", "failed", "error"]  # a parametrized test: worst case wins
            if order.index(case.outcome) >= order.index(entry["outcome"]):
                entry["outcome"] = case.outcome
                if case.message:
                    entry["message"] = case.message[:4000]
        for entry in res.tests.values():  # tests never reported: their file did not collect
            if entry["outcome"] == "not run":
                entry["outcome"] = "error"
                entry["message"] = ("not run: " + "; ".join(res.collection_errors))[:4000] \
                    if res.collection_errors else ("not run: " + res.pytest_tail)[:4000]
        # function-body coverage of the target
        if data_file.exists():
            cov_json = out / f"{stem}.coverage.json"
            run([str(python), "-m", "coverage", "json", f"--rcfile={rc_file}", "--show-contexts", "-q", "-o", str(cov_json)],
                root, env, 120)
            if cov_json.exists():
                data = json.loads(cov_json.read_text())
                body = function_body_lines(target.read_text())
                for path, info in data.get("files", {}).items():
                    if Path(path if os.path.isabs(path) else root / path).resolve() != target:
                        continue
                    statements = {ln for ln in info["executed_lines"] + info["missing_lines"] if ln in body}
                    res.body_statements = len(statements)
                    res.body_covered = len(statements & set(info["executed_lines"]))
                    res.executed = set(info["executed_lines"])  # type: ignore[attr-defined]
                    res.ran_by_test = lines_by_test(info.get("contexts") or {})  # type: ignore[attr-defined]
        if not res.body_statements:
            try:
                body = function_body_lines(target.read_text())
                res.body_statements = len(body)  # never imported: count body lines, none covered
            except (OSError, SyntaxError):
                pass
        passed = sum(1 for t in res.tests.values() if t["outcome"] == "passed")
        log(f"  pytest {res.module}: {passed}/{len(res.tests)} passed, rc={rc}, {seconds:.1f}s, "
            f"body cov {res.body_covered}/{res.body_statements}")

        # 4. optional mutation: each passing test against mutants of the function it targets
        if args.mutants and passed:
            mutate_module(res, root, target, out, stem, python, project, args, env, net)

    return summarize(project, results, changed)


def mutate_module(res: ModuleResult, root: Path, target: Path, out: Path, stem: str, python: Path, project: dict,
                  args: argparse.Namespace, env: dict[str, str], net: list[str]) -> None:
    """Mark each passing test `kills_mutant`: it fails on at least one mutant of the function it
    targets (any function of the module when its name names none). The target file is replaced by
    its mutant schemata for one pytest run of the passing tests (`-p no:randomly`) under the judge
    plugin: each test runs once as it is (the control: a test failing there is flaky and kills
    nothing), then once per mutant of its target until one makes it fail. The file is put back
    whatever happens."""
    passing = [k for k, t in res.tests.items() if t["outcome"] == "passed"]
    original = target.read_text()
    names = [q for q, _ in functions(ast.parse(original))]
    mutated, per_function = schemata(original, getattr(res, "executed", set()))
    targets = {k: test_target(k, names) for k in passing}
    every = [m for mutants in per_function.values() for m in mutants]
    ran = getattr(res, "ran_by_test", {})
    chosen = {k: plan_for(per_function.get(targets[k], []) if targets[k] else every,
                          ran.get(k.rsplit("::", 1)[1]), args.mutants) for k in passing}
    plan = {"tests": {k.split("::", 1)[1]: chosen[k] for k in passing},
            "out": str(out / f"{stem}.judge.json"), "timeout": args.mutant_timeout}
    (out / f"{stem}.judge-plan.json").write_text(json.dumps(plan))
    (out / "gf_mutant_judge.py").write_text(JUDGE_PLUGIN)
    judged = out / f"{stem}.judge.json"
    if judged.exists():
        judged.unlink()
    judge_env = {**env, "JUDGE_PLAN": str(out / f"{stem}.judge-plan.json"),
                 "PYTHONPATH": os.pathsep.join([str(out), env.get("PYTHONPATH", "")])}
    node_ids = sorted({k.split("::", 1)[0] for k in passing})
    cmd = [*nice_prefix(), *net, str(python), "-m", "pytest", *node_ids, "-p", "gf_mutant_judge", "-p",
           "no:cacheprovider", "-p", "no:randomly", *STRICT, "-q", *project.get("pytest_args", []), *args.pytest_extra]
    labels = {ident: f"{q}: {label}" for q, mutants in per_function.items() for ident, label, _ in mutants}
    try:
        target.write_text(mutated)
        _, stdout, stderr, seconds, timed_out = run(cmd, root, judge_env, args.timeout)
    finally:
        target.write_text(original)
    (out / f"{stem}.judge.log").write_text(stdout + "\n--- stderr ---\n" + stderr)
    verdicts = json.loads(judged.read_text()) if judged.exists() else {}
    res.mutants = [{"function": q, "mutant": label, "id": ident,
                    "killed_by": sorted(k for k in passing if verdicts.get(k.split("::", 1)[1]) == ident)}
                   for q, mutants in per_function.items() for ident, label, _ in mutants
                   if any(ident in c for c in chosen.values())]
    res.judge = {"seconds": round(seconds, 2), "timed_out": timed_out, "ran": bool(verdicts)}  # type: ignore[attr-defined]
    for k in passing:
        verdict = verdicts.get(k.split("::", 1)[1])
        res.tests[k].update(target=targets[k], kills_mutant=bool(verdict) and verdict != "failed-control",
                            killed_by=labels.get(verdict or "", ""), judged=verdict is not None,
                            flaky_on_rerun=verdict == "failed-control",
                            target_mutants=len(chosen[k]))


CAUSES = [  # (cause, pattern); tried on the telling line first, then on the whole failure text; first match wins
    ("mock-shape error (coroutine/await/async protocol)", r"'coroutine' object|can't be used in 'await' expression|"
     r"asynchronous context manager protocol|__aiter__"),
    ("coroutine never awaited", r"was never awaited"),
    ("generated conftest.py breaks collection (import error)", r"while loading conftest"),
    ("generated test imports the module under a wrong dotted name", r"ImportError while importing test module|"
     r"No module named"),
    ("project conftest fixture needs a live service (database)", r"OperationalError|port 5432|Can't connect to MySQL"),
    ("unpatched network I/O (the sandbox has no network)", r"name resolution|Network is unreachable|ConnectError|"
     r"Errno 101|Errno -3|Errno -2\]"),
    ("abstract class / Protocol / unimplemented base instantiated", r"Can't instantiate abstract class|"
     r"Protocols cannot be instantiated|^NotImplementedError"),
    ("constructor call fails (missing args, inherited __init__)", r"__init__\(\) missing|required positional argument|"
     r"required keyword-only argument"),
    ("assigns a read-only attribute (property, frozen dataclass, __class__)", r"can't set attribute|"
     r"FrozenInstanceError|__class__ must be set|has no setter"),
    ("real instance lacks required state (not connected, no loop)", r"not connected|Connection lost|"
     r"no current event loop"),
    ("branch test expects a raise the code swallows or never reaches", r"DID NOT RAISE"),
    ("truthy MagicMock return/attribute takes an error branch", r"already exists|AlreadyExists|AlreadyVerified|"
     r"NotExists|DoesNotMatch|Forbidden|PolicyDenied|Rate limit exceeded|DuplicateValue|HTTPException|"
     r"Either a socket or a socket path|between instances of .*MagicMock|is already registered"),
    ("MagicMock passed where a real value/type is needed", r"MagicMock|must be str or bytes|Expecting a mapping|"
     r"^AttributeError: __name__"),
    ("placeholder literal fails the code's own validation/lookup", r"ValidationError|PydanticClassRequired|"
     r"Invalid base64|not enough values to unpack|not in list|Unknown login_type|KeyError|UnknownHashError|"
     r"No such file or directory|badly formed|no provided configuration|samesite must be|should either set|"
     r"requires a key|BadConfiguration"),
    ("test needs a fixture that is not defined", r"fixture '.*' not found"),
    ("AsyncMock side_effect/iterator exhausted (StopIteration)", r"StopIteration"),
]


def cause_of(message: str) -> str:
    """The first matching cause on the telling line (the exception), else on the whole text."""
    for cause, pattern in CAUSES[:4]:  # collection-level causes: whatever the exception line says
        if re.search(pattern, message):
            return cause
    key = key_error_line(message)
    for text in (key, message):
        for cause, pattern in CAUSES:
            if re.search(pattern, text, re.MULTILINE):
                return cause
    return "other"


def classify(message: str) -> str:
    if any(s in message for s in MOCK_SHAPE):
        return "mock-shape"
    if NEVER_AWAITED in message:
        return "never-awaited"
    return "other"


def summarize(project: dict, results: list[ModuleResult], changed: list[str]) -> dict:
    tests = [t for r in results for t in r.tests.values()]
    unit = [t for t in tests if t["kind"] == "unit"]

    def counts(items: list[dict]) -> dict:
        n = len(items)
        passed = sum(1 for t in items if t["outcome"] == "passed")
        return {"tests": n, "passed": passed,
                "failed": sum(1 for t in items if t["outcome"] == "failed"),
                "errors": sum(1 for t in items if t["outcome"] == "error"),
                "skipped": sum(1 for t in items if t["outcome"] == "skipped"),
                "xfailed": sum(1 for t in items if t["outcome"] == "xfailed"),
                "pass_rate": round(100.0 * passed / n, 1) if n else None}

    covs = [100.0 * r.body_covered / r.body_statements for r in results if r.body_statements and r.files]
    passing = [t for t in tests if t["outcome"] == "passed"]
    mutated = [t for t in passing if "kills_mutant" in t]
    summary = {
        "project": project["name"],
        "kind": project.get("kind"),
        "modules": len(results),
        "modules_scaffolded": sum(1 for r in results if r.files),
        "scaffold_failures": sum(1 for r in results if r.scaffold_rc != 0),
        **counts(tests),
        "by_kind": {k: counts([t for t in tests if t["kind"] == k]) for k in ("unit", "integration", "e2e")
                    if any(t["kind"] == k for t in tests)},
        "unit": counts(unit),
        "mock_shape_errors": sum(1 for t in tests if t["outcome"] in ("failed", "error")
                                 and classify(t["message"]) == "mock-shape"),
        "never_awaited_tests": sum(1 for t in tests if NEVER_AWAITED in t["message"]),
        "never_awaited_lines": sum(r.never_awaited_lines for r in results),
        "e2e_auth_tests": sum(1 for t in tests if t["kind"] == "e2e" and t.get("expects_401_403")),
        "e2e_auth_passed": sum(1 for t in tests if t["kind"] == "e2e" and t.get("expects_401_403")
                               and t["outcome"] == "passed"),
        "e2e_unauthenticated_tests": sum(1 for t in tests if t["kind"] == "e2e" and t.get("unauthenticated")),
        "e2e_unauthenticated_passed": sum(1 for t in tests if t["kind"] == "e2e" and t.get("unauthenticated")
                                          and t["outcome"] == "passed"),
        "no_assertion": sum(1 for t in tests if not t["asserts"]),
        "passing_no_assertion": sum(1 for t in passing if not t["asserts"]),
        "mean_body_coverage": round(sum(covs) / len(covs), 1) if covs else None,
        "seconds_per_module": round(sum(r.scaffold_seconds for r in results) / len(results), 2) if results else None,
        "max_seconds": max((r.scaffold_seconds for r in results), default=None),
        "cpu_seconds_per_module": round(sum(r.scaffold_cpu for r in results) / len(results), 2) if results else None,
        "max_cpu_seconds": max((r.scaffold_cpu for r in results), default=None),
        "idempotent": not changed,
        "cannot_fail_reported": sum(len((r.run or {}).get("cannot_fail", [])) for r in results),
        "needs_person_reported": sum(len((r.run or {}).get("needs_person", [])) for r in results),
        # drafted tests scaffold left out of the files as "needs a person" (its default; --keep-xfail writes them)
        "dropped": sum(len((r.run or {}).get("dropped", [])) for r in results),
        "mutant_checked_reported": sum((r.run or {}).get("mutant_checked", 0) for r in results),
        "changed_on_second_run": changed,
        "mutation": ({"passing_tests_checked": len(mutated),
                      "killing": sum(1 for t in mutated if t["kills_mutant"]),
                      "mutants": sum(len(r.mutants) for r in results),
                      "mutants_killed": sum(1 for r in results for m in r.mutants if m["killed_by"]),
                      "target_unknown": sum(1 for t in mutated if t.get("target") is None),
                      "target_without_mutant": sum(1 for t in mutated if t.get("target_mutants") == 0),
                      "flaky_on_rerun": sum(1 for t in mutated if t.get("flaky_on_rerun")),
                      "not_judged": sum(1 for t in mutated if not t.get("judged"))}
                     if mutated else None),
        "per_module": [{
            "module": r.module, "scaffold_rc": r.scaffold_rc, "seconds": r.scaffold_seconds,
            "message": r.scaffold_message, "files": r.files, "run": r.run, "cpu_seconds": r.scaffold_cpu, "pytest_rc": r.pytest_rc,
            "pytest_seconds": r.pytest_seconds, "timed_out": r.timed_out, **counts(list(r.tests.values())),
            "body_statements": r.body_statements, "body_covered": r.body_covered,
            "body_coverage": round(100.0 * r.body_covered / r.body_statements, 1) if r.body_statements else None,
            "collection_errors": r.collection_errors, "mutants": r.mutants,
            "test_results": {k: {**v, "key_line": key_error_line(v["message"]) if v["message"] else "",
                          "cause": cause_of(v["message"]) if v["outcome"] in ("failed", "error") else ""}
                      for k, v in r.tests.items()},
        } for r in results],
    }
    return summary


def causes_table(summaries: list[dict]) -> str:
    """Failing tests grouped by cause, with counts per project and one example each."""
    found: dict[str, dict] = {}
    for s in summaries:
        for m in s["per_module"]:
            for key, t in m["test_results"].items():
                if not t["cause"]:
                    continue
                entry = found.setdefault(t["cause"], {"n": 0, "projects": {}, "example": ""})
                entry["n"] += 1
                entry["projects"][s["project"]] = entry["projects"].get(s["project"], 0) + 1
                if not entry["example"]:
                    entry["example"] = f"{s['project']}: {key.split('::')[-1]} — {t['key_line'][:160]}"
    lines = ["| cause | failing tests | projects | example |", "|---|---|---|---|"]
    for cause, e in sorted(found.items(), key=lambda kv: -kv[1]["n"]):
        projects = ", ".join(f"{p} {n}" for p, n in sorted(e["projects"].items(), key=lambda kv: -kv[1]))
        example = e["example"].replace("|", "\\|")
        lines.append(f"| {cause} | {e['n']} | {projects} | {example} |")
    return "\n".join(lines)


def kinds_table(summaries: list[dict]) -> str:
    """Tests, passes and pass rate per kind (unit, integration, e2e), and the e2e 401/403 checks."""
    lines = ["| project | unit | integration | e2e | integration + e2e | e2e tests asserting 401/403 (passed) | "
             "of which sent no credentials (passed) |", "|---|---|---|---|---|---|---|"]
    for s in summaries:
        cells = []
        for kind in ("unit", "integration", "e2e"):
            c = s["by_kind"].get(kind)
            cells.append(f"{c['passed']}/{c['tests']} ({c['pass_rate']}%)" if c else "—")
        both = [s["by_kind"][k] for k in ("integration", "e2e") if k in s["by_kind"]]
        passed, total = sum(c["passed"] for c in both), sum(c["tests"] for c in both)
        cells.append(f"{passed}/{total} ({100.0 * passed / total:.1f}%)" if total else "—")
        lines.append(f"| {s['project']} | {' | '.join(cells)} | {s.get('e2e_auth_tests', 0)} "
                     f"({s.get('e2e_auth_passed', 0)}) | {s.get('e2e_unauthenticated_tests', 0)} "
                     f"({s.get('e2e_unauthenticated_passed', 0)}) |")
    return "\n".join(lines)


def _rate(passed: int, n: int) -> str:
    return f"{100.0 * passed / n:.1f}%" if n else "—"


def table(summaries: list[dict]) -> str:
    head = ("| project | modules | tests | passed | failed | errors | xfail (needs a person) | pass rate | "
            "left out (needs a person) | pass rate counting left-out as failing | "
            "mock-shape | never awaited | no assert (all/passing) | body cov | s/module (max) | CPU s/module (max) | "
            "idempotent | "
            "mutant-killing passing |")
    lines = [head, "|" + "---|" * 18]
    tot = {"modules": 0, "tests": 0, "passed": 0, "failed": 0, "errors": 0, "mock": 0, "never": 0, "noa": 0,
           "noap": 0, "secs": 0.0, "cpu": 0.0, "cpumax": 0.0, "covs": [], "idem": 0, "mk": 0, "mc": 0, "xfailed": 0,
           "dropped": 0}
    for s in summaries:
        mut = s["mutation"]
        mut_text = f"{mut['killing']}/{mut['passing_tests_checked']}" if mut else "—"
        rate = f"{s['pass_rate']}%" if s["pass_rate"] is not None else "—"
        cov = f"{s['mean_body_coverage']}%" if s["mean_body_coverage"] is not None else "—"
        lines.append(f"| {s['project']} | {s['modules']} | {s['tests']} | {s['passed']} | {s['failed']} | "
                     f"{s['errors']} | {s['xfailed']} | {rate} | {s.get('dropped', 0)} | "
                     f"{_rate(s['passed'], s['tests'] + s.get('dropped', 0))} | "
                     f"{s['mock_shape_errors']} | {s['never_awaited_tests']} | "
                     f"{s['no_assertion']}/{s['passing_no_assertion']} | {cov} | {s['seconds_per_module']} "
                     f"({s['max_seconds']}) | {s['cpu_seconds_per_module']} ({s['max_cpu_seconds']}) | "
                     f"{'yes' if s['idempotent'] else 'NO'} | {mut_text} |")
        tot["modules"] += s["modules"]
        for k in ("tests", "passed", "failed", "errors", "xfailed"):
            tot[k] += s[k]
        tot["dropped"] += s.get("dropped", 0)
        tot["mock"] += s["mock_shape_errors"]
        tot["never"] += s["never_awaited_tests"]
        tot["noa"] += s["no_assertion"]
        tot["noap"] += s["passing_no_assertion"]
        tot["secs"] += s["seconds_per_module"] * s["modules"] if s["seconds_per_module"] else 0
        tot["cpu"] += s["cpu_seconds_per_module"] * s["modules"] if s["cpu_seconds_per_module"] else 0
        tot["cpumax"] = max(tot["cpumax"], s["max_cpu_seconds"] or 0)
        tot["covs"] += [m["body_coverage"] for m in s["per_module"] if m["body_coverage"] is not None and m["files"]]
        tot["idem"] += 1 if s["idempotent"] else 0
        if mut:
            tot["mk"] += mut["killing"]
            tot["mc"] += mut["passing_tests_checked"]
    rate = f"{100.0 * tot['passed'] / tot['tests']:.1f}%" if tot["tests"] else "—"
    cov = f"{sum(tot['covs']) / len(tot['covs']):.1f}%" if tot["covs"] else "—"
    secs = f"{tot['secs'] / tot['modules']:.2f}" if tot["modules"] else "—"
    lines.append(f"| **all** | {tot['modules']} | {tot['tests']} | {tot['passed']} | {tot['failed']} | "
                 f"{tot['errors']} | {tot['xfailed']} | {rate} | {tot['dropped']} | "
                 f"{_rate(tot['passed'], tot['tests'] + tot['dropped'])} | {tot['mock']} | {tot['never']} | {tot['noa']}/{tot['noap']} | {cov} | "
                 f"{secs} | {tot['cpu'] / tot['modules'] if tot['modules'] else 0:.2f} ({tot['cpumax']}) | "
                 f"{tot['idem']}/{len(summaries)} | "
                 f"{(str(tot['mk']) + '/' + str(tot['mc'])) if tot['mc'] else '—'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="folder holding <project>/tree and <project>/venv")
    parser.add_argument("--gapfinder", type=Path, required=True, help="the gapfinder executable to measure")
    parser.add_argument("--kind", choices=["unit", "all"], default="unit")
    parser.add_argument("--json", type=Path, help="write the full results (every test and message) here")
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus.json")
    parser.add_argument("--project", action="append", help="only these projects (repeatable)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per pytest run")
    parser.add_argument("--scaffold-timeout", type=float, default=120, help="seconds per scaffold run")
    parser.add_argument("--mutants", type=int, default=0,
                        help="mutants each passing test is judged by, on lines it ran (0: no mutation testing)")
    parser.add_argument("--mutant-timeout", type=float, default=10, help="seconds per test run on a mutant")
    parser.add_argument("--pytest-arg", action="append", default=[], dest="pytest_extra",
                        help="extra argument for every pytest run, for diagnosis (e.g. --pytest-arg=--noconftest)")
    parser.add_argument("--static", action="store_true",
                        help="scaffold with --no-run (static drafts), as before the run-and-adapt loop")
    parser.add_argument("--setup", action="store_true", help="lay missing trees and venvs from corpus.json first")
    parser.add_argument("--setup-only", action="store_true", help="lay trees and venvs, measure nothing")
    parser.add_argument("--mirror", default="/work/.mirror", help="folder of git mirrors for --setup")
    args = parser.parse_args(argv)
    args.work = args.work.resolve()
    args.gapfinder = args.gapfinder.resolve()
    corpus = json.loads(args.corpus.read_text())
    projects = [p for p in corpus["projects"] if not args.project or p["name"] in args.project]
    if args.setup or args.setup_only:
        for project in projects:
            setup_project(project, args.work, args.mirror)
        if args.setup_only:
            return 0
    net = network_prefix()
    if not net:
        log("note: `unshare -rn` is not available here: generated tests run WITH network access")
    summaries = []
    started = time.time()
    for project in projects:
        if not (args.work / project["name"] / "venv" / "bin" / "python").exists():
            log(f"skip {project['name']}: no venv (run with --setup)")
            continue
        summaries.append(measure_project(project, args, net))
    print(table(summaries))
    if args.kind == "all":
        print()
        print(kinds_table(summaries))
    print()
    print(causes_table(summaries))
    print(f"\nnetwork: {'cut off (unshare -rn)' if net else 'NOT cut off'}; kind: {args.kind}; "
          f"{time.time() - started:.0f} s in all")
    if args.json:
        args.json.write_text(json.dumps({"format_version": 1, "gapfinder": str(args.gapfinder), "kind": args.kind,
                                         "network_cut": bool(net), "projects": summaries}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
