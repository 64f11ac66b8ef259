#!/usr/bin/env python3
"""Measure `gapfinder doctor` recall on hand-labelled upstream mock-shape fixes.

For every case in cases.json: check out the repository at the parent commit (the wrong test),
run `gapfinder doctor <test_file> --format json` from the work-tree root, and count a labelled
wrong line as found when doctor reports a finding on that file within +-2 lines of the finding's line
(with --related, also of one of its `related_lines`, the other places the finding names).  Then do the
same at the fix commit and count findings on the labelled fix lines (there should be none; there a
finding's related lines always count, so that side is never the lenient one).

Stdlib only, Python 3.10+.  Always exits 0; a case that cannot be checked out is reported as
"not runnable: <reason>", never skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOLERANCE = 2
RELATED = False  # --related
MIN_CONFIDENCE = "likely"  # --min-confidence: "certain" measures the findings doctor is sure of only


def git(gitdir: Path, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], cwd=cwd, capture_output=True, text=True,
                          errors="replace", check=check)


def find_gitdir(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+")
    for cand in (base / "repo", base):
        if (cand / "HEAD").is_file() or (cand / ".git" / "HEAD").is_file():
            return cand / ".git" if (cand / ".git" / "HEAD").is_file() else cand
    return None


def checkout(gitdir: Path, commit: str, test_file: str, dest: Path) -> str | None:
    """Write the tree of `commit` into dest (git archive; falls back per file). Returns an error or None."""
    if git(gitdir, "cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode:
        return f"commit {commit[:12]} is not in the mirror"
    if git(gitdir, "cat-file", "-e", f"{commit}:{test_file}", check=False).returncode:
        return f"{test_file} does not exist at {commit[:12]}"
    dest.mkdir(parents=True, exist_ok=True)
    arch = subprocess.run(f"git --git-dir='{gitdir}' archive --format=tar {commit} | tar -x -C '{dest}'",
                          shell=True, capture_output=True, text=True, errors="replace")
    if arch.returncode == 0 and (dest / test_file).is_file():
        return None
    # Missing blobs (large files left out of the snapshot) break `git archive`: write the files one by one.
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    listing = git(gitdir, "ls-tree", "-r", "-z", commit, check=False)
    if listing.returncode:
        return f"ls-tree failed: {listing.stderr.strip()[:200]}"
    missing = 0
    for entry in listing.stdout.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, sha = meta.split()
        if kind != "blob" or mode == "120000":
            continue
        blob = subprocess.run(["git", f"--git-dir={gitdir}", "cat-file", "blob", sha], capture_output=True)
        if blob.returncode:
            missing += 1
            if path == test_file:
                return f"the blob of {test_file} is missing from the mirror"
            continue
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob.stdout)
    return None


def run_doctor(gapfinder: str, tree: Path, test_file: str) -> tuple[list[dict] | None, str]:
    """Run doctor from the tree root; return (findings on test_file, note)."""
    notes = []
    for cwd, arg in ((tree, test_file), (tree, str(tree / test_file))):
        try:
            proc = subprocess.run([gapfinder, "doctor", arg, "--format", "json", "--min-confidence", MIN_CONFIDENCE],
                                  cwd=cwd, capture_output=True,
                                  text=True, errors="replace", timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            notes.append(f"doctor failed: {exc}")
            continue
        try:
            data = json.loads(proc.stdout)
        except json.JSONDecodeError:
            err = (proc.stderr or proc.stdout).strip().splitlines()
            notes.append(f"exit {proc.returncode}: {err[-1][:160] if err else 'no output'}")
            continue
        target = os.path.normpath(test_file)
        found = []
        for f in data.get("findings", []):
            p = os.path.normpath(str(f.get("path", "")))
            if os.path.isabs(p):
                try:
                    p = os.path.relpath(p, tree)
                except ValueError:
                    pass
            if p == target or p.endswith(os.sep + target) or target.endswith(os.sep + p):
                found.append(f)
        return found, "; ".join(notes)
    return None, "; ".join(notes)


def near(findings: list[dict], line: int, related: bool) -> list[str]:
    """The codes of the findings within TOLERANCE of `line` (related: counting their related lines too)."""
    return sorted({f.get("code", "?") for f in findings
                   if any(abs(int(at) - line) <= TOLERANCE
                          for at in [f.get("line", -99), *(f.get("related_lines", []) if related else [])])})


def certain(findings: list[dict]) -> list[dict]:
    """The findings doctor reports at its default confidence (a run with likely shows both)."""
    return [f for f in findings if f.get("confidence", "certain") == "certain"]


def measure_case(case: dict, mirrors: Path, gapfinder: str, tmp: Path, keep: bool = False) -> dict:
    res = {"id": case["id"], "repo": case["repo"], "kind": case.get("kind"), "test_file": case["test_file"],
           "labelled": len(case["wrong_lines"]), "found": 0, "found_lines": {}, "fix_lines": len(case["fix_lines"]),
           "fix_line_findings": {}, "status": "ok", "notes": [], "found_certain": 0, "fix_line_findings_certain": 0}
    gitdir = find_gitdir(mirrors, case["repo"])
    if gitdir is None:
        res["status"] = f"not runnable: no mirror of {case['repo']} in {mirrors} (run the fetch tool: fetch github:{case['repo']})"
        return res
    for label, commit, lines in (("parent", case["parent"], case["wrong_lines"]), ("fix", case["fix"], case["fix_lines"])):
        tree = tmp / f"{case['id']}-{label}"
        tf = case["test_file"] if label == "parent" else case.get("fix_test_file", case["test_file"])
        err = None if keep and (tree / tf).is_file() else checkout(gitdir, commit, case["test_file"] if label == "parent" else case.get("fix_test_file", case["test_file"]), tree)
        if err:
            res["status"] = f"not runnable: {label}: {err}"
            return res
        findings, note = run_doctor(gapfinder, tree, tf)
        if not keep:
            shutil.rmtree(tree, ignore_errors=True)
        if findings is None:
            res["status"] = f"not runnable: {label}: doctor gave no JSON ({note})"
            return res
        if note:
            res["notes"].append(f"{label}: {note}")
        if label == "parent":
            res["parent_findings"] = [(f.get("line"), f.get("code"), f.get("confidence")) for f in findings]
            for ln in lines:
                codes = near(findings, ln, RELATED)
                if codes:
                    res["found"] += 1
                    res["found_lines"][str(ln)] = codes
                res["found_certain"] += bool(near(certain(findings), ln, RELATED))
        else:
            res["fix_findings"] = [(f.get("line"), f.get("code"), f.get("confidence")) for f in findings]
            for ln in lines:
                codes = near(findings, ln, True)
                if codes:
                    res["fix_line_findings"][str(ln)] = codes
                res["fix_line_findings_certain"] += bool(near(certain(findings), ln, True))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", default="/work/.mirror", type=Path)
    ap.add_argument("--gapfinder", default=shutil.which("gapfinder") or "gapfinder")
    ap.add_argument("--cases", default=HERE / "cases.json", type=Path)
    ap.add_argument("--json", dest="json_out", type=Path, help="write the per-case results here")
    ap.add_argument("--only", nargs="*", help="case ids to run")
    ap.add_argument("--jobs", type=int, default=1, help="cases measured at once")
    ap.add_argument("--min-confidence", choices=("likely", "certain"), default="likely",
                    help="passed to doctor: count only findings at least this sure")
    ap.add_argument("--keep", type=Path, help="keep the checked-out trees in this folder and reuse them on later runs")
    ap.add_argument("--related", action="store_true",
                    help="count a labelled line as found when it is near one of a finding's related lines too")
    args = ap.parse_args()
    global MIN_CONFIDENCE, RELATED
    MIN_CONFIDENCE, RELATED = args.min_confidence, args.related
    cases = json.loads(args.cases.read_text())
    if args.only:
        cases = [c for c in cases if c["id"] in set(args.only)]
    results = []
    with tempfile.TemporaryDirectory(prefix="doctor-corpus-") as td:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)

        def one(case: dict) -> dict:
            try:
                return measure_case(case, args.mirrors, args.gapfinder, args.keep or Path(td), keep=bool(args.keep))
            except Exception as exc:  # a broken case is reported, never skipped
                return {"id": case["id"], "repo": case["repo"], "labelled": len(case["wrong_lines"]), "found": 0,
                        "fix_lines": len(case["fix_lines"]), "fix_line_findings": {},
                        "status": f"not runnable: {exc!r}"}

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for r in pool.map(one, cases):
                results.append(r)
                print(f"{r['id']:<44} {r['found']:>2}/{r['labelled']:<2} fix-line findings: "
                      f"{len(r['fix_line_findings'])}  {'' if r['status'] == 'ok' else r['status']}", flush=True)

    per_repo = defaultdict(lambda: [0, 0, 0, 0, 0])  # found, labelled, cases, cases with >=1 hit, fix-line hits
    for r in results:
        if not r["status"].startswith("ok"):
            per_repo[r["repo"]][1] += r["labelled"]
            per_repo[r["repo"]][2] += 1
            continue
        pr = per_repo[r["repo"]]
        pr[0] += r["found"]; pr[1] += r["labelled"]; pr[2] += 1; pr[3] += bool(r["found"]); pr[4] += len(r["fix_line_findings"])
    print()
    print(f"{'repo':<44} {'lines found':>12} {'cases hit':>10} {'fix-line findings':>18}")
    tot = [0, 0, 0, 0, 0]
    for repo in sorted(per_repo):
        f, l, c, h, x = per_repo[repo]
        tot = [a + b for a, b in zip(tot, per_repo[repo])]
        print(f"{repo:<44} {f:>5}/{l:<6} {h:>4}/{c:<5} {x:>18}")
    f, l, c, h, x = tot
    rec = f / l if l else 0.0
    print(f"{'TOTAL':<44} {f:>5}/{l:<6} {h:>4}/{c:<5} {x:>18}   line recall {rec:.1%}")
    ok = [r for r in results if r["status"].startswith("ok")]
    fc = sum(r.get("found_certain", 0) for r in ok)
    xc = sum(r.get("fix_line_findings_certain", 0) for r in ok)
    hc = sum(bool(r.get("found_certain")) for r in ok)
    if MIN_CONFIDENCE == "likely":
        print(f"{'TOTAL at certain (the default)':<44} {fc:>5}/{l:<6} {hc:>4}/{c:<5} {xc:>18}   line recall {fc / l if l else 0:.1%}")
    nr = [r for r in results if not r["status"].startswith("ok")]
    if nr:
        print(f"\n{len(nr)} case(s) not runnable:")
        for r in nr:
            print(f"  {r['id']}: {r['status']}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"gapfinder": args.gapfinder, "tolerance": TOLERANCE, "cases": results,
                                             "per_repo": {k: dict(zip(("found", "labelled", "cases", "cases_hit",
                                                                       "fix_line_findings"), v)) for k, v in per_repo.items()},
                                             "total": {"found": f, "labelled": l, "cases": c, "cases_hit": h,
                                                       "fix_line_findings": x, "recall": rec,
                                                       "found_certain": fc, "cases_hit_certain": hc,
                                                       "fix_line_findings_certain": xc}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
