"""Runs that share a SQLite file wait for each other instead of failing (the race CI met).

While one connection holds a write lock on a file not yet in WAL mode, SQLite refuses another's
switch to WAL at once, without calling its busy handler.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest

from gapfinder.progress import ledger
from gapfinder.rank.cache import FILENAME, AnalysisCache


def _hold_write_lock(path: Path, seconds: float) -> threading.Timer:
    """Another run creating `path`: a write lock in rollback mode, released after `seconds`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    creator = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    creator.execute("BEGIN IMMEDIATE")
    creator.execute("CREATE TABLE placeholder (x)")
    release = threading.Timer(seconds, lambda: (creator.execute("COMMIT"), creator.close()))
    release.start()
    return release


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    timers: list[threading.Timer] = []
    yield lambda path: timers.append(_hold_write_lock(path, 0.5))
    for timer in timers:
        timer.join()


def test_progress_record_waits_for_the_lock(tmp_path: Path, locked: Callable[[Path], None]) -> None:
    locked(tmp_path / ledger.LEDGER)
    snap = ledger.Snapshot("t", None, 7, 0, 0, 0, None, None, {"unit": ledger.KindTotals(7, 0, 0, 0)})
    ledger.record(tmp_path, snap)
    assert [s.tests for s in ledger.history(tmp_path, 10)] == [7]


def test_analysis_cache_waits_for_the_lock(tmp_path: Path, locked: Callable[[Path], None]) -> None:
    locked(tmp_path / FILENAME)
    cache, warnings = AnalysisCache.open(tmp_path)
    assert warnings == []
    assert cache is not None
    assert cache.connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    cache.close()
