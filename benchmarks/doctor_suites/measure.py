#!/usr/bin/env python3
"""Run `gapfinder doctor tests` on whole real async suites and count findings per rule and confidence.

    python benchmarks/doctor_suites/measure.py --gapfinder .venv/bin/gapfinder --work /tmp/suites [--judged judged.json]

Each suite in suites.json is cloned (`git clone --shared`) from the `fetch` mirrors at /work/.mirror at
its pinned commit into --work (reused on later runs). With --judged (a list of {suite, path, line,
code, verdict: "tp"|"fp", why}), precision is reported per rule and per confidence over the judged
findings. Stdlib only; exits 0.
"""
from __future__ import annotations

import argparse
import json
import subprocess
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def checkout(mirrors: Path, work: Path, suite: dict) -> Path | None:
    dest = work / suite["name"]
    if not dest.is_dir():
        base = mirrors / suite["repo"].replace("/", "+")
        gitdir = base / "repo" if (base / "repo").is_dir() else base
        if subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(gitdir), str(dest)]).returncode:
            return None
    if subprocess.run(["git", "-C", str(dest), "checkout", "-q", suite["commit"]]).returncode:
        return None
    return dest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gapfinder", default="gapfinder")
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--json", dest="json_out", type=Path, help="write every finding here")
    ap.add_argument("--judged", type=Path, help="hand judgments to compute precision with")
    ap.add_argument("--min-confidence", choices=("likely", "certain"), default="likely",
                    help="passed to doctor (likely: every finding, each with its confidence)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    everything = []
    for suite in json.loads((HERE / "suites.json").read_text()):
        tree = checkout(args.mirrors, args.work, suite)
        if tree is None:
            print(f"{suite['name']:<18} not runnable: no mirror or commit (fetch github:{suite['repo']})")
            continue
        proc = subprocess.run([args.gapfinder, "doctor", "tests", "--format", "json",
                               "--min-confidence", args.min_confidence], cwd=tree,
                              capture_output=True, text=True)
        try:
            data = json.loads(proc.stdout)
        except json.JSONDecodeError:
            print(f"{suite['name']:<18} doctor gave no JSON: {proc.stderr.strip()[-200:]}")
            continue
        counts = Counter((f["code"], f["confidence"]) for f in data["findings"])
        print(f"{suite['name']:<18} files {data['files']:>4}  unresolved {len(data.get('unresolved', [])):>3}  "
              f"findings {len(data['findings']):>3}  " + ", ".join(f"{c}/{k}:{n}" for (c, k), n in sorted(counts.items())))
        everything += [{"suite": suite["name"], **f} for f in data["findings"]]
    if args.json_out:
        args.json_out.write_text(json.dumps(everything, indent=1))
    if args.judged:
        verdicts = {(j["suite"], j["path"], j["line"], j["code"]): j["verdict"] for j in json.loads(args.judged.read_text())}
        per: dict[tuple[str, str], Counter] = {}
        for f in everything:
            verdict = verdicts.get((f["suite"], f["path"], f["line"], f["code"]))
            if verdict:
                per.setdefault((f["code"], f["confidence"]), Counter())[verdict] += 1
        print("\nrule   confidence  judged  true  precision")
        for level in ("certain", "likely"):
            tp = sum(c["tp"] for (code, conf), c in per.items() if conf == level)
            n = sum(sum(c.values()) for (code, conf), c in per.items() if conf == level)
            for (code, conf), c in sorted(per.items()):
                if conf == level:
                    print(f"{code:<6} {conf:<10} {sum(c.values()):>6} {c['tp']:>5}  {c['tp'] / sum(c.values()):.0%}")
            if n:
                print(f"{'all':<6} {level:<10} {n:>6} {tp:>5}  {tp / n:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
