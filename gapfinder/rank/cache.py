"""Per-file analysis cache: one SQLite file under <project>/.gapfinder/, keyed by content hash.

A row is (path, mtime_ns, size, digest, encoded result (codec.py)). An unchanged stat (mtime and
size) is trusted without reading the file; otherwise the content hash decides. The schema key
holds the tool and Python versions and a hash of the analysis code, so changing any of them
starts a fresh cache. WAL mode and a busy timeout let concurrent runs share the file; rows are
written in batches, each one transaction, and a run that cannot write still succeeds. A corrupt
file is deleted and rebuilt, with a warning.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import Iterable, Iterator

from gapfinder import __version__
from gapfinder.core.files import cache_folder
from gapfinder.core.shared_sqlite import connect_shared

FILENAME = "analysis.sqlite3"
_PACKAGE = Path(__file__).resolve().parent.parent
# The modules whose code decides what an entry holds: editing any of them (even without a
# version bump, as in development) starts a fresh cache.
_ANALYSIS_MODULES = ("rank/analysis.py", "rank/astscan.py", "rank/astexpr.py", "rank/exclusions.py",
                     "rank/markers.py", "rank/codec.py", "core/source.py", "core/symbols.py")


def code_digest(names: Iterable[str]) -> str:
    """A digest of gapfinder's own source files (paths relative to the package), so a cache made
    by other code (a development edit without a version bump) is never read back."""
    code = hashlib.blake2b(digest_size=8)
    for name in names:
        try:
            code.update((_PACKAGE / name).read_bytes())
        except OSError:  # not installed as files (a zip): the version alone decides
            pass
    return code.hexdigest()


def package_modules(*folders: str) -> list[str]:
    """Every module under these package folders (and the files named), sorted: the code a result depends on."""
    names: list[str] = []
    for folder in folders:
        target = _PACKAGE / folder
        names += [str(p.relative_to(_PACKAGE)) for p in target.rglob("*.py")] if target.is_dir() else [folder]
    return sorted(names)


def _schema() -> str:
    return f"{__version__}/py{sys.version_info[0]}.{sys.version_info[1]}/{code_digest(_ANALYSIS_MODULES)}"


SCHEMA = _schema()

Row = tuple[str, int, int, bytes, bytes]  # path, mtime_ns, size, digest, blob


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class AnalysisCache:
    """An open cache; `open` returns None (and warnings) when there is none to use."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @classmethod
    def open(cls, cache_dir: Path) -> tuple[AnalysisCache | None, list[str]]:
        warnings: list[str] = []
        path = cache_dir / FILENAME
        for attempt in range(2):
            try:
                cache_folder(cache_dir)
                return cls(_connect(path)), warnings
            except sqlite3.DatabaseError as exc:
                if attempt or not path.exists() or not _is_corruption(exc):
                    warnings.append(f"analysis cache {path} not used: {exc}")
                    return None, warnings
                warnings.append(f"analysis cache {path} was corrupt ({exc}); rebuilt it")
                _delete(path)
            except OSError as exc:
                warnings.append(f"analysis cache not used: cannot create {cache_dir}: {exc.strerror or exc}")
                return None, warnings
        return None, warnings  # pragma: no cover - the loop always returns

    def rebuild(self, cache_dir: Path, reason: str) -> tuple[AnalysisCache | None, list[str]]:
        """Replace a cache found damaged while reading it with an empty one."""
        self.close()
        _delete(cache_dir / FILENAME)
        fresh, warnings = AnalysisCache.open(cache_dir)
        return fresh, [f"analysis cache {cache_dir / FILENAME} was corrupt ({reason}); rebuilt it", *warnings]

    def rows(self) -> Iterator[Row]:
        """Every stored row, streamed so that blobs are not all held at once."""
        yield from self.connection.execute("SELECT path, mtime_ns, size, digest, blob FROM files")

    def blob(self, path: str) -> bytes | None:
        row = self.connection.execute("SELECT blob FROM files WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def write(self, rows: list[Row], touched: list[tuple[int, int, str]], stale: list[str]) -> str | None:
        """Store new rows, refresh stats of rows whose content was unchanged, drop stale paths.

        Returns a warning when the cache could not be written; the run goes on without it.
        """
        if not (rows or touched or stale):
            return None
        try:
            with self.connection:
                self.connection.execute("BEGIN IMMEDIATE")
                self.connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", rows)
                self.connection.executemany("UPDATE files SET mtime_ns = ?, size = ? WHERE path = ?", touched)
                self.connection.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in stale])
        except sqlite3.Error as exc:
            return f"analysis cache not updated: {exc}"
        return None

    def close(self) -> None:
        self.connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    connection = connect_shared(path)
    try:
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA:
            with connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("DROP TABLE IF EXISTS files")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA,))
                _create(connection)
        else:
            _create(connection)
        connection.execute("SELECT count(*) FROM files").fetchone()  # reads the table: detects corruption
    except BaseException:
        connection.close()
        raise
    return connection


def _create(connection: sqlite3.Connection) -> None:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, "
        "digest BLOB, blob BLOB)"
    )


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Damage we repair by starting over (not a lock held by a concurrent run)."""
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text or "no such table" in text


def _delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(f"{path}{suffix}")
        except FileNotFoundError:
            pass
