#!/usr/bin/env python3
"""Does gapfinder count each file's statements and missed lines as coverage.py does?

For each real project in projects.json (one that configures coverage.py itself: omit,
exclude_lines / exclude_also regexes, [paths], source, src/ layout) this script

1. downloads its sdist from PyPI (`pip download --no-deps --no-binary :all:`) and unpacks it,
2. makes a venv for it (reused when present), installs it editable with its test requirements,
3. runs its own test suite under its own coverage config (`coverage run [--rcfile] -m pytest ...`,
   `coverage combine` when the config says parallel), one process, under `nice -n 15`,
4. writes `.coverage`, `coverage.json`, `coverage.xml` and `lcov.info` with that same config,
5. runs `gapfinder rank PROJECT --coverage FILE --format json --top 0 --no-git --no-cache` on each,
6. compares per file with `coverage json` (the reference): statements equal? missed equal? files
   only on one side (files the config leaves out that gapfinder ranks anyway, test files that
   coverage measured and gapfinder does not rank), and totals against `coverage report`'s total.

Usage:
    python benchmarks/coverage_agreement/measure.py --work /work/corpora/covbench \
        --gapfinder /path/to/gapfinder [--json out.json] [--only attrs,click] [--reuse-coverage]

Stdlib only (Python 3.10+). Exits 0 whatever the figures; a project whose suite cannot run at all
is reported as such. Nothing of the projects' code is kept in this repository.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS = (("coverage.py", ".coverage"), ("json", "coverage.json"), ("xml", "coverage.xml"), ("lcov", "lcov.info"))
NICE = ["nice", "-n", "15"] if shutil.which("nice") else []
TEST_PARTS = {"tests", "test", "testing"}

# Run inside the project's venv: the coverage configuration as coverage.py itself reads it.
CONFIG_PROBE = r"""
import json, sys, coverage
rc = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else True
cov = coverage.Coverage(config_file=rc)
c = cov.config
print(json.dumps({
    "coverage_version": coverage.__version__,
    "config_file": getattr(c, "config_file", None),
    "source": c.source, "source_pkgs": getattr(c, "source_pkgs", None),
    "run_include": c.run_include, "run_omit": c.run_omit,
    "report_include": c.report_include, "report_omit": c.report_omit,
    "exclude_list": c.exclude_list, "partial_list": c.partial_list,
    "paths": {k: list(v) for k, v in c.paths.items()},
    "branch": c.branch, "parallel": c.parallel, "relative_files": c.relative_files,
}))
"""


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def run(cmd: list[str], cwd: Path | None = None, timeout: float = 1800, env: dict | None = None,
        log_to: Path | None = None) -> subprocess.CompletedProcess:
    """Run cmd, never raise on failure or timeout (returncode 124 then)."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True,
                              errors="replace")
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        proc = subprocess.CompletedProcess(cmd, 124, out, err + f"\n[timed out after {timeout:.0f}s]")
    except OSError as exc:
        proc = subprocess.CompletedProcess(cmd, 127, "", str(exc))
    if log_to is not None:
        with log_to.open("a", encoding="utf-8") as handle:
            handle.write(f"$ {' '.join(cmd)}  (cwd={cwd}) -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}\n")
    return proc


def tail(text: str, lines: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


# --- setup: sdist, venv -----------------------------------------------------------------------

def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def find_python(version: str) -> str | None:
    for candidate in (f"python{version}", "python3", "python"):
        path = shutil.which(candidate)
        if not path:
            continue
        got = run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).stdout.strip()
        if got == version:
            return path
    return None


def fetch_sdist(work: Path, name: str, version: str, python: str, logfile: Path) -> Path:
    sdists = work / "_sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    prefix = f"{normalise(name)}-{version}."

    def present() -> Path | None:
        for path in sorted(sdists.iterdir()):
            if normalise(path.name).startswith(normalise(prefix)) and path.name.endswith((".tar.gz", ".zip")):
                return path
        return None

    found = present()
    if found is None:
        proc = run([python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", f"{name}=={version}",
                    "-d", str(sdists)], timeout=900, log_to=logfile)
        found = present()
        if found is None:
            raise RuntimeError(f"pip download failed: {tail(proc.stderr or proc.stdout)}")
    return found


def unpack(sdist: Path, dest: Path) -> Path:
    """The sdist's single top folder, unpacked under dest (done once)."""
    if dest.is_dir() and any(dest.iterdir()):
        return next(p for p in dest.iterdir() if p.is_dir())
    dest.mkdir(parents=True, exist_ok=True)
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            archive.extractall(dest)
    else:
        with tarfile.open(sdist) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(dest, filter="data")
            else:
                archive.extractall(dest)
    return next(p for p in dest.iterdir() if p.is_dir())


def ensure_venv(base: Path, project: Path, python: str, requirements: list[str], logfile: Path,
                editable: bool = True) -> Path:
    """base/venv with the project (editable, or a regular site-packages install) and its
    requirements; reused when already built so."""
    venv = base / "venv"
    vpython = venv / "bin" / "python"
    stamp = venv / ".covbench-installed"
    wanted = hashlib.sha256(json.dumps([str(project), requirements, editable]).encode()).hexdigest()
    if vpython.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return vpython
    if not vpython.exists():
        proc = run([python, "-m", "venv", str(venv)], log_to=logfile)
        if proc.returncode:
            raise RuntimeError(f"venv failed: {tail(proc.stderr)}")
    target = ["-e", str(project)] if editable else ["--force-reinstall", "--no-deps", str(project)]
    if not editable:  # the project's own dependencies first, then the project itself
        proc = run([str(vpython), "-m", "pip", "install", "-q", str(project), *requirements],
                   timeout=1800, log_to=logfile)
        if proc.returncode:
            raise RuntimeError(f"pip install failed: {tail(proc.stderr or proc.stdout)}")
    proc = run([str(vpython), "-m", "pip", "install", "-q", *target, *([] if not editable else requirements)],
               timeout=1800, log_to=logfile)
    if proc.returncode:
        raise RuntimeError(f"pip install failed: {tail(proc.stderr or proc.stdout)}")
    stamp.write_text(wanted + "\n")
    return vpython


# --- coverage ---------------------------------------------------------------------------------

def rc_args(spec: dict) -> list[str]:
    return [f"--rcfile={spec['rcfile']}"] if spec.get("rcfile") else []


def clean_data(project: Path) -> None:
    for path in project.glob(".coverage*"):
        if path.is_file() and (path.name == ".coverage" or path.name.startswith(".coverage.")):
            path.unlink()


def run_suite(spec: dict, vpython: Path, project: Path, reports: Path, timeout: float, logfile: Path) -> dict:
    """Run the suite under coverage and write the four formats into reports/. Returns run facts."""
    clean_data(project)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", COVERAGE_FILE=str(project / ".coverage"))
    env.pop("COVERAGE_PROCESS_START", None)
    env.pop("PYTEST_ADDOPTS", None)
    started = time.monotonic()
    proc = run([*NICE, str(vpython), "-m", "coverage", "run", *rc_args(spec), *spec["test_command"]],
               cwd=project, timeout=timeout, env=env, log_to=logfile)
    facts = {"suite_exit": proc.returncode, "suite_seconds": round(time.monotonic() - started, 1),
             "suite_tail": tail(proc.stdout, 2)}
    if any(p.name.startswith(".coverage.") for p in project.glob(".coverage.*")):
        comb = run([str(vpython), "-m", "coverage", "combine", *rc_args(spec)], cwd=project, env=env, log_to=logfile)
        facts["combined"] = comb.returncode == 0
        parallel = sorted(p for p in project.glob(".coverage.*") if p.is_file())
        if comb.returncode and len(parallel) == 1 and not (project / ".coverage").exists():
            # e.g. a [paths] entry whose first (result) path has a wildcard: combine refuses, but
            # one data file needs no combining; the reports do not use [paths].
            facts["combine_error"] = tail(comb.stderr or comb.stdout, 1)
            parallel[0].rename(project / ".coverage")
    if not (project / ".coverage").is_file():
        raise RuntimeError(f"the suite recorded no coverage data (exit {proc.returncode}): "
                           f"{tail(proc.stderr or proc.stdout)}")
    reports.mkdir(parents=True, exist_ok=True)
    for _, name in FORMATS:
        (reports / name).unlink(missing_ok=True)
    shutil.copyfile(project / ".coverage", reports / ".coverage")
    for command, out in (("json", "coverage.json"), ("xml", "coverage.xml"), ("lcov", "lcov.info")):
        gen = run([str(vpython), "-m", "coverage", command, *rc_args(spec), "-o", str(reports / out)],
                  cwd=project, env=env, log_to=logfile)
        if gen.returncode not in (0, 2):  # 2: fail_under not reached, the report is written anyway
            raise RuntimeError(f"coverage {command} failed: {tail(gen.stderr or gen.stdout)}")
    total = run([str(vpython), "-m", "coverage", "report", *rc_args(spec), "--format=total", "--precision=2"],
                cwd=project, env=env, log_to=logfile)
    facts["report_total"] = _float(total.stdout.strip().splitlines()[-1]) if total.stdout.strip() else None
    probe = run([str(vpython), "-c", CONFIG_PROBE, spec.get("rcfile") or ""], cwd=project, log_to=logfile)
    facts["config"] = json.loads(probe.stdout) if probe.returncode == 0 else {"error": tail(probe.stderr)}
    (reports / "run.json").write_text(json.dumps(facts, indent=1))
    return facts


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# --- comparison -------------------------------------------------------------------------------

def rel(path: str, root: Path) -> str:
    """A recorded path as a path relative to the project root, with forward slashes."""
    p = path.replace("\\", "/")
    if os.path.isabs(p):
        try:
            return Path(p).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return p
    return p[2:] if p.startswith("./") else p


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return bool(TEST_PARTS.intersection(parts[:-1])) or name.startswith("test_") or name.endswith("_test.py") \
        or name == "conftest.py"


def reference(reports: Path, root: Path) -> dict:
    data = json.loads((reports / "coverage.json").read_text())
    files = {}
    for name, entry in data["files"].items():
        summary = entry["summary"]
        files[rel(name, root)] = {"statements": summary["num_statements"], "missed": summary["missing_lines"],
                                  "missing": entry.get("missing_lines", []),
                                  "excluded": entry.get("excluded_lines", [])}
    totals = data["totals"]
    line_total = 100.0 * totals["covered_lines"] / totals["num_statements"] if totals["num_statements"] else 100.0
    return {"files": files, "percent": totals["percent_covered"], "line_percent": line_total,
            "statements": totals["num_statements"], "missed": totals["missing_lines"]}


def omit_reason(path: str, root: Path, config: dict) -> str:
    """Why coverage.py leaves a file gapfinder ranks out of its report (best effort)."""
    absolute = str(root.resolve() / path)

    def matches(patterns: list | None) -> str | None:
        for pattern in patterns or ():
            pat = pattern if pattern.startswith(("*", "/")) else str(root.resolve() / pattern)
            if fnmatch.fnmatch(absolute, pat) or fnmatch.fnmatch(path, pattern):
                return pattern
        return None

    for key in ("run_omit", "report_omit"):
        hit = matches(config.get(key))
        if hit:
            return f"omit {hit}"
    for key in ("run_include", "report_include"):
        if config.get(key) and not matches(config.get(key)):
            return "not in include"
    if config.get("source") or config.get("source_pkgs"):
        return "outside source"
    return "not measured"


def compare(ref: dict, gf: dict, root: Path, config: dict) -> dict:
    rows = {m["path"]: m for m in gf.get("modules", [])}
    cov_files = ref["files"]
    common = sorted(set(cov_files) & set(rows))
    stmt_eq = [p for p in common if rows[p]["statements"] == cov_files[p]["statements"]]
    missed_eq = [p for p in common if rows[p]["missed"] == cov_files[p]["missed"]]
    only_cov = sorted(set(cov_files) - set(rows))
    only_gf = sorted(set(rows) - set(cov_files))
    mismatches = [
        {"path": p, "cov_statements": cov_files[p]["statements"], "gf_statements": rows[p]["statements"],
         "cov_missed": cov_files[p]["missed"], "gf_missed": rows[p]["missed"],
         "gf_measured": rows[p].get("coverage") is not None}
        for p in common if p not in stmt_eq or p not in missed_eq
    ]
    ranked = [{"path": p, "statements": rows[p]["statements"], "reason": omit_reason(p, root, config)}
              for p in only_gf]
    cov_common_statements = sum(cov_files[p]["statements"] for p in common)
    cov_common_missed = sum(cov_files[p]["missed"] for p in common)
    common_statements = sum(rows[p]["statements"] for p in common)
    common_missed = sum(rows[p]["missed"] for p in common)
    gf_statements = sum(m["statements"] for m in rows.values())
    gf_missed = sum(m["missed"] for m in rows.values())
    summary = gf.get("summary", {})
    return {
        "files_coverage": len(cov_files),
        "files_gapfinder": len(rows),
        "common": len(common),
        "statements_equal": len(stmt_eq),
        "missed_equal": len(missed_eq),
        "statements_equal_pct": 100.0 * len(stmt_eq) / len(common) if common else None,
        "missed_equal_pct": 100.0 * len(missed_eq) / len(common) if common else None,
        "only_coverage": {"tests": [p for p in only_cov if is_test_path(p)],
                          "other": [p for p in only_cov if not is_test_path(p)]},
        "omitted_ranked": ranked,
        "mismatches": mismatches,
        "gf_line_coverage": summary.get("line_coverage"),
        "gf_coverage_total": summary.get("coverage_total"),  # coverage.py's total as gapfinder states it
        "gf_statements": gf_statements,
        "gf_missed": gf_missed,
        "gf_total_rows": 100.0 * (gf_statements - gf_missed) / gf_statements if gf_statements else None,
        # gapfinder's line coverage over the files coverage.py reports too (same file set)
        "common_total": 100.0 * (common_statements - common_missed) / common_statements if common_statements else None,
        "cov_common_total": 100.0 * (cov_common_statements - cov_common_missed) / cov_common_statements
        if cov_common_statements else None,
        "gf_recorded": summary.get("coverage_recorded"),
        "gf_matched": summary.get("coverage_matched"),
        "gf_warnings": summary.get("warnings", []),
    }


def run_gapfinder(gapfinder: str, project: Path, data: Path, timeout: float, logfile: Path) -> dict:
    # --fail-under 0 never fails, and asks for coverage.py's total of raw .coverage data (computed
    # only when a gate needs it, since coverage.py re-parses every file for it).
    cmd = [*NICE, gapfinder, "rank", str(project), "--coverage", str(data), "--format", "json", "--top", "0",
           "--no-git", "--no-cache", "--fail-under", "0"]
    started = time.monotonic()
    proc = run(cmd, timeout=timeout, log_to=None)
    with logfile.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(cmd)} -> {proc.returncode}\n{proc.stderr}\n")
    if proc.returncode != 0:
        raise RuntimeError(f"gapfinder exit {proc.returncode}: {tail(proc.stderr)}")
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"gapfinder printed no JSON ({exc})") from None
    result["_seconds"] = round(time.monotonic() - started, 1)
    return result


# --- driver -----------------------------------------------------------------------------------

def measure_project(spec: dict, defaults: dict, args: argparse.Namespace) -> dict:
    name = spec["name"]
    base = args.work / name
    base.mkdir(parents=True, exist_ok=True)
    logfile = base / "measure.log"
    logfile.write_text("")
    out: dict = {"name": name, "version": spec["version"], "features": spec.get("features", []),
                 "rcfile": spec.get("rcfile"), "formats": {}}
    version = spec.get("python", defaults.get("python", "3.11"))
    python = args.python or find_python(version)
    if python is None:
        out["error"] = f"no python{version} found"
        return out
    reports = base / "reports"
    try:
        sdist = fetch_sdist(args.work, name, spec["version"], python, logfile)
        project = unpack(sdist, base / "project")
        out["root"] = str(project)
        if args.reuse_coverage and (reports / "run.json").is_file() and all((reports / f).is_file() for _, f in FORMATS):
            facts = json.loads((reports / "run.json").read_text())
        else:
            base_requirements = spec.get("base_requirements", defaults.get("base_requirements", []))
            requirements = [*base_requirements, *spec.get("requirements", [])]
            log(f"[{name}] venv")
            vpython = ensure_venv(base, project, python, requirements, logfile, spec.get("editable", True))
            log(f"[{name}] running the suite under coverage")
            facts = run_suite(spec, vpython, project, reports, spec.get("timeout_seconds",
                              defaults.get("timeout_seconds", 900)), logfile)
        out.update({k: v for k, v in facts.items()})
        ref = reference(reports, project)
    except (RuntimeError, OSError, ValueError, KeyError, StopIteration) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}" if not isinstance(exc, RuntimeError) else str(exc)
        log(f"[{name}] cannot be measured: {out['error']}")
        return out
    out["coverage_total"] = ref["percent"]
    out["coverage_line_total"] = ref["line_percent"]
    out["coverage_files"] = len(ref["files"])
    config = out.get("config") or {}
    for fmt, filename in FORMATS:
        log(f"[{name}] gapfinder on {filename}")
        try:
            gf = run_gapfinder(args.gapfinder, project, reports / filename, args.gapfinder_timeout, logfile)
            (reports / f"gapfinder-{fmt}.json").write_text(json.dumps(gf, indent=1))
            result = compare(ref, gf, project, config)
            result["seconds"] = gf["_seconds"]
        except RuntimeError as exc:
            result = {"error": str(exc)}
        out["formats"][fmt] = result
    return out


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def table(results: list[dict]) -> str:
    head = ["project", "format", "files (coverage)", "files (gapfinder)", "statements equal %", "missed equal %",
            "total coverage.py", "total gapfinder (coverage_total)", "omitted files ranked"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for res in results:
        label = f"{res['name']} {res['version']}"
        if res.get("error"):
            lines.append(f"| {label} | — | cannot run: {res['error'][:120]} |" + " |" * (len(head) - 3))
            continue
        for fmt, _ in FORMATS:
            r = res["formats"].get(fmt, {})
            if r.get("error"):
                lines.append(f"| {label} | {fmt} | {res['coverage_files']} | error: {r['error'][:100]} |"
                             + " |" * (len(head) - 4))
                continue
            tests_only = len(r["only_coverage"]["tests"])
            other_only = len(r["only_coverage"]["other"])
            extra = f" ({tests_only} tests{f', {other_only} other' if other_only else ''} not ranked)" \
                if tests_only or other_only else ""
            lines.append("| " + " | ".join([
                label, fmt, f"{r['files_coverage']}{extra}", str(r["files_gapfinder"]),
                f"{pct(r['statements_equal_pct'])} ({r['statements_equal']}/{r['common']})",
                f"{pct(r['missed_equal_pct'])} ({r['missed_equal']}/{r['common']})",
                f"{pct(res['coverage_total'])} (lines {pct(res['coverage_line_total'])}; same files "
                f"{pct(r['cov_common_total'])})",
                f"{pct(r['gf_coverage_total'])} (lines {pct(r['gf_line_coverage'])}; same files "
                f"{pct(r['common_total'])})",
                omitted_cell(r["omitted_ranked"]),
            ]) + " |")
    return "\n".join(lines)


def omitted_cell(ranked: list[dict]) -> str:
    if not ranked:
        return "0"
    kinds: dict[str, int] = {}
    for row in ranked:
        kind = "omit" if row["reason"].startswith("omit") else row["reason"]
        kinds[kind] = kinds.get(kind, 0) + 1
    return f"{len(ranked)} (" + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())) + ")"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for sdists, venvs, reports")
    parser.add_argument("--gapfinder", required=True, help="the gapfinder executable to measure")
    parser.add_argument("--json", type=Path, help="write every figure (and per-file mismatches) here")
    parser.add_argument("--projects", type=Path, default=HERE / "projects.json")
    parser.add_argument("--only", help="comma-separated project names")
    parser.add_argument("--python", help="interpreter for the venvs (default: pythonX.Y from projects.json)")
    parser.add_argument("--reuse-coverage", action="store_true",
                        help="keep the reports of an earlier run instead of running the suites again")
    parser.add_argument("--gapfinder-timeout", type=float, default=600)
    args = parser.parse_args(argv)
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    spec = json.loads(args.projects.read_text())
    wanted = set(args.only.split(",")) if args.only else None
    results = []
    for project in spec["projects"]:
        if wanted and project["name"] not in wanted:
            continue
        results.append(measure_project(project, spec.get("defaults", {}), args))
    print(table(results))
    print()
    print(summary_lines(results))
    print()
    print(suite_table(results))
    if args.json:
        args.json.write_text(json.dumps({"gapfinder": args.gapfinder, "results": results}, indent=1))
    return 0


def suite_table(results: list[dict]) -> str:
    lines = ["| project | coverage.py | config file | suite exit | suite (last line) | seconds |", "|---|---|---|---|---|---|"]
    for res in results:
        config = res.get("config") or {}
        where = Path(config["config_file"]).name if config.get("config_file") else "—"
        outcome = res.get("suite_tail", "").split(" | ")[-1] if not res.get("error") else res["error"][:100]
        lines.append(f"| {res['name']} | {config.get('coverage_version', '—')} | {where} | {res.get('suite_exit', '—')} | "
                     f"{outcome} | {res.get('suite_seconds', '—')} |")
    return "\n".join(lines)


def summary_lines(results: list[dict]) -> str:
    out = []
    for fmt, _ in FORMATS:
        common = stmt = missed = ranked = projects = totals_equal = totals_unknown = 0
        for res in results:
            r = res.get("formats", {}).get(fmt)
            if not r or r.get("error"):
                continue
            common += r["common"]
            stmt += r["statements_equal"]
            missed += r["missed_equal"]
            ranked += len(r["omitted_ranked"])
            projects += 1
            ours, theirs = r.get("gf_coverage_total"), res.get("report_total")
            totals_unknown += ours is None
            totals_equal += ours is not None and theirs is not None and abs(ours - theirs) < 0.005
        if common:
            out.append(f"{fmt}: statements equal {stmt}/{common} ({100 * stmt / common:.1f}%), "
                       f"missed equal {missed}/{common} ({100 * missed / common:.1f}%), "
                       f"{ranked} files ranked that coverage.py leaves out, "
                       f"total equal to `coverage report` in {totals_equal}/{projects} projects"
                       + (f" ({totals_unknown} unknown)" if totals_unknown else ""))
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
