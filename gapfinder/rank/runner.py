"""Analyse a whole project: answers from the cache first, then the rest in worker processes.

Workers read, parse and encode (codec.py) their files themselves and send back compact rows (path, stat,
digest, encoded result): the same rows the cache stores, so a cold run encodes each result once.
Processes start with fork on Linux while the parent has a single thread (measured: two workers
start in 0.02-0.03 s, against 0.27-0.5 s for forkserver and 0.38 s for spawn); fork with
threads running (the progress bar's) can deadlock and warns from Python 3.12, so then
forkserver, and spawn where there is neither. Small batches are parsed in-process, where
starting workers costs more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sqlite3
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Mapping, Sequence

from gapfinder.core.memory import paused_gc
from gapfinder.rank.analysis import analyse_source
from gapfinder.rank import codec
from gapfinder.rank.cache import AnalysisCache, Row, digest
from gapfinder.model import Analysis, ModuleInfo, ProgressFn, Project, SkippedFile

# Uncached files below which worker processes cost more than they save: two forked workers
# start in about 0.03 s (forkserver 0.3-0.5 s) and a file takes 2-5 ms; on a loaded machine
# (other jobs on both cores) parallel parsing gains nothing, so stay conservative.
PARALLEL_THRESHOLD = 100
# Files per work unit: small enough for a steady progress bar and even load, large enough that
# the per-task overhead (about a millisecond) stays negligible.
CHUNK_MAX = 200


def _too_large(path: str, max_file_bytes: int) -> SkippedFile:
    return SkippedFile(path, f"larger than {max_file_bytes} bytes (generated code?)")


def analyse_file(root: str, path: str, module: str, max_file_bytes: int) -> tuple[object, Row | None]:
    """(result, cache row or None) for one file; size-based skips are not cached (the limit may change)."""
    try:
        with open(os.path.join(root, path), "rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > max_file_bytes:
                return _too_large(path, max_file_bytes), None
            source = handle.read()
    except OSError as exc:
        return SkippedFile(path, f"cannot be read: {exc.strerror or exc}"), None
    try:
        result = analyse_source(source, path, module)
    except Exception as exc:  # a bug in gapfinder: keep going, name it in the run's warnings
        return SkippedFile(path, f"internal error while analysing ({type(exc).__name__}: {exc})"), None
    return result, (path, stat.st_mtime_ns, stat.st_size, digest(source), codec.dumps(result))


def _work(root: str, max_file_bytes: int, items: list[tuple[str, str]]) -> list[tuple[str, bytes, Row | None]]:
    """A worker's chunk: (path, encoded result, cache row) per file."""
    gc.disable()  # ast trees hold no cycles; collections would only cost time
    out = []
    for path, module in items:
        result, row = analyse_file(root, path, module, max_file_bytes)
        out.append((path, row[4] if row else codec.dumps(result), row))
    return out


def analyse(project: Project, *, max_file_bytes: int, jobs: int = 0, cache_dir: Path | None = None,
        on_progress: ProgressFn | None = None, stats: Mapping[str, tuple[int, int]] | None = None) -> Analysis:
    """Every file's analysis; `stats`: (mtime_ns, size) of files just taken (the result key's), not taken again."""
    root = str(project.root)
    warnings: list[str] = []
    results: dict[str, object] = {}
    cached = 0
    cache = None
    if cache_dir is not None:
        cache, opened = AnalysisCache.open(cache_dir)
        warnings += opened
    with paused_gc():
        touched: list[tuple[int, int, str]] = []
        stale: list[str] = []
        if cache is not None:
            cache, cached, touched, stale = _from_cache(cache, cache_dir, project, max_file_bytes, results,
                                                        warnings, stats or {})
        todo = [(f.path, f.module) for f in project.files if f.path not in results]
        rows = _Rows(cache, warnings)
        _analyse(root, todo, max_file_bytes, jobs, results, rows, on_progress, warnings)
        rows.flush(touched, stale)
        if cache is not None:
            cache.close()
    modules = []
    skipped = []
    for f in project.files:
        result = results[f.path]
        (modules if type(result) is ModuleInfo else skipped).append(result)
    return Analysis(tuple(modules), tuple(skipped), cached, tuple(warnings))


def _from_cache(cache: AnalysisCache, cache_dir: Path, project: Project, max_file_bytes: int,
                results: dict, warnings: list[str], known_stats: Mapping[str, tuple[int, int]]):
    """Fill `results` from the cache; return (cache, hits, rows to re-stat, paths to drop)."""
    root = str(project.root)
    wanted = {f.path for f in project.files}
    stats: dict[str, tuple[int, int]] = {}  # stat of each cached path, taken as its row is read
    hits = 0
    changed: dict[str, bytes] = {}
    stale: list[str] = []
    try:
        for path, mtime_ns, size, known, blob in cache.rows():
            current = known_stats.get(path)
            if current is None:
                try:
                    st = os.stat(os.path.join(root, path))
                except OSError:
                    stale.append(path)
                    continue
                current = (st.st_mtime_ns, st.st_size)
            stats[path] = current
            if path not in wanted or current[1] > max_file_bytes:
                continue  # another analysis's file (api.py runs tests separately), or now too large
            if current == (mtime_ns, size):
                result = _loads(blob)
                if result is not None:
                    results[path] = result
                    hits += type(result) is ModuleInfo
            else:
                changed[path] = known
        touched = []
        for path, known in changed.items():
            try:
                with open(os.path.join(root, path), "rb") as handle:
                    same = digest(handle.read()) == known
            except OSError:
                continue
            blob = cache.blob(path) if same else None
            result = _loads(blob) if blob is not None else None
            if result is not None:
                results[path] = result
                hits += type(result) is ModuleInfo
                touched.append((*stats[path], path))
    except sqlite3.DatabaseError as exc:  # damaged pages found while reading: start over
        results.clear()
        fresh, opened = cache.rebuild(cache_dir, str(exc))
        warnings += opened
        return fresh, 0, [], []
    return cache, hits, touched, stale


def _loads(blob: bytes) -> object | None:
    try:
        return codec.loads(blob)
    except Exception:  # an unreadable entry is a miss, not an error
        return None


class _Rows:
    """New cache rows, written in batches while the workers parse: memory stays bounded and the
    writing overlaps the parsing. Each batch is one transaction (rows are independent entries);
    after a failed write the rest are dropped and the run goes on."""

    BATCH = 2000

    def __init__(self, cache: AnalysisCache | None, warnings: list[str]) -> None:
        self.cache = cache
        self.warnings = warnings
        self.pending: list[Row] = []

    def add(self, row: Row) -> None:
        if self.cache is not None:
            self.pending.append(row)
            if len(self.pending) >= self.BATCH:
                self.flush()

    def flush(self, touched: Sequence[tuple[int, int, str]] = (), stale: Sequence[str] = ()) -> None:
        if self.cache is None:
            return
        problem = self.cache.write(self.pending, list(touched), list(stale))
        self.pending = []
        if problem:
            self.warnings.append(problem)
            self.cache = None


def _analyse(root: str, todo: list[tuple[str, str]], max_file_bytes: int, jobs: int, results: dict,
             rows: _Rows, on_progress: ProgressFn | None, warnings: list[str]) -> None:
    """Analyse the uncached files into `results`, their cache rows into `rows`."""
    total = len(todo)
    if on_progress:
        on_progress("parse", 0, total)
    workers = jobs or _cpu_count()
    if workers > 1 and total >= PARALLEL_THRESHOLD:
        todo = _parallel(root, todo, max_file_bytes, workers, results, rows, on_progress, warnings)
    done = total - len(todo)
    for path, module in todo:
        result, row = analyse_file(root, path, module, max_file_bytes)
        results[path] = result
        if row is not None:
            rows.add(row)
        done += 1
        if on_progress and (done % 50 == 0 or done == total):
            on_progress("parse", done, total)


def _parallel(root: str, todo: list[tuple[str, str]], max_file_bytes: int, workers: int, results: dict,
              rows: _Rows, on_progress: ProgressFn | None, warnings: list[str]) -> list[tuple[str, str]]:
    """Parse in worker processes; return what is left undone (all of it if the pool broke)."""
    size = max(8, min(CHUNK_MAX, len(todo) // (workers * 8) or 1))
    count = -(-len(todo) // size)
    chunks = [todo[i::count] for i in range(count)]  # interleaved: large and small files mix
    done = 0
    finished: set[int] = set()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
            futures = {pool.submit(_work, root, max_file_bytes, chunk): i for i, chunk in enumerate(chunks)}
            for future in as_completed(futures):
                for path, blob, row in future.result():
                    results[path] = codec.loads(blob)
                    if row is not None:
                        rows.add(row)
                index = futures.pop(future)  # frees the chunk's encoded results once read
                finished.add(index)
                done += len(chunks[index])
                if on_progress:
                    on_progress("parse", done, len(todo))
    except (BrokenProcessPool, OSError) as exc:
        warnings.append(f"worker processes failed ({exc or type(exc).__name__}); parsed the rest in one process")
        return [item for i, chunk in enumerate(chunks) if i not in finished for item in chunk]
    return []


def _context() -> multiprocessing.context.BaseContext:
    """fork on Linux while this process has one thread; forkserver (or spawn) otherwise."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
