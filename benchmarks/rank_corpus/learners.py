#!/usr/bin/env python3
"""Ranking without history by learners the log-linear density model cannot express (issue 12).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/rank_corpus/learners.py \
        /work/corpora/rankeval/features-12nh.json /work/corpora/rankeval/holdout-features-12nh.json

Needs scikit-learn, lightgbm and xgboost in the venv (`pip install scikit-learn lightgbm xgboost`;
benchmark-only, not gapfinder dependencies). Every learner sees only facts that exist with git
hidden: density.py's static parts, static_facts.py's counts, PageRank, betweenness, lines and
statements. Every figure is ER@20%LOC at commit level (metrics.evaluate, 100 tie-break shuffles),
mean over projects (a project = the mean of its snapshots), three ways as in density.py: corpus CV
(leave one of the 16 out), hold-out (fit on the 16, score the 7), all CV (leave one of 23 out).

Variants, declared before any figure was seen (the grids are the whole search):

1. Learners (each family a grid of 8 or 12 points; single-thread, fixed seeds):
   * hgb-poisson: sklearn HistGradientBoostingRegressor, Poisson loss on the module's later fix
     pairs per line relative to its snapshot's (target (pairs/lines) / (P/L), weight lines/L over the
     project's snapshots: every snapshot's rate averages 1 and every project weighs the same, the
     tree counterpart of density.py's conditional Poisson); ranked by predicted rate x lines /
     max(lines, 60), the floor density.py's models choose. Grid: features {raw, pct} x columns
     {base, all} x max_leaf_nodes {4, 16}; 100 iterations, learning rate .05, 40 modules a leaf, l2 1.
   * lgb-lambdarank: LightGBM LGBMRanker (lambdarank), a query per snapshot, labels 0 for a module
     without later fix and 1-3 for the fixed ones by tertile of fix pairs per line within the
     snapshot (the effort-aware order is the density order); ranked by the score. Grid as above
     (num_leaves for max_leaf_nodes), 100 trees, learning rate .05, 20 modules a leaf.
   * xgb-pairwise: xgboost XGBRanker rank:pairwise, a query per snapshot, label = fix pairs per line
     (0 without fix); ranked by the score. Grid as above with max_depth {2, 4}; 100 trees, eta .05.
   * logistic: sklearn LogisticRegression of "any later fix" (every project weighing the same),
     standardised columns; ranked by p / max(lines, floor). Grid: features {raw, pct} x C {.01, .1, 1}
     x floor {1, 60} on all columns.
   Features: "raw" = log1p of each count (coverage gap and annotated share as they are); "pct" =
   each column's mid-rank percentile within its snapshot (fit.percentiles) plus raw log lines, so the
   size that the budget spends stays absolute. Columns: "base" = density.py's STATIC parts + lines and
   statements; "all" = base + static_facts.COUNTS + PageRank and betweenness.
2. Function-level CRAP orderings (no fitted part, except the density score, fitted in each fold as
   density.py's "no history: static parts, density, floor in CV"): crap_fmax; crap_sum;
   crap_fmax / lines; crap_sum / lines; and each of the four rank-averaged with the density score
   (mean of the two within-snapshot mid-rank percentiles).
3. Other: rank average of the density score and the module-level CRAP baseline; the HGB Poisson's
   and the density score's rank average at HGB's first grid point (pct, base, 4 leaves).

Round 2 (`--round2`), declared after round 1's table, where crap_fmax / lines led: that ordering's
one free choice, made inside each training set by leave-one-project-out over its projects (no
fitting, so each project's figure is the same in every fold): crap_fmax / lines**beta, beta in
BETAS2; crap_fmax / max(lines, floor), floor in density.FLOORS; and gapfinder's own module facts
per line (complexity_max**2 x coverage gap / lines: the CRAP baseline per line). A second round on
the same folds adds its own optimism to the nested figures.

Nested figures: the grid point (of one family, or among every point of every family: "any") is
chosen inside each training set by a grouped 5-fold cross-validation over its projects (projects
sorted by name, dealt round-robin into the 5 groups; 4 tie-break shuffles), then fitted on the
whole training set and scored on the held-out project(s). That is the honest figure of the family.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import density  # noqa: E402
import fit  # noqa: E402
import ideas  # noqa: E402
import metrics  # noqa: E402
import static_facts  # noqa: E402

SHUFFLES, INNER_SHUFFLES, INNER_GROUPS = 100, 4, 5
FLOOR = 60
BASE_COLS = density.STATIC + ("lines", "stmts")
ALL_COLS = BASE_COLS + static_facts.COUNTS + ("pagerank", "betweenness")
AS_IS = ("coverage_gap", "annotated_share")
TREES, RATE, LEAF = 100, 0.05, 40
BETAS2 = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


def pct(v: np.ndarray) -> np.ndarray:
    return np.asarray(fit.percentiles(v), dtype=float)


def rank_avg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of the two keys' mid-rank percentiles within the snapshot (ties share a rank)."""
    def mid(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for val in np.unique(x):  # ties: their mean rank
            m = x == val
            r[m] = r[m].mean()
        return r / max(len(x) - 1, 1)
    return mid(np.asarray(a, float)) + mid(np.asarray(b, float))


class Data:
    """Every snapshot's matrices (raw and within-snapshot percentiles), labels and weights."""

    def __init__(self, snaps: list[fit.Snapshot]):
        self.snaps = snaps
        self.feats = [ideas.features(s) for s in snaps]
        self.by_project: dict[str, list[int]] = {}
        for i, s in enumerate(snaps):
            self.by_project.setdefault(s.project, []).append(i)
        self.x: dict[tuple[str, str], list[np.ndarray]] = {}
        for cols_name, cols in (("base", BASE_COLS), ("all", ALL_COLS)):
            raw = [np.stack([f[c] if c in AS_IS else np.log1p(np.maximum(f[c], 0.0)) for c in cols], axis=1)
                   for f in self.feats]
            self.x[("raw", cols_name)] = raw
            self.x[("pct", cols_name)] = [np.column_stack([pct(f[c]) for c in cols] + [np.log(f["lines"])])
                                          for f in self.feats]
        self.lines = [f["lines"] for f in self.feats]
        self.pairs = [s.labels.pairs for s in snaps]
        self.snap_w = [1.0 / len(self.by_project[s.project]) for s in snaps]

    def rows(self, projects) -> list[int]:
        return [i for p in sorted(projects) for i in self.by_project[p]]


# ---------------------------------------------------------------- learners: fit(data, rows) -> model; keys(model, data, i)

def _stack(data: Data, rows, feat):
    return np.vstack([data.x[feat][i] for i in rows])


def hgb_fit(data: Data, rows, feat, leaves):
    from sklearn.ensemble import HistGradientBoostingRegressor
    y, w = [], []
    for i in rows:
        lines, pairs = data.lines[i], data.pairs[i]
        base = pairs.sum() / lines.sum()
        y.append(pairs / lines / base)
        w.append(lines / lines.sum() * data.snap_w[i])
    model = HistGradientBoostingRegressor(loss="poisson", learning_rate=RATE, max_iter=TREES, max_leaf_nodes=leaves,
                                          min_samples_leaf=LEAF, l2_regularization=1.0, early_stopping=False,
                                          random_state=0)
    w = np.concatenate(w)
    return model.fit(_stack(data, rows, feat), np.concatenate(y), sample_weight=w / w.mean())


def hgb_keys(model, data: Data, i, feat, floor=FLOOR):
    lines = data.lines[i]
    return np.log(model.predict(data.x[feat][i])) + np.log(lines) - np.log(np.maximum(lines, floor))


def tiers(pairs: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """0 without later fix; 1-3 by tertile of fix pairs per line among the snapshot's fixed modules."""
    out = np.zeros(len(pairs), dtype=int)
    fixed = pairs > 0
    if fixed.any():
        d = pairs[fixed] / lines[fixed]
        cut = np.quantile(d, [1 / 3, 2 / 3])
        out[fixed] = 1 + (d > cut[0]).astype(int) + (d > cut[1]).astype(int)
    return out


def lgb_fit(data: Data, rows, feat, leaves):
    import lightgbm
    model = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=TREES, learning_rate=RATE, num_leaves=leaves,
                                min_child_samples=20, n_jobs=1, random_state=0, verbose=-1)
    y = np.concatenate([tiers(data.pairs[i], data.lines[i]) for i in rows])
    return model.fit(_stack(data, rows, feat), y, group=[len(data.pairs[i]) for i in rows])


def xgb_fit(data: Data, rows, feat, depth):
    import xgboost
    model = xgboost.XGBRanker(objective="rank:pairwise", n_estimators=TREES, learning_rate=RATE, max_depth=depth,
                              n_jobs=1, random_state=0, tree_method="hist")
    y = np.concatenate([data.pairs[i] / data.lines[i] for i in rows])
    qid = np.concatenate([np.full(len(data.pairs[i]), k) for k, i in enumerate(rows)])
    return model.fit(_stack(data, rows, feat), y, qid=qid)


def score_keys(model, data: Data, i, feat):
    return model.predict(data.x[feat][i])


def logit_fit(data: Data, rows, feat, c):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    y = np.concatenate([(data.pairs[i] > 0).astype(int) for i in rows])
    w = np.concatenate([np.full(len(data.pairs[i]), data.snap_w[i] / len(data.pairs[i])) for i in rows])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    return model.fit(_stack(data, rows, feat), y, logisticregression__sample_weight=w / w.mean())


def logit_keys(model, data: Data, i, feat, floor):
    p = model.predict_proba(data.x[feat][i])[:, 1]
    return np.log(np.maximum(p, 1e-12)) - np.log(np.maximum(data.lines[i], floor))


class Density:
    """density.py's "no history: static parts, density, floor in CV" (fitted and floored on `rows`)."""

    def __init__(self, data: Data):
        self.pool = density.Pool(data.snaps, data.feats, density.STATIC)

    def fit(self, data: Data, rows):
        projects = {data.snaps[i].project for i in rows}
        b = self.pool.fit(projects)
        return b, self.pool.choose(projects, b, (1.0,), density.FLOORS)

    def keys(self, model, data: Data, i):
        return self.pool.keys(i, *model)


def crap_keys(data: Data, i, which: str, per_line: bool) -> np.ndarray:
    v = data.feats[i][which]
    return v / data.lines[i] if per_line else v


def module_crap(data: Data, i) -> np.ndarray:
    return fit.baselines(data.snaps[i], False)["CRAP"]


# ---------------------------------------------------------------- points: name -> (family, fit key, fit(rows), keys(model, i))

def points(data: Data) -> dict[str, tuple[str, tuple, Callable, Callable]]:
    out: dict[str, tuple[str, tuple, Callable, Callable]] = {}
    dens = Density(data)
    for rep in ("raw", "pct"):
        for cols in ("base", "all"):
            feat = (rep, cols)
            for leaves in (4, 16):
                out[f"hgb-poisson {rep} {cols} leaves {leaves}"] = (
                    "hgb-poisson", ("hgb", feat, leaves), lambda d, r, f=feat, l=leaves: hgb_fit(d, r, f, l),
                    lambda m, d, i, f=feat: hgb_keys(m, d, i, f))
                out[f"lgb-lambdarank {rep} {cols} leaves {leaves}"] = (
                    "lgb-lambdarank", ("lgb", feat, leaves), lambda d, r, f=feat, l=leaves: lgb_fit(d, r, f, l),
                    lambda m, d, i, f=feat: score_keys(m, d, i, f))
            for depth in (2, 4):
                out[f"xgb-pairwise {rep} {cols} depth {depth}"] = (
                    "xgb-pairwise", ("xgb", feat, depth), lambda d, r, f=feat, k=depth: xgb_fit(d, r, f, k),
                    lambda m, d, i, f=feat: score_keys(m, d, i, f))
        feat = (rep, "all")
        for c in (0.01, 0.1, 1.0):
            for floor in (1, FLOOR):
                out[f"logistic {rep} all C {c} floor {floor}"] = (
                    "logistic", ("logit", feat, c), lambda d, r, f=feat, cc=c: logit_fit(d, r, f, cc),
                    lambda m, d, i, f=feat, fl=floor: logit_keys(m, d, i, f, fl))
    dfit = dens.fit
    for which in ("crap_fmax", "crap_sum"):
        for per_line in (False, True):
            name = f"{which}{' / lines' if per_line else ''}"
            out[name] = ("crap", ("none",), lambda d, r: None,
                         lambda m, d, i, w=which, pl=per_line: crap_keys(d, i, w, pl))
            out[f"rank avg(density, {name})"] = (
                "crap", ("density",), dfit,
                lambda m, d, i, w=which, pl=per_line: rank_avg(dens.keys(m, d, i), crap_keys(d, i, w, pl)))
    out["density (static parts, floor in CV)"] = ("reference", ("density",), dfit, dens.keys)
    out["rank avg(density, module CRAP)"] = (
        "other", ("density",), dfit, lambda m, d, i: rank_avg(dens.keys(m, d, i), module_crap(d, i)))
    first = ("pct", "base")
    out["rank avg(density, hgb-poisson pct base leaves 4)"] = (
        "other", ("density+hgb", first, 4), lambda d, r: (dfit(d, r), hgb_fit(d, r, first, 4)),
        lambda m, d, i: rank_avg(dens.keys(m[0], d, i), hgb_keys(m[1], d, i, first)))
    out["CRAP (module, baseline)"] = ("baseline", ("none",), lambda d, r: None, lambda m, d, i: module_crap(d, i))
    return out


FAMILIES = ("hgb-poisson", "lgb-lambdarank", "xgb-pairwise", "logistic", "crap")


def score(data: Data, pts: dict, names, train: list[str], tests: list[str], shuffles: int,
          cache: dict) -> dict[str, dict[str, float]]:
    """ER@20%LOC (commits) of every point in `names` fitted on `train`, per test project."""
    rows = data.rows(train)
    out: dict[str, dict[str, float]] = {}
    for name in names:
        _, key, fitter, keyer = pts[name]
        ck = (key, tuple(sorted(train)))
        if ck not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[ck] = fitter(data, rows)
        model = cache[ck]
        out[name] = {p: float(np.mean([metrics.evaluate(keyer(model, data, i), data.snaps[i].labels, shuffles=shuffles,
                                                        only="er_commits")["er_commits"] for i in data.by_project[p]]))
                     for p in tests}
    return out


def inner_choice(data: Data, pts: dict, names, train: list[str], cache: dict) -> dict[str, float]:
    """Each point's grouped 5-fold CV mean over the training projects (the nested selection)."""
    groups = [sorted(train)[k::INNER_GROUPS] for k in range(INNER_GROUPS)]
    per: dict[str, dict[str, float]] = {n: {} for n in names}
    for g in groups:
        if not g:
            continue
        got = score(data, pts, names, [p for p in train if p not in g], g, INNER_SHUFFLES, cache)
        for n in names:
            per[n].update(got[n])
    return {n: float(np.mean(list(per[n].values()))) for n in names}


def round2(data: Data, in_corpus: list[str], in_holdout: list[str]) -> None:
    """crap_fmax per line: its exponent or floor chosen in each training set; gapfinder's CRAP per line."""
    everyone = in_corpus + in_holdout
    fmax = lambda i: data.feats[i]["crap_fmax"]  # noqa: E731
    families = {
        "crap_fmax / lines**beta, beta in CV": {f"beta {b}": (lambda i, b=b: fmax(i) / data.lines[i] ** b) for b in BETAS2},
        "crap_fmax / max(lines, floor), floor in CV": {
            f"floor {fl}": (lambda i, fl=fl: fmax(i) / np.maximum(data.lines[i], fl)) for fl in density.FLOORS},
        "module CRAP / lines (gapfinder's facts)": {"": lambda i: module_crap(data, i) / data.lines[i]},
        "CRAP (module, baseline)": {"": lambda i: module_crap(data, i)},
    }
    er = {f: {n: {p: float(np.mean([metrics.evaluate(k(i), data.snaps[i].labels, shuffles=SHUFFLES,
                                                     only="er_commits")["er_commits"] for i in data.by_project[p]]))
                  for p in everyone} for n, k in pts.items()} for f, pts in families.items()}
    crap = er["CRAP (module, baseline)"][""]
    bar = np.mean([crap[p] for p in everyone])
    print(f"\nround 2 (declared after round 1): every point, then its choice made inside each training set "
          f"(leave-one-project-out); CRAP all {bar:.3f}")
    print(f"{'ordering':<52} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'/CRAP':>6}  choices (all CV)")

    def mean(d, ps):
        return float(np.mean([d[p] for p in ps]))

    nested_fmax = {}
    for f, pts in er.items():
        for n, d in pts.items():
            if len(pts) > 1:
                print(f"  {f.split(',')[0] + ' ' + n:<50} {mean(d, in_corpus):>9.3f} {mean(d, in_holdout):>9.3f} "
                      f"{mean(d, everyone):>7.3f} {mean(d, everyone) / bar:>5.2f}x")
        pick = lambda train: max(pts, key=lambda n: mean(pts[n], train))  # noqa: E731
        c = {p: pts[pick([q for q in in_corpus if q != p])][p] for p in in_corpus}
        h_pick = pick(in_corpus)
        picks = {p: pick([q for q in everyone if q != p]) for p in everyone}
        a = {p: pts[picks[p]][p] for p in everyone}
        nested_fmax[f] = a
        chosen: dict[str, int] = {}
        for n in picks.values():
            chosen[n] = chosen.get(n, 0) + 1
        print(f"{f:<52} {mean(c, in_corpus):>9.3f} {mean(pts[h_pick], in_holdout):>9.3f} {mean(a, everyone):>7.3f} "
              f"{mean(a, everyone) / bar:>5.2f}x  " + "; ".join(f"{n} x{k}" for n, k in chosen.items() if n))
    covered = [p for p in everyone if all(data.snaps[i].coverage for i in data.by_project[p])]
    for name, d in (("crap_fmax / lines (round 1)", er["crap_fmax / lines**beta, beta in CV"]["beta 1.0"]),
                    ("crap_fmax / lines**beta, beta in CV", nested_fmax["crap_fmax / lines**beta, beta in CV"])):
        diff = np.array([d[p] - crap[p] for p in everyone])
        print(f"  {name} against CRAP, all 23: mean diff {diff.mean():+.3f} (se {diff.std(ddof=1) / np.sqrt(len(diff)):.3f}),"
              f" {(diff > 1e-9).sum()} better, {(diff < -1e-9).sum()} worse; with coverage ({len(covered)}) "
              f"{mean(d, covered):.3f} (CRAP {mean(crap, covered):.3f}), without "
              f"{mean(d, [p for p in everyone if p not in covered]):.3f} "
              f"(CRAP {mean(crap, [p for p in everyone if p not in covered]):.3f})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("features")
    ap.add_argument("holdout")
    ap.add_argument("--no-nested", action="store_true", help="skip the nested selection")
    ap.add_argument("--in-sample", action="store_true",
                    help="instead: every point fitted on all 23 projects and scored on them (does the learner fit at all?)")
    ap.add_argument("--round2", action="store_true", help="instead: round 2 (crap_fmax per line, see above)")
    args = ap.parse_args(argv)
    corpus, holdout = fit.load(args.features), fit.load(args.holdout)
    data = Data(corpus + holdout)
    in_corpus = sorted({s.project for s in corpus})
    in_holdout = sorted({s.project for s in holdout})
    everyone = in_corpus + in_holdout
    pts = points(data)
    names = list(pts)
    if args.round2:
        round2(data, in_corpus, in_holdout)
        return 0
    if args.in_sample:
        got = score(data, pts, names, everyone, everyone, 20, {})
        print("in-sample (fitted on all 23 projects, scored on them; 20 shuffles): ER@20%LOC commits, mean over projects")
        for n in names:
            print(f"  {n:<52} {np.mean([got[n][p] for p in everyone]):.3f}")
        return 0
    ways = {"corpus CV": [(sorted(set(in_corpus) - {p}), [p]) for p in in_corpus],
            "hold-out": [(in_corpus, in_holdout)],
            "all CV": [(sorted(set(everyone) - {p}), [p]) for p in everyone]}
    t0 = time.process_time()
    plain: dict[str, dict[str, dict[str, float]]] = {w: {n: {} for n in names} for w in ways}
    for way, folds in ways.items():
        for train, tests in folds:
            cache: dict = {}
            got = score(data, pts, names, train, tests, SHUFFLES, cache)
            for n in names:
                plain[way][n].update(got[n])
        print(f"[{way}: every point scored, {time.process_time() - t0:.0f} s CPU]", file=sys.stderr, flush=True)
    crap = plain["all CV"]["CRAP (module, baseline)"]
    bar = {w: np.mean([crap[p] for p in ps]) for w, ps in (("corpus CV", in_corpus), ("hold-out", in_holdout),
                                                            ("all CV", everyone))}
    print(f"ER@20%LOC commits, mean over projects, WITHOUT history. CRAP: corpus {bar['corpus CV']:.3f}, hold-out "
          f"{bar['hold-out']:.3f}, all {bar['all CV']:.3f} (bar 1.25x all = {1.25 * bar['all CV']:.3f})")
    print(f"{'variant':<52} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'/CRAP':>6}")
    means = {}
    for n in names:
        m = [np.mean([plain[w][n][p] for p in ps]) for w, ps in (("corpus CV", in_corpus), ("hold-out", in_holdout),
                                                                 ("all CV", everyone))]
        means[n] = m
        print(f"{n:<52} {m[0]:>9.3f} {m[1]:>9.3f} {m[2]:>7.3f} {m[2] / bar['all CV']:>5.2f}x", flush=True)
    if not args.no_nested:
        fams = {f: [n for n in names if pts[n][0] == f] for f in FAMILIES}
        fams["any (every point of every family)"] = [n for f in FAMILIES for n in fams[f]]
        nested: dict[str, dict[str, dict[str, float]]] = {f: {w: {} for w in ways} for f in fams}
        picks: dict[str, dict[str, list[str]]] = {f: {w: [] for w in ways} for f in fams}
        for way, folds in ways.items():
            for train, tests in folds:
                cache = {}
                inner = inner_choice(data, pts, fams["any (every point of every family)"], train, cache)
                for f, members in fams.items():
                    best = max(members, key=lambda n: inner[n])
                    picks[f][way].append(best)
                    for p in tests:
                        nested[f][way][p] = plain[way][best][p]
            print(f"[{way}: nested, {time.process_time() - t0:.0f} s CPU]", file=sys.stderr, flush=True)
        print("\nnested: the point chosen inside each training set by a grouped 5-fold CV over its projects")
        print(f"{'family':<40} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'/CRAP':>6}  choices (all CV folds)")
        for f in fams:
            m = [np.mean([nested[f][w][p] for p in ps]) for w, ps in (("corpus CV", in_corpus),
                                                                     ("hold-out", in_holdout), ("all CV", everyone))]
            counts: dict[str, int] = {}
            for n in picks[f]["all CV"]:
                counts[n] = counts.get(n, 0) + 1
            print(f"{f:<40} {m[0]:>9.3f} {m[1]:>9.3f} {m[2]:>7.3f} {m[2] / bar['all CV']:>5.2f}x  "
                  + "; ".join(f"{n} x{k}" for n, k in sorted(counts.items(), key=lambda t: -t[1])))
            print(f"{'':<40} hold-out choice: {picks[f]['hold-out'][0]}")
        print("\nnested 'any', all CV, per project (CRAP beside):")
        for p in everyone:
            print(f"  {p:<20} {nested['any (every point of every family)']['all CV'][p]:.3f}  CRAP {crap[p]:.3f}")
    best = sorted(names, key=lambda n: -means[n][2])[:6]
    print("\nper project, all CV, the six best points by all-CV mean (a selection on these folds: optimistic):")
    print(f"{'project':<20} " + " ".join(f"{n[:24]:>24}" for n in best) + f" {'CRAP':>6}")
    for p in everyone:
        print(f"{p:<20} " + " ".join(f"{plain['all CV'][n][p]:>24.3f}" for n in best) + f" {crap[p]:>6.3f}")
    print(f"[{time.process_time() - t0:.0f} s CPU]", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
