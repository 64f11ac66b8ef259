"""One self-contained HTML page: summary figures, a treemap of the code base, the ranked table,
per-module detail and the progress history. No network: CSS, script and data are inlined.

The data travels as compact JSON arrays (module fields by position, test files and importers by
index), and the page draws the treemap aggregated by package and pages the table, so a
10,000-module project stays a few megabytes and opens in about a second. The modules' source (for
the view of the lines no test ran) travels gzip-compressed in a script element of its own, read
only when a source view is opened; past SOURCE_BUDGET characters the lower-ranked modules go
without it, so the page stays small on large projects.
"""

from __future__ import annotations

import base64
import gzip
import json
from importlib.resources import files
from pathlib import Path
from typing import Any, Sequence

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from gapfinder import __version__
from gapfinder.core.source import UndecodableSource, read_source
from gapfinder.model import ModuleDetail, Ranked, RankResult
from gapfinder.reports.ranges import line_spans, span_text

# Positions in a module array; report.js reads them through the same names (keep in step).
MODULE_FIELDS = ("name", "path", "score", "coverage", "statements", "missed", "test_type",
                 "test_type_reason", "reasons", "tests", "importers", "callers", "missed_lines",
                 "functions", "branch_coverage", "changed_missed", "callers_total")
FUNCTION_FIELDS = ("qualname", "line", "statements", "missed", "coverage", "complexity", "score")
CALLERS_SHOWN = 50  # the page lists this many callers of a module, and counts the rest
HISTORY_LIMIT = 500
SOURCE_BUDGET = 8_000_000  # characters of source embedded (about 2 MB once compressed), by score


def _ranges(lines: Sequence[int]) -> str:
    """(3, 4, 5, 9) -> "3-5,9": line ranges as one short string."""
    return ",".join(span_text(a, b) for a, b in line_spans(lines))


def _module(detail: ModuleDetail, index: dict[str, int], tests: dict[str, int],
            strings: dict[str, int]) -> list[Any]:
    row = detail.row
    return [
        row.name, row.path, row.score, row.coverage, row.statements, row.missed, row.test_type,
        strings.setdefault(row.test_type_reason, len(strings)), list(row.reasons),
        [tests.setdefault(t, len(tests)) for t in row.tests],
        [index[m] for m in detail.importers if m in index],
        list(detail.callers[:CALLERS_SHOWN]),
        _ranges(detail.missed_lines),
        [[f.row.name.partition(":")[2], f.row.line, f.row.statements, f.row.missed,
          f.row.coverage, f.row.complexity, f.row.score] for f in detail.functions],
        row.branch_coverage,
        _ranges(detail.changed_missed),
        len(detail.callers),
    ]


def _function_row(row: Ranked, index: dict[str, int]) -> list[Any]:
    module, _, qualname = row.name.partition(":")
    return [index.get(module, -1), qualname, row.line, row.score, row.coverage, row.missed, row.statements,
            row.test_type, row.reasons[1] if len(row.reasons) > 1 else row.reasons[0] if row.reasons else ""]


def _history(root: str) -> list[list[Any]]:
    from gapfinder.progress.ledger import LedgerError, history

    try:
        snapshots = history(Path(root), HISTORY_LIMIT)
    except LedgerError:
        return []
    return [[s.taken_at, s.finished, s.tests, s.scaffolded, s.line_coverage] for s in snapshots]


def report_data(result: RankResult) -> dict[str, Any]:
    """The page's data: every module (from result.details), the ranked rows and the history."""
    details = result.details
    index = {d.row.name: i for i, d in enumerate(details)}
    tests: dict[str, int] = {}
    strings: dict[str, int] = {}  # repeated texts (test-kind reasons), sent once
    modules = [_module(d, index, tests, strings) for d in details]
    s = result.summary
    top = [index[r.name] for r in result.rows if r.name in index] if result.by == "module" else []
    return {
        "version": __version__,
        "project": Path(s.root).name or s.root,
        "by": result.by,
        "diff": result.diff_base,
        "summary": {
            "modules": s.modules, "measured": s.measured, "unmeasured": s.unmeasured, "skipped": s.skipped,
            "untested": s.untested, "line_coverage": s.line_coverage, "branch_coverage": s.branch_coverage,
            "coverage_source": s.coverage_source, "git": s.git, "since": s.since,
            "git_commits": s.git_commits, "git_fixes": s.git_fixes, "seconds": s.seconds,
        },
        "fields": list(MODULE_FIELDS),
        "modules": modules,
        "top": top,
        "rows": [_function_row(r, index) for r in result.rows] if result.by == "function" else [],
        "tests": sorted(tests, key=tests.__getitem__),
        "strings": sorted(strings, key=strings.__getitem__),
        "history": _history(s.root),
    }


def source_blob(result: RankResult, budget: int = SOURCE_BUDGET) -> str:
    """Base64 of gzip of {module index: source text}, highest scores first until the budget is spent.

    Indexes are those of report_data's modules; a module whose file cannot be read is left out
    (the page says so). The text is as the analysis read it, so line numbers agree.
    """
    root = Path(result.summary.root)
    sources: dict[str, str] = {}
    spent = 0
    for i, detail in enumerate(result.details):
        try:
            text = read_source(root / detail.row.path)
        except (OSError, UndecodableSource):
            continue
        if spent + len(text) > budget:
            break
        sources[str(i)] = text
        spent += len(text)
    packed = gzip.compress(json.dumps(sources, separators=(",", ":")).encode("utf-8"), mtime=0)
    return base64.b64encode(packed).decode("ascii")


def _asset(name: str) -> str:
    return files("gapfinder.templates").joinpath(name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no "</script>", no "<!--"."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def rank_html(result: RankResult) -> str:
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string(_asset("report.html.j2"))
    data = report_data(result)
    return template.render(
        title=f"gapfinder: test gaps in {data['project']}",
        css=Markup(_asset("report.css")),
        script=Markup(_asset("report.js")),
        data=Markup(_script_json(data)),
        source=source_blob(result),
    )
