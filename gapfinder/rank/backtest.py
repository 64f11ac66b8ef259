"""`gapfinder rank --backtest`: how well would the ranking have pointed at this repository's own fixes?

Rank the tree as it was WINDOW ago, written out of git objects (`git ls-tree`, `git cat-file
--batch`; no checkout, the work tree is not touched) into a temporary folder, with the repository's
history up to that commit. No coverage of that time exists, so every module is ranked as
unmeasured: the backtest measures the history and code parts of the score, not the coverage gap.
Then read each ordering from the top until 20% of the lines and count the bug-fix commits since
(gapfinder.rank.fixes' rules, as in the benchmark corpus) that touched a file read.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from gapfinder.config import MIN_LINES, load_config
from gapfinder.core.git import GitUnavailable, git_stdout, read_blobs, run_git
from gapfinder.core.project import project_root
from gapfinder.errors import ProjectError
from gapfinder.model import RankResult
from gapfinder.rank import pipeline
from gapfinder.rank.calibrate import Calibration, fit, plan, write
from gapfinder.rank.fixes import FixCommit, fixes_in_log
from gapfinder.rank.history import parse_since, read_history
from gapfinder.rank.recall import mean_recall

BUDGET = 0.2
SHUFFLES = 200
# Besides the Python files, what decides how the old tree is discovered and configured.
_CONFIG_FILES = {"pyproject.toml", "setup.cfg", "tox.ini", ".coveragerc", "pytest.ini"}


@dataclass(frozen=True)
class Backtest:
    root: str
    window: str
    since: str
    commit: str  # the replay point: the last first-parent commit WINDOW before HEAD
    commit_date: str
    head: str
    head_date: str
    files: int
    lines: int
    fix_commits: tuple[FixCommit, ...]
    recall: Mapping[str, tuple[float, float]]  # ordering -> (commit level, file level)
    ranked: RankResult = field(repr=False)
    lines_of: Mapping[str, int] = field(repr=False, default_factory=dict)
    notes: tuple[str, ...] = ()
    budget: float = BUDGET
    calibration: Calibration | None = None


def _fail(message: str, hint: str | None = None) -> ProjectError:
    return ProjectError(message, hint)


def replay(path: Path, window: str = "6 months", overrides: Mapping[str, Any] | None = None) -> Backtest:
    """Rank the tree WINDOW before HEAD and score it against the fix commits since."""
    root = project_root(path)
    config = load_config(root, overrides)
    span = parse_since(window)
    head = git_stdout(root, "rev-parse", "HEAD", "--is-shallow-repository")
    if head is None:
        raise _fail(f"--backtest needs git history, and {root} is not in a git repository with a commit "
                    "(or git is not installed).")
    head_sha, shallow = (head.split("\n") + [""])[:2]
    if shallow.strip() == "true":
        raise _fail(f"{root} is a shallow clone: --backtest needs the commits of the last {window} and of the "
                    f"{config.since} before them, which it does not have.",
                    hint="Fetch the history (`git fetch --unshallow`) and run again.")
    head_time = int(git_stdout(root, "log", "-1", "--format=%ct", head_sha) or 0)
    start = span(head_time)
    commit = (git_stdout(root, "rev-list", "-1", "--first-parent", f"--before={start}", head_sha) or "").strip()
    if not commit:
        raise _fail(f"the history of {root} starts less than {window} before HEAD: there is no older tree to replay.",
                    hint="Give a shorter window, e.g. --backtest '3 months'.")
    commit_time = int(git_stdout(root, "log", "-1", "--format=%ct", commit) or 0)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gapfinder-backtest-") as tmp:
        lines = _write_tree(root, commit, Path(tmp), notes)
        history = read_history(root, config.since, config.fix_pattern, rev=commit)
        if history.note:
            notes.append(f"git history at the replay point {history.status}: {history.note}")
        options = {**(overrides or {}), "top": 0, "coverage": "", "weights": dict(config.weights),
                   "since": config.since, "fix_pattern": config.fix_pattern}
        ranked = pipeline.rank(Path(tmp), use_cache=False, overrides=options, history=history)
    paths = [r.path for r in ranked.rows if r.path in lines]
    lines = {p: lines[p] for p in paths}
    fixes = _fixes_since(root, commit, set(paths), notes)
    gap = {r.path: -position for position, r in enumerate(ranked.rows)}  # the ranking's own order (scores are rounded)
    churn = {p: float(history.files[p].commits) if p in history.files else 0.0 for p in paths}
    recall = {
        "gapfinder": mean_recall({p: gap[p] for p in paths}, lines, fixes, BUDGET, SHUFFLES),
        "churn": mean_recall(churn, lines, fixes, BUDGET, SHUFFLES),
        "random": mean_recall(None, lines, fixes, BUDGET, SHUFFLES),
    }
    ranked = replace(ranked, summary=replace(ranked.summary, root=str(root)))
    return Backtest(str(root), window, config.since, commit, _date(commit_time), head_sha, _date(head_time),
                    len(paths), sum(lines.values()), tuple(fixes), recall, ranked, lines, tuple(notes))


def calibrate(bt: Backtest, write_it: bool = False) -> Backtest:
    """Fit this repository's coefficients on the replay (calibrate.py) and, on request, write them."""
    inputs = {r.path: {p.name: p.value for p in r.parts} for r in bt.ranked.rows if r.path in bt.lines_of}
    current = {p.name: p.weight for p in bt.ranked.rows[0].parts} if bt.ranked.rows else {}
    weights, before, after, steps = fit(inputs, bt.lines_of, list(bt.fix_commits), current, MIN_LINES)
    root = Path(bt.root)
    diff, new = plan(root, current, weights)
    written = write(root, new) if write_it and new is not None else ""
    return replace(bt, calibration=Calibration(current, weights, before, after, tuple(steps), diff, written))


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).date().isoformat()


def _write_tree(root: Path, commit: str, dest: Path, notes: list[str]) -> dict[str, int]:
    """Write the project's Python and config files at `commit` under `dest`; lines of each .py file."""
    listing = run_git(root, "ls-tree", "-r", "-z", commit, offline=True)
    if not listing.ok:
        raise _fail(f"cannot list the tree of {commit[:12]}: {listing.reason}.")
    entries = []
    for item in listing.stdout.split("\0"):
        meta, _, name = item.partition("\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != "blob" or parts[0] not in ("100644", "100755"):
            continue  # symlinks, submodules
        rel = PurePosixPath(name)
        if rel.is_absolute() or any(p in ("", ".", "..") for p in rel.parts):
            continue
        if rel.suffix == ".py" or rel.name in _CONFIG_FILES:
            entries.append((parts[2], rel))
    try:
        oids = [oid for oid, _ in entries]
        blobs = dict(zip(oids, read_blobs(root, oids)))
    except GitUnavailable as exc:
        raise _fail(f"cannot read the files of {commit[:12]}: {exc.message}") from None
    lines: dict[str, int] = {}
    missing = 0
    for oid, rel in entries:
        data = blobs.get(oid)
        if data is None:
            missing += 1
            continue
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if rel.suffix == ".py":
            lines[rel.as_posix()] = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    py = sum(1 for _, rel in entries if rel.suffix == ".py")
    if py and missing >= py / 2:
        raise _fail(f"this clone lacks the contents of {missing} of the {py} Python files at {commit[:12]} "
                    "(a blobless or partial clone): there is too little of the old tree to rank.",
                    hint="Fetch the objects (`git fetch --refetch`, or clone without --filter) and run again.")
    if missing:
        notes.append(f"{missing} files at {commit[:12]} lack their contents in this clone (partial clone) "
                     "and are left out")
    return lines


def _fixes_since(root: Path, commit: str, sources: set[str], notes: list[str]) -> list[FixCommit]:
    """Fix commits in (commit, HEAD], renames followed back to the names at the replay point."""
    log = ("log", "--no-merges", "--reverse", "--relative", "--name-status", "--format=%x00%H%x1f%ct%x1f%s")
    done = run_git(root, *log, "-M", f"{commit}..HEAD", offline=True)
    if not done.ok:  # rename detection reads blobs a partial clone may lack
        done = run_git(root, *log, "--no-renames", f"{commit}..HEAD", offline=True)
        if not done.ok:
            raise _fail(f"cannot read the history since {commit[:12]}: {done.reason}.")
        notes.append("renames since the replay point are not followed (the clone lacks blobs to detect them)")
    return fixes_in_log(done.stdout, sources)[0]
