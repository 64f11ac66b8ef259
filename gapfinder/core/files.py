"""Small cache files under .gapfinder/: a value kept with the key it answers.

A file is written beside its place and moved in, so concurrent runs never read half of one. An
absent, corrupt or foreign file, or one stored under another key, reads as a miss; a folder that
cannot be written costs only the cache, never the run.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

_UNREADABLE = (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
               ImportError, IndexError)


def load(path: Path | None, key: str) -> Any | None:
    """The value stored at path under key, or None."""
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            stored_key, value = pickle.load(handle)
    except _UNREADABLE:
        return None
    return value if stored_key == key else None


def store(path: Path | None, key: str, value: Any) -> None:
    """Keep value under key at path (nothing when path is None)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
