"""Pull-request mode on a real repository: every format agrees with JSON, stays on the changed
lines, says what --top hid, and the Markdown comment fits GitHub (under 65,000 characters).

    python benchmarks/pr_mode/measure.py --repo PATH --base REV [--gapfinder GF] [--coverage FILE]
    python benchmarks/pr_mode/measure.py --snapshots OLD NEW --work DIR [--gapfinder GF]

The second form builds a repository in DIR from two checkouts of one project (folders without
git, e.g. two releases): OLD committed on main, NEW on a branch, so the change is a real one.

Runs `gapfinder rank PATH --diff REV --no-cache` once per format (--top 0, then --top 15) and
prints one line of figures per check; exits 1 when a check fails. Nothing is written to the repo.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

LIMIT = 65_000


def run(gf: str, repo: Path, base: str, extra: list[str], fmt: str, top: int) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run([gf, "rank", str(repo), "--diff", base, "--no-cache", "-q", "--format", fmt,
                           "--top", str(top), *extra], capture_output=True, text=True, env={"COLUMNS": "100",
                                                                                              "PATH": "/usr/bin:/bin"})
    if done.returncode not in (0, 1):
        sys.exit(f"gapfinder failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout, time.perf_counter() - started


def snapshot_repository(old: Path, new: Path, work: Path) -> Path:
    """A git repository whose main holds OLD's files and whose branch `change` holds NEW's."""
    repo = work / f"{new.parent.name}-{old.name}-{new.name}"
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)

    def git(*argv: str) -> None:
        subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
                        "-c", "init.defaultBranch=main", *argv], cwd=repo, check=True, capture_output=True)

    def fill(source: Path) -> None:
        for entry in repo.iterdir():
            if entry.name != ".git":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        shutil.copytree(source, repo, dirs_exist_ok=True, symlinks=True, ignore=shutil.ignore_patterns(".git"))

    git("init", "-q")
    fill(old)
    git("add", "-A")
    git("commit", "-q", "-m", f"snapshot {old.name}")
    git("checkout", "-q", "-b", "change")
    fill(new)
    git("add", "-A")
    git("commit", "-q", "-m", f"snapshot {new.name}")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--base", default="main")
    parser.add_argument("--snapshots", nargs=2, type=Path, metavar=("OLD", "NEW"))
    parser.add_argument("--work", type=Path)
    parser.add_argument("--gapfinder", default="gapfinder")
    parser.add_argument("--coverage")
    args = parser.parse_args()
    if args.snapshots:
        args.repo = snapshot_repository(*args.snapshots, args.work)
    elif args.repo is None:
        parser.error("pass --repo PATH --base REV, or --snapshots OLD NEW --work DIR")
    extra = ["--coverage", args.coverage] if args.coverage else []
    failures = []

    def check(ok: bool, what: str) -> None:
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    text, seconds = run(args.gapfinder, args.repo, args.base, extra, "json", 0)
    report = json.loads(text)
    change, rows = report["change"], report["modules"]
    prefix = report["summary"]["repo_prefix"]
    missed = {prefix + r["path"]: set(r["change"]["missed"]) for r in rows}
    print(f"{args.repo.name} since {args.base}: {change['files']} changed Python files, {change['modules']} changed "
          f"modules, {change['statements']} changed statements, {change['missed']} not run "
          f"({change['coverage']}% covered); {len(rows)} rows; json in {seconds:.1f} s")
    check(sum(len(r["change"]["missed"]) for r in rows) == change["missed"],
          "json: the rows' missed lines add up to the change's")

    markdown, _ = run(args.gapfinder, args.repo, args.base, extra, "markdown", 0)
    shown = len(re.findall(r"^\| \d+ \|", markdown, re.M))
    note = re.search(r"\*\*(\d+) more changed modules? not shown\*\*", markdown)
    check(len(markdown) < LIMIT, f"markdown --top 0: {len(markdown):,} characters, {shown} of {len(rows)} rows")
    check(shown + (int(note.group(1)) if note else 0) == len(rows), "markdown: rows shown + rows counted = all rows")

    markdown, _ = run(args.gapfinder, args.repo, args.base, extra, "markdown", 15)
    note = re.search(r"\*\*(\d+) more changed modules? not shown\*\* \(--top 15", markdown)
    check(len(rows) <= 15 or (note is not None and int(note.group(1)) == len(rows) - 15),
          f"markdown --top 15: says {note.group(1) if note else 0} hidden of {len(rows)}")
    hidden = json.loads(run(args.gapfinder, args.repo, args.base, extra, "json", 15)[0])["hidden"]
    check(hidden == max(0, len(rows) - 15), f"json --top 15: hidden {hidden}")

    sarif = json.loads(run(args.gapfinder, args.repo, args.base, extra, "sarif", 0)[0])
    outside = 0
    for result in sarif["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        lines = set(range(region["startLine"], region["endLine"] + 1))
        outside += not lines <= missed.get(location["artifactLocation"]["uri"], set())
    check(outside == 0, f"sarif: {len(sarif['runs'][0]['results'])} results, {outside} off the changed lines no test ran")

    github = run(args.gapfinder, args.repo, args.base, extra, "github", 0)[0].splitlines()
    outside = 0
    annotations = [line for line in github if line.startswith("::warning ")]
    for line in annotations:
        match = re.match(r"::warning file=([^,]+),line=(\d+),endLine=(\d+),", line)
        path = match.group(1).replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
        outside += not set(range(int(match.group(2)), int(match.group(3)) + 1)) <= missed.get(path, set())
    check(outside == 0 and len(annotations) == len(rows),
          f"github: {len(annotations)} annotations, {outside} off the changed lines no test ran")

    table = run(args.gapfinder, args.repo, args.base, extra, "table", 15)[0]
    frame = [line for line in table.splitlines() if line.startswith(("┃", "│", "┏", "┡", "└"))]
    widest = max(len(line) for line in frame)
    cropped = sum(1 for line in frame if line[-1] not in "┃│┓┩┘")  # rich crops a table wider than the line
    check(widest <= 100 and cropped == 0, f"table at COLUMNS=100: widest line {widest}, {cropped} lines cropped")
    check(f"change since {args.base}: " in table, "table: states the change's figures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
