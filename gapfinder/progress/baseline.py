"""`progress --baseline REF`: the test counts to measure new tests against.

REF is a recorded snapshot (`last`, or a date: the last snapshot taken on or before that day) or
a git revision. A revision's tests are counted from git's objects (`ls-tree`, `cat-file --batch`),
never by checking it out: its Python files and pytest configuration are written to a temporary
folder and counted and classified by the same rules as the working tree.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping

from gapfinder.core.git import GitUnavailable, git_location, read_blobs, run_git
from gapfinder.core.pytest_config import CONFIG_FILES
from gapfinder.errors import ConfigError
from gapfinder.progress import ledger
from gapfinder.progress.count import TestCount, count_tests

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:+.Z-]*)?$")
SNAPSHOT_NAMES = ("last",)


@dataclass(frozen=True)
class KindBase:
    tests: int
    finished: int


@dataclass(frozen=True)
class Baseline:
    ref: str  # as given
    source: str  # "snapshot" | "git"
    git_commit: str | None  # the commit counted (git), or the one the snapshot was taken at
    taken_at: str | None  # when the snapshot was taken (snapshot only)
    tests: int
    finished: int
    kinds: Mapping[str, KindBase]
    missing: tuple[str, ...] = ()  # files of the revision this clone has no content for (not counted)

    def kind(self, name: str) -> KindBase:
        return self.kinds.get(name, KindBase(0, 0))


# Classifies counted tests into {kind: (tests, finished)} with the working tree's rules.
Classifier = Callable[[TestCount], Mapping[str, KindBase]]


def resolve(root: Path, ref: str, classify: Classifier) -> Baseline:
    """The baseline REF names; ConfigError (exit 2) when it names neither a snapshot nor a revision."""
    ref = ref.strip()
    if ref in SNAPSHOT_NAMES or _DATE.match(ref):
        return _from_snapshot(root, ref)
    commit = _commit(root, ref)
    if commit is None:
        raise ConfigError(
            f"--baseline {ref!r} is neither a recorded snapshot nor a git revision of {root}.",
            hint="Use `last`, a date like 2025-01-31 (the last snapshot on or before it; "
                 "`gapfinder progress --record` keeps them), or a commit, tag or branch.")
    counted, missing = _count_at(root, commit)
    kinds = classify(counted)
    return Baseline(ref, "git", commit, None, sum(k.tests for k in kinds.values()),
                    sum(k.finished for k in kinds.values()), kinds, missing)


def _from_snapshot(root: Path, ref: str) -> Baseline:
    snapshots = ledger.history(root, 1_000_000)
    if ref != "last":
        day = ref if "T" in ref else ref + "T99"  # a bare date takes in that whole day
        snapshots = tuple(s for s in snapshots if s.taken_at <= day)
    if not snapshots:
        what = "no progress history" if ref == "last" else f"no snapshot on or before {ref}"
        raise ConfigError(f"--baseline {ref}: {what} in {root / ledger.LEDGER}.",
                          hint="Record one with `gapfinder progress --record`, or pass a git revision.")
    snap = snapshots[-1]
    kinds = {k: KindBase(t.tests, t.finished) for k, t in snap.kinds.items()}
    return Baseline(ref, "snapshot", snap.git_commit, snap.taken_at, snap.tests, snap.finished, kinds)


def _commit(root: Path, ref: str) -> str | None:
    if ref.startswith("-"):
        return None
    try:
        done = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except GitUnavailable:
        return None
    return done.stdout.strip() if done.ok else None


def _count_at(root: Path, commit: str) -> tuple[TestCount, tuple[str, ...]]:
    """Count the tests of the project folder as it was at commit, from git's objects; and the
    files whose content this clone does not have."""
    prefix = git_location(root)[1]
    listing = run_git(root, "ls-tree", "-r", "-z", "--full-tree", commit)
    if not listing.ok:
        raise ConfigError(f"cannot list the files of {commit[:12]}: {listing.reason}.")
    wanted: list[tuple[str, str]] = []
    for entry in listing.stdout.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        # Regular files only: no symlinks (120000), no submodules (160000).
        if len(parts) != 3 or parts[1] != "blob" or parts[0] not in ("100644", "100755"):
            continue
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix):]
        if rel.endswith(".py") or rel in CONFIG_FILES:
            wanted.append((rel, parts[2]))
    blobs = read_blobs(root, [oid for _, oid in wanted])
    missing = tuple(rel for (rel, _), data in zip(wanted, blobs) if data is None)
    with tempfile.TemporaryDirectory(prefix="gapfinder-baseline-") as folder:
        base = Path(folder)
        for (rel, _), data in zip(wanted, blobs):
            pure = PurePosixPath(rel)
            if data is None or pure.is_absolute() or ".." in pure.parts:
                continue
            target = base.joinpath(*pure.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return count_tests(base), missing
