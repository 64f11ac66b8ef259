#!/usr/bin/env python3
"""Measure `gapfinder doctor --run` on the order-dependence corpus (stdlib only).

    python measure.py --work DIR --gapfinder PATH/TO/gapfinder [--only NAME] [--json OUT]
                      [--runs 2] [--seed 1] [--timeout 1800]

Per project copy built by setup.py (and per public case) it runs
    GAPFINDER doctor --run PATHS --python PY --runs 2 --seed 1 --format json
with cwd = the project root and the project's env added, then checks every expected case:
the victim is in order_dependent[].victim, its polluter is among that entry's polluters, one of
the case's `match` tokens appears in the entry's shared_state[].name or explanation, and
bisect_runs <= ceil(log2 n) + 2 (n = candidates). Exit code 0/1 of gapfinder is normal; any
other code, a timeout or unparsable output counts as an error of every case of that project.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def same_test(a: str, b: str) -> bool:
    """Node ids may be relative to different rootdirs: compare files by path-segment suffix."""
    fa, _, ra = a.partition("::")
    fb, _, rb = b.partition("::")
    if ra != rb:
        return False
    return fa == fb or fa.endswith("/" + fb) or fb.endswith("/" + fa)


def bisect_budget(candidates) -> int:
    n = max(int(candidates or 1), 1)
    return math.ceil(math.log2(n)) + 2 if n > 1 else 2


def mentions(entry: dict, tokens: list, names: list = ()) -> bool:
    """A token appears in a shared_state name or the explanation, or a shared_state name (or its
    last dotted part) equals one of `names` (for states whose bare name is a common word)."""
    state_names = [str(s.get("name", "")) for s in entry.get("shared_state") or []]
    blob = "\n".join(state_names + [str(entry.get("explanation", ""))]).lower()
    if any(t.lower() in blob for t in tokens):
        return True
    return any(n.split(".")[-1] in names or n in names for n in state_names)


def check_case(case: dict, report: dict) -> dict:
    res = {"case": case["name"], "kind": case["kind"], "victim": case["victim"],
           "polluter": case["polluter"], "found": False, "polluter_found": False,
           "state_named": False, "bisect_runs": None, "candidates": None, "within_budget": False,
           "ok": False}
    entries = [e for e in report.get("order_dependent") or [] if same_test(str(e.get("victim", "")), case["victim"])]
    if not entries:
        in_flaky = any(same_test(str(f.get("test", "")), case["victim"]) for f in report.get("flaky") or [])
        in_failing = any(same_test(str(t), case["victim"]) for t in report.get("failing") or [])
        res["note"] = "reported flaky" if in_flaky else "reported failing" if in_failing else "not reported"
        return res
    entry = entries[0]
    res["found"] = True
    res["polluter_found"] = any(same_test(str(p), case["polluter"]) for p in entry.get("polluters") or [])
    res["state_named"] = mentions(entry, case["match"], case.get("names", []))
    res["kinds_reported"] = sorted({str(s.get("kind")) for s in entry.get("shared_state") or []})
    res["kind_matches"] = case["kind"] in res["kinds_reported"]  # informative, not part of ok
    res["bisect_runs"] = entry.get("bisect_runs")
    res["candidates"] = entry.get("candidates")
    budget = bisect_budget(entry.get("candidates"))
    res["budget"] = budget
    res["within_budget"] = isinstance(entry.get("bisect_runs"), int) and entry["bisect_runs"] <= budget
    res["ok"] = res["found"] and res["polluter_found"] and res["state_named"] and res["within_budget"]
    return res


def run_project(name: str, root: Path, python: str, paths: list, env_extra: dict, cases: list,
                args) -> dict:
    cmd = [args.gapfinder, "doctor", "--run", *paths, "--python", python,
           "--runs", str(args.runs), "--seed", str(args.seed), "--format", "json"]
    env = dict(os.environ, **env_extra)
    out = {"project": name, "command": cmd, "cwd": str(root), "env": env_extra, "cases": [],
           "error": None, "exit_code": None, "wall_seconds": None}
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        out["wall_seconds"] = round(time.monotonic() - start, 2)
        out["error"] = f"timed out after {args.timeout}s"
    else:
        out["wall_seconds"] = round(time.monotonic() - start, 2)
        out["exit_code"] = proc.returncode
        out["stderr_tail"] = proc.stderr[-2000:]
        if proc.returncode not in (0, 1):
            out["error"] = f"exit code {proc.returncode}"
        else:
            try:
                report = json.loads(proc.stdout)
            except ValueError as exc:
                out["error"] = f"output is not JSON: {exc}"
            else:
                summary = report.get("summary") or {}
                out["tests"] = report.get("tests")
                out["plain_run_seconds"] = summary.get("plain_run_seconds")
                out["total_seconds"] = summary.get("total_seconds")
                out["runs"] = summary.get("runs")
                out["order_dependent"] = summary.get("order_dependent")
                out["flaky"] = summary.get("flaky")
                out["failing"] = summary.get("failing")
                out["bisect_runs_total"] = sum(int(e.get("bisect_runs") or 0)
                                               for e in report.get("order_dependent") or [])
                expected = [c["victim"] for c in cases]
                out["extra_order_dependent"] = [
                    {"victim": e.get("victim"), "polluters": e.get("polluters")}
                    for e in report.get("order_dependent") or []
                    if not any(same_test(str(e.get("victim", "")), v) for v in expected)]
                out["cases"] = [check_case(c, report) for c in cases]
                if out["plain_run_seconds"]:
                    out["ratio_total_to_plain"] = round(out["wall_seconds"] / out["plain_run_seconds"], 2)
                return out
    out["cases"] = [dict(check_case(c, {}), error=out["error"], note=f"error: {out['error']}") for c in cases]
    return out


def targets(data: dict, work: Path, only):
    for p in data["projects"]:
        mine = [c for c in data["cases"] if c["project"] == p["name"]]
        if only in (None, p["name"]) or any(c["name"] == only for c in mine):
            yield (p["name"], work / p["name"] / p.get("root", "."), p["python"].replace("{work}", str(work)),
                   p["paths"], p.get("env", {}), mine)
    for c in data.get("public", []):
        if only in (None, c["name"]):
            yield (c["name"], work / c["name"] / c.get("root", "."), c["python"].replace("{work}", str(work)),
                   c["paths"], c.get("env", {}), [c])


def fmt(v):
    return "-" if v is None else ("yes" if v is True else "no" if v is False else str(v))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--gapfinder", required=True)
    ap.add_argument("--only")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--cases", type=Path, default=HERE / "cases.json")
    args = ap.parse_args()
    data = json.loads(args.cases.read_text())
    work = args.work.resolve()
    results = []
    for name, root, python, paths, env, cases in targets(data, work, args.only):
        if not root.is_dir():
            print(f"{name}: {root} missing (run setup.py first)", file=sys.stderr)
            results.append({"project": name, "error": "not built", "cases": [
                dict(check_case(c, {}), error="not built") for c in cases]})
            continue
        paths = [p for p in paths if (root / p.split("::")[0]).exists()]
        print(f"== {name}: {' '.join(paths)}", file=sys.stderr)
        r = run_project(name, root, python, paths, env, cases, args)
        results.append(r)
        print(f"\n{name}: exit={fmt(r.get('exit_code'))} wall={fmt(r.get('wall_seconds'))}s "
              f"plain={fmt(r.get('plain_run_seconds'))}s tests={fmt(r.get('tests'))} "
              f"od={fmt(r.get('order_dependent'))} flaky={fmt(r.get('flaky'))} failing={fmt(r.get('failing'))}"
              + (f" ERROR: {r['error']}" if r.get("error") else ""))
        print(f"  {'case':<40} {'kind':<10} {'found':<5} {'poll':<5} {'state':<5} {'bisect':<8} ok")
        for c in r["cases"]:
            bis = f"{fmt(c['bisect_runs'])}/{fmt(c.get('budget'))}"
            print(f"  {c['case']:<40} {c['kind']:<10} {fmt(c['found']):<5} {fmt(c['polluter_found']):<5} "
                  f"{fmt(c['state_named']):<5} {bis:<8} {fmt(c['ok'])}" + (f"  ({c['note']})" if c.get("note") else ""))
        for e in r.get("extra_order_dependent") or []:
            print(f"  extra order-dependent: {e['victim']} <- {e['polluters']}")
    all_cases = [c for r in results for c in r["cases"]]
    totals = {
        "projects": len(results), "cases": len(all_cases),
        "found": sum(c["found"] for c in all_cases),
        "polluter_found": sum(c["polluter_found"] for c in all_cases),
        "state_named": sum(c["state_named"] for c in all_cases),
        "within_budget": sum(c["within_budget"] for c in all_cases),
        "ok": sum(c["ok"] for c in all_cases),
        "errors": sum(1 for r in results if r.get("error")),
        "wall_seconds": round(sum(r.get("wall_seconds") or 0 for r in results), 2),
        "plain_run_seconds": round(sum(r.get("plain_run_seconds") or 0 for r in results), 2),
        "bisect_runs": sum(r.get("bisect_runs_total") or 0 for r in results),
    }
    print(f"\nTOTAL: {totals['ok']}/{totals['cases']} cases ok (found {totals['found']}, polluter "
          f"{totals['polluter_found']}, state named {totals['state_named']}, within bisect budget "
          f"{totals['within_budget']}); project errors {totals['errors']}; wall {totals['wall_seconds']}s vs "
          f"plain runs {totals['plain_run_seconds']}s; bisection runs {totals['bisect_runs']}")
    if args.json:
        args.json.write_text(json.dumps({"totals": totals, "projects": results}, indent=1) + "\n")
    return 0 if totals["ok"] == totals["cases"] and not totals["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
