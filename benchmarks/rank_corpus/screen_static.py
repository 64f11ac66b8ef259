"""New static parts (static_facts.py) in the density model, cross-validated (ideas.py --static).

The density model (density.py: log-linear rate of later fix pairs, conditional Poisson, ridge,
ranked by predicted fixes per line with a floor of lines) gets columns it did not have: the counts
of static_facts.py, PageRank and betweenness, and tokens of the module's path as 0/1 columns (a
name prior learned across projects). Three ways, every one scored by leave-one-project-out CV over
the 16 corpus projects, on the 7 hold-out projects (fitted on the 16) and over all 23:

* screen: the base model plus ONE new part, each in turn (the base: density.py's static parts
  without history, every part with history). Choosing the best line of this screen is a
  selection on the very folds it reports, so its best figure is optimistic;
* declared models (no selection): the base plus every new count; the base plus the path tokens;
* nested forward selection, the honest figure of "add the parts that help": for each held-out
  project, parts are added one at a time by a leave-one-project-out CV over the other projects
  only (at most MAX_ADDED, each must raise that inner CV mean by MIN_GAIN), then the model with
  them is fitted on those projects and scored on the held-out one.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

import numpy as np

import density
import fit
import metrics
import static_facts

NEW_COUNTS = static_facts.COUNTS + ("pagerank", "betweenness")
MIN_TOKEN_PROJECTS = 5  # a path token becomes a column when modules of this many projects carry it
TOKEN_L2 = 10.0  # ridge of the token columns: a prior shared by projects, pulled hard toward 0
MAX_ADDED, MIN_GAIN = 3, 0.005
RIDGES = (1.0, 10.0, 100.0, 1000.0)  # ridge strengths of the new columns tried inside each training fold
SELECT_SHUFFLES = 4


class Columns:
    """Every candidate column of every snapshot, fitted and ranked on any subset of columns."""

    def __init__(self, snaps: list[fit.Snapshot], feats: list[dict], names: list[str]):
        self.snaps, self.feats, self.names = snaps, feats, names
        self.col = {n: i for i, n in enumerate(names)}
        self.x = [np.stack([column(f, n) for n in names] + [np.log(f["lines"])], axis=1) for f in feats]
        per_project: dict[str, int] = {}
        for s in snaps:
            per_project[s.project] = per_project.get(s.project, 0) + 1
        self.w = [1.0 / per_project[s.project] / max(s.labels.pairs.sum(), 1.0) for s in snaps]
        self.by_project: dict[str, list[int]] = {}
        for i, s in enumerate(snaps):
            self.by_project.setdefault(s.project, []).append(i)

    def idx(self, parts: tuple[str, ...]) -> list[int]:
        return [self.col[p] for p in parts] + [len(self.names)]

    def fit(self, projects, parts: tuple[str, ...], ridge: dict[str, float] | None = None) -> np.ndarray:
        """Coefficients on `projects`; `ridge` overrides the ridge strength of some columns."""
        cols, ridge = self.idx(parts), ridge or {}
        data = [(self.x[i][:, cols], self.snaps[i].labels.pairs, self.w[i]) for p in projects for i in self.by_project[p]]
        l2 = [ridge.get(n, TOKEN_L2 if n.startswith("tok:") else density.L2) for n in parts]
        return density.fit_rate(data, l2 + [density.L2])

    def held_out_ridge(self, test: str, train, parts, new, floor: float) -> tuple[dict, float]:
        """`new` columns' ridge chosen from RIDGES by a leave-one-project-out CV over `train` only."""
        def inner(r):
            ridge = dict.fromkeys(new, r)
            return np.mean([self.score(q, parts, self.fit([t for t in train if t != q], parts, ridge), floor,
                                       SELECT_SHUFFLES)["er_commits"] for q in train])
        best = max(RIDGES, key=inner)
        b = self.fit(train, parts, dict.fromkeys(new, best))
        return self.score(test, parts, b, floor, density.SHUFFLES, only=""), best

    def score(self, project: str, parts, b, floor: float, shuffles: int, only: str = "er_commits") -> dict:
        cols = self.idx(parts)
        rows = [metrics.evaluate(self.x[i][:, cols] @ b - np.log(np.maximum(self.feats[i]["lines"], floor)),
                                 self.snaps[i].labels, shuffles=shuffles, only=only) for i in self.by_project[project]]
        return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}

    def choose_floor(self, projects, parts, b, floors) -> float:
        if len(floors) == 1:
            return floors[0]
        means = {fl: np.mean([self.score(p, parts, b, fl, SELECT_SHUFFLES)["er_commits"] for p in projects])
                 for fl in floors}
        return max(means, key=means.get)

    def held_out(self, test: str, train, parts, floors, shuffles: int = density.SHUFFLES) -> tuple[dict, float]:
        b = self.fit(train, parts)
        floor = self.choose_floor(train, parts, b, floors)
        return self.score(test, parts, b, floor, shuffles, only=""), floor

    def cv(self, projects, parts, floors, shuffles: int = SELECT_SHUFFLES) -> float:
        """Leave-one-project-out ER@20%LOC (commits) over `projects`, floor fixed or chosen inside."""
        return float(np.mean([self.held_out(p, [q for q in projects if q != p], parts, floors, shuffles)[0]["er_commits"]
                              for p in projects]))

    def forward(self, projects, base: tuple[str, ...], candidates, floors) -> tuple[str, ...]:
        """Parts added to `base` one group at a time by the leave-one-project-out CV over `projects`
        (a candidate is a tuple of columns: one count, or every path token at once)."""
        parts, best = base, self.cv(projects, base, floors)
        for _ in range(MAX_ADDED):
            trials = {c: self.cv(projects, parts + c, floors) for c in candidates if c[0] not in parts}
            pick = max(trials, key=trials.get)
            if trials[pick] < best + MIN_GAIN:
                break
            parts, best = parts + pick, trials[pick]
        return parts


def fold_rows(everyone, c, h, a, bar, chosen) -> None:
    """One row per project: its corpus-CV, hold-out and all-CV figures, what its fold chose, the bar."""
    for p in everyone:
        cc = f"{c[p][0]['er_commits']:>9.3f}" if p in c else " " * 9
        hh = f"{h[p][0]['er_commits']:>9.3f}" if p in h else " " * 9
        print(f"  {p:<20} {cc} {hh} {a[p][0]['er_commits']:>7.3f} {chosen(a[p][1])} {bar[p]:>10.3f}", flush=True)


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def column(f: dict, name: str) -> np.ndarray:
    if name == "crap_module":  # the CRAP baseline's own figure: largest complexity squared x uncovered share
        return np.log1p(f["complexity_max"] ** 2 * f["coverage_gap"])
    if name.startswith("tok:"):
        word = name[4:]
        return np.array([float(word in t) for t in f["tokens"]])
    return f[name] if name in ("coverage_gap", "annotated_share") else np.log1p(np.maximum(f[name], 0.0))


def common_tokens(snaps: list[fit.Snapshot], feats: list[dict]) -> list[str]:
    """Path tokens that modules of at least MIN_TOKEN_PROJECTS projects carry (no label is read)."""
    seen: dict[str, set[str]] = {}
    for s, f in zip(snaps, feats):
        for t in f["tokens"]:
            for w in t:
                seen.setdefault(w, set()).add(s.project)
    return sorted(w for w, ps in seen.items() if len(ps) >= MIN_TOKEN_PROJECTS)


def report(corpus: list[fit.Snapshot], holdout: list[fit.Snapshot],
           features: Callable[[fit.Snapshot], dict[str, np.ndarray]], nested: bool = True) -> None:
    snaps = corpus + holdout
    if any(s.static is None for s in snaps):
        raise SystemExit("--static needs exports with static facts (static_facts.py FEATURES WORK OUT)")
    feats = [features(s) for s in snaps]
    in_corpus = sorted({s.project for s in corpus})
    in_holdout = sorted({s.project for s in holdout})
    everyone = in_corpus + in_holdout
    tokens = ["tok:" + w for w in common_tokens(snaps, feats)]
    cols = Columns(snaps, feats, sorted(set(density.EVERY_PART + density.STATIC + NEW_COUNTS)) + ["crap_module"] + tokens)
    crap = {p: np.mean([metrics.evaluate(fit.baselines(s, False)["CRAP"], s.labels, only="er_commits")["er_commits"]
                        for s in snaps if s.project == p]) for p in everyone}
    churn = {p: np.mean([metrics.evaluate(fit.baselines(s, True)["churn 12mo"], s.labels, only="er_commits")["er_commits"]
                         for s in snaps if s.project == p]) for p in everyone}
    print(f"\npath tokens carried by modules of >= {MIN_TOKEN_PROJECTS} projects ({len(tokens)}): "
          + " ".join(t[4:] for t in tokens))
    for with_history, base, floor, bar_name, bar in ((False, density.STATIC, 1, "CRAP", crap),
                                                      (True, density.EVERY_PART, 60, "churn 12mo", churn)):
        title = "with history" if with_history else "without history (git hidden)"
        bar_all, bar_corpus = np.mean([bar[p] for p in everyone]), np.mean([bar[p] for p in in_corpus])

        def three(parts, floors, shuffles=density.SHUFFLES):
            c = {p: cols.held_out(p, [q for q in in_corpus if q != p], parts, floors, shuffles) for p in in_corpus}
            h = {p: cols.held_out(p, in_corpus, parts, floors, shuffles) for p in in_holdout}
            a = {p: cols.held_out(p, [q for q in everyone if q != p], parts, floors, shuffles) for p in everyone}
            return c, h, a

        def means(c, h, a):
            return (np.mean([c[p][0]["er_commits"] for p in in_corpus]), np.mean([h[p][0]["er_commits"] for p in in_holdout]),
                    np.mean([a[p][0]["er_commits"] for p in everyone]))

        print(f"\n{title}: screen, the base model (density.py's {'every part' if with_history else 'static parts'}, "
              f"floor {floor} lines) plus one new part; ER@20%LOC commits, mean over projects; "
              f"{bar_name}: corpus {bar_corpus:.3f}, all {bar_all:.3f} (1.25x all = {1.25 * bar_all:.3f})")
        print(f"{'part added':<22} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'coef (all)':>10}")
        rows = {}
        for extra in ("(none)",) + NEW_COUNTS + ("(all path tokens)",):
            parts = base if extra == "(none)" else base + tuple(tokens) if extra.startswith("(all") else base + (extra,)
            c, h, a = three(parts, (floor,), shuffles=20)
            rows[extra] = means(c, h, a)
            coef = cols.fit(everyone, parts)[len(base)] if extra not in ("(none)", "(all path tokens)") else float("nan")
            print(f"{extra:<22} {rows[extra][0]:>9.3f} {rows[extra][1]:>9.3f} {rows[extra][2]:>7.3f} {coef:>+10.3f}", flush=True)
        declared = (("base, floor in CV", base), ("base + every new count, floor in CV", base + NEW_COUNTS),
                    ("base + path tokens, floor in CV", base + tuple(tokens)),
                    # not declared beforehand: the screen's best row and its module-level cousin, to see
                    # where the gain comes from (with coverage or without); optimistic by construction
                    ("base + crap_fmax, floor in CV (chosen from the screen)", base + ("crap_fmax",)),
                    ("base + module CRAP, floor in CV (chosen from the screen)", base + ("crap_module",)))
        measured = {s.project for s in snaps if s.coverage}
        reference = {}
        for name, parts in declared:
            c, h, a = three(parts, density.FLOORS)
            m = means(c, h, a)
            reference = reference or {"corpus CV": c, "all CV": a}
            split = [_mean([a[p][0]["er_commits"] for p in everyone if (p in measured) == w]) for w in (True, False)]
            bar_split = [_mean([bar[p] for p in everyone if (p in measured) == w]) for w in (True, False)]
            print(f"\n{title}: declared model '{name}': corpus CV {m[0]:.3f}, hold-out {m[1]:.3f}, "
                  f"all CV {m[2]:.3f} ({m[2] / bar_all:.2f}x {bar_name} {bar_all:.3f}); all CV on the {len(measured)} "
                  f"projects with coverage {split[0]:.3f} ({bar_name} {bar_split[0]:.3f}), without {split[1]:.3f} "
                  f"({bar_split[1]:.3f})")
            print(f"  {'project':<20} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'floor':>5} {bar_name:>10}")
            fold_rows(everyone, c, h, a, bar, lambda floor: f"{floor:>5}")
            b = cols.fit(everyone, parts)
            named = sorted(zip(parts + ("log lines",), b), key=lambda t: -abs(t[1]))
            print("  fitted on all projects (largest first): " + ", ".join(f"{n} {v:+.2f}" for n, v in named[:16]))
        for name, new in (("every new count", NEW_COUNTS), ("path tokens", tuple(tokens))):
            parts = base + new
            c = {p: cols.held_out_ridge(p, [q for q in in_corpus if q != p], parts, new, floor) for p in in_corpus}
            h = {p: cols.held_out_ridge(p, in_corpus, parts, new, floor) for p in in_holdout}
            a = {p: cols.held_out_ridge(p, [q for q in everyone if q != p], parts, new, floor) for p in everyone}
            m = means(c, h, a)
            print(f"\n{title}: declared model 'base + {name}, their ridge in CV from {RIDGES}, floor {floor}' (the "
                  f"ridge chosen inside each training fold): corpus CV {m[0]:.3f}, hold-out {m[1]:.3f}, all CV {m[2]:.3f} "
                  f"({m[2] / bar_all:.2f}x {bar_name} {bar_all:.3f})")
            print(f"  {'project':<20} {'corpus CV':>9} {'hold-out':>9} {'all CV':>7} {'ridge':>6} {bar_name:>10}")
            fold_rows(everyone, c, h, a, bar, lambda ridge: f"{ridge:>6.0f}")
        if not nested:
            continue
        candidates = [(c,) for c in NEW_COUNTS] + [tuple(tokens)]
        print(f"\n{title}: nested forward selection (parts added by a CV over the training projects only; "
              f"at most {MAX_ADDED}, each +{MIN_GAIN} or more; floor {floor} lines)", flush=True)
        for label, projects, pool in (("all CV", everyone, everyone), ("corpus CV", in_corpus, in_corpus)):
            got, picked = {}, []
            for p in projects:
                train = [q for q in pool if q != p]
                parts = cols.forward(train, base, candidates, (floor,))
                got[p] = cols.held_out(p, train, parts, (floor,))[0]["er_commits"]
                added = [n for n in parts[len(base):] if not n.startswith("tok:")]
                added += ["path tokens"] if len(parts) - len(base) > len(added) else []
                picked += added
                print(f"  {label:<9} {p:<20} test {got[p]:.3f}  {bar_name} {bar[p]:.3f}  added: "
                      f"{', '.join(added) or '(none)'}", flush=True)
            m = np.mean(list(got.values()))
            ref = np.mean([bar[p] for p in projects])
            d = np.array([got[p] - reference[label][p][0]["er_commits"] for p in projects])
            print(f"  nested {label}: {m:.3f} ({m / ref:.2f}x {bar_name} {ref:.3f}); against the base with the floor in CV: "
                  f"mean diff {d.mean():+.3f} (se {d.std(ddof=1) / np.sqrt(len(d)):.3f}), {(d > 1e-9).sum()} better, "
                  f"{(d < -1e-9).sum()} worse; parts added (folds): "
                  + ", ".join(f"{n} {k}" for n, k in Counter(picked).most_common(6)), flush=True)
