#!/usr/bin/env python3
"""The second hold-out's tables (README section "Second hold-out"): no-history orderings V1, V2, V3
against the shipped density order and CRAP, on fresh projects and pooled with the 23 earlier ones.

    nice -n 10 .venv/bin/python benchmarks/rank_corpus/fresh.py /work/corpora/rankeval

Reads, in WORK: the new projects' export (holdout2-features.json, holdout2-results.json: run_corpus.py
--corpus holdout2.json --no-coverage --features ... --json ...) and the 23 earlier projects' exports
(features-12nh.json + results-12density.json, holdout-features-12nh.json +
holdout-results-12density.json), plus each snapshot's tree at C (WORK/<project>/<sha12>/tree) and
its coverage file when it was measured. run_corpus.py's columns (the density order gapfinder rank
--no-git ships, CRAP, smallest, largest, random, and gapfinder with git, churn and past fixes) are
read from its results; V1, V2 and V3 are scored here with metrics.evaluate on the same fix labels.

* V1: static_facts.py's crap_fmax / physical lines (learners.py's round 1);
* V2: gapfinder's per-function complexity with every nested function's decisions (complexity - 1)
  added to its outermost enclosing function, max over outermost functions of complexity squared x
  missed share, / ModuleInfo.lines;
* V3: the same without folding.
Missed share: 1 without coverage; else the share of the function's statement lines not executed.
"""

from __future__ import annotations

import argparse
import json
import sys
from bisect import bisect_left, bisect_right
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fit  # noqa: E402
import metrics  # noqa: E402
import static_facts  # noqa: E402

from gapfinder.model import ModuleInfo  # noqa: E402
from gapfinder.rank.analysis import analyse_source  # noqa: E402

SHUFFLES = 100
NO_HISTORY = ("density (shipped)", "CRAP", "smallest", "largest", "random", "V1", "V2", "V3")
WITH_HISTORY = ("gapfinder (git)", "churn 12mo", "past fixes 12mo")
FROM_RESULTS = {"density (shipped)": "gapfinder --no-git", "CRAP": "CRAP", "smallest": "smallest",
                "largest": "largest", "random": "random", "gapfinder (git)": "gapfinder",
                "churn 12mo": "churn 12mo", "past fixes 12mo": "past fixes 12mo"}
ORDER = NO_HISTORY + WITH_HISTORY
SHORT = {"density (shipped)": "density", "gapfinder (git)": "gf+git", "churn 12mo": "churn12", "past fixes 12mo": "fixes12"}
GROUPS = (("new", "holdout2-features.json", "holdout2-results.json"),
          ("corpus", "features-12nh.json", "results-12density.json"),
          ("hold-out 1", "holdout-features-12nh.json", "holdout-results-12density.json"))


def outermost(info: ModuleInfo) -> list[int]:
    """Each function's outermost enclosing function (itself when none encloses it): an enclosing
    function's qualname is a component-wise prefix of it and its lines contain it."""
    fns = info.functions
    parts = [f.qualname.split(".") for f in fns]

    def encloses(a: int, b: int) -> bool:
        return (len(parts[a]) < len(parts[b]) and parts[b][:len(parts[a])] == parts[a]
                and fns[a].line <= fns[b].line and fns[b].end_line <= fns[a].end_line)

    top = []
    for i in range(len(fns)):
        around = [a for a in range(len(fns)) if encloses(a, i)]
        top.append(min(around, key=lambda a: len(parts[a])) if around else i)
    return top


def missed_share(info: ModuleInfo, first: int, last: int, executed: frozenset[int] | None) -> float:
    if executed is None:
        return 1.0
    lo, hi = bisect_left(info.statements, first), bisect_right(info.statements, last)
    stmts = info.statements[lo:hi]
    return sum(line not in executed for line in stmts) / len(stmts) if stmts else 1.0


def v2_v3(info: ModuleInfo, executed: frozenset[int] | None) -> tuple[float, float]:
    """(V2, V3) of one module."""
    fns = info.functions
    top = outermost(info)
    folded = {i: fns[i].complexity for i in range(len(fns)) if top[i] == i}
    for i, t in enumerate(top):
        if t != i:
            folded[t] += fns[i].complexity - 1
    lines = max(info.lines, 1)
    crap = lambda i, cc: cc * cc * missed_share(info, fns[i].line, fns[i].end_line, executed)  # noqa: E731
    v2 = max((crap(i, cc) for i, cc in folded.items()), default=0.0)
    v3 = max((crap(i, f.complexity) for i, f in enumerate(fns)), default=0.0)
    return v2 / lines, v3 / lines


def own_keys(rec: dict, work: Path) -> dict[str, np.ndarray]:
    """V1, V2, V3 keys of one exported snapshot, in its paths' order."""
    sdir = work / rec["project"] / rec["commit"][:12]
    tree = sdir / "tree"
    executed = static_facts.executed_lines(sdir / "coverage.sqlite") if rec["coverage"] else None
    v2, v3 = [], []
    for p in rec["paths"]:
        info = analyse_source((tree / p).read_bytes(), p, p[:-3].replace("/", "."))
        if not isinstance(info, ModuleInfo):
            v2.append(0.0)
            v3.append(0.0)
            continue
        pair = v2_v3(info, None if executed is None else executed.get((tree / p).resolve(), frozenset()))
        v2.append(pair[0])
        v3.append(pair[1])
    v1 = np.array([s["crap_fmax"] for s in rec["static"]]) / np.array(rec["lines"], dtype=float)
    return {"V1": v1, "V2": np.array(v2), "V3": np.array(v3)}


def project_figures(work: Path, features: str, results: str) -> tuple[dict, dict, dict]:
    """project -> ordering -> ER@20%LOC commits (mean over its snapshots); project -> kind;
    project -> (files, fix commits, covered) of its snapshots."""
    recs = json.loads((work / features).read_text())
    res = {(r["project"], r["commit"]): r for r in json.loads((work / results).read_text())}
    per: dict[str, dict[str, list[float]]] = {}
    kind, info = {}, {}
    for rec in recs:
        snap = fit.Snapshot(rec)
        if not snap.labels.incidence.shape[0]:
            print(f"{rec['project']} {rec['commit'][:12]}: no fix commit in the window; left out", file=sys.stderr)
            continue
        r = res[(rec["project"], rec["commit"])]
        if r["fix_commits"] != len(rec["fixes"]):
            raise SystemExit(f"{rec['project']} {rec['commit'][:12]}: the results and the export disagree on the fixes")
        figs = per.setdefault(rec["project"], {o: [] for o in ORDER})
        for name, key in FROM_RESULTS.items():
            figs[name].append(r["recall"][key]["commits"])
        for name, keys in own_keys(rec, work).items():
            figs[name].append(metrics.evaluate(keys, snap.labels, shuffles=SHUFFLES, only="er_commits")["er_commits"])
        kind[rec["project"]] = rec["kind"]
        files, fixes, cov = info.get(rec["project"], (0, 0, False))
        info[rec["project"]] = (files + len(rec["paths"]), fixes + len(rec["fixes"]), cov or rec["coverage"])
    return {p: {o: float(np.mean(v)) for o, v in f.items()} for p, f in per.items()}, kind, info


def table(title: str, figs: dict, kind: dict, info: dict, names: tuple[str, ...]) -> None:
    print(f"\n{title}")
    # files and fix commits: summed over the project's snapshots
    print(f"{'project':<22} {'kind':<8} {'files':>5} {'fixes':>5} " + " ".join(f"{SHORT.get(n, n):>10}" for n in names))
    for p in figs:
        files, fixes, cov = info[p]
        print(f"{p[:22]:<22} {kind[p][:8]:<8} {files:>5} {fixes:>5} " + " ".join(f"{figs[p][n]:>10.3f}" for n in names)
              + ("  (coverage)" if cov else ""))
    print(f"{'mean (' + str(len(figs)) + ')':<42} " + " ".join(f"{np.mean([figs[p][n] for p in figs]):>10.3f}"
                                                           for n in names))


def paired(label: str, figs: dict, a: str, b: str) -> None:
    d = np.array([figs[p][a] - figs[p][b] for p in figs])
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    print(f"  {a + ' - ' + b:<36} {label:<11} mean {d.mean():+.3f} (se {se:.3f}), better {int((d > 1e-9).sum())}, "
          f"worse {int((d < -1e-9).sum())}, tied {int((abs(d) <= 1e-9).sum())} of {len(d)}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", help="the run_corpus.py work folder holding the exports and the trees")
    args = ap.parse_args(argv)
    work = Path(args.work)
    groups = {}
    for name, features, results in GROUPS:
        groups[name] = project_figures(work, features, results)
    new, kind, info = groups["new"]
    old = {**groups["corpus"][0], **groups["hold-out 1"][0]}
    for g in ("corpus", "hold-out 1"):
        kind.update(groups[g][1])
        info.update(groups[g][2])
    table("new projects (second hold-out), ER@20%LOC commits, WITHOUT history", new, kind, info, NO_HISTORY)
    table("new projects, WITH history (run_corpus.py's columns)", new, kind, info, WITH_HISTORY)
    table("the 23 earlier projects (corpus 16 + first hold-out 7), WITHOUT history", old, kind, info, NO_HISTORY)
    everyone = {**old, **new}
    print("\nmeans over projects, ER@20%LOC commits")
    subsets = (("new", new), ("23 earlier", old), ("all", everyone),
               ("23 earlier, no coverage", {p: f for p, f in old.items() if not info[p][2]}),
               ("all without coverage", {p: f for p, f in everyone.items() if not info[p][2]}),
               ("new services", {p: f for p, f in new.items() if kind[p] == "backend"}),
               ("new libraries", {p: f for p, f in new.items() if kind[p] == "library"}),
               # post hoc (not declared): single files decide a project with a few fixes
               ("new, >= 8 fixes (post hoc)", {p: f for p, f in new.items() if info[p][1] >= 8}))
    print(f"{'subset':<28} {'n':>3} " + " ".join(f"{SHORT.get(n, n):>10}" for n in ORDER))
    for label, figs in subsets:
        print(f"{label:<28} {len(figs):>3} " + " ".join(f"{np.mean([figs[p][n] for p in figs]):>10.3f}" for n in ORDER))
    print("\npaired per-project differences")
    for label, figs in subsets[:3]:
        for a, b in (("V2", "CRAP"), ("V2", "density (shipped)"), ("V1", "CRAP"), ("V3", "CRAP"),
                     ("density (shipped)", "CRAP"), ("gapfinder (git)", "churn 12mo"),
                     ("gapfinder (git)", "past fixes 12mo")):
            paired(label, figs, a, b)
    mean = lambda figs, n: float(np.mean([figs[p][n] for p in figs]))  # noqa: E731
    v2, dens, crap = mean(new, "V2"), mean(new, "density (shipped)"), mean(new, "CRAP")
    verdict = "HOLDS" if v2 >= dens and v2 >= crap else "does NOT hold"
    print(f"\ndecision rule (new projects): V2 {v2:.3f} >= density (shipped) {dens:.3f} and >= CRAP {crap:.3f}: {verdict}")
    for label, figs in subsets[:3]:
        g, c, f = mean(figs, "gapfinder (git)"), mean(figs, "churn 12mo"), mean(figs, "past fixes 12mo")
        ok = g >= 1.10 * c and g >= 1.10 * f
        print(f"with history ({label}): gapfinder {g:.3f} = {g / c:.2f}x churn 12mo ({c:.3f}), {g / f:.2f}x past fixes "
              f"({f:.3f}); >= 1.10x both: {'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
