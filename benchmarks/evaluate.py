#!/usr/bin/env python3
"""Does gapfinder's ranking point at where bugs are fixed later? Effort-aware recall on real history.

Take a public project at a past commit C, its test coverage at C, and the bug-fix commits of the
following window (C, C + window]. Every ordering of the source files at C is read from the top
until a budget of lines (20% of all source lines by default) is spent; recall is the share of the
later fixes that touched a file read within the budget:

* commit level: a fix commit is found when any source file it touched was read;
* file level:   each (fix commit, source file) pair counts once.

Orderings: gapfinder's score, most missed lines first, lowest coverage percent first, largest file
first, recent churn alone (commits in the churn window before C), and random order (mean of many
shuffles). Ties in the simple orderings are broken at random and averaged over the same shuffles,
so no ordering gains from an accident of file names.

A file counts as read only when it fits entirely into the budget: the ordering is consumed while
the running total of physical lines stays within it (the first file that does not fit ends the
reading). Lines are physical lines of each file at C.

Usage (see benchmarks/README.md for the figures and exact commands):

    python benchmarks/evaluate.py /path/to/repo --date 2024-01-01 --window "12 months" \\
        --coverage /path/to/.coverage --worktree /tmp/eval/pytest --json out.json

    # weight sweep (in-process, through gapfinder.api.rank) and a check of given weights:
    python benchmarks/evaluate.py ... --sweep sweep.json
    python benchmarks/evaluate.py ... --weights coverage_gap=2,size=1,churn=1

The repository's code is checked out outside this repository (``--worktree`` or a temporary
directory); nothing from it is kept here.
"""

from __future__ import annotations

import argparse
import calendar
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping, Sequence

# --- what counts as a bug fix ---------------------------------------------------------------

# The rules live in gapfinder/rank/fixes.py (the ranking's history and --backtest use them too).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# So do the reading rule and recall (gapfinder/rank/recall.py: what `rank --backtest` reports).
from gapfinder.rank.fixes import (  # noqa: E402,F401  (stdlib only: gapfinder/rank/__init__ imports nothing)
    FIX_RE, MAX_FIX_FILES as DEFAULT_MAX_FILES, NOT_FIX_RE, FixCommit, fixes_in_log, is_fix_subject, same_change,
)
from gapfinder.rank.recall import files_read, mean_recall, order_by, recall  # noqa: E402,F401


# --- git ------------------------------------------------------------------------------------


def git(git_dir: Path, *args: str) -> str:
    cmd = ["git", "--git-dir", str(git_dir), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if out.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def find_git_dir(repo: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--absolute-git-dir"], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"{repo} is not a git repository")
    return Path(out.stdout.strip())


_SPAN_RE = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$", re.IGNORECASE)


def shift(when: datetime, span: str, sign: int = 1) -> datetime:
    """``when`` moved by a span like '12 months', '90 days', '1 year' (calendar months)."""
    m = _SPAN_RE.match(span)
    if not m:
        raise SystemExit(f"cannot read the span {span!r}; write e.g. '12 months' or '90 days'")
    n, unit = int(m.group(1)) * sign, m.group(2).lower()
    if unit in ("day", "week"):
        return when + timedelta(days=n * (7 if unit == "week" else 1))
    months = n * (12 if unit == "year" else 1)
    y, mo = divmod(when.month - 1 + months, 12)
    year, month = when.year + y, mo + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def commit_time(git_dir: Path, rev: str) -> datetime:
    ts = int(git(git_dir, "log", "-1", "--format=%ct", rev).strip())
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def fix_commits(
    git_dir: Path,
    commit: str,
    ref: str,
    until: datetime,
    sources: set[str],
    max_files: int = DEFAULT_MAX_FILES,
    exclude: re.Pattern[str] | None = None,
) -> tuple[list[FixCommit], dict[str, int]]:
    """Bug-fix commits in (commit, until] reachable from ``ref``, with the source files at C they
    touched (later renames followed back to the name at C). Also returns counts for the report."""
    log = git(
        git_dir, "log", "--no-merges", "--reverse", "-M", "--name-status",
        "--format=%x00%H%x1f%ct%x1f%s", f"{commit}..{ref}",
    )
    return fixes_in_log(log, sources, int(until.timestamp()), max_files, exclude)


def churn_before(git_dir: Path, commit: str, since: datetime, sources: set[str]) -> dict[str, int]:
    """Commits touching each source file in [since, C] (merges left out)."""
    log = git(
        git_dir, "log", "--no-merges", "--format=", "--name-only",
        f"--since={since.isoformat()}", commit,
    )
    counts = Counter(p for p in log.splitlines() if p in sources)
    return {p: counts.get(p, 0) for p in sources}


# --- the project at C -----------------------------------------------------------------------


def checkout(git_dir: Path, commit: str, worktree: Path) -> Path:
    """A work tree at ``commit`` (a local clone, so its HEAD and history stop at C)."""
    if (worktree / ".git").exists():
        head = subprocess.run(
            ["git", "-C", str(worktree), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        if head != commit:
            subprocess.run(["git", "-C", str(worktree), "checkout", "-q", commit], check=True)
        return worktree
    subprocess.run(
        ["git", "clone", "-q", "--no-checkout", str(git_dir), str(worktree)], check=True
    )
    subprocess.run(["git", "-C", str(worktree), "checkout", "-q", commit], check=True)
    return worktree


def physical_lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def run_gapfinder(
    worktree: Path, coverage: Path, since: str, path_map: Sequence[str]
) -> dict:
    cmd = [
        sys.executable, "-m", "gapfinder", "rank", str(worktree), "--coverage", str(coverage),
        "--format", "json", "--top", "0", "--quiet", "--since", since,
    ]
    for m in path_map:
        cmd += ["--path-map", m]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"gapfinder rank failed ({out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout)


def api_scores(
    worktree: Path, coverage: Path, since: str, weights: Mapping[str, float] | None
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Scores through gapfinder.api.rank in-process, and each module's normalised parts."""
    from gapfinder import api

    overrides: dict = {"top": 0, "since": since}
    if weights is not None:
        overrides["weights"] = dict(weights)
    result = api.rank(worktree, coverage=coverage, by="module", use_cache=True, overrides=overrides)
    scores = {r.path: r.score for r in result.rows}
    parts = {r.path: {p.name: p.value for p in r.parts} for r in result.rows}
    return scores, parts


# --- evaluation -----------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    commit: str
    commit_date: str
    window: str
    lines: dict[str, int]
    fixes: list[FixCommit]
    gapfinder: dict  # the JSON of `gapfinder rank`
    churn: dict[str, int]
    stats: dict[str, int] = field(default_factory=dict)


def orderings(case: Case) -> dict[str, dict[str, float] | None]:
    """Each ordering as keys sorted descending (None: random order)."""
    rows = {m["path"]: m for m in case.gapfinder["modules"]}
    paths = list(case.lines)
    cov = {p: (rows[p]["coverage"] if rows[p].get("coverage") is not None else 0.0) for p in paths}
    return {
        "gapfinder": {p: rows[p]["score"] for p in paths},
        "most missed lines": {p: rows[p]["missed"] for p in paths},
        "lowest coverage %": {p: -cov[p] for p in paths},
        "largest (lines)": {p: case.lines[p] for p in paths},
        "largest (statements)": {p: rows[p]["statements"] for p in paths},
        "recent churn": {p: case.churn.get(p, 0) for p in paths},
        "random": None,
        # for reference, not in the list: effort-aware studies find small files denser in
        # bugs, and a score per line is what an effort budget rewards
        "smallest (lines) [ref]": {p: -case.lines[p] for p in paths},
        "gapfinder score per line [ref]": {
            p: rows[p]["score"] / max(case.lines[p], 1) for p in paths
        },
    }


BUDGETS = (0.1, 0.2, 0.3, 0.5)


def evaluate(
    case: Case,
    share: float,
    shuffles: int,
    extra: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, dict]:
    orders = orderings(case)
    for name, keys in (extra or {}).items():
        orders[name] = dict(keys)
    out: dict[str, dict] = {}
    for name, keys in orders.items():
        entry = {}
        for b in sorted({share, *BUDGETS}):
            c, f = mean_recall(keys, case.lines, case.fixes, b, shuffles)
            entry[f"{int(round(b * 100))}%"] = {"commits": round(c, 4), "files": round(f, 4)}
        out[name] = entry
    return out


def build_case(args: argparse.Namespace) -> tuple[Case, Path]:
    repo = Path(args.repo).resolve()
    git_dir = find_git_dir(repo)
    ref = args.ref or "HEAD"
    if args.commit:
        commit = git(git_dir, "rev-parse", args.commit + "^{commit}").strip()
    elif args.date:
        commit = git(git_dir, "rev-list", "-1", "--first-parent", f"--before={args.date}", ref).strip()
        if not commit:
            raise SystemExit(f"no commit before {args.date} on {ref}")
    else:
        raise SystemExit("give --commit or --date")
    when = commit_time(git_dir, commit)
    if not git(git_dir, "rev-list", "-1", f"{commit}..{ref}").strip():
        raise SystemExit(
            f"{ref} in {repo} has no history after {commit[:12]}: give the repository with the later "
            "history (and --worktree for the checkout at C), or --ref (e.g. origin/main)"
        )
    worktree = Path(args.worktree).resolve() if args.worktree else Path(
        tempfile.mkdtemp(prefix="gapfinder-eval-")
    ) / repo.name.removesuffix(".git")
    checkout(git_dir, commit, worktree)

    coverage = Path(args.coverage).resolve() if args.coverage else worktree / ".coverage"
    if args.run_tests:
        env = dict(os.environ, COVERAGE_FILE=str(coverage))
        print(f"running tests in {worktree}: {args.run_tests}", file=sys.stderr)
        subprocess.run(args.run_tests, shell=True, cwd=worktree, env=env)
    if not coverage.exists():
        raise SystemExit(f"no coverage data at {coverage}; give --coverage or --run-tests")

    report = run_gapfinder(worktree, coverage, args.churn_window, args.path_map)
    # Files committed at C only (not generated ones such as a _version.py written by the install),
    # under the source prefixes when given.
    tracked = set(git(git_dir, "ls-tree", "-r", "--name-only", commit).splitlines())
    paths = [m["path"] for m in report["modules"] if m["path"] in tracked]
    if args.source_prefix:
        paths = [p for p in paths if p.startswith(tuple(args.source_prefix))]
    keep = set(paths)
    report["modules"] = [m for m in report["modules"] if m["path"] in keep]
    lines = {p: physical_lines(worktree / p) for p in paths}
    sources = set(paths)
    fixes, stats = fix_commits(
        git_dir, commit, ref, shift(when, args.window), sources, args.max_files,
        re.compile(args.exclude_subject, re.IGNORECASE) if args.exclude_subject else None,
    )
    churn = churn_before(git_dir, commit, shift(when, args.churn_window, -1), sources)
    case = Case(
        name=args.name or repo.name.removesuffix(".git"),
        commit=commit,
        commit_date=when.date().isoformat(),
        window=args.window,
        lines=lines,
        fixes=fixes,
        gapfinder=report,
        churn=churn,
        stats=stats,
    )
    return case, coverage


# --- weight sweep ---------------------------------------------------------------------------


def parse_weights(text: str) -> dict[str, float]:
    out = {}
    for item in text.split(","):
        if item.strip():
            k, _, v = item.partition("=")
            out[k.strip()] = float(v)
    return out


GAP = "coverage_gap"


def combine(
    parts: Mapping[str, float], weights: Mapping[str, float], gap_floor: float = 0.2
) -> float:
    """gapfinder's score (up to its constant factor): the coverage gap counts on its own and also
    scales every other part by ``gap_floor + (1 - gap_floor) * gap`` (see gapfinder/scoring.py)."""
    gap = parts.get(GAP, 0.0)
    scale = gap_floor + (1 - gap_floor) * gap
    return sum(
        w * parts.get(n, 0.0) * (1.0 if n == GAP else scale) for n, w in weights.items()
    )


def sweep(
    case: Case,
    parts: Mapping[str, Mapping[str, float]],
    share: float,
    levels: Sequence[float] = (0, 1, 2, 3),
    floors: Sequence[float] = (0.2,),
    shuffles: int = 5,
) -> list[dict]:
    """Recall for every weight vector on a grid (and each coverage-gap floor).

    The normalised parts come from one in-process gapfinder.api.rank run and are recombined with
    ``combine``, which mirrors scoring.py; main() checks the recombined default against api.rank."""
    names = sorted({n for p in parts.values() for n in p})
    budgets = sorted({share, *BUDGETS})
    results = []
    seen = set()
    for combo in itertools.product(levels, repeat=len(names)):
        total = sum(combo)
        if total == 0:
            continue
        key = tuple(round(c / total, 6) for c in combo)
        if key in seen:
            continue
        seen.add(key)
        w = dict(zip(names, combo))
        for floor in floors:
            scores = {p: combine(parts.get(p, {}), w, floor) for p in case.lines}
            rng = random.Random(0)
            sums = {b: [0.0, 0.0] for b in budgets}
            for _ in range(shuffles):
                order = order_by(scores, rng)
                for b in budgets:
                    c, f = recall(order, case.lines, case.fixes, b)
                    sums[b][0] += c
                    sums[b][1] += f
            at = {f"{int(round(b * 100))}%": {"commits": round(v[0] / shuffles, 4),
                                              "files": round(v[1] / shuffles, 4)}
                  for b, v in sums.items()}
            main_at = at[f"{int(round(share * 100))}%"]
            results.append({"weights": w, "gap_floor": floor, "commits": main_at["commits"],
                            "files": main_at["files"], "at": at})
    return results


# --- output ---------------------------------------------------------------------------------


def table(case: Case, results: Mapping[str, Mapping], share: float) -> str:
    key = f"{int(round(share * 100))}%"
    total = sum(case.lines.values())
    pairs = sum(len(f.files) for f in case.fixes)
    touched = len({p for f in case.fixes for p in f.files})
    head = [
        f"{case.name} @ {case.commit[:12]} ({case.commit_date}), fixes in the next {case.window}",
        f"  source files {len(case.lines)}, lines {total}; fix commits {len(case.fixes)}, "
        f"fix-file pairs {pairs}, distinct files fixed {touched}",
        f"  effort-aware recall reading {key} of lines (ties and random: mean of shuffles)",
        "",
        f"  {'ordering':<34} {'commits':>8} {'files':>8}",
    ]
    rows = [
        f"  {name:<34} {r[key]['commits']:>8.3f} {r[key]['files']:>8.3f}"
        for name, r in results.items()
    ]
    return "\n".join(head + rows)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", help="a git repository (work tree or bare git dir) with the history")
    ap.add_argument("--commit", help="the past commit C")
    ap.add_argument("--date", help="take C as the last first-parent commit before this date")
    ap.add_argument("--ref", help="branch whose later history holds the fixes (default HEAD)")
    ap.add_argument("--window", default="12 months", help="fixes counted in (C, C + window]")
    ap.add_argument("--churn-window", default="12 months",
                    help="history before C for churn (and gapfinder --since)")
    ap.add_argument("--worktree", help="where to check out C (default: a temporary directory)")
    ap.add_argument("--coverage", help="coverage data measured at C (default: WORKTREE/.coverage)")
    ap.add_argument("--run-tests", metavar="CMD",
                    help="shell command run in the work tree to produce the coverage file, e.g. "
                         "'venv/bin/coverage run --branch --source=src -m pytest -q'")
    ap.add_argument("--path-map", action="append", default=[], metavar="OLD=NEW",
                    help="passed to gapfinder when coverage was recorded elsewhere")
    ap.add_argument("--source-prefix", action="append", default=[],
                    help="only rank files under this prefix (repeatable)")
    ap.add_argument("--max-files", type=int, default=DEFAULT_MAX_FILES,
                    help="fix commits touching more source files are left out as sweeping")
    ap.add_argument("--exclude-subject", metavar="REGEX",
                    help="commit subjects that are not bug fixes in this project (e.g. a refactoring "
                         "series named 'Fix constructors of ...')")
    ap.add_argument("--budget", type=float, default=0.2, help="share of lines read (0.2)")
    ap.add_argument("--shuffles", type=int, default=100, help="random orders to average")
    ap.add_argument("--weights", action="append", default=[], metavar="k=v,...",
                    help="also evaluate gapfinder with these weights (in-process; repeatable)")
    ap.add_argument("--sweep", metavar="FILE", help="run a weight grid, write all results here")
    ap.add_argument("--sweep-floors", type=float, nargs="+", default=[0.2],
                    help="coverage-gap floors to try in the sweep (scoring.py uses 0.2)")
    ap.add_argument("--name", help="project name in the report")
    ap.add_argument("--json", metavar="FILE", help="write the full results as JSON")
    ap.add_argument("--list-fixes", action="store_true", help="print the fix commits used")
    args = ap.parse_args(argv)

    case, coverage = build_case(args)
    worktree_root = Path(case.gapfinder["summary"].get("root") or args.worktree or ".")
    extra: dict[str, dict[str, float]] = {}
    parts = None
    if args.weights or args.sweep:
        default_scores, parts = api_scores(worktree_root, coverage, args.churn_window, None)
        extra["gapfinder (api, default)"] = {p: default_scores.get(p, 0.0) for p in case.lines}
        for text in args.weights:
            scores, _ = api_scores(worktree_root, coverage, args.churn_window, parse_weights(text))
            extra[f"gapfinder ({text})"] = {p: scores.get(p, 0.0) for p in case.lines}
    results = evaluate(case, args.budget, args.shuffles, extra)
    print(table(case, results, args.budget))
    if args.list_fixes:
        for f in case.fixes:
            print(f"  {f.sha[:10]} {f.subject[:70]}  [{', '.join(f.files)}]")
    payload = {
        "project": case.name,
        "commit": case.commit,
        "commit_date": case.commit_date,
        "window": case.window,
        "churn_window": args.churn_window,
        "budget": args.budget,
        "files": len(case.lines),
        "lines": sum(case.lines.values()),
        "fix_commits": len(case.fixes),
        "fix_file_pairs": sum(len(f.files) for f in case.fixes),
        "fixed_files": len({p for f in case.fixes for p in f.files}),
        "history": case.stats,
        "gapfinder_summary": case.gapfinder.get("summary"),
        "recall": results,
        "fixes": [{"sha": f.sha, "subject": f.subject, "files": list(f.files)} for f in case.fixes],
    }
    if args.sweep and parts is not None:
        grid = sweep(case, parts, args.budget, floors=args.sweep_floors)
        grid.sort(key=lambda r: (-(r["commits"] + r["files"]), sorted(r["weights"].items())))
        Path(args.sweep).write_text(json.dumps(grid, indent=1))
        print(f"\n  weight sweep: {len(grid)} vectors; best (commits+files):")
        for r in grid[:8]:
            w = ",".join(f"{k}={v:g}" for k, v in r["weights"].items())
            print(f"    {r['commits']:.3f} {r['files']:.3f}  {w}")
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
