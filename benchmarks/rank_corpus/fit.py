#!/usr/bin/env python3
"""Choose gapfinder's score by leave-one-project-out cross-validation over the corpus.

Reads the features run_corpus.py exports (--features: raw facts, dated history and fix labels per
snapshot), so no ranking runs here:

    python benchmarks/rank_corpus/fit.py /work/corpora/rankeval/features.json [--json fit.json]

The model family is gapfinder's score before the density model (gapfinder 0.1's rank/scoring.py): a weighted sum of a few parts,
each normalised within the project, multiplied by min(1, (10 / statements) ** alpha) (alpha 0: no
damping by size; 0.5: the old sqrt damping; reading is effort-aware, so a density order can pay). Candidates:

* parts: churn (commits touching the module), fixes (of those, bug-fix commits by
  gapfinder.rank.fixes' rule), coverage_gap (uncovered share; 1 when unmeasured), size (missed
  statements), complexity (sum of the functions' cyclomatic complexity), centrality (modules
  importing it + calls from elsewhere), risk (gapfinder's risk markers);
* weights on a coarse grid {0, 1, 2} per part (a part with weight 0 is dropped);
* normalisation: log1p(raw) / log1p(project maximum) ("log"), or the mid-rank percentile ("pct");
* history: window and recency half-life of churn and fixes (each commit weighs 2**(-age/half-life)).

The figure maximised is the acceptance figure: ER@20%LOC at commit level, mean over projects (each
project the mean of its snapshots). For each of the 16 folds the best combination on the other
15 projects is chosen (ties: fewer parts, then the earlier grid point) and scored on the held-out
project. Two models: with history (churn and fixes available) and without (git hidden). Then
each part is left out of the grid in turn, and a part whose removal does not lower the CV mean
goes. The final model is the one chosen on all projects with the kept parts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent.parent))
import metrics  # noqa: E402
from gapfinder.rank.scoring import percentiles  # noqa: E402  (what gapfinder's reasons quote)

HISTORY_PARTS = ("churn", "fixes")
STATIC_PARTS = ("coverage_gap", "size", "complexity", "centrality", "risk")
LEVELS = (0, 1, 2)
ALPHAS = (0.0, 0.25, 0.5)
NORMS = ("log", "pct")
# (window in days, half-life in days; None = every commit in the window weighs 1)
# In days, as gapfinder reads `since` (a year is 365 days, a week 7, a month 30): "1 year",
# "2 years", "26 weeks". A wider grid (alpha 1.0, window 730 with half-life 180) was tried once and
# cross-validated worse (0.321 against 0.368): with 16 projects a finer grid fits noise.
HISTORIES = ((365, None), (365, 180), (730, 365), (182, None))
MAX_FIX_FILES = 10
SHUFFLES = 4  # tie-breaks per grid point (the final figures use 100)


EFFORT_REF = 10  # statements below which size does not damp (gapfinder's score before the density model)


def log_scaled(values) -> np.ndarray:
    """log1p(value) / log1p(the largest value): 1 for the project's top module, 0 for none."""
    v = np.log1p(np.maximum(np.asarray(values, dtype=float), 0.0))
    top = v.max() if v.size else 0.0
    return v / top if top > 0 else np.zeros(v.size)


def normalise(v: np.ndarray, norm: str) -> np.ndarray:
    return np.asarray(log_scaled(v) if norm == "log" else percentiles(v))


class Snapshot:
    """One snapshot's raw features and labels."""

    def __init__(self, rec: dict):
        self.project, self.commit, self.coverage = rec["project"], rec["commit"], rec["coverage"]
        self.paths = rec["paths"]
        self.labels = metrics.Labels.build(self.paths, dict(zip(self.paths, rec["lines"])), rec["fixes"])
        f = rec["facts"]
        get = lambda k: np.array([float((x or {}).get(k, 0) or 0) for x in f])  # noqa: E731
        self.statements = get("statements")
        covered, measured = get("covered"), get("measured") > 0
        missed = self.statements - covered
        self.raw = {
            "coverage_gap": np.where(measured, np.divide(missed, self.statements, out=np.zeros_like(missed),
                                                         where=self.statements > 0), 1.0),
            "size": missed,
            "complexity": get("complexity_sum"),
            "complexity_max": get("complexity_max"),
            "centrality": get("fan_in") + get("call_fan_in"),
            "risk": get("risk"),
            "pagerank": get("pagerank"),
            "betweenness": get("betweenness"),
        }
        self.static = rec.get("static")  # static_facts.py's counts per path, when exported
        self.events = [rec["events"].get(p, []) for p in self.paths]

    def history(self, window: int, half_life: int | None) -> dict[str, np.ndarray]:
        churn, fixes = np.zeros(len(self.paths)), np.zeros(len(self.paths))
        for i, evs in enumerate(self.events):
            for age, fix, nfiles, *_ in evs:
                if age > window:
                    continue
                w = 1.0 if half_life is None else 2.0 ** (-age / half_life)
                churn[i] += w
                if fix and nfiles <= MAX_FIX_FILES:
                    fixes[i] += w
        return {"churn": churn, "fixes": fixes}

    def part(self, name: str, norm: str, hist: tuple) -> np.ndarray:
        key = (name, norm, hist if name in HISTORY_PARTS else None)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            if name in HISTORY_PARTS:
                raw = self.history(*hist)[name]
            else:
                raw = self.raw[name]
            cache[key] = raw if name == "coverage_gap" else normalise(raw, norm)
        return cache[key]

    def keys(self, model: dict) -> np.ndarray:
        s = sum(w * self.part(n, model["norm"], model["history"]) for n, w in model["weights"].items() if w)
        return s * self.effort(model["alpha"])

    def effort(self, alpha: float) -> np.ndarray:
        """the old score's damping by size."""
        return np.minimum(1.0, (EFFORT_REF / np.maximum(self.statements, 1.0)) ** alpha)


def grid(parts: tuple[str, ...], with_history: bool):
    seen = set()
    for combo in itertools.product(LEVELS, repeat=len(parts)):
        g = math.gcd(*combo)
        if g == 0:
            continue
        norm_combo = tuple(c // g for c in combo)
        if norm_combo in seen:
            continue
        seen.add(norm_combo)
        weights = {p: c for p, c in zip(parts, norm_combo) if c}
        for norm in NORMS:
            for alpha in ALPHAS:
                for hist in (HISTORIES if with_history and set(weights) & set(HISTORY_PARTS) else (None,)):
                    yield {"weights": weights, "norm": norm, "alpha": alpha, "history": hist}


def project_mean(values: dict[str, list[float]], projects) -> float:
    return float(np.mean([np.mean(values[p]) for p in projects]))


def fold_select(table: np.ndarray, models: list[dict], snaps: list[Snapshot], projects: list[str],
                allowed: np.ndarray) -> list[dict]:
    """For each held-out project, the best allowed model on the others and its held-out figure."""
    proj_idx = {p: [i for i, s in enumerate(snaps) if s.project == p] for p in projects}
    per_project = np.stack([table[:, idx].mean(axis=1) for idx in proj_idx.values()], axis=1)  # (models, P)
    nparts = np.array([len(m["weights"]) for m in models])
    folds = []
    for j, p in enumerate(projects):
        train = per_project[:, [k for k in range(len(projects)) if k != j]].mean(axis=1)
        train = np.where(allowed, train, -1.0)
        best = train.max()
        cands = np.flatnonzero(train >= best - 1e-9)
        pick = int(cands[np.argmin(nparts[cands])])
        folds.append({"project": p, "model": pick, "train": float(train[pick]), "test": float(per_project[pick, j])})
    return folds


def eliminate(table, models, snaps, projects, parts, log):
    """Backward elimination of parts by the CV mean over `projects`: (folds, kept, cv, steps)."""
    folds = fold_select(table, models, snaps, projects, np.ones(len(models), dtype=bool))
    cv = float(np.mean([f["test"] for f in folds]))
    kept = list(parts)
    ablation = {}
    while len(kept) > 1:
        trials = {}
        for p in kept:
            mask = np.array([p not in m["weights"] and set(m["weights"]) <= set(kept) for m in models])
            trials[p] = float(np.mean([x["test"] for x in fold_select(table, models, snaps, projects, mask)]))
        ablation[len(ablation)] = {"kept": list(kept), "cv": cv, "without": trials}
        drop = max(trials, key=trials.get)
        if trials[drop] < cv - 1e-9:
            break
        kept.remove(drop)
        mask = np.array([set(m["weights"]) <= set(kept) for m in models])
        folds = fold_select(table, models, snaps, projects, mask)
        cv = float(np.mean([x["test"] for x in folds]))
        log(f"  drop {drop}: CV {cv:.3f}")
    return folds, kept, cv, ablation


def describe(m: dict) -> str:
    w = "+".join(f"{v}*{k}" for k, v in m["weights"].items())
    h = "" if m["history"] is None else f", window {m['history'][0]}d half-life {m['history'][1] or 'none'}"
    return f"{w} [{m['norm']}], /statements^{m['alpha']}{h}"


def run(snaps: list[Snapshot], with_history: bool, log=print) -> dict:
    parts = (HISTORY_PARTS if with_history else ()) + STATIC_PARTS
    models = list(grid(parts, with_history))
    log(f"{'with' if with_history else 'without'} history: {len(models)} combinations x {len(snaps)} snapshots")
    table = np.zeros((len(models), len(snaps)))
    groups: dict[tuple, list[int]] = {}
    for i, m in enumerate(models):
        groups.setdefault((m["norm"], m["history"], m["alpha"]), []).append(i)
    for j, s in enumerate(snaps):
        for (norm, hist, alpha), idx in groups.items():
            values = np.stack([s.part(p, norm, hist or HISTORIES[0]) for p in parts])  # (parts, n)
            weights = np.array([[models[i]["weights"].get(p, 0) for p in parts] for i in idx], dtype=float)
            keys = (weights @ values) * s.effort(alpha)
            table[idx, j] = metrics.er_commits_batch(keys, s.labels, shuffles=SHUFFLES)
    projects = sorted({s.project for s in snaps})
    folds, kept, cv, ablation = eliminate(table, models, snaps, projects, parts, log)
    # The parts above were dropped by looking at the held-out folds' figure, so that CV mean is
    # optimistic. Nested: for each held-out project, drop parts by a CV over the other 15 only.
    nested = []
    for p in projects:
        train = [q for q in projects if q != p]
        _, inner_kept, _, _ = eliminate(table, models, snaps, train, parts, lambda m: None)
        mask = np.array([set(m["weights"]) <= set(inner_kept) for m in models])
        pick = fold_select(table, models, snaps, [p] + train, mask)[0]
        nested.append({"project": p, "kept": inner_kept, "model": describe(models[pick["model"]]),
                       "test": pick["test"]})
    log(f"  nested CV {np.mean([n['test'] for n in nested]):.3f}")
    mask = np.array([set(m["weights"]) <= set(kept) for m in models])
    per_project_all = np.stack([table[:, [i for i, s in enumerate(snaps) if s.project == p]].mean(axis=1)
                                for p in projects], axis=1).mean(axis=1)
    nparts = np.array([len(m["weights"]) for m in models])
    score_all = np.where(mask, per_project_all, -1.0)
    cands = np.flatnonzero(score_all >= score_all.max() - 1e-9)
    best = int(cands[np.argmin(nparts[cands])])
    return {"with_history": with_history, "kept_parts": kept, "cv_mean": cv, "ablation": ablation,
            "full_grid_cv": ablation[0]["cv"] if ablation else cv, "nested": nested,
            "nested_cv": float(np.mean([n["test"] for n in nested])),
            "folds": [{**f, "model": describe(models[f["model"]]), "model_spec": models[f["model"]]} for f in folds],
            "final": models[best], "final_described": describe(models[best]),
            "final_all_projects": float(per_project_all[best])}


def baselines(s: Snapshot, with_history: bool) -> dict[str, np.ndarray | None]:
    """The corpus's simple orderings, from the same features (run_corpus.py computes them from git
    and gapfinder's report; the two agree up to rename handling)."""
    gap = s.raw["coverage_gap"]
    out: dict[str, np.ndarray | None] = {}
    if with_history:
        out["churn 3mo"] = s.history(91, None)["churn"]
        out["churn 12mo"] = s.history(365, None)["churn"]
        out["past fixes 12mo"] = s.history(365, None)["fixes"]
    out.update({
        "CRAP": s.raw["complexity_max"] ** 2 * gap,
        "largest": s.labels.lines.copy(),
        "smallest": -s.labels.lines,  # effort-aware: the most files read in the budget
        "most missed": s.raw["size"],
        "lowest %": gap if s.coverage else np.zeros(len(s.paths)),
        "random": None,
    })
    return out


def held_out_table(snaps: list[Snapshot], res: dict, shuffles: int = 100, final: bool = False) -> dict:
    """Every metric per project: the fold's model on its held-out project (`final`: the model
    chosen on the whole corpus, for projects outside it), and the baselines."""
    chosen = {f["project"]: f["model_spec"] for f in res["folds"]}
    if final:
        chosen = {s.project: res["final"] for s in snaps}
    rows: dict[str, dict[str, dict[str, list[float]]]] = {}
    for s in snaps:
        orderings = {"gapfinder": s.keys(chosen[s.project]), **baselines(s, res["with_history"])}
        for name, keys in orderings.items():
            m = metrics.evaluate(keys, s.labels, shuffles=shuffles)
            for k, v in m.items():
                rows.setdefault(s.project, {}).setdefault(name, {}).setdefault(k, []).append(v)
    return {p: {o: {k: float(np.mean(v)) for k, v in ms.items()} for o, ms in per.items()} for p, per in rows.items()}


def print_table(table: dict, title: str, how: str = "held-out fold for gapfinder") -> None:
    orderings = list(next(iter(table.values())))
    print(f"\n{title}: ER@20%LOC commit level per project ({how})")
    print(f"{'project':<15} " + " ".join(f"{o[:12]:>12}" for o in orderings))
    for p, per in table.items():
        print(f"{p:<15} " + " ".join(f"{per[o]['er_commits']:>12.3f}" for o in orderings))
    for metric in metrics.METRICS:
        means = [np.mean([per[o][metric] for per in table.values()]) for o in orderings]
        print(f"{'mean ' + metric:<15} " + " ".join(f"{v:>12.3f}" for v in means))
    gf = np.mean([per["gapfinder"]["er_commits"] for per in table.values()])
    best = max((o for o in orderings if o != "gapfinder"),
               key=lambda o: np.mean([per[o]["er_commits"] for per in table.values()]))
    print(f"ratio gapfinder / best baseline ({best}) ER@20% commits: "
          f"{gf / np.mean([per[best]['er_commits'] for per in table.values()]):.2f}")
    for o in orderings[1:]:
        b = np.mean([per[o]["er_commits"] for per in table.values()])
        print(f"  vs {o:<16} {gf / b if b else float('inf'):.2f}x")


def load(features: str) -> list[Snapshot]:
    """The snapshots of an export that have later fixes (with none, every ordering finds 0 of 0)."""
    snaps = [Snapshot(r) for r in json.loads(Path(features).read_text())]
    for s in snaps:
        if not s.labels.incidence.shape[0]:
            print(f"{s.project} {s.commit[:12]}: no fix commit in the window; left out", file=sys.stderr)
    return [s for s in snaps if s.labels.incidence.shape[0]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("features")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--model", choices=["both", "history", "no-history"], default="both")
    ap.add_argument("--holdout", metavar="FEATURES",
                    help="also score the final models, unchanged, on these projects' exported features "
                         "(projects the fit never saw: run_corpus.py --corpus holdout.json --features)")
    ap.add_argument("--pool", metavar="FEATURES",
                    help="cross-validate over the corpus and these projects together (leave one project out "
                         "of all of them): the pooled figure, once the hold-out has been reported on its own")
    args = ap.parse_args(argv)
    snaps = load(args.features) + (load(args.pool) if args.pool else [])
    out = {}
    for with_history in {"both": (True, False), "history": (True,), "no-history": (False,)}[args.model]:
        res = run(snaps, with_history, log=lambda m: print(m, file=sys.stderr, flush=True))
        out["with_history" if with_history else "without_history"] = res
        print(f"\n{'with' if with_history else 'without'} history: CV mean ER@20%LOC (commits) "
              f"{res['cv_mean']:.3f}; parts kept {', '.join(res['kept_parts'])}")
        for f in res["folds"]:
            print(f"  {f['project']:<15} test {f['test']:.3f}  train {f['train']:.3f}  {f['model']}")
        print(f"  CV of the whole grid (no part dropped): {res['full_grid_cv']:.3f}; nested CV (parts dropped "
              f"inside each training fold, the honest figure): {res['nested_cv']:.3f}")
        for n in res["nested"]:
            print(f"    nested {n['project']:<15} test {n['test']:.3f}  {n['model']}")
        print(f"  final (all {len({s.project for s in snaps})} projects): {res['final_described']}  ({res['final_all_projects']:.3f} in-sample)")
        res["held_out"] = held_out_table(snaps, res)
        title = "with history" if with_history else "without history (git hidden)"
        print_table(res["held_out"], title)
        if args.holdout:
            unseen = load(args.holdout)
            res["holdout"] = held_out_table(unseen, res, final=True)
            print_table(res["holdout"], f"hold-out, {title}", "final model, fitted on the corpus only")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
