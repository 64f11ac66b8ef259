#!/usr/bin/env python3
"""Pick score weights on one project's sweep and check them on the others.

    python benchmarks/tune.py TUNE_SWEEP.json CHECK_SWEEP.json [...]

Each file is written by ``evaluate.py --sweep``; all must come from the same grid. The weights
with the best commit-level + file-level recall on the first file are shown with their recall on
every file, next to the best vector on each check file (what overfitting would have bought) and the
vector whose worst-case recall across all files is highest (the robust choice).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


# the grid point nearest the shipped DEFAULT_WEIGHTS (0.22/0.16/0.12/0.14/0.10/0.14/0.12)
DEFAULT_GRID_POINT = {"centrality": 1, "churn": 1, "complexity": 1, "coverage_gap": 2,
                      "fixes": 1, "risk": 1, "size": 1}


def _key(r: dict) -> tuple:
    return (r.get("gap_floor", 0.2), *sorted(r["weights"].items()))


def _fmt(r: dict) -> str:
    w = ",".join(f"{k}={v:g}" for k, v in r["weights"].items())
    return f"{w} (gap floor {r.get('gap_floor', 0.2):g})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sweeps", nargs="+", type=Path)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--metric", choices=["budget", "mean"], default="budget",
                    help="pick by recall at the sweep's budget, or by the mean over all budgets")
    ap.add_argument("--floor", type=float, help="only vectors swept with this coverage-gap floor")
    args = ap.parse_args()
    grids = [
        {_key(r): r for r in json.loads(p.read_text())
         if args.floor is None or r.get("gap_floor", 0.2) == args.floor}
        for p in args.sweeps
    ]
    names = [p.stem for p in args.sweeps]
    common = set(grids[0]).intersection(*grids[1:])

    def score(r: dict) -> float:
        if args.metric == "budget" or "at" not in r:
            return r["commits"] + r["files"]
        # mean over the budgets read (10/20/30/50%): less lumpy than one budget
        return sum(v["commits"] + v["files"] for v in r["at"].values()) / len(r["at"])

    def show(label: str, key: tuple) -> None:
        cells = "  ".join(
            f"{n}: {g[key]['commits']:.3f}/{g[key]['files']:.3f}" for n, g in zip(names, grids)
        )
        means = "  ".join(f"{score(g[key]) / 2:.3f}" for g in grids)
        print(f"{label:<10} {cells}\n{'':<10} {_fmt(grids[0][key])}  [metric/2: {means}]")

    tuned = sorted(common, key=lambda k: (-score(grids[0][k]), k))
    print(f"tuned on {names[0]} (recall commits/files at the sweep's budget; metric {args.metric}):")
    default = next((k for k in tuned if grids[0][k]["weights"] == DEFAULT_GRID_POINT
                    and grids[0][k].get("gap_floor", 0.2) == 0.2), None)
    if default is not None:
        show("default~", default)
    for k in tuned[: args.top]:
        show("", k)
    for n, g in zip(names[1:], grids[1:]):
        best = max(common, key=lambda k: (score(g[k]), k))
        show(f"best {n}", best)
    robust = max(common, key=lambda k: (min(score(g[k]) for g in grids), k))
    show("robust", robust)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
