"""The one way gapfinder runs git: a fixed environment, a timeout, and failures that say so.

`run_git` returns what git printed and its exit code, or raises GitUnavailable when git could not
run at all; callers decide what a non-zero exit means. Nothing here turns a failure into empty data.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gapfinder.errors import GapfinderError

# No lock files taken by read-only commands, messages in English for parsing.
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


class GitUnavailable(GapfinderError):
    """git could not be run (not installed, or it hung past the timeout)."""


@dataclass(frozen=True)
class GitOutput:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def reason(self) -> str:
        """git's last line of complaint, for messages."""
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else f"git exited with code {self.returncode}"


def run_git(root: Path, *args: str, timeout: float = 120, offline: bool = False) -> GitOutput:
    """offline: never fetch a missing object from a partial clone's promisor remote (git 2.44+
    honours this; older git fails to fetch as it would without network), so a blobless CI clone
    is not turned into one network round trip per blob."""
    env = {**os.environ, **_ENV, **({"GIT_NO_LAZY_FETCH": "1"} if offline else {})}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, encoding="utf-8",
            errors="replace", timeout=timeout, env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitUnavailable(f"git could not be run: {exc}.") from None
    return GitOutput(done.returncode, done.stdout, done.stderr)


def git_stdout(root: Path, *args: str) -> str | None:
    """What git printed when it ran and succeeded; None when it did not."""
    try:
        done = run_git(root, *args)
    except GitUnavailable:
        return None
    return done.stdout if done.ok else None


def head_commit(root: Path) -> str | None:
    """The checked-out commit, or None outside git (or without git installed)."""
    out = git_stdout(root, "rev-parse", "HEAD")
    return out.strip() if out else None


def git_location(root: Path) -> tuple[str, str]:
    """(HEAD's commit, the folder's path inside its repository such as "app/"), "" for each
    unknown part: what a cached ranking depends on, and where repository-relative paths start."""
    out = git_stdout(root, "rev-parse", "--show-prefix", "HEAD")
    if out is not None:
        prefix, sha = (out.split("\n") + ["", ""])[:2]
        return sha.strip(), prefix.strip()
    return "", (git_stdout(root, "rev-parse", "--show-prefix") or "").strip()  # a repository with no commit


def read_blobs(root: Path, oids: list[str], timeout: float = 300) -> dict[str, bytes | None]:
    """The contents of blobs by object id through one `git cat-file --batch` (None: missing, as in
    a blobless clone; never fetched from a promisor remote). GitUnavailable when git cannot run."""
    env = {**os.environ, **_ENV, "GIT_NO_LAZY_FETCH": "1"}
    try:
        done = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input="\n".join(oids).encode() + b"\n",
                              capture_output=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitUnavailable(f"git could not be run: {exc}.") from None
    if done.returncode != 0:
        raise GitUnavailable(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
    out: dict[str, bytes | None] = {}
    data, pos = done.stdout, 0
    for oid in oids:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) == 3:
            size = int(header[2])
            out[oid] = data[pos:pos + size]
            pos += size + 1
        else:  # "<oid> missing"
            out[oid] = None
    return out
