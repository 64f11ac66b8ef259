"""Density models: rank modules by predicted later fixes per line, the model fitted in cross-validation.

ER@20%LOC spends a budget of lines, so the order that finds the most fixes per line read is the
one by expected fixes per line (Popt's optimal order is exactly that). Each model here is a tiny
log-linear rate model of a module's later fix (commit, file) pairs,

    log E[fixes] = snapshot constant + sum_k b_k * x_k + g * log(lines),

with x_k = log1p of a raw part (the coverage gap as it is), fitted as a conditional Poisson
(the snapshot constant drops out: only the share of a snapshot's fixes that each module takes is
modelled) with a small ridge (l2 = 1) and every project weighing the same. A module is ranked by
sum_k b_k x_k + g log(lines) - beta log(max(lines, floor)): beta = 1 is the predicted density;
"beta in CV" chooses it from {0, .25, .5, .75, 1} on the training projects' ER@20%LOC, and "floor
in CV" chooses a floor of lines from {1, 30, 60, 120, 250} (a module shorter than the floor is
read as if it had that many lines, so two-line modules with one past fix do not fill the top of
the list). So a module's place is a product of factors (1 + part) ** b_k, which is what its
reasons could name.

Figures, all ER@20%LOC at commit level, mean over projects (a project = the mean of its snapshots):

* corpus CV: leave one of the 16 corpus projects out, fit on the other 15, score the one left out;
* hold-out: fit on the 16 corpus projects, score each of the 7 hold-out projects;
* all CV: leave one of all 23 projects out, fit on the other 22 (the pooled, honest figure);
  "all, >=5 fixes" is its mean over the projects with at least 5 later fix commits.

Baselines and the current default are the same fixed orderings as fit.py's tables (the default is
the corpus-fitted rule, so its corpus figure is in-sample, not cross-validated).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

import fit
import metrics

BETAS = (0.0, 0.25, 0.5, 0.75, 1.0)
FLOORS = (1, 30, 60, 120, 250)
L2 = 1.0
SHUFFLES = 100
MIN_FIXES = 5  # later fix commits a snapshot needs to count in the "all, >=5 fixes" mean

# (name, parts as keys of ideas.features(), with history, betas, floors of lines)
HISTORY_PARTS = ("churn", "fixes", "complexity")
EVERY_PART = ("churn", "fixes", "complexity", "risk", "centrality", "coverage_gap", "size")
STATIC = ("complexity", "complexity_max", "risk", "centrality", "coverage_gap", "size")
MODELS = (
    ("churn+fixes+complexity, density", HISTORY_PARTS, True, (1.0,), (1,)),
    ("churn+fixes+complexity, beta in CV", HISTORY_PARTS, True, BETAS, (1,)),
    # declared after the 35-project figures: the model chosen there with the floor shipped before them
    ("churn+fixes+complexity, density, floor 60", HISTORY_PARTS, True, (1.0,), (60,)),
    ("every part, density", EVERY_PART, True, (1.0,), (1,)),
    ("every part, density, floor in CV", EVERY_PART, True, (1.0,), FLOORS),
    ("every part+authors+changed lines, density", EVERY_PART + ("authors", "changed"), True, (1.0,), (1,)),
    ("no history: static parts, density", STATIC, False, (1.0,), (1,)),
    ("no history: static parts, beta in CV", STATIC, False, BETAS, (1,)),
    ("no history: static parts, density, floor in CV", STATIC, False, (1.0,), FLOORS),
    ("no history: static parts, density, floor 60", STATIC, False, (1.0,), (60,)),
)
DEFAULTS = {
    True: {"weights": {"churn": 1, "fixes": 1, "complexity": 1}, "norm": "log", "alpha": 0.25, "history": (730, 365)},
    False: {"weights": {"size": 1, "complexity": 1, "risk": 2}, "norm": "pct", "alpha": 0.0, "history": None},
}


def shipped_keys(f: dict[str, np.ndarray], with_history: bool) -> np.ndarray:
    """gapfinder's default as shipped (config.py's coefficients and floor of lines) on the exported
    features: the model fitted on all the projects, rounded as gapfinder stores it."""
    from gapfinder.config import DEFAULT_WEIGHTS, MIN_LINES, NO_HISTORY_WEIGHTS

    weights = DEFAULT_WEIGHTS if with_history else NO_HISTORY_WEIGHTS
    parts = tuple(k for k in weights if k != "lines")
    b = np.array([weights[k] for k in parts] + [weights["lines"]])
    return design(f, parts) @ b - np.log(np.maximum(f["lines"], MIN_LINES))


def check_product(corpus: list[fit.Snapshot], holdout: list[fit.Snapshot],
                  features: Callable[[fit.Snapshot], dict[str, np.ndarray]], results: list[dict]) -> None:
    """ER@20%LOC (commits) per project of the shipped default two ways: recomputed here from the
    exported features, and measured through `gapfinder rank` by run_corpus.py (RESULTS files)."""
    ran = {(r["project"], r["commit"]): r["recall"] for r in results}
    in_corpus = {s.project for s in corpus}
    for with_history, column in ((True, "gapfinder"), (False, "gapfinder --no-git")):
        here: dict[str, list[float]] = {}
        product: dict[str, list[float]] = {}
        for s in corpus + holdout:
            if (s.project, s.commit) not in ran:
                continue
            keys = shipped_keys(features(s), with_history)
            here.setdefault(s.project, []).append(
                metrics.evaluate(keys, s.labels, shuffles=SHUFFLES, only="er_commits")["er_commits"])
            product.setdefault(s.project, []).append(ran[(s.project, s.commit)][column]["commits"])
        title = "with history" if with_history else "without history (git hidden)"
        print(f"\nshipped default, {title}: ER@20%LOC commits, density.py on the features / gapfinder rank "
              "(in-sample: the coefficients were fitted on all these projects)")
        for p in sorted(here, key=lambda p: (p not in in_corpus, p)):
            print(f"  {p:<20} {np.mean(here[p]):.3f} / {np.mean(product[p]):.3f}")
        for label, group in (("corpus", [p for p in here if p in in_corpus]),
                             ("hold-out", [p for p in here if p not in in_corpus]), ("all", list(here))):
            if group:
                print(f"  mean {label:<12} ({len(group):>2}) {np.mean([np.mean(here[p]) for p in group]):.3f} / "
                      f"{np.mean([np.mean(product[p]) for p in group]):.3f}")


def design(f: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray:
    cols = [f[p] if p == "coverage_gap" else np.log1p(np.maximum(f[p], 0.0)) for p in parts]
    return np.stack(cols + [np.log(f["lines"])], axis=1)


def fit_rate(data: list[tuple[np.ndarray, np.ndarray, float]], l2: float | list[float] = L2,
             steps: int = 50) -> np.ndarray:
    """Conditional Poisson coefficients by Newton's method; data: (X, later fix pairs, weight) per snapshot;
    l2: one ridge strength, or one per column."""
    d = data[0][0].shape[1]
    b = np.zeros(d)
    ridge = np.diag(l2) if np.ndim(l2) else l2 * np.eye(d)
    for _ in range(steps):
        grad, hess = -ridge @ b, -ridge.copy()
        for x, y, w in data:
            eta = x @ b
            p = np.exp(eta - eta.max())
            p /= p.sum()
            total, mean = y.sum(), x.T @ p
            grad += w * (x.T @ y - total * mean)
            hess -= w * total * ((x * p[:, None]).T @ x - np.outer(mean, mean))
        step = np.linalg.solve(hess, grad)
        b -= step
        if np.abs(step).max() < 1e-7:
            break
    return b


class Pool:
    """Every snapshot's design matrix and labels, for one model."""

    def __init__(self, snaps: list[fit.Snapshot], feats: list[dict], parts: tuple[str, ...]):
        self.snaps, self.feats = snaps, feats
        self.x = [design(f, parts) for f in feats]
        per_project: dict[str, int] = {}
        for s in snaps:
            per_project[s.project] = per_project.get(s.project, 0) + 1
        self.w = [1.0 / per_project[s.project] / max(s.labels.pairs.sum(), 1.0) for s in snaps]

    def fit(self, projects: set[str]) -> np.ndarray:
        idx = [i for i, s in enumerate(self.snaps) if s.project in projects]
        return fit_rate([(self.x[i], self.snaps[i].labels.pairs, self.w[i]) for i in idx])

    def keys(self, i: int, b: np.ndarray, ranking: tuple[float, float]) -> np.ndarray:
        beta, floor = ranking
        return self.x[i] @ b - beta * np.log(np.maximum(self.feats[i]["lines"], floor))

    def choose(self, projects: set[str], b: np.ndarray, betas, floors) -> tuple[float, float]:
        """The (beta, floor) with the best ER@20%LOC on `projects` (the training projects)."""
        grid = [(beta, floor) for beta in betas for floor in floors]
        if len(grid) == 1:
            return grid[0]
        score = {}
        for ranking in grid:
            per: dict[str, list[float]] = {}
            for i, s in enumerate(self.snaps):
                if s.project in projects:
                    per.setdefault(s.project, []).append(metrics.evaluate(
                        self.keys(i, b, ranking), s.labels, shuffles=4, only="er_commits")["er_commits"])
            score[ranking] = project_mean(per)
        return max(score, key=score.get)

    def held_out(self, test: str, train: set[str], betas, floors) -> tuple[dict[str, float], tuple, np.ndarray]:
        """The model fitted on `train`, scored on project `test`: mean metrics, (beta, floor), coefficients."""
        b = self.fit(train)
        ranking = self.choose(train, b, betas, floors)
        rows = [metrics.evaluate(self.keys(i, b, ranking), s.labels, shuffles=SHUFFLES)
                for i, s in enumerate(self.snaps) if s.project == test]
        return {k: float(np.mean([r[k] for r in rows])) for k in metrics.METRICS}, ranking, b


def project_mean(per: dict[str, list[float]]) -> float:
    return float(np.mean([np.mean(v) for v in per.values()]))


def fixed_orderings(s: fit.Snapshot, with_history: bool) -> dict[str, np.ndarray | None]:
    return {"default": s.keys(DEFAULTS[with_history]), **fit.baselines(s, with_history)}


def report(corpus: list[fit.Snapshot], holdout: list[fit.Snapshot],
           features: Callable[[fit.Snapshot], dict[str, np.ndarray]]) -> dict[str, dict]:
    """Print every model's table; return its ER@20%LOC (commits) per project, each way."""
    snaps = corpus + holdout
    feats = [features(s) for s in snaps]
    in_corpus = sorted({s.project for s in corpus})
    in_holdout = sorted({s.project for s in holdout})
    everyone = in_corpus + in_holdout
    # a project whose window holds 1-4 fix commits scores 0 or 1 on a whim of one file: the means
    # without them show how much of a difference such projects make
    sizeable = [p for p in everyone if all(s.labels.incidence.shape[0] >= MIN_FIXES for s in snaps if s.project == p)]
    fixed: dict[bool, dict[str, dict[str, dict[str, float]]]] = {}
    for with_history in (True, False):
        per: dict[str, dict[str, list[dict]]] = {}
        for s in snaps:
            for name, keys in fixed_orderings(s, with_history).items():
                per.setdefault(name, {}).setdefault(s.project, []).append(metrics.evaluate(keys, s.labels))
        fixed[with_history] = {o: {p: {k: float(np.mean([r[k] for r in rows])) for k in metrics.METRICS}
                                   for p, rows in by_p.items()} for o, by_p in per.items()}
    out: dict[str, dict] = {}
    for name, parts, with_history, betas, floors in MODELS:
        pool = Pool(snaps, feats, parts)
        cv_corpus = {p: pool.held_out(p, set(in_corpus) - {p}, betas, floors) for p in in_corpus}
        unseen = {p: pool.held_out(p, set(in_corpus), betas, floors) for p in in_holdout}
        cv_all = {p: pool.held_out(p, set(everyone) - {p}, betas, floors) for p in everyone}
        base = fixed[with_history]
        shown = ["default", "churn 12mo", "past fixes 12mo", "CRAP", "smallest", "random"] if with_history else \
            ["default", "CRAP", "smallest", "largest", "random"]
        print(f"\ndensity model: {name} ({', '.join(parts)}, log lines)")
        print(f"{'project':<20} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'beta':>5} {'floor':>5}  "
              + " ".join(f"{o[:10]:>10}" for o in shown))
        for p in everyone:
            a = f"{cv_corpus[p][0]['er_commits']:>9.3f}" if p in cv_corpus else f"{'':>9}"
            h = f"{unseen[p][0]['er_commits']:>9.3f}" if p in unseen else f"{'':>9}"
            print(f"{p:<20} {a} {h} {cv_all[p][0]['er_commits']:>7.3f} {cv_all[p][1][0]:>5.2f} {cv_all[p][1][1]:>5}  "
                  + " ".join(f"{base[o][p]['er_commits']:>10.3f}" for o in shown))
        for label, projects, figures in (("corpus (CV)", in_corpus, cv_corpus), ("hold-out", in_holdout, unseen),
                                         ("all (CV)", everyone, cv_all), ("all, >=5 fixes", sizeable, cv_all)):
            model = np.mean([figures[p][0]["er_commits"] for p in projects])
            means = {o: np.mean([base[o][p]["er_commits"] for p in projects]) for o in shown}
            print(f"  mean {label:<12} {model:.3f}   " + "  ".join(
                f"{o} {means[o]:.3f} ({model / means[o]:.2f}x)" if means[o] else f"{o} 0" for o in shown))
        print("  all (CV), every metric: model " + ", ".join(
            f"{k} {np.mean([cv_all[p][0][k] for p in everyone]):.3f}" for k in metrics.METRICS))
        for o in shown[:3]:
            print(f"  {'':<24} {o:<10} " + ", ".join(
                f"{k} {np.mean([base[o][p][k] for p in everyone]):.3f}" for k in metrics.METRICS))
        wins = {o: sum(cv_all[p][0]["er_commits"] > base[o][p]["er_commits"] + 1e-9 for p in everyone) for o in shown}
        losses = {o: sum(cv_all[p][0]["er_commits"] < base[o][p]["er_commits"] - 1e-9 for p in everyone) for o in shown}
        diffs = {o: np.array([cv_all[p][0]["er_commits"] - base[o][p]["er_commits"] for p in everyone]) for o in shown}
        print("  all (CV) per project against: " + "; ".join(
            f"{o} {wins[o]} better/{losses[o]} worse, mean diff {diffs[o].mean():+.3f} (se {diffs[o].std(ddof=1) / np.sqrt(len(everyone)):.3f})"
            for o in shown[:3]))
        b = pool.fit(set(everyone))
        print("  fitted on all projects: " + ", ".join(f"{p} {c:+.4f}" for p, c in zip(parts + ("log lines",), b))
              + "; beta {}, floor {} lines".format(*pool.choose(set(everyone), b, betas, floors)))
        out[name] = {way: {p: r[0]["er_commits"] for p, r in figures.items()}
                     for way, figures in (("corpus_cv", cv_corpus), ("holdout", unseen), ("all_cv", cv_all))}
    return out


def nested(corpus: list[fit.Snapshot], holdout: list[fit.Snapshot],
           features: Callable[[fit.Snapshot], dict[str, np.ndarray]]) -> dict[bool, dict[str, float]]:
    """The honest figure for choosing among MODELS: for each project left out, the model (with or
    without history) whose leave-one-project-out mean over the other projects is best is fitted on
    them and scored on it. Prints every fold's choice; returns ER@20%LOC (commits) per project."""
    snaps = corpus + holdout
    feats = [features(s) for s in snaps]
    everyone = sorted({s.project for s in snaps})
    cache: dict[tuple, float] = {}
    out: dict[bool, dict[str, float]] = {}
    for with_history in (True, False):
        models = {m[0]: (Pool(snaps, feats, m[1]), m[3], m[4]) for m in MODELS if m[2] == with_history}

        def held_out(name: str, test: str, train: frozenset) -> float:
            key = (name, test, train)
            if key not in cache:
                pool, betas, floors = models[name]
                cache[key] = pool.held_out(test, set(train), betas, floors)[0]["er_commits"]
            return cache[key]

        figures, picks = {}, {}
        for p in everyone:
            train = frozenset(everyone) - {p}
            inner = {n: np.mean([held_out(n, q, train - {q}) for q in train]) for n in models}
            picks[p] = max(inner, key=inner.get)
            figures[p] = held_out(picks[p], p, train)
        title = "with history" if with_history else "without history (git hidden)"
        print(f"\nnested, {title}: the model chosen inside each training set, ER@20%LOC commits on the project left out")
        for p in everyone:
            print(f"  {p:<22} {figures[p]:.3f}  {picks[p]}")
        base = {}
        for s in snaps:
            for name, keys in fit.baselines(s, with_history).items():
                if keys is not None:
                    base.setdefault(name, {}).setdefault(s.project, []).append(
                        metrics.evaluate(keys, s.labels, shuffles=SHUFFLES, only="er_commits")["er_commits"])
        mean = np.mean(list(figures.values()))
        print(f"  mean over {len(everyone)} projects {mean:.3f}; " + "; ".join(
            f"{name} {project_mean(d):.3f} ({mean / project_mean(d):.2f}x)" for name, d in base.items()))
        chosen: dict[str, int] = {}
        for n in picks.values():
            chosen[n] = chosen.get(n, 0) + 1
        print("  chosen: " + "; ".join(f"{n} x{k}" for n, k in chosen.items()))
        out[with_history] = figures
    return out
