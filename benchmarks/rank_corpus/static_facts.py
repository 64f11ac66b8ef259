#!/usr/bin/env python3
"""Static facts gapfinder's score does not carry yet, per module, for the no-history screens.

The density model without history sees complexity (sum and maximum), risk markers, centrality,
the coverage gap, missed statements and lines. This reads each module's source once more (stdlib
`ast` and `tokenize`; gapfinder's reader of coverage.py data files only for the spread) and counts
what those leave out: error handling, imports (project / standard library / third party),
functions and classes and their length, nesting, parameters, TODO-style comments, string
formatting and regular expressions, decorators, async code, module-level mutable state, where the
missed statements are per function (WORK/<project>/<sha12>/coverage.sqlite, when the snapshot was
measured), and the tokens of the module's path (for a name prior).

    python benchmarks/rank_corpus/static_facts.py FEATURES WORK OUT

adds them to an export of run_corpus.py --features (FEATURES, written to OUT): each snapshot
gets "static", one dict per path, read from WORK/<project>/<sha12>/tree (the checkout at C that
run_corpus.py made). run_corpus.py --features records them itself for new exports.
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tokenize
from pathlib import Path

TODO = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b")
BROAD = {"Exception", "BaseException"}
MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque", "WeakValueDictionary",
                 "WeakKeyDictionary"}
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.With, ast.AsyncWith) + \
    ((ast.Match,) if hasattr(ast, "Match") else ()) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
COUNTS = ("handlers", "broad_handlers", "raises", "functions", "classes", "params", "params_max",
          "func_lines_mean", "func_lines_max", "nesting_max", "todo", "comments", "fstrings",
          "percent_format", "format_calls", "regex", "decorators", "async_defs", "awaits", "globals",
          "mutable_globals", "asserts", "lambdas", "comprehensions", "isinstance", "bool_ops", "returns",
          "calls", "annotated_share", "imports_project", "imports_stdlib", "imports_third", "string_literals",
          "self_attrs", "depth", "crap_sum", "crap_fmax", "missed_complex")
COMPLEX = 5  # a function of this cyclomatic complexity or more counts as complex
BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.IfExp, ast.ExceptHandler, ast.Assert, ast.comprehension)


def _top(name: str) -> str:
    return name.split(".", 1)[0]


class _Scan(ast.NodeVisitor):
    def __init__(self, project_tops: set[str]):
        self.c = dict.fromkeys(COUNTS, 0.0)
        self.project_tops = project_tops
        self.imports: dict[str, set[str]] = {"project": set(), "stdlib": set(), "third": set()}
        self.func_lines: list[int] = []
        self.args_seen = self.args_annotated = 0
        self.depth = 0

    def _block(self, node):
        self.depth += 1
        self.c["nesting_max"] = max(self.c["nesting_max"], self.depth)
        self.generic_visit(node)
        self.depth -= 1

    visit_If = visit_For = visit_AsyncFor = visit_While = visit_With = visit_AsyncWith = _block
    visit_Match = _block

    def visit_Try(self, node):
        for h in node.handlers:
            self.c["handlers"] += 1
            t = h.type
            names = [t] if t is None or not isinstance(t, ast.Tuple) else t.elts
            if any(n is None or (isinstance(n, ast.Name) and n.id in BROAD) for n in names):
                self.c["broad_handlers"] += 1
        self._block(node)

    visit_TryStar = visit_Try

    def visit_Raise(self, node):
        self.c["raises"] += 1
        self.generic_visit(node)

    def _function(self, node, is_async: bool):
        self.c["functions"] += 1
        self.c["async_defs"] += is_async
        self.c["decorators"] += len(node.decorator_list)
        a = node.args
        every = a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]
        named = [x for x in every if x.arg not in ("self", "cls")]
        self.c["params"] += len(named)
        self.c["params_max"] = max(self.c["params_max"], len(named))
        self.args_seen += len(named) + 1
        self.args_annotated += sum(x.annotation is not None for x in named) + (node.returns is not None)
        self.func_lines.append((getattr(node, "end_lineno", node.lineno) or node.lineno) - node.lineno + 1)
        saved, self.depth = self.depth, 0  # nesting counts inside one function
        self.generic_visit(node)
        self.depth = saved

    def visit_FunctionDef(self, node):
        self._function(node, False)

    def visit_AsyncFunctionDef(self, node):
        self._function(node, True)

    def visit_ClassDef(self, node):
        self.c["classes"] += 1
        self.c["decorators"] += len(node.decorator_list)
        self.generic_visit(node)

    def visit_Await(self, node):
        self.c["awaits"] += 1
        self.generic_visit(node)

    def visit_Global(self, node):
        self.c["globals"] += 1

    visit_Nonlocal = visit_Global

    def visit_Assert(self, node):
        self.c["asserts"] += 1
        self.generic_visit(node)

    def visit_Lambda(self, node):
        self.c["lambdas"] += 1
        self.generic_visit(node)

    def _comp(self, node):
        self.c["comprehensions"] += 1
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp

    def visit_BoolOp(self, node):
        self.c["bool_ops"] += len(node.values) - 1
        self.generic_visit(node)

    def visit_Return(self, node):
        self.c["returns"] += 1
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        self.c["fstrings"] += 1
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            self.c["string_literals"] += 1

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Mod) and isinstance(node.left, (ast.Constant, ast.JoinedStr)) \
                and isinstance(getattr(node.left, "value", ""), str):
            self.c["percent_format"] += 1
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            self.c["self_attrs"] += 1
        self.generic_visit(node)

    def visit_Call(self, node):
        self.c["calls"] += 1
        f = node.func
        if isinstance(f, ast.Attribute):
            if f.attr == "format" and isinstance(f.value, ast.Constant) and isinstance(f.value.value, str):
                self.c["format_calls"] += 1
            if isinstance(f.value, ast.Name) and f.value.id in ("re", "regex"):
                self.c["regex"] += 1
        elif isinstance(f, ast.Name) and f.id == "isinstance":
            self.c["isinstance"] += 1
        self.generic_visit(node)

    def _import(self, name: str, relative: bool):
        if relative or _top(name) in self.project_tops:
            self.imports["project"].add(name)
        elif _top(name) in sys.stdlib_module_names:
            self.imports["stdlib"].add(_top(name))
        else:
            self.imports["third"].add(_top(name))

    def visit_Import(self, node):
        for a in node.names:
            self._import(a.name, False)

    def visit_ImportFrom(self, node):
        self._import(node.module or "", bool(node.level))


def _module_state(tree: ast.Module) -> int:
    """Module-level names bound to a mutable container (a literal or a constructor call)."""
    n = 0
    for stmt in tree.body:
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
            n += 1
        elif isinstance(value, ast.Call):
            f = value.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            n += name in MUTABLE_CALLS
    return n


def _own_nodes(fn):
    """The nodes of a function's body, not those of functions or classes defined inside it."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node)
                     if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)))


def _spread(tree: ast.Module, executed: frozenset[int] | None) -> dict[str, float]:
    """Where the missed statements are, per function: the sum and the largest of each function's
    CRAP (complexity squared times its missed share) and the missed statements of complex functions.
    Without coverage of the file every statement counts as missed (gapfinder's unmeasured = gap 1)."""
    crap_sum = crap_max = missed_complex = 0.0
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        cc, stmts = 1, set()
        for node in _own_nodes(fn):
            if isinstance(node, BRANCHES):
                cc += 1 + (len(node.ifs) if isinstance(node, ast.comprehension) else 0)
            elif isinstance(node, ast.BoolOp):
                cc += len(node.values) - 1
            if isinstance(node, ast.stmt) and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                stmts.add(node.lineno)
        if not stmts:
            continue
        missed = len(stmts) if executed is None else len(stmts - executed)
        crap = cc * cc * missed / len(stmts)
        crap_sum += crap
        crap_max = max(crap_max, crap)
        missed_complex += missed if cc >= COMPLEX else 0
    return {"crap_sum": crap_sum, "crap_fmax": crap_max, "missed_complex": missed_complex}


def _comments(source: str) -> tuple[int, int]:
    comments = todo = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments += 1
                todo += bool(TODO.search(tok.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return comments, todo


def tokens(path: str) -> list[str]:
    """Lower-case words of a module's path below its top package: `hc/api/views.py` -> api, views."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    words = []
    for part in parts[1:] or parts:
        words.extend(w for w in re.split(r"[^a-z0-9]+", part.lower()) if w)
        if part == "__init__":
            words.append("__init__")
    return sorted(set(words))


def of_source(source: str, path: str, project_tops: set[str], executed: frozenset[int] | None = None) -> dict:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {"tokens": tokens(path), **dict.fromkeys(COUNTS, 0.0)}
    scan = _Scan(project_tops)
    scan.visit(tree)
    c = scan.c
    if scan.func_lines:
        c["func_lines_mean"] = sum(scan.func_lines) / len(scan.func_lines)
        c["func_lines_max"] = float(max(scan.func_lines))
    c["annotated_share"] = scan.args_annotated / scan.args_seen if scan.args_seen else 0.0
    c["mutable_globals"] = float(_module_state(tree))
    c["comments"], c["todo"] = _comments(source)
    for kind, names in scan.imports.items():
        c[f"imports_{kind}"] = float(len(names))
    c["depth"] = float(path.count("/"))
    c.update(_spread(tree, executed))
    return {"tokens": tokens(path), **{k: float(v) for k, v in c.items()}}


def executed_lines(coverage: Path) -> dict[Path, frozenset[int]]:
    """Resolved file path -> executed lines, from a coverage.py data file recorded with absolute
    paths (gapfinder's reader; fresh.py uses it too)."""
    from gapfinder.rank.coverage_sqlite import read_executed  # noqa: PLC0415  (gapfinder's reader)
    data = read_executed(coverage, True) or {}  # branch data (run_corpus.py measures --branch)
    if not any(lines for lines, _ in data.values()):
        data = read_executed(coverage, False) or {}  # line data
    return {Path(k).resolve(): v[0] for k, v in data.items()}


def of_tree(tree: Path, paths: list[str], coverage: Path | None = None) -> list[dict]:
    """One dict per path: the counts above and the path's tokens (`coverage`: a coverage.py data
    file of the tree, recorded with absolute paths, for the spread of missed statements)."""
    executed = executed_lines(coverage) if coverage is not None else {}
    tops = {p.split("/")[0] for p in paths} | {p.split("/")[1] for p in paths if p.count("/") > 1}
    tops = {t[:-3] if t.endswith(".py") else t for t in tops} - {"src"}
    out = []
    for p in paths:
        source = (tree / p).read_bytes().decode("utf-8", "replace")
        out.append(of_source(source, p, tops, executed.get((tree / p).resolve())))
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    features, work, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    records = json.loads(features.read_text())
    for r in records:
        sdir = work / r["project"] / r["commit"][:12]
        r["static"] = of_tree(sdir / "tree", r["paths"], sdir / "coverage.sqlite" if r["coverage"] else None)
    out.write_text(json.dumps(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
