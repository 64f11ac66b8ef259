"""The history of `gapfinder progress --record`: snapshots in <project>/.gapfinder/progress.sqlite.

Safe under concurrent runs (two CI jobs, a pre-commit hook and a developer at once): WAL journal,
a busy timeout, and one IMMEDIATE transaction per snapshot, so a snapshot is either all there or
not there at all.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Mapping

from gapfinder.core.files import cache_folder
from gapfinder.core.shared_sqlite import connect_shared
from gapfinder.errors import GapfinderError

LEDGER = Path(".gapfinder") / "progress.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    taken_at TEXT NOT NULL,
    git_commit TEXT,
    tests INTEGER NOT NULL,
    cases INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    scaffolded INTEGER NOT NULL,
    line_coverage REAL,
    branch_coverage REAL
);
CREATE TABLE IF NOT EXISTS snapshot_kind (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
    kind TEXT NOT NULL,
    tests INTEGER NOT NULL,
    cases INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    scaffolded INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, kind)
);
"""


@dataclass(frozen=True)
class KindTotals:
    tests: int
    cases: int
    finished: int
    scaffolded: int


@dataclass(frozen=True)
class Snapshot:
    taken_at: str  # ISO 8601, UTC
    git_commit: str | None
    tests: int
    cases: int
    finished: int
    scaffolded: int
    line_coverage: float | None
    branch_coverage: float | None
    kinds: Mapping[str, KindTotals]


class LedgerError(GapfinderError):
    """The progress history cannot be read or written."""


def record(root: Path, snapshot: Snapshot) -> None:
    """Append one snapshot (one transaction)."""
    with _connect(root) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute(
                "INSERT INTO snapshot (taken_at, git_commit, tests, cases, finished, scaffolded,"
                " line_coverage, branch_coverage) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (snapshot.taken_at, snapshot.git_commit, snapshot.tests, snapshot.cases, snapshot.finished,
                 snapshot.scaffolded, snapshot.line_coverage, snapshot.branch_coverage),
            )
            db.executemany(
                "INSERT INTO snapshot_kind VALUES (?, ?, ?, ?, ?, ?)",
                [(cursor.lastrowid, kind, t.tests, t.cases, t.finished, t.scaffolded)
                 for kind, t in snapshot.kinds.items()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def history(root: Path, limit: int) -> tuple[Snapshot, ...]:
    """The last `limit` snapshots, oldest first; () when nothing was recorded yet."""
    if not (root / LEDGER).is_file():
        return ()
    with _connect(root) as db:
        rows = db.execute(
            "SELECT id, taken_at, git_commit, tests, cases, finished, scaffolded, line_coverage,"
            " branch_coverage FROM snapshot ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        ids = [r[0] for r in rows]
        kinds: dict[int, dict[str, KindTotals]] = {i: {} for i in ids}
        marks = ",".join("?" * len(ids))
        for sid, kind, *totals in db.execute(
            f"SELECT snapshot_id, kind, tests, cases, finished, scaffolded FROM snapshot_kind"
            f" WHERE snapshot_id IN ({marks}) ORDER BY kind", ids
        ):
            kinds[sid][kind] = KindTotals(*totals)
    return tuple(Snapshot(*r[1:], kinds=kinds[r[0]]) for r in reversed(rows))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@contextmanager
def _connect(root: Path) -> Iterator[sqlite3.Connection]:
    """An autocommit connection (we issue BEGIN/COMMIT) with the schema in place; errors -> LedgerError."""
    path = root / LEDGER
    try:
        cache_folder(path.parent)
    except OSError as exc:
        raise LedgerError(f"cannot open {path}: {exc}.") from None
    try:
        db = connect_shared(path)
    except sqlite3.Error as exc:
        raise _unusable(path, exc) from None
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(f"{path} was written by a newer gapfinder (schema {version}).",
                              hint="Upgrade gapfinder, or move the file away to start a new history.")
        if version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        yield db
    except sqlite3.Error as exc:
        raise _unusable(path, exc) from None
    finally:
        db.close()


def _unusable(path: Path, exc: sqlite3.Error) -> LedgerError:
    return LedgerError(f"{path} is not a usable progress history: {exc}.",
                       hint="Move it away to start a new history.")

