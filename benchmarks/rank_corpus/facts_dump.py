#!/usr/bin/env python3
"""Print the raw facts gapfinder scores for every module of a tree, as JSON (for fit.py).

Run with the Python of the gapfinder being measured (it imports gapfinder):

    VENV/bin/python benchmarks/rank_corpus/facts_dump.py TREE [--coverage FILE]

The JSON report shows normalised parts; fitting needs the raw figures under them (statements,
covered, complexity, fan-in, PageRank, risk markers), so this wraps the pipeline's `score` and
records what it was given. History is left out (--no-git): run_corpus.py reads it from git with
dates, so fit.py can try windows and recency weights without ranking again.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gapfinder.rank import pipeline, scoring


def dump(tree: Path, coverage: Path | None) -> dict[str, dict]:
    seen: list = []
    real = pipeline.score

    def capture(units, *args, **kwargs):
        seen.extend(units)
        return real(units, *args, **kwargs)

    pipeline.score = capture
    try:
        pipeline.rank(tree, coverage=coverage, use_cache=False, overrides={"git": False, "top": 0})
    finally:
        pipeline.score = real
    return {u.path: {"statements": u.statements, "covered": u.covered, "measured": u.measured,
                     "complexity_max": u.complexity_max, "complexity_sum": u.complexity_sum,
                     "fan_in": u.fan_in, "call_fan_in": u.call_fan_in, "pagerank": u.pagerank,
                     "betweenness": u.betweenness, "risk": scoring.risk_value(u.markers)}
            for u in seen}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tree")
    ap.add_argument("--coverage")
    args = ap.parse_args(argv)
    json.dump(dump(Path(args.tree), Path(args.coverage) if args.coverage else None), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
