"""The last ranking, kept whole under .gapfinder/ for the run in which nothing changed.

Its key covers everything the ranking depends on: gapfinder's version, the resolved options,
the stat (mtime, size) of every source and test file, the coverage data (and its parallel
siblings), and git's HEAD. If any of them differs the ranking is computed again (from the
per-file analysis cache), so a stale answer is never served. PR mode (--diff) looks at the
working tree's edits and is never cached.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from gapfinder import __version__
from gapfinder.core import files as cachefile
from gapfinder.model import RankResult

_FILE = "rank-result.pickle"


def result_key(root: Path, files: Iterable[str], coverage: Path | None, head: str,
               settings: Mapping[str, Any]) -> str:
    """A digest of everything a ranking depends on."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{__version__}\0{sorted(settings.items())!r}\0{head}\0".encode())
    for rel in files:
        h.update(_stat(root / rel, rel).encode())
    if coverage is not None:
        folder = coverage.parent
        try:
            siblings = sorted(p for p in os.listdir(folder) if p.startswith(coverage.name))
        except OSError:
            siblings = []
        for name in siblings:
            h.update(_stat(folder / name, str(folder / name)).encode())
    return h.hexdigest()


def _stat(path: Path, label: str) -> str:
    try:
        st = os.stat(path)
        return f"{label}\0{st.st_mtime_ns}\0{st.st_size}\n"
    except OSError:
        return f"{label}\0-\n"


def load(cache_dir: Path, key: str) -> RankResult | None:
    result = cachefile.load(cache_dir / _FILE, key)
    return result if isinstance(result, RankResult) else None


def store(cache_dir: Path, key: str, result: RankResult) -> None:
    cachefile.store(cache_dir / _FILE, key, result)
