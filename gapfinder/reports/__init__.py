"""Reporters: one function per command and format, found through one registry.

A reporter takes a command's result and returns the text for stdout. `formats(command)` is the only
list of a command's formats (the CLI builds its `--format` choices from it); `render` finds the
reporter and imports its module only when it is used, so a JSON run never loads jinja2 or rich.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

from gapfinder.core.memory import paused_gc
from gapfinder.reports.escape import terminal_safe

Reporter = Callable[[Any], str]

# command -> format -> "module:function" under gapfinder.reports; the first format is the default.
REGISTRY: Mapping[str, Mapping[str, str]] = {
    "rank": {
        "table": "table:rank_table",
        "json": "json_report:rank_json",
        "markdown": "markdown:rank_markdown",
        "html": "html:rank_html",
        "sarif": "sarif:rank_sarif",
        "github": "github:rank_github",
    },
    "backtest": {
        "table": "backtest:backtest_table",
        "json": "backtest:backtest_json",
    },
    "progress": {
        "table": "progress:progress_table",
        "json": "progress:progress_json",
        "markdown": "progress:progress_markdown",
    },
    "scaffold": {
        "text": "scaffold:scaffold_diffs",
        "json": "scaffold:scaffold_json",
    },
    "doctor": {
        "text": "doctor:doctor_text",
        "json": "doctor:doctor_json",
        "markdown": "doctor:doctor_markdown",
        "sarif": "doctor:doctor_sarif",
    },
    "suite": {  # doctor --run
        "text": "suite:suite_text",
        "json": "suite:suite_json",
        "markdown": "suite:suite_markdown",
        "sarif": "suite:suite_sarif",
    },
}


def formats(command: str) -> tuple[str, ...]:
    return tuple(REGISTRY[command])


def reporter(command: str, fmt: str) -> Reporter:
    module, _, function = REGISTRY[command][fmt].partition(":")
    return getattr(importlib.import_module(f"gapfinder.reports.{module}"), function)


# Formats whose every string is JSON-escaped (no raw control character can reach a terminal).
_JSON_FORMATS = frozenset({"json", "sarif"})


def render(command: str, fmt: str, result: Any) -> str:
    """The report of `result` in `fmt`, ending with a newline; control characters from the analysed
    tree (file names, code) are escaped, so printing a report cannot drive the terminal."""
    with paused_gc():  # a report of 10,000 rows is ~100,000 acyclic dicts and lists
        text = reporter(command, fmt)(result)
    text = text if not text or text.endswith("\n") else text + "\n"
    return text if fmt in _JSON_FORMATS else terminal_safe(text)
