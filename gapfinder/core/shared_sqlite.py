"""SQLite files that several gapfinder runs use at once: the analysis cache and the progress history.

Two CI jobs, a pre-commit hook and a developer may run together, so every connection uses WAL mode
(readers never wait for a writer) and waits up to BUSY_SECONDS for another run's lock.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_SECONDS = 30


def connect_shared(path: Path) -> sqlite3.Connection:
    """An autocommit connection (callers issue BEGIN IMMEDIATE) to `path` in WAL mode."""
    connection = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        _switch_to_wal(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode, waiting out other writers.

    While another connection holds a write lock on a file not yet in WAL mode (a run creating it),
    SQLite answers the mode change with "database is locked" at once instead of calling the busy
    handler, to avoid a deadlock; we retry until the usual timeout. The mode persists in the file,
    so this waits only while a new file is being created.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            if connection.execute("PRAGMA journal_mode = WAL").fetchone() is None:
                raise sqlite3.DatabaseError("cannot set journal mode")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
