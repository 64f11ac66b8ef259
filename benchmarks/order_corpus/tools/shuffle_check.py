#!/usr/bin/env python3
"""Run each built project's paths in N shuffled orders and list tests whose outcome differs from
file order (stdlib only; finds order dependence already present in the suites).

    python tools/shuffle_check.py --work DIR [--only NAME] [--seeds 1 2 3]
"""
import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import setup as corpus  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--only")
    ap.add_argument("--seeds", nargs="*", type=int, default=[1, 2])
    args = ap.parse_args()
    work = args.work.resolve()
    data = corpus.load()
    targets = list(data["projects"]) + list(data.get("public", []))
    report = {}
    for p in targets:
        if args.only not in (None, p["name"]):
            continue
        root = work / p["name"] / p.get("root", ".")
        base_env = dict(os.environ, **p.get("env", {}))
        pp = base_env.get("PYTHONPATH")
        env = dict(base_env, PYTHONPATH=os.pathsep.join([str(HERE)] + ([pp] if pp else [])))
        python = corpus.python_of(p, work)
        extra = [*p.get("pytest_args", []), "-p", "shuffle_plugin", *corpus.existing_paths(root, p["paths"])]
        base, secs, _ = corpus.pytest_outcomes(python, root, extra, env)
        diffs = {}
        victims = [c["victim"] for c in data["cases"] if c["project"] == p["name"]] or (
            [p["victim"]] if "victim" in p else [])
        per_victim = {v: {"file_order": corpus.lookup(base, v)} for v in victims}
        for seed in args.seeds:
            out, s2, _ = corpus.pytest_outcomes(python, root, extra, dict(env, ORDERDEP_SEED=str(seed)))
            for v in victims:
                per_victim[v][f"seed {seed}"] = corpus.lookup(out, v)
            for k, v in out.items():
                if base.get(k) not in (None, v):
                    diffs.setdefault(k, {"file_order": base[k]})[f"seed {seed}"] = v
        report[p["name"]] = {"tests": len(base), "file_order_seconds": secs, "differs": diffs,
                             "victims": per_victim}
        print(f"{p['name']}: {len(base)} tests, {secs}s, {len(diffs)} differ between orders")
        for v, o in per_victim.items():
            print(f"  victim {v}: {o}")
        for k, v in diffs.items():
            print(f"  {k}: {v}")
    (work / "shuffle_check.json").write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
