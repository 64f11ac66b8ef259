"""Benchmark `gapfinder rank` against the time one process needs just to `ast.parse` the files.

For each size N: generate a synthetic code base (benchmarks/synth.py), then measure
  parse-only  one process reading and `ast.parse`-ing every file (the yardstick),
  cold        `gapfinder rank DIR --format json --top 0 --no-git` with no cache,
  warm        the same again, answered from the cache,
each in a fresh subprocess, with the peak RSS of the largest process. Prints a table with the
ratios and the targets, and the machine's load (other work shares the cores).

    python benchmarks/bench_rank.py                 # 1000, 10000, 50000 modules; analyse() and rank
    python benchmarks/bench_rank.py --sizes 1000 --mode analyse   # analyse() only, no ranking
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

# Runs `argv` as a child and prints (seconds, peak RSS in KiB of the largest descendant, CPU
# seconds of all descendants: on a shared machine the CPU time is the steadier figure).
_TIMED = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
if done.returncode not in (0, 1):
    sys.exit("failed: " + done.stderr[-2000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""
_PARSE_ONLY = """
import ast, os, sys
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as handle:
                ast.parse(handle.read())
"""
_ANALYSE_ONLY = """
import sys
from pathlib import Path
from gapfinder.rank.runner import analyse
from gapfinder.config import load_config
from gapfinder.core.project import discover
root = Path(sys.argv[1])
project = discover(root, load_config(root))
result = analyse(project, max_file_bytes=2_000_000, cache_dir=root / ".gapfinder")
assert len(result.modules) == len(project.files), result.skipped[:3]
"""


def timed(argv: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS in MiB, CPU seconds) of one run of argv in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _TIMED, *argv], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(argv)}: {out.stderr.strip() or out.stdout.strip()}")
    seconds, rss, cpu = out.stdout.split()
    return float(seconds), int(rss) / 1024, float(cpu)


def measure(size: int, modes: list[str], keep: Path | None, median_lines: int) -> list[dict]:
    """Figures for one size: parse-only once, then cold and warm runs for each mode."""
    base = Path(tempfile.mkdtemp(prefix=f"gapfinder-bench-{size}-")) if keep is None else keep
    try:
        tree = base / "project"
        if not tree.exists():
            synth.generate(tree, size, median_lines=median_lines)
        lines = sum(p.read_bytes().count(b"\n") for p in tree.rglob("*.py"))
        load_before = os.getloadavg()[0]
        parse = timed([sys.executable, "-c", _PARSE_ONLY, str(tree)])
        rows = []
        for mode in modes:
            if mode == "cli":
                gapfinder = shutil.which("gapfinder", path=str(Path(sys.executable).parent)) or "gapfinder"
                run = [gapfinder, "rank", str(tree), "--format", "json", "--top", "0", "--no-git", "--quiet"]
            else:
                run = [sys.executable, "-c", _ANALYSE_ONLY, str(tree)]
            shutil.rmtree(tree / ".gapfinder", ignore_errors=True)
            cold = timed(run)
            warm = timed(run)
            rows.append({
                "mode": mode, "modules": size, "lines": lines, "parse_only": parse[0], "cold": cold[0],
                "warm": warm[0], "cold_rss_mb": cold[1], "warm_rss_mb": warm[1], "parse_rss_mb": parse[1],
                "parse_cpu": parse[2], "cold_cpu": cold[2], "warm_cpu": warm[2],
                "load": (load_before, os.getloadavg()[0]),
            })
        return rows
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


def report(rows: list[dict]) -> str:
    out = [f"cpus: {os.cpu_count()}; python {sys.version.split()[0]}", "",
           "| what | modules | lines | parse-only s | cold s | cold/parse | warm s | cold RSS MB | warm RSS MB "
           "| CPU s: parse-only / cold / warm | load before/after |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        what = "gapfinder rank" if r["mode"] == "cli" else "analyse()"
        out.append(
            f"| {what} | {r['modules']:,} | {r['lines']:,} | {r['parse_only']:.1f} | {r['cold']:.1f} | "
            f"{r['cold'] / r['parse_only']:.2f} | {r['warm']:.2f} | {r['cold_rss_mb']:.0f} | "
            f"{r['warm_rss_mb']:.0f} | {r['parse_cpu']:.1f} / {r['cold_cpu']:.1f} / {r['warm_cpu']:.1f} | "
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f} |"
        )
    out += ["", "targets: cold <= 1.25x parse-only; warm < 2 s at 6,000 files; 50,000 modules cold < 60 s, "
            "warm < 10 s; memory < 1 GB (RSS of the largest process)"]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated module counts")
    parser.add_argument("--mode", choices=("cli", "analyse", "both"), default="both",
                        help="cli: the whole `gapfinder rank`; analyse: gapfinder.rank.runner.analyse only")
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder; one size only")
    parser.add_argument("--median-lines", type=int, default=150,
                        help="median module size; the issue's '50,000 small modules' suggests about 40")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = ["analyse", "cli"] if args.mode == "both" else [args.mode]
    rows = []
    for size in sizes:
        rows += measure(size, modes, args.keep, args.median_lines)
        print(report(rows), file=sys.stderr, flush=True)  # so far, in case a larger size is stopped
    print(report(rows))
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
