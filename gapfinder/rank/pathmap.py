"""Map file paths recorded in coverage data onto the project's own relative paths.

Recorded paths come from other machines and operating systems: other absolute roots, Windows
separators and drive letters, names relative to a Cobertura <source>, installed copies of a src/
layout package under site-packages. Explicit OLD=NEW rewrites are applied first; then a path
matches the project file whose relative path (or path below a source root) is the longest
suffix of it, looked up in a dict of suffixes built once, so 50,000 paths take well under a second.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

from gapfinder.errors import CoverageDataError
from gapfinder.model import Project

_DRIVE = re.compile(r"^[A-Za-z]:(?=/|$)")
# A suffix shared by several project files: never a guess.
_AMBIGUOUS = ""


def normalise(path: str) -> str:
    """Forward slashes, no drive letter, no '.' or empty components."""
    path = _DRIVE.sub("", path.replace("\\", "/"))
    parts = [p for p in path.split("/") if p not in ("", ".")]
    lead = "/" if path.startswith("/") else ""
    return lead + "/".join(parts)


def parse_path_maps(path_maps: Sequence[str], root: Path) -> tuple[tuple[str, str], ...]:
    """Split "OLD=NEW" strings; NEW may be absolute (under root) or relative to root."""
    pairs = []
    for entry in path_maps:
        old, sep, new = entry.partition("=")
        if not sep or not old.strip():
            raise CoverageDataError(
                f"--path-map '{entry}' is not of the form OLD=NEW.",
                f"For example: --path-map 'C:\\build\\project={root}'.",
            )
        pairs.append((_map_key(old.strip()), _map_target(new.strip(), root)))
    return tuple(pairs)


def _map_key(path: str) -> str:
    """A recorded prefix in comparable form: forward slashes, drive letter kept, no trailing /."""
    return path.replace("\\", "/").rstrip("/")


def _map_target(new: str, root: Path) -> str:
    target = Path(new)
    if target.is_absolute():
        try:
            rel = target.resolve().relative_to(root).as_posix()
        except ValueError:
            return target.as_posix()
        return "" if rel == "." else rel
    return normalise(new)


def apply_maps(path: str, maps: tuple[tuple[str, str], ...]) -> str:
    """The first OLD=NEW whose OLD is a whole-component prefix of path rewrites it."""
    if not maps:
        return path
    comparable = path.replace("\\", "/")
    folded = comparable.casefold()
    for old, new in maps:
        head = old.casefold() if _DRIVE.match(old) else old
        probe = folded if _DRIVE.match(old) else comparable
        if probe == head or probe.startswith(head + "/"):
            rest = comparable[len(old) :].lstrip("/")
            return f"{new}/{rest}" if new else rest
    return path


class PathIndex:
    """Every suffix under which a project file may be recorded, to its relative path."""

    def __init__(self, project: Project) -> None:
        self._keys: dict[str, str] = {}
        self._tests = frozenset(project.test_files)
        roots = [r for r in project.source_roots if r != "."]
        for rel in [f.path for f in project.files] + list(project.test_files):
            anchors = {rel}
            anchors.update(rel[len(r) + 1 :] for r in roots if rel.startswith(r + "/"))
            for key in anchors:
                seen = self._keys.get(key)
                self._keys[key] = rel if seen is None or seen == rel else _AMBIGUOUS

    def is_test(self, rel: str) -> bool:
        return rel in self._tests

    def lookup(self, path: str) -> tuple[str, str, int] | None:
        """(project path, recorded root, components matched) for a normalised path's longest suffix."""
        parts = path.lstrip("/").split("/")
        for start in range(len(parts)):
            hit = self._keys.get("/".join(parts[start:]))
            if hit is not None:
                return None if hit == _AMBIGUOUS else (hit, "/".join(parts[:start]), len(parts) - start)
        return None


def is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or _DRIVE.match(path.replace("\\", "/")) is not None


def match_paths(
    recorded: Iterable[tuple[str, Sequence[str]]], index: PathIndex, maps: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    """{recorded path: project path} for every recorded path that maps onto a project file.

    Each recorded path comes with the roots it may be relative to (Cobertura <source>s); the
    reading that matches the most components wins. A match on a bare file name (a top-level
    module) is kept only if other files matched deeper under the same root, or none did:
    otherwise `utils.py` from some installed package would land on the project's own `utils.py`.
    """
    found: dict[str, tuple[str, str, int]] = {}
    for path, bases in recorded:
        joined = [f"{b}/{path}" for b in bases] if bases and not is_absolute(path) else []
        best = None
        for candidate in joined + [path]:
            hit = index.lookup(normalise(apply_maps(candidate, maps)))
            if hit is not None and (best is None or hit[2] > best[2]):
                best = hit
        if best is not None:
            found[path] = best
    deep_roots = {root for _, root, depth in found.values() if depth > 1}
    return {
        path: rel
        for path, (rel, root, depth) in found.items()
        if depth > 1 or not deep_roots or root in deep_roots
    }


def suggest_map(recorded: Sequence[str], root: Path) -> str:
    """A concrete --path-map built from the recorded paths' common folder."""
    folders = [p.replace("\\", "/").rsplit("/", 1)[0] for p in recorded if "/" in p.replace("\\", "/")]
    if not folders:
        return f"--path-map 'RECORDED_ROOT={root}'"
    common = folders[0]
    for folder in folders[1:]:
        while common and not (folder == common or folder.startswith(common + "/")):
            common = common.rsplit("/", 1)[0] if "/" in common else ""
    common = common or folders[0]
    if "\\" in recorded[0]:
        common = common.replace("/", "\\")
    return f"--path-map '{common}={root}'"
