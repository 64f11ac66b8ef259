"""Every file gapfinder writes, and the small cache files it reads back.

Writes are atomic: a temporary file in the same folder, flushed and fsynced, then `os.replace`d over
the target, so a kill at any moment leaves either the old file or the new one, never half of one.
A text file gapfinder edits keeps the person's bytes: `read_text_file` keeps its encoding, BOM and
newlines as they are, and `write_text_file` writes them back the same way.

Cache files hold data only (JSON, with the key they answer), never anything that runs when read.
The `.gapfinder/` folder carries a `.gitignore` and a `CACHEDIR.TAG`, as pytest's and ruff's do.
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import orjson

from gapfinder.core.source import UndecodableSource, declared_encoding

CACHE_FOLDER = ".gapfinder"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gapfinder.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
# Larger than any cache file gapfinder writes: a larger one is not ours, and is not read.
_MAX_CACHE_BYTES = 512 * 1024 * 1024


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# A new file gets the permissions `open` would give it; a replaced file keeps its own.
_NEW_FILE_MODE = 0o666 & ~_umask()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace path's content with data in one step (a temporary file in the same folder)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@dataclass(frozen=True)
class TextFile:
    """A text file's content with newlines as written, and how to write it back byte for byte."""

    text: str  # newlines as in the file ("\r\n" stays), without the BOM
    encoding: str
    bom: bool
    newline: str  # the file's first newline ("\n" for a file with none), for lines added to it


def read_text_file(path: Path) -> TextFile:
    """A Python file's text, decoded as Python would; OSError or UndecodableSource when it cannot be had."""
    raw = Path(path).read_bytes()
    bom = raw.startswith(codecs.BOM_UTF8)
    encoding = declared_encoding(raw)
    try:
        text = raw[len(codecs.BOM_UTF8) if bom else 0:].decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise UndecodableSource(f"not valid text in its encoding ({encoding})") from None
    return TextFile(text, encoding, bom, _first_newline(text))


# How a file gapfinder creates is written: UTF-8, no BOM, "\\n" newlines.
NEW_FILE = TextFile("", "utf-8", False, "\n")


def write_text_file(path: Path, text: str, like: TextFile) -> None:
    """Write text (newlines already as `like` has them) in `like`'s encoding and BOM, atomically."""
    data = text.encode(like.encoding)
    atomic_write(path, (codecs.BOM_UTF8 + data) if like.bom else data)


def edit_text(file: TextFile | None, edit: Callable[[str | None], str | None]) -> str | None:
    """Apply an edit written for "\\n" text to a file's text, keeping every byte the file had;
    None when the edit declines (returns None).

    A file with "\\r\\n" throughout is edited in "\\n" form and turned back, so added lines match
    it; any other file (mixed newlines too) is edited as it is.
    """
    if file is None:
        return edit(None)
    if file.newline == "\r\n":
        plain = file.text.replace("\r\n", "\n")
        if "\r" not in plain:
            edited = edit(plain)
            return None if edited is None else edited.replace("\n", "\r\n")
    return edit(file.text)


def inside(root: Path, path: Path) -> bool:
    """True when path, with every symlink and `..` resolved, lies inside root."""
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except (ValueError, OSError, RuntimeError):  # outside; unreadable; a symlink loop
        return False
    return True


def _first_newline(text: str) -> str:
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


def cache_folder(folder: Path) -> Path:
    """A cache folder (`<project>/.gapfinder`), created with its tags: git ignores it, backups skip it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ((".gitignore", "# Created by gapfinder: a cache, never committed.\n*\n"),
                          ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        tag = folder / name
        if not tag.exists():
            try:
                atomic_write(tag, content.encode())
            except OSError:
                pass
    return folder


def load(path: Path | None, key: str, decode: Callable[[Any], Any] = lambda data: data,
         on_bad: Callable[[str], None] | None = None) -> Any | None:
    """The value stored at path under key (rebuilt by `decode` from its JSON), or None.

    An absent file, or one stored under another key, is a miss. A file that is not ours (not JSON,
    the wrong shape, values `decode` rejects) is a miss too, reported once through on_bad: it is
    overwritten by the next store.
    """
    if path is None:
        return None
    try:
        if path.stat().st_size > _MAX_CACHE_BYTES:
            raise ValueError("too large")
        raw = path.read_bytes()
        if raw.startswith(b'{"key":"') and not raw.startswith(b'{"key":%s,' % json.dumps(key).encode()):
            return None  # stored (by `store`, key first) under another key: a miss, without parsing megabytes
        stored = json.loads(raw.decode("utf-8"))
        if not isinstance(stored, dict) or not isinstance(stored.get("key"), str) or "value" not in stored:
            raise ValueError("not a gapfinder cache file")
        if stored["key"] != key:
            return None
        return decode(stored["value"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        if on_bad is not None:
            on_bad(f"cache file {path} was not usable ({type(exc).__name__}: {exc}); rebuilt it")
        return None


def store(path: Path | None, key: str, value: Any, encode: Callable[[Any], Any] | None = None) -> None:
    """Keep value (plain JSON data) under key at path; nothing when path is None or not writable.

    encode: turns an object JSON does not know into plain data (json.dumps' `default`)."""
    if path is None:
        return
    try:
        cache_folder(path.parent)
        # orjson writes the 10 MB ranking of 10,000 modules in a quarter of json's time; dataclasses go
        # through `encode` like any other value object, as json's `default` did.
        data = orjson.dumps({"key": key, "value": value}, default=encode,
                            option=orjson.OPT_PASSTHROUGH_DATACLASS)
        atomic_write(path, data)
    except (OSError, ValueError, TypeError):  # orjson.JSONEncodeError is a TypeError
        pass
