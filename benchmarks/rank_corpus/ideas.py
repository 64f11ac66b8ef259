#!/usr/bin/env python3
"""Single fixed orderings tried as new parts of the score, each scored on the whole corpus; with
--holdout, density models fitted in cross-validation, scored on the corpus, the hold-out and both.

    python benchmarks/rank_corpus/ideas.py /work/corpora/rankeval/features.json \
        [--holdout /work/corpora/rankeval/holdout-features.json]

Each line is one ordering with no fitted parameter: ER@20%LOC at commit level, mean over projects
(each project the mean of its snapshots), then per project. These are in-sample screens, not
cross-validated figures: an idea that does not beat the current default here cannot beat it under
cross-validation, so it was not added to fit.py's grid (a larger grid only fits more noise on 16
projects). Inputs come from run_corpus.py --features (authors and file creation per commit).

--holdout adds the density models (density.py): a tiny log-linear model of later fixes per module,
fitted by leave-one-project-out cross-validation, ranked by predicted fixes per line. --product
RESULTS... (run_corpus.py --json of the corpus and the hold-out) checks instead that `gapfinder
rank`'s shipped default (that model fitted on all the projects) finds what density.py computes for it.
--holdout is repeatable (every hold-out is pooled with the others); --nested also chooses among the
density models inside each training set and scores the choice on the project left out (the honest
figure of choosing among them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import density  # noqa: E402
import fit  # noqa: E402
import metrics  # noqa: E402
import screen_static  # noqa: E402
import static_facts  # noqa: E402

L = fit.log_scaled


def P(values) -> np.ndarray:  # percentiles as an array (gapfinder's own come back as a list)
    return np.asarray(fit.percentiles(values))


def features(s: fit.Snapshot) -> dict[str, np.ndarray]:
    n = len(s.paths)
    f = {"stmts": np.maximum(s.statements, 1.0), "lines": np.maximum(s.labels.lines, 1.0),
         **{k: s.raw[k] for k in ("coverage_gap", "size", "complexity", "complexity_max", "centrality", "risk")}}
    f["churn"], f["fixes"] = s.history(730, 365).values()
    f["churn12"], f["fixes12"] = s.history(365, None).values()
    f["authors"], f["created"], f["changed"] = np.zeros(n), np.zeros(n), np.zeros(n)
    for i, evs in enumerate(s.events):
        f["authors"][i] = len({e[4] for e in evs})  # distinct authors in the 24 months
        f["created"][i] = float(any(e[5] for e in evs))  # created in the 24 months
        f["changed"][i] = sum(max(e[3], 0) * 2.0 ** (-e[0] / 365) for e in evs)  # changed lines, half-life 1 year
    f["pagerank"], f["betweenness"] = s.raw["pagerank"] * n, s.raw["betweenness"] * n  # 1 = the mean module
    if s.static is not None:  # static_facts.py's counts, and the path's tokens as 0/1 columns
        for k in static_facts.COUNTS:
            f[k] = np.array([float(d[k]) for d in s.static])
        f["tokens"] = [d["tokens"] for d in s.static]
    return f


def damp(f, alpha):
    return np.minimum(1.0, (fit.EFFORT_REF / f["stmts"]) ** alpha)


def base(f):  # the with-history default: log-scaled churn, fixes and complexity
    return L(f["churn"]) + L(f["fixes"]) + L(f["complexity"])


WITH_HISTORY = {
    "default: (churn+fixes+complexity) x damp^0.25": lambda f: base(f) * damp(f, 0.25),
    "  same, damp^0": lambda f: base(f),
    "  same, damp^0.5": lambda f: base(f) * damp(f, 0.5),
    "  same, damp^0.75": lambda f: base(f) * damp(f, 0.75),
    "  same, damp^1 (density)": lambda f: base(f) * damp(f, 1.0),
    "  + authors": lambda f: (base(f) + L(f["authors"])) * damp(f, 0.25),
    "  + changed lines": lambda f: (base(f) + L(f["changed"])) * damp(f, 0.25),
    "  + created in 24 months": lambda f: (base(f) + f["created"]) * damp(f, 0.25),
    "  + 0.5 x created": lambda f: (base(f) + 0.5 * f["created"]) * damp(f, 0.25),
    "  + churn x complexity": lambda f: (base(f) + L(f["churn"] * f["complexity"])) * damp(f, 0.25),
    "  churn x complexity + fixes": lambda f: (L(f["churn"] * f["complexity"]) + L(f["fixes"])) * damp(f, 0.25),
    "(churn+fixes) 12 months / lines": lambda f: (f["churn12"] + f["fixes12"]) / f["lines"],
    "churn 12 months / lines": lambda f: f["churn12"] / f["lines"],
    "fixes 12 months / lines": lambda f: f["fixes12"] / f["lines"],
    "changed lines / lines": lambda f: f["changed"] / f["lines"],
    "authors": lambda f: f["authors"],
    "created in 24 months": lambda f: f["created"],
}
WITHOUT_HISTORY = {
    "default: size+complexity+2 risk [pct]": lambda f: P(f["size"]) + P(f["complexity"]) + 2 * P(f["risk"]),
    "  complexity+risk [pct]": lambda f: P(f["complexity"]) + P(f["risk"]),
    "  max complexity+risk [pct]": lambda f: P(f["complexity_max"]) + P(f["risk"]),
    "  + centrality [log]": lambda f: L(f["complexity"]) + L(f["risk"]) + L(f["centrality"]),
    "  x (0.2 + 0.8 coverage gap)": lambda f: (P(f["size"]) + P(f["complexity"]) + 2 * P(f["risk"]))
    * (0.2 + 0.8 * f["coverage_gap"]),
    "  x damp^0.25": lambda f: (P(f["size"]) + P(f["complexity"]) + 2 * P(f["risk"])) * damp(f, 0.25),
    "complexity per statement": lambda f: f["complexity"] / f["stmts"],
    "risk per statement": lambda f: f["risk"] / f["stmts"],
    "centrality per statement": lambda f: f["centrality"] / f["stmts"],
    "max complexity / statements^0.25": lambda f: f["complexity_max"] / f["stmts"] ** 0.25,
    "smallest first (fewest lines)": lambda f: -f["lines"],
    "smallest first (fewest statements)": lambda f: -f["stmts"],
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("features")
    ap.add_argument("--holdout", metavar="FEATURES", action="append", default=[],
                    help="a hold-out's features (repeatable: every hold-out is pooled): adds the density models")
    ap.add_argument("--nested", action="store_true",
                    help="with --holdout: also choose among the density models inside each training set (the honest "
                         "figure of that choice, about 8 minutes)")
    ap.add_argument("--product", metavar="RESULTS", nargs="+",
                    help="run_corpus.py --json files of the same snapshots: check gapfinder's shipped default against "
                         "density.py's (needs --holdout), and nothing else")
    ap.add_argument("--static", action="store_true",
                    help="the new static parts (static_facts.py) in the density model instead: screen, declared models "
                         "and nested selection, every fold (needs --holdout and exports with static facts)")
    ap.add_argument("--no-nested", action="store_true", help="with --static: skip the nested selection (slow)")
    args = ap.parse_args(argv)
    snaps = fit.load(args.features)
    held = [s for path in args.holdout for s in fit.load(path)]
    if args.static:
        if not args.holdout:
            ap.error("--static needs --holdout")
        screen_static.report(snaps, held, features, nested=not args.no_nested)
        return 0
    if args.product:
        results = [r for path in args.product for r in json.loads(Path(path).read_text())]
        density.check_product(snaps, held, features, results)
        return 0
    feats = [features(s) for s in snaps]
    projects = sorted({s.project for s in snaps})
    for title, cands in (("with history", WITH_HISTORY), ("without history", WITHOUT_HISTORY)):
        print(f"\n{title}: ER@20%LOC commits, mean over {len(projects)} projects (in-sample screen)")
        print(f"{'ordering':<48} {'mean':>5}  " + " ".join(p[:6].rjust(6) for p in projects))
        for name, fn in cands.items():
            per: dict[str, list[float]] = {}
            for s, f in zip(snaps, feats):
                per.setdefault(s.project, []).append(
                    metrics.evaluate(fn(f), s.labels, shuffles=20, only="er_commits")["er_commits"])
            means = [float(np.mean(per[p])) for p in projects]
            print(f"{name:<48} {np.mean(means):>5.3f}  " + " ".join(f"{m:>6.2f}" for m in means), flush=True)
    if held:
        density.report(snaps, held, features)
        if args.nested:
            density.nested(snaps, held, features)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
