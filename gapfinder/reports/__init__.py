"""Report renderers: one module per format behind one function per command."""

from __future__ import annotations

from gapfinder.model import RankResult


def render_rank(result: RankResult, fmt: str) -> str:
    """The rank report as text in the chosen format: "table", "json", "markdown", "html" or "sarif"."""
    if fmt == "html":
        from gapfinder.reports.html import rank_html

        return rank_html(result)
    if fmt == "sarif":
        from gapfinder.reports.sarif import rank_sarif

        return rank_sarif(result)
    if fmt == "markdown" and result.diff_base is not None:
        from gapfinder.reports.pr import rank_pr_markdown

        return rank_pr_markdown(result)
    if fmt == "json":
        from gapfinder.reports.json_report import rank_json

        return rank_json(result)
    if fmt == "markdown":
        from gapfinder.reports.markdown import rank_markdown

        return rank_markdown(result)
    from gapfinder.reports.table import rank_table

    return rank_table(result)
