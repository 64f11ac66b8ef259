#!/usr/bin/env python3
"""Triage on real suites with seeded product defects, test defects and a flaky test: is each verdict right?

    python benchmarks/triage_seeded/measure.py --work /tmp/triage --gapfinder .venv/bin/gapfinder [--json OUT]

For each project in seeds.json: its tree (an sdist under /work/corpora/scaffold/<project>/tree, run by
the venv next to it) is copied to --work and committed to a fresh git repository (the originals are
never touched). The chosen test files run once as they are (failures there are not scored), then once
per seed alone (the tests a seed breaks are its truth), then with every seed applied, twice
(GF_TRIAGE_RUN=a and =b: the flaky seed fails only in run a). `gapfinder doctor --junit a.xml --junit
b.xml --diff HEAD` triages the last two runs; each failing test's verdict is scored against the kind
of the seed that broke it (product -> "likely product defect", test -> "test defect", flaky ->
"flaky"). The same is reported without --diff. Stores no third-party code: seeds.json holds only
(file, line text, replacement). Stdlib only.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECT = {"product": "likely product defect", "test": "test defect", "flaky": "flaky"}
GIT = {"GIT_AUTHOR_NAME": "triage", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "triage",
       "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def test_key(test: str) -> str:
    """A test id without its parameters: some suites draw parameter ids at random (secrets, keys), so
    the same test has another id in each run; a seed's truth and doctor's verdicts join on this key."""
    return test.split("[", 1)[0]


def failed(junit: Path) -> set[str]:
    """Failed or errored tests (doctor's classname::name), parameters left out."""
    out = set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            classname, name = case.get("classname", ""), case.get("name", "")
            out.add(test_key(f"{classname}::{name}" if classname else name))
    return out


def run_tests(tree: Path, python: Path, tests: list[str], junit: Path, run: str) -> set[str]:
    env = {**os.environ, "GF_TRIAGE_RUN": run, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                    f"--junitxml={junit}", *tests], cwd=tree, env=env, capture_output=True, timeout=1800)
    return failed(junit)


def apply(tree: Path, seed: dict) -> None:
    path = tree / seed["file"]
    raw = path.read_bytes().decode("utf-8")
    lines = raw.splitlines(keepends=True)
    start = 0
    if "near" in seed:  # the first line with `line` after the one line that holds `near`
        anchors = [i for i, line in enumerate(lines) if seed["near"] in line]
        if len(anchors) != 1:
            raise SystemExit(f"seed {seed['id']}: {seed['near']!r} is on {len(anchors)} lines of {seed['file']}, not 1")
        start = anchors[0]
    hits = [i for i, line in enumerate(lines) if i >= start and seed["line"] in line][:1 if "near" in seed else None]
    if len(hits) != 1:
        raise SystemExit(f"seed {seed['id']}: {seed['line']!r} is on {len(hits)} lines of {seed['file']}, not 1")
    lines[hits[0]] = lines[hits[0]].replace(seed["line"], seed["replace"])
    path.write_bytes("".join(lines).encode("utf-8"))


def doctor(gapfinder: str, tree: Path, tests: list[str], junits: list[Path], diff: bool) -> list[dict]:
    cmd = [gapfinder, "doctor", *tests, "--format", "json", "--quiet"]
    for junit in junits:
        cmd += ["--junit", str(junit)]
    if diff:
        cmd += ["--diff", "HEAD"]
    proc = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    data = json.loads(proc.stdout)
    return [f for group in data["triage"]["groups"] for f in group["failures"]]


def project(spec: dict, work: Path, gapfinder: str, corpora: Path) -> dict:
    name, tests = spec["name"], spec["tests"]
    source = corpora / name
    python = source / "venv" / "bin" / "python"
    tree = work / name
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(source / "tree", tree, ignore=shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache"))
    env = {**os.environ, **GIT}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *cmd], cwd=tree, env=env, check=True, capture_output=True)
    out = work / f"{name}-junit"
    out.mkdir(exist_ok=True)
    base = run_tests(tree, python, tests, out / "base.xml", "b")
    truth: dict[str, set[str]] = {}
    for seed in spec["seeds"]:
        apply(tree, seed)
        broke = run_tests(tree, python, tests, out / f"seed-{seed['id']}.xml", "a") - base
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=tree, check=True)
        if not broke:
            print(f"  seed {seed['id']} broke no test")
        for test in broke:
            truth.setdefault(test, set()).add(seed["id"])
    for seed in spec["seeds"]:
        apply(tree, seed)
    a = run_tests(tree, python, tests, out / "a.xml", "a")
    b = run_tests(tree, python, tests, out / "b.xml", "b")
    kinds = {s["id"]: s["kind"] for s in spec["seeds"]}
    result = {"project": name, "tests": tests, "base_failures": len(base), "seeds": len(spec["seeds"])}
    for mode in ("diff", "no diff"):
        verdicts: dict[str, set[str]] = {}
        evidence: dict[str, str] = {}
        for failure in doctor(gapfinder, tree, tests, [out / "a.xml", out / "b.xml"], mode == "diff"):
            verdicts.setdefault(test_key(failure["test"]), set()).add(failure["verdict"])
            evidence[test_key(failure["test"])] = failure["evidence"]
        score: Counter = Counter()
        rows = []
        for test in sorted((a | b) - base):
            seeds = truth.get(test, set())
            expected = {EXPECT[kinds[s]] for s in seeds}
            got = verdicts.get(test, set())
            if not seeds:
                outcome = "unattributed"
            elif len(expected) > 1:
                outcome = "mixed seeds"
            elif got == {"unknown"}:
                outcome = "unknown"  # doctor declined to decide: not right, not a wrong verdict
            else:
                outcome = "right" if got == expected else "wrong"
            score[outcome] += 1
            score[f"{outcome}:{kinds[min(seeds)] if seeds else '-'}"] += 1
            rows.append({"test": test, "seeds": sorted(seeds), "expected": sorted(expected), "got": sorted(got),
                         "outcome": outcome, "evidence": evidence.get(test, "")})
        result[mode] = {"score": dict(score), "failures": rows}
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gapfinder", default="gapfinder")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--corpora", type=Path, default=Path("/work/corpora/scaffold"))
    ap.add_argument("--json", dest="json_out", type=Path)
    ap.add_argument("--only", help="one project of seeds.json")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    gapfinder = str(Path(args.gapfinder).resolve()) if "/" in args.gapfinder else args.gapfinder
    results = []
    for spec in json.loads((HERE / "seeds.json").read_text())["projects"]:
        if args.only and spec["name"] != args.only:
            continue
        res = project(spec, args.work.resolve(), gapfinder, args.corpora)
        results.append(res)
        for mode in ("diff", "no diff"):
            score = res[mode]["score"]
            scored = score.get("right", 0) + score.get("wrong", 0) + score.get("unknown", 0)
            print(f"{res['project']:<14} {mode:<8} right {score.get('right', 0)}/{scored}, wrong "
                  f"{score.get('wrong', 0)}, unknown {score.get('unknown', 0)}  "
                  f"(product {score.get('right:product', 0)}/{score.get('right:product', 0) + score.get('wrong:product', 0) + score.get('unknown:product', 0)}, "
                  f"test {score.get('right:test', 0)}/{score.get('right:test', 0) + score.get('wrong:test', 0) + score.get('unknown:test', 0)}, "
                  f"flaky {score.get('right:flaky', 0)}/{score.get('right:flaky', 0) + score.get('wrong:flaky', 0) + score.get('unknown:flaky', 0)})  "
                  f"unattributed {score.get('unattributed', 0)}, mixed {score.get('mixed seeds', 0)}, "
                  f"base failures {res['base_failures']}")
            for row in res[mode]["failures"]:
                if row["outcome"] != "right":
                    print(f"    {row['outcome']}: {row['test']} seeds={row['seeds']} expected={row['expected']} "
                          f"got={row['got']}  [{row['evidence'][:160]}]")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
