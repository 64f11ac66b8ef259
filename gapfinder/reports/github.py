"""GitHub Actions workflow commands: an annotation per ranked row, shown on the pull request's diff.

`::warning file=F,line=A,endLine=B,title=T::message`, escaped as the runner decodes them. In
pull-request mode (--diff) each annotation sits on the first changed lines no test ran and names
them all; otherwise on the first lines no test ran in the module or function (a notice). GitHub
shows at most 10 warnings per step, so the rows come in rank order and what --top hid is said.
"""

from __future__ import annotations

from gapfinder.model import Ranked, RankResult
from gapfinder.reports.change import change_sentence, change_summary, details_by_path, finding_lines, hidden_sentence
from gapfinder.reports.escape import gh_data, gh_property
from gapfinder.reports.ranges import line_ranges, line_spans


def _annotation(row: Ranked, lines: tuple[int, ...], prefix: str, diff: bool) -> str:
    start, end = next(iter(line_spans(lines)), (max(1, row.line), max(1, row.line)))
    cover = "unmeasured" if row.coverage is None else f"{row.coverage:.0f}% covered"
    what = f"changed lines {line_ranges(lines)} ran under no test" if diff else f"{row.missed} statements ran under no test"
    message = (f"{row.name}: {what} (score {row.score:.1f}, {cover}); test first: {row.test_type}. "
               f"Why: {'; '.join(row.reasons)}.")
    level = "warning" if diff else "notice"
    properties = f"file={gh_property(prefix + row.path)},line={start},endLine={end},title={gh_property('test gap: ' + row.name)}"
    return f"::{level} {properties}::{gh_data(message)}"


def rank_github(result: RankResult) -> str:
    details, change = details_by_path(result), change_summary(result)
    prefix = result.summary.repo_prefix
    out = [_annotation(row, finding_lines(row, details, change is not None), prefix, change is not None)
           for row in result.rows]
    if result.hidden:
        out.append(f"::notice title=gapfinder::{gh_data(hidden_sentence(result))}")
    if change is not None:
        out.append(f"::notice title=gapfinder::{gh_data(f'change since {change.base}: {change_sentence(change)}')}")
    return "\n".join(out) + ("\n" if out else "")
