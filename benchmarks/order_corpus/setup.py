#!/usr/bin/env python3
"""Build the order-dependence corpus described in cases.json (stdlib only).

    python setup.py --work DIR [--only NAME] [--verify] [--record]

Injected projects: the pinned tree is copied to DIR/<project>/ and every case of that project
lays its test files into the copy. Public cases: the repository is cloned from its git mirror
(`fetch github:owner/name`) into DIR/<case>/, checked out at the reported commit, and a venv is
built in DIR/_venvs/<case>/ with the recorded pip installs.
--pristine copies the injected projects without their cases (to measure false positives).
--verify runs pytest (-p no:randomly -p no:cacheprovider) per case: victim alone, polluter then
victim, and the project's paths in file order; results go to DIR/verify.json (and into
cases.json with --record).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRROR = Path(os.environ.get("MIRROR", "/work/.mirror"))
IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", ".coverage", ".coverage.*", ".mypy_cache")


def load() -> dict:
    return json.loads((HERE / "cases.json").read_text())


def python_of(project: dict, work: Path) -> str:
    return project["python"].replace("{work}", str(work))


def run(cmd, cwd=None, env=None, timeout=1800, check=True):
    print("+", cmd if isinstance(cmd, str) else " ".join(map(str, cmd)), file=sys.stderr)
    proc = subprocess.run(cmd, cwd=cwd, env=env, shell=isinstance(cmd, str), timeout=timeout)
    if check and proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {cmd}")
    return proc.returncode


def existing_paths(root: Path, paths: list) -> list:
    """The project's pytest paths that exist in this copy (a pristine copy lacks the injected files)."""
    return [p for p in paths if (root / p.split("::")[0]).exists()]


def lay_files(dest: Path, case: dict) -> None:
    for f in case["files"]:
        target = dest / f["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if f["mode"] == "append":
            if not target.exists():
                raise SystemExit(f"{case['name']}: {f['path']} does not exist to append to")
            with target.open("a", encoding="utf-8", newline="\n") as fh:
                fh.write(f["content"])
        else:
            if target.exists():
                raise SystemExit(f"{case['name']}: {f['path']} already exists in the project")
            target.write_text(f["content"], encoding="utf-8", newline="\n")


def build_injected(project: dict, cases: list, work: Path) -> None:
    dest = work / project["name"]
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(project["tree"], dest, symlinks=True, ignore=IGNORE)
    for case in cases:
        lay_files(dest, case)
    print(f"built {dest} with {len(cases)} case(s)", file=sys.stderr)


def build_public(case: dict, work: Path) -> None:
    dest = work / case["name"]
    if dest.exists():
        shutil.rmtree(dest)
    owner_name = case["repo"].replace("/", "+")
    run(["git", "clone", "-q", "--shared", str(MIRROR / owner_name / "repo"), str(dest)])
    run(["git", "-C", str(dest), "checkout", "-q", case["commit"]])
    venv = work / "_venvs" / case["name"]
    if not (venv / "bin" / "python").exists():
        run([case.get("base_python", "python3"), "-m", "venv", str(venv)])
    env = dict(os.environ, VENV=str(venv), P=str(dest))
    for cmd in case["install"]:
        run(cmd, cwd=dest, env=env)
    print(f"built {dest} at {case['commit'][:12]}", file=sys.stderr)


def pytest_outcomes(python: str, root: Path, args: list, env: dict, timeout: int = 900) -> tuple:
    """Run pytest once; return ({nodeid: 'passed'|'failed'|'skipped'}, seconds, rc)."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        cmd = [python, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
               "-o", "junit_family=xunit1", f"--junitxml={xml}", f"--rootdir={root}", *args]
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            return {}, time.monotonic() - start, "timeout"
        seconds = time.monotonic() - start
        out = {}
        if xml.exists():
            for tc in ET.parse(xml).getroot().iter("testcase"):
                out[junit_nodeid(tc)] = outcome(tc)
        return out, round(seconds, 2), rc


def junit_nodeid(tc) -> str:
    """Rebuild a pytest node id from a JUnit testcase (file attribute is present with xunit1)."""
    path = tc.get("file") or ""
    classname = tc.get("classname", "")
    name = tc.get("name", "")
    module = path[:-3].replace("/", ".") if path.endswith(".py") else ""
    rest = classname[len(module) + 1:] if module and classname.startswith(module + ".") else ""
    parts = [path] + ([*rest.split(".")] if rest else []) + [name]
    return "::".join(p for p in parts if p)


def same_test(a: str, b: str) -> bool:
    """Node ids may be relative to different rootdirs: compare files by path-segment suffix."""
    fa, _, ra = a.partition("::")
    fb, _, rb = b.partition("::")
    if ra != rb:
        return False
    return fa == fb or fa.endswith("/" + fb) or fb.endswith("/" + fa)


def lookup(outcomes: dict, nodeid: str) -> str:
    if nodeid in outcomes:
        return outcomes[nodeid]
    hits = [v for k, v in outcomes.items() if same_test(k, nodeid)]
    return hits[0] if len(hits) == 1 else "missing"


def outcome(tc) -> str:
    tags = {child.tag for child in tc}
    if "failure" in tags or "error" in tags:
        return "failed"
    if "skipped" in tags:
        return "skipped"
    return "passed"


def verify(data: dict, selected_projects: list, selected_cases: list, work: Path) -> list:
    results = []
    by_project = {}
    for case in selected_cases:
        by_project.setdefault(case["project"], []).append(case)
    for project in selected_projects:
        root = work / project["name"] / project.get("root", ".")
        env = dict(os.environ, **project.get("env", {}))
        python = python_of(project, work)
        extra = project.get("pytest_args", [])
        full, full_s, full_rc = pytest_outcomes(python, root, [*extra, *existing_paths(root, project["paths"])], env)
        failing = sorted(k for k, v in full.items() if v == "failed")
        for case in by_project.get(project["name"], []):
            alone, alone_s, _ = pytest_outcomes(python, root, [*extra, case["victim"]], env)
            pair, pair_s, _ = pytest_outcomes(python, root, [*extra, case["polluter"], case["victim"]], env)
            res = {
                "case": case["name"], "project": project["name"], "kind": case["kind"],
                "victim_alone": lookup(alone, case["victim"]),
                "polluter_then_victim": lookup(pair, case["victim"]),
                "polluter_outcome": lookup(pair, case["polluter"]),
                "victim_in_file_order": lookup(full, case["victim"]),
                "suite_tests": len(full), "suite_failed": len(failing), "suite_seconds": full_s,
                "suite_rc": full_rc,
            }
            res["verified"] = res["victim_alone"] == "passed" and res["polluter_then_victim"] == "failed"
            results.append(res)
            print(f"{case['name']:<42} alone={res['victim_alone']:<7} pair={res['polluter_then_victim']:<7} "
                  f"file-order={res['victim_in_file_order']:<7} suite={len(full)} tests/{full_s}s "
                  f"verified={res['verified']}")
        if not by_project.get(project["name"]):
            print(f"{project['name']}: {len(full)} tests, {len(failing)} failed, {full_s}s")
        results.append({"project": project["name"], "suite_tests": len(full), "suite_failed": failing,
                         "suite_seconds": full_s})
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--only", help="a project name or a case name")
    ap.add_argument("--verify", action="store_true", help="run pytest to check every case")
    ap.add_argument("--record", action="store_true", help="with --verify: store results in cases.json")
    ap.add_argument("--no-build", action="store_true", help="verify existing copies only")
    ap.add_argument("--pristine", action="store_true",
                    help="copy the injected projects without laying any case (baseline for false positives)")
    args = ap.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    markers = [a / m for a in work.parents for m in ("setup.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml")
               if (a / m).exists()]
    if markers:
        print(f"note: {markers[0]} is above WORK; pytest run without --rootdir in a project that has no "
              "config of its own takes that folder as rootdir (node ids change)", file=sys.stderr)
    data = load()
    projects, cases = [], []
    for p in data["projects"]:
        mine = [c for c in data["cases"] if c["project"] == p["name"]]
        if args.only in (None, p["name"]) or any(c["name"] == args.only for c in mine):
            projects.append(p)
            cases.extend(mine)
    publics = [c for c in data.get("public", []) if args.only in (None, c["name"])]
    if not projects and not publics:
        print(f"no project or case named {args.only!r}", file=sys.stderr)
        return 2
    if not args.no_build:
        for p in projects:
            build_injected(p, [] if args.pristine else [c for c in cases if c["project"] == p["name"]], work)
        for c in publics:
            build_public(c, work)
    if not args.verify:
        return 0
    if args.pristine:
        cases, publics = [], []
        if args.record:
            print("--record is ignored with --pristine", file=sys.stderr)
            args.record = False
    public_projects = [dict(c, name=c["name"]) for c in publics]
    results = verify(data, projects + public_projects, cases + [dict(c, project=c["name"]) for c in publics], work)
    (work / "verify.json").write_text(json.dumps(results, indent=1) + "\n")
    if args.record:
        verified = {r["case"]: r for r in results if "case" in r}
        for c in data["cases"] + data.get("public", []):
            if c["name"] in verified:
                r = verified[c["name"]]
                c["verified"] = {k: r[k] for k in ("victim_alone", "polluter_then_victim", "polluter_outcome",
                                                   "victim_in_file_order", "suite_tests", "suite_seconds", "verified")}
                c["verified"]["date"] = time.strftime("%Y-%m-%d")
        (HERE / "cases.json").write_text(json.dumps(data, indent=1) + "\n")
    return 0 if all(r.get("verified", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
