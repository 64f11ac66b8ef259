#!/usr/bin/env python3
"""Run gapfinder's effort-aware recall evaluation over the whole corpus in corpus.json.

For every snapshot C of every project: make a work tree at C (a local clone of the mirror, so its
history stops at C), measure coverage when the snapshot has a recipe (a venv and a coverage file
per snapshot, reused when present), rank with the given gapfinder executable (with and without git
history), and compute recall at a budget of 20% of source lines for gapfinder and for simple
orderings, with evaluate.py's own functions (fix rules, reading rule, tie-breaking by shuffles).

    python benchmarks/rank_corpus/run_corpus.py --mirrors /work/.mirror \\
        --work /work/corpora/rankeval --gapfinder /path/to/gapfinder --json results.json

Mirrors are bare git directories named MIRRORS/<owner>+<name>/repo (what the `fetch` tool makes); a
plain clone works too if given as --mirror-layout plain (MIRRORS/<owner>+<name> with a .git).

Fix commits are taken from corpus.json (stored labels: commit, subject, source files at C); the
script also recomputes them from the mirror with evaluate.fix_commits and warns when they differ.
Metrics (metrics.py, numpy: run this with the Python of a gapfinder install): ER@20%LOC at
commit and file level, Popt, and recall in the first 10 and 20 files, per snapshot, pooled over
snapshots and as the mean over projects (a project with two snapshots counts once; this is the
figure fit.py and the acceptance use). --features FILE also exports, per snapshot, the raw facts
under gapfinder's score (facts_dump.py) and the dated commit history of every file in the 24
months before C, with the fix labels, for fit.py, and static_facts.py's counts per module.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import evaluate as ev  # noqa: E402  (benchmarks/evaluate.py: stdlib only)
import metrics  # noqa: E402
import static_facts  # noqa: E402

HISTORY_MONTHS = 24  # dated history exported before C for fit.py

ORDERINGS = [
    "gapfinder", "gapfinder --no-git", "churn 3mo", "churn 12mo", "past fixes 12mo", "CRAP",
    "largest", "smallest", "most missed", "lowest %", "random",
]
DIAG_PARTS = ["coverage_gap", "size", "centrality", "complexity", "risk", "churn", "fixes"]
SHORT = {
    "gapfinder": "gapf", "gapfinder --no-git": "gf-nogit", "churn 3mo": "churn3", "churn 12mo": "churn12",
    "past fixes 12mo": "fixes", "CRAP": "CRAP", "largest": "largest", "smallest": "smallest", "most missed": "missed",
    "lowest %": "low%", "random": "random",
}
# orderings that read no git history: compared with gapfinder --no-git
NO_HISTORY = ["gapfinder --no-git", "CRAP", "largest", "smallest", "most missed", "lowest %", "random"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def git_dir_of(mirrors: Path, repo: str, layout: str) -> Path:
    base = mirrors / repo.replace("/", "+")
    return base / "repo" if layout == "fetch" else base / ".git"


# --- coverage -------------------------------------------------------------------------------


def find_python(version: str) -> str:
    """An interpreter for X.Y: pythonX.Y on PATH when it runs, else one under pyenv's versions."""
    name = f"python{version}"
    if shutil.which(name) and subprocess.run([name, "-c", "pass"], capture_output=True).returncode == 0:
        return name
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for cand in sorted(root.glob(f"{version}.*"), reverse=True):
        if (cand / "bin" / name).exists():
            return str(cand / "bin" / name)
    raise SystemExit(f"no Python {version} found (tried {name} and {root}/{version}.*)")


def measure_coverage(tree: Path, sdir: Path, recipe: dict, timeout: int) -> Path | None:
    """Coverage data at C by the snapshot's recipe; reused when the file exists."""
    cov = sdir / "coverage.sqlite"
    if cov.exists():
        return cov
    venv = sdir / "venv"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(recipe.get("env", {}))
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    if not (venv / ".installed").exists():
        py = find_python(recipe["python"])
        log(f"    venv {venv} ({py}); install: {recipe['install']}")
        subprocess.run([py, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--upgrade", "pip"], env=env)
        r = subprocess.run(["nice", "-n", "15", "bash", "-c", recipe["install"]], cwd=tree, env=env)
        if r.returncode != 0:
            log(f"    install failed ({r.returncode}); no coverage for this snapshot")
            return None
        (venv / ".installed").write_text(recipe["install"] + "\n")
    sources = ",".join(str(tree / s) for s in recipe["source"].split(","))
    env["COVERAGE_FILE"] = str(cov)
    cmd = (f"nice -n 15 {shlex.quote(str(venv / 'bin' / 'coverage'))} run --branch "
           f"--source={shlex.quote(sources)} -m {recipe['test_command']}")
    log(f"    tests: {cmd}")
    t0 = time.time()
    try:
        r = subprocess.run(["bash", "-c", cmd], cwd=tree, env=env, timeout=recipe.get("timeout", timeout),
                           stdout=(sdir / "tests.log").open("w"), stderr=subprocess.STDOUT)
        log(f"    tests exit {r.returncode} after {time.time() - t0:.0f}s (log {sdir / 'tests.log'})")
        if r.returncode not in (0, 1):  # 0 passed, 1 some failed; else the suite did not run
            log("    the suite did not run (pytest exit 2-5); no coverage for this snapshot")
            for f in [cov, *sdir.glob(cov.name + ".*")]:
                f.unlink(missing_ok=True)
            return None
    except subprocess.TimeoutExpired:
        log(f"    tests timed out after {time.time() - t0:.0f}s")
    parts = sorted(sdir.glob(cov.name + ".*"))
    if not cov.exists() and parts:  # the project's own config asks for parallel data files
        subprocess.run([str(venv / "bin" / "coverage"), "combine", "--keep", *map(str, parts)],
                       cwd=tree, env=env, capture_output=True)
    if not cov.exists():
        log("    no coverage file was written")
        return None
    return cov


# --- gapfinder ------------------------------------------------------------------------------


def run_gapfinder(gapfinder: str, tree: Path, coverage: Path | None, since: str, no_git: bool,
                  out: Path) -> dict:
    cmd = ["nice", "-n", "15", gapfinder, "rank", str(tree), "--format", "json", "--top", "0",
           "--quiet", "--no-cache", *(["--since", since] if since else [])]
    if coverage is not None:
        cmd += ["--coverage", str(coverage)]
    if no_git:
        cmd.append("--no-git")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"gapfinder rank failed ({r.returncode}) on {tree}:\n{r.stderr}")
    out.write_text(r.stdout)
    return json.loads(r.stdout)


# --- history-based orderings ----------------------------------------------------------------


def past_fixes(git_dir: Path, commit: str, since, sources: set[str], max_files: int) -> dict[str, int]:
    """Bug-fix commits (evaluate.py's subject and 1..max_files rules) touching each file in
    [since, C]; paths as each commit named them (a file renamed later, before C, loses the fixes
    made under its old name)."""
    text = ev.git(git_dir, "log", "--no-merges", "-M", "--name-status",
                  "--format=%x00%H%x1f%s", f"--since={since.isoformat()}", commit)
    counts: Counter = Counter()
    for chunk in text.split("\x00")[1:]:
        head, _, body = chunk.partition("\n")
        _, subject = head.split("\x1f", 1)
        if not ev.is_fix_subject(subject):
            continue
        touched = set()
        for line in body.splitlines():
            parts = line.split("\t")
            if len(parts) >= 2:
                touched.add(parts[-1])
        at_c = touched & sources
        if 0 < len(at_c) <= max_files:
            counts.update(at_c)
    return {p: counts.get(p, 0) for p in sources}


def facts_of(gapfinder: str, tree: Path, coverage: Path | None, paths: list[str]) -> list[dict]:
    """The raw facts under gapfinder's score (facts_dump.py, run by the gapfinder's own Python)."""
    python = Path(gapfinder).parent / "python"
    cmd = ["nice", "-n", "15", str(python), str(HERE / "facts_dump.py"), str(tree)]
    if coverage is not None:
        cmd += ["--coverage", str(coverage)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"facts_dump failed on {tree}:\n{r.stderr}")
    facts = json.loads(r.stdout)
    return [facts.get(p) for p in paths]


def dated_history(git_dir: Path, commit: str, since, when, sources: set[str]) -> dict[str, list]:
    """Every non-merge commit in [since, C] touching a source file (no rename following, as
    gapfinder's history reads it): per file [age in days at C, fix subject (evaluate.py's rule),
    source files the commit touched, lines changed or -1 when the blobs are missing, author index
    (the n-th distinct author e-mail of this snapshot's history), 1 when the commit created the
    file]."""
    args = ["log", "--no-merges", "--no-renames", "--format=%x1e%H%x1f%ct%x1f%ae%x1f%s", "--summary",
            f"--since={since.isoformat()}", commit]
    try:
        text, numstat = ev.git(git_dir, *args, "--numstat"), True
    except SystemExit:
        text, numstat = ev.git(git_dir, *args, "--name-only"), False
    events: dict[str, list] = {}
    authors: dict[str, int] = {}
    for record in text.split("\x1e")[1:]:
        head, _, body = record.partition("\n")
        _sha, ts, author, subject = head.split("\x1f", 3)
        who = authors.setdefault(author.lower(), len(authors))
        created = {line.split(" ", 4)[-1] for line in body.splitlines()
                   if line.startswith(" create mode ")}
        touched = {}
        for line in body.splitlines():
            if line.startswith(" "):  # --summary lines (create/delete mode)
                continue
            parts = line.split("\t")
            path = parts[-1] if parts else ""
            if path in sources:
                changed = -1
                if numstat and len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
                    changed = int(parts[0]) + int(parts[1])
                touched[path] = changed
        age = round((when.timestamp() - int(ts)) / 86400, 2)
        fix = ev.is_fix_subject(subject)
        for path, changed in touched.items():
            events.setdefault(path, []).append([age, int(fix), len(touched), changed, who,
                                                int(path in created)])
    return events


# --- one snapshot ---------------------------------------------------------------------------


def evaluate_snapshot(project: dict, snap: dict, args) -> dict:
    name = project["name"]
    git_dir = git_dir_of(Path(args.mirrors), project["repo"], args.mirror_layout)
    commit = snap["commit"]
    sdir = Path(args.work) / name / commit[:12]
    sdir.mkdir(parents=True, exist_ok=True)
    tree = ev.checkout(git_dir, commit, sdir / "tree")
    when = ev.commit_time(git_dir, commit)
    ref = project.get("ref", "HEAD")

    coverage = None
    if snap.get("coverage") and not args.no_coverage:
        coverage = measure_coverage(tree, sdir, snap["coverage"], args.test_timeout)
    since = args.churn_window
    report = run_gapfinder(args.gapfinder, tree, coverage, since, False, sdir / "gapfinder.json")
    report_ng = run_gapfinder(args.gapfinder, tree, coverage, since, True, sdir / "gapfinder-nogit.json")

    tracked = set(ev.git(git_dir, "ls-tree", "-r", "--name-only", commit).splitlines())
    prefixes = tuple(project["source_prefix"]) if isinstance(project["source_prefix"], list) \
        else (project["source_prefix"],)
    excluded = tuple(project.get("source_exclude", ()))  # e.g. tests inside the package
    rows = {m["path"]: m for m in report["modules"]
            if m["path"] in tracked and m["path"].startswith(prefixes)
            and not any(x in m["path"] for x in excluded)}
    # gapfinder's own order (its JSON lists modules ranked; the scores are rounded to 0.1 and tie)
    place = {m["path"]: -i for i, m in enumerate(report["modules"])}
    place_ng = {m["path"]: -i for i, m in enumerate(report_ng["modules"])}
    paths = sorted(rows)
    sources = set(paths)
    lines = {p: ev.physical_lines(tree / p) for p in paths}

    # the fix labels: stored ones, restricted to the ranked files; recomputed for a check
    max_files = project.get("max_files", ev.DEFAULT_MAX_FILES)
    exclude = re.compile(project["exclude_subject"], re.IGNORECASE) \
        if project.get("exclude_subject") else None
    recomputed, stats = ev.fix_commits(git_dir, commit, ref, ev.shift(when, snap["window"]), sources,
                                       max_files, exclude)
    if snap.get("fix_commits"):
        fixes = []
        dropped = 0
        for f in snap["fix_commits"]:
            files = tuple(p for p in f["files"] if p in sources)
            dropped += len(f["files"]) - len(files)
            if files:
                fixes.append(ev.FixCommit(f["sha"], f["subject"], files))
        if dropped:
            log(f"    {dropped} labelled fix files are not among the ranked files")
        if {f.sha for f in recomputed} != {f.sha for f in fixes}:
            log(f"    note: recomputed fixes ({len(recomputed)}) differ from the stored labels ({len(fixes)})")
    else:
        fixes = recomputed

    churn3 = ev.churn_before(git_dir, commit, ev.shift(when, "3 months", -1), sources)
    churn12 = ev.churn_before(git_dir, commit, ev.shift(when, "12 months", -1), sources)
    pfix = past_fixes(git_dir, commit, ev.shift(when, "12 months", -1), sources, max_files)

    def uncovered(m: dict) -> float:
        return (m["missed"] / m["statements"]) if m.get("statements") else 0.0

    cov_pct = {p: (rows[p]["coverage"] if rows[p].get("coverage") is not None else 0.0) for p in paths}
    keys: dict[str, dict[str, float] | None] = {
        "gapfinder": {p: place[p] for p in paths},
        "gapfinder --no-git": {p: place_ng.get(p, -len(place_ng)) for p in paths},
        "churn 3mo": {p: churn3.get(p, 0) for p in paths},
        "churn 12mo": {p: churn12.get(p, 0) for p in paths},
        "past fixes 12mo": {p: pfix.get(p, 0) for p in paths},
        # CRAP at module level: the module's complexity (gapfinder's row: its most complex
        # function) squared, times the share of its statements no test ran.
        "CRAP": {p: float(rows[p].get("complexity") or 0) ** 2 * uncovered(rows[p]) for p in paths},
        "largest": {p: lines[p] for p in paths},
        # effort-aware: the fewest lines first reads the most files in the budget
        "smallest": {p: -lines[p] for p in paths},
        "most missed": {p: rows[p]["missed"] for p in paths},
        "lowest %": {p: -cov_pct[p] for p in paths},
        "random": None,
    }
    labels = metrics.Labels.build(paths, lines, [f.files for f in fixes])
    recall = {}
    scores = {}
    for oname, k in keys.items():
        m = metrics.evaluate(None if k is None else [k[p] for p in paths], labels, args.budget, args.shuffles)
        recall[oname] = {"commits": round(m["er_commits"], 4), "files": round(m["er_files"], 4)}
        scores[oname] = {n: round(v, 4) for n, v in m.items()}

    # diagnostics: gapfinder's score without its per-statement damping (score / effort), and each
    # normalised part of its score alone, as orderings
    diag_keys: dict[str, dict[str, float]] = {
        # predicted fixes per module, not per line: the ratio score / (100 - score), times lines / floor
        "gf undamped": {p: rows[p]["score"] / max(100.0 - rows[p]["score"], 1e-3) / (rows[p].get("effort") or 1.0)
                        for p in paths},
    }
    for part in DIAG_PARTS:
        diag_keys[part] = {p: ((rows[p].get("parts") or {}).get(part) or {}).get("value", 0.0)
                           for p in paths}
    diagnostics = {}
    for oname, k in diag_keys.items():
        m = metrics.evaluate([k[p] for p in paths], labels, args.budget, args.shuffles)
        diagnostics[oname] = {"commits": round(m["er_commits"], 4), "files": round(m["er_files"], 4)}
    if args.features is not None:
        args.features.append({
            "project": name, "kind": project["kind"], "commit": commit, "date": when.date().isoformat(),
            "coverage": coverage is not None, "paths": paths, "lines": [lines[p] for p in paths],
            "facts": facts_of(args.gapfinder, tree, coverage, paths),
            "events": dated_history(git_dir, commit, ev.shift(when, f"{HISTORY_MONTHS} months", -1), when,
                                    sources),
            "fixes": [list(f.files) for f in fixes],
            "static": static_facts.of_tree(tree, paths, coverage),
        })

    # where gapfinder's reading went: the files it read and the fixed files it missed, with parts
    order = ev.order_by(keys["gapfinder"], random.Random(0))
    read = ev.files_read(order, lines, args.budget * sum(lines.values()))
    fixed_count = Counter(p for f in fixes for p in f.files)
    rank_of = {p: i + 1 for i, p in enumerate(order)}

    def brief(p: str) -> dict:
        m = rows[p]
        return {"path": p, "rank": rank_of[p], "lines": lines[p], "fixes_after": fixed_count.get(p, 0),
                "score": m["score"], "coverage": m.get("coverage"), "complexity": m.get("complexity"),
                "churn12": churn12.get(p, 0), "past_fixes": pfix.get(p, 0),
                "parts": {k: v["value"] for k, v in (m.get("parts") or {}).items()}}

    return {
        "project": name, "kind": project["kind"], "commit": commit, "date": when.date().isoformat(),
        "window": snap["window"], "coverage": coverage is not None,
        "line_coverage": report["summary"].get("line_coverage"),
        "files": len(paths), "lines": sum(lines.values()), "fix_commits": len(fixes),
        "fix_file_pairs": sum(len(f.files) for f in fixes), "fixed_files": len(fixed_count),
        "recomputed_fix_commits": len(recomputed), "history": stats,
        "recall": recall,
        "metrics": scores,
        "diagnostics": diagnostics,
        "fixes": [{"sha": f.sha, "subject": f.subject, "files": list(f.files)} for f in fixes],
        "gapfinder_read": [brief(p) for p in order if p in read],
        "gapfinder_missed_fixed": [brief(p) for p in order if p not in read and p in fixed_count],
    }


# --- output ---------------------------------------------------------------------------------


def fmt(r: dict) -> str:
    return f"{r['commits']:.2f}/{r['files']:.2f}"


def print_table(results: list[dict], budget: float) -> None:
    names = ORDERINGS
    width = 11
    print(f"recall reading {int(budget * 100)}% of source lines, commit level / file level "
          "(ties and random: mean of shuffles)")
    head = f"{'project @ C':<34} {'cov':>5} {'fix':>4} " + " ".join(f"{SHORT[n]:>{width}}" for n in names)
    print(head)
    print("-" * len(head))
    for r in results:
        cov = f"{r['line_coverage']:.0f}%" if r["coverage"] and r["line_coverage"] is not None else "-"
        label = f"{r['project']} {r['commit'][:8]} {r['date']}"
        print(f"{label:<34} {cov:>5} {r['fix_commits']:>4} "
              + " ".join(f"{fmt(r['recall'][n]):>{width}}" for n in names))
    groups = [("pooled mean (all)", results),
              ("  with coverage", [r for r in results if r["coverage"]]),
              ("  without coverage", [r for r in results if not r["coverage"]]),
              ("  libraries", [r for r in results if r["kind"] == "library"]),
              ("  back ends", [r for r in results if r["kind"] == "backend"])]
    # a project with two snapshots counts twice in the pooled mean; this line counts it once
    by_project: dict[str, list[dict]] = {}
    for r in results:
        by_project.setdefault(r["project"], []).append(r)
    project_means = [
        {"recall": {n: {k: sum(x["recall"][n][k] for x in rs) / len(rs) for k in ("commits", "files")}
                    for n in names}}
        for rs in by_project.values()
    ]
    groups.insert(1, ("  per project", project_means))
    print("-" * len(head))
    for label, rs in groups:
        if not rs:
            continue
        cells = []
        for n in names:
            c = sum(r["recall"][n]["commits"] for r in rs) / len(rs)
            f = sum(r["recall"][n]["files"] for r in rs) / len(rs)
            cells.append(f"{c:.2f}/{f:.2f}")
        print(f"{label + f' (n={len(rs)})':<34} {'':>5} {'':>4} " + " ".join(f"{c:>{width}}" for c in cells))


def by_project(results: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in results:
        out.setdefault(r["project"], []).append(r)
    return out


def project_mean(results: list[dict], ordering: str, metric: str) -> float:
    """Mean over projects of the mean over each project's snapshots (what acceptance uses)."""
    groups = by_project(results).values()
    return sum(sum(r["metrics"][ordering][metric] for r in rs) / len(rs) for rs in groups) / len(groups)


def print_metrics(results: list[dict]) -> None:
    """Every metric, mean over projects, for the orderings with history and those without."""
    names = {"er_commits": "ER@20% c", "er_files": "ER@20% f", "popt": "Popt", "top10": "R@10f c",
             "top20": "R@20f c"}
    for title, orderings in (("with history", ORDERINGS), ("git hidden (no history)", NO_HISTORY)):
        print(f"\nmean over {len(by_project(results))} projects, {title}")
        print(f"{'ordering':<20} " + " ".join(f"{n:>9}" for n in names.values()))
        for o in orderings:
            print(f"{o:<20} " + " ".join(f"{project_mean(results, o, m):>9.3f}" for m in names))


def print_diagnostics(results: list[dict]) -> None:
    names = ["gf undamped", *DIAG_PARTS]
    print("\ndiagnostics: gapfinder's predicted fixes per module instead of per line, and each "
          "part of its score alone (same budget)")
    head = f"{'project @ C':<34} {'gapf':>11} " + " ".join(f"{n[:11]:>11}" for n in names)
    print(head)
    print("-" * len(head))
    for r in results:
        label = f"{r['project']} {r['commit'][:8]} {r['date']}"
        print(f"{label:<34} {fmt(r['recall']['gapfinder']):>11} "
              + " ".join(f"{fmt(r['diagnostics'][n]):>11}" for n in names))
    print("-" * len(head))
    cells = []
    for n in ["gapfinder"] + names:
        src = [r["recall"][n] if n == "gapfinder" else r["diagnostics"][n] for r in results]
        cells.append(f"{sum(x['commits'] for x in src) / len(src):.2f}/"
                     f"{sum(x['files'] for x in src) / len(src):.2f}")
    print(f"{f'pooled mean (n={len(results)})':<34} " + " ".join(f"{c:>11}" for c in cells))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", required=True, help="folder of mirrors, <owner>+<name>/repo")
    ap.add_argument("--mirror-layout", choices=["fetch", "plain"], default="fetch")
    ap.add_argument("--work", required=True, help="work folder (trees, venvs, coverage files)")
    ap.add_argument("--gapfinder", required=True, help="the gapfinder executable to evaluate")
    ap.add_argument("--corpus", default=str(HERE / "corpus.json"))
    ap.add_argument("--json", metavar="FILE", help="write all results here")
    ap.add_argument("--only", action="append", default=[], help="only these projects (repeatable)")
    ap.add_argument("--no-coverage", action="store_true", help="rank every snapshot without coverage")
    ap.add_argument("--budget", type=float, default=0.2)
    ap.add_argument("--shuffles", type=int, default=100)
    ap.add_argument("--churn-window", default=None, help="gapfinder --since (default: gapfinder's own)")
    ap.add_argument("--test-timeout", type=int, default=1800)
    ap.add_argument("--features", metavar="FILE",
                    help="export raw facts, dated history and fix labels per snapshot here (for fit.py)")
    ap.add_argument("--fit", metavar="FILE", nargs="?", const="-",
                    help="then choose the score by cross-validation on the exported features (fit.py), "
                         "printing every fold; FILE: also write fit.py's JSON (needs --features)")
    ap.add_argument("--holdout", metavar="FEATURES", action="append", default=[],
                    help="with --fit: also score the fitted models on these unseen projects' features "
                         "(an earlier run of this script with --corpus holdout.json --features FEATURES); repeatable: "
                         "with --density every hold-out is pooled (--fit takes the first)")
    ap.add_argument("--density", metavar="HOLDOUT_RESULTS", action="append", default=[],
                    help="then the density models' folds and their nested choice (ideas.py --holdout --nested) and "
                         "the check that gapfinder's shipped default finds what density.py computes for it (ideas.py "
                         "--product), on the corpus and the hold-outs: HOLDOUT_RESULTS is a hold-out run's --json, "
                         "repeatable (needs --features, --holdout, --json)")
    args = ap.parse_args(argv)
    if args.fit and not args.features:
        ap.error("--fit needs --features FILE")
    if args.density and not (args.features and args.holdout and args.json):
        ap.error("--density needs --features FILE, --holdout FEATURES and --json FILE")
    features_file, args.features = args.features, ([] if args.features else None)

    corpus = json.loads(Path(args.corpus).read_text())
    results = []
    for project in corpus:
        if args.only and project["name"] not in args.only:
            continue
        for snap in project["snapshots"]:
            log(f"{project['name']} @ {snap['commit'][:12]}")
            t0 = time.time()
            res = evaluate_snapshot(project, snap, args)
            log(f"    {res['files']} files, {res['fix_commits']} fixes, "
                f"gapfinder {fmt(res['recall']['gapfinder'])}, {time.time() - t0:.0f}s")
            if not res["fix_commits"]:  # every ordering finds 0 of 0: it would drag every mean alike
                log("    no fix commit in the window: left out of the tables (as fit.py does)")
                continue
            results.append(res)
    print_table(results, args.budget)
    if results:
        print_metrics(results)
        print_diagnostics(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.features is not None:
        Path(features_file).write_text(json.dumps(args.features))
    if args.fit:
        import fit  # noqa: PLC0415  (numpy-heavy; only for --fit)
        fit.main([features_file, *(["--json", args.fit] if args.fit != "-" else []),
                  *(["--holdout", args.holdout[0]] if args.holdout else [])])
    if args.density:
        import ideas  # noqa: PLC0415  (numpy-heavy; only for --density)
        held = [arg for path in args.holdout for arg in ("--holdout", path)]
        ideas.main([features_file, *held, "--nested"])
        ideas.main([features_file, *held, "--product", args.json, *args.density])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
