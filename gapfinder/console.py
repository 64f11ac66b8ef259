"""All terminal output except reports: messages, warnings and progress go to stderr.

stdout carries reports, JSON and diffs only, so `gapfinder rank --format json > out.json` and
pipes stay clean.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gapfinder.model import ProgressFn
from gapfinder.reports.escape import terminal_safe

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(terminal_safe(message))}", markup=True)


def info(message: str) -> None:
    err.print(terminal_safe(message), markup=False)


def error(message: str) -> None:
    err.print(f"[red]error:[/] {escape(terminal_safe(message))}", markup=True)


@contextmanager
def progress(quiet: bool = False) -> Iterator[ProgressFn]:
    """A ProgressFn that draws a bar on a terminal's stderr once a stage has run for a second."""
    if quiet or not sys.stderr.isatty():
        yield lambda stage, done, total: None
        return
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=True,
    )
    tasks: dict[str, int] = {}
    started = time.monotonic()

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            if time.monotonic() - started < 1.0 and done < total:
                return
            if not bar.live.is_started:
                bar.start()
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    try:
        yield report
    finally:
        if bar.live.is_started:
            bar.stop()
